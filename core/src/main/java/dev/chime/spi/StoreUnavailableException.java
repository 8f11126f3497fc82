package dev.chime.spi;

import dev.chime.ChimeException;

/**
 * The job store could not be reached (a database down, a connection pool exhausted): the call
 * changed nothing it did not report, and may be retried later. Stores throw it, or a subtype, so
 * that callers such as the console can answer "unavailable" (503) rather than "broken" (500)
 * without knowing the store.
 */
public class StoreUnavailableException extends ChimeException {

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
