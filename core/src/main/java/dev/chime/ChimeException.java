package dev.chime;

/** The base of the exceptions Chime throws on purpose. */
public class ChimeException extends RuntimeException {

    public ChimeException(String message) {
        super(message);
    }

    public ChimeException(String message, Throwable cause) {
        super(message, cause);
    }
}
