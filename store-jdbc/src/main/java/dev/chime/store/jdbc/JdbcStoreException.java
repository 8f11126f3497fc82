package dev.chime.store.jdbc;

import dev.chime.spi.StoreUnavailableException;

/**
 * A database call of the JDBC store failed; the message says which one and the cause says why. A
 * {@link StoreUnavailableException}: what the database did not confirm did not happen.
 */
public class JdbcStoreException extends StoreUnavailableException {

    public JdbcStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public JdbcStoreException(String message) {
        super(message, null);
    }
}
