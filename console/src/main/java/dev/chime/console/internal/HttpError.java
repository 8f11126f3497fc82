package dev.chime.console.internal;

/** Ends a request with a status and a message for the client (never internals). */
public final class HttpError extends RuntimeException {

    private final int status;

    public HttpError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
