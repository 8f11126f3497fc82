package dev.chime;

/** A trigger spec could not be parsed; the message names the spec and the part that is wrong. */
public class InvalidTriggerSpecException extends ChimeException {

    private final String spec;

    public InvalidTriggerSpecException(String spec, String problem) {
        super("invalid trigger spec \"" + spec + "\": " + problem);
        this.spec = spec;
    }

    public InvalidTriggerSpecException(String spec, String problem, Throwable cause) {
        super("invalid trigger spec \"" + spec + "\": " + problem, cause);
        this.spec = spec;
    }

    public String spec() {
        return spec;
    }
}
