package dev.chime.store.jdbc;

import dev.chime.ChimeException;

/** A database call of the JDBC store failed; the message says which one and the cause says why. */
public class JdbcStoreException extends ChimeException {

    public JdbcStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public JdbcStoreException(String message) {
        super(message);
    }
}
