package dev.chime.demo.http;

/** Ends a request with a status and a message for the client. */
final class HttpError extends RuntimeException {

    final int status;

    HttpError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }
}
