package dev.chime.store.jdbc.internal;

import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.Locale;

/**
 * What differs between the databases the store runs on, in one place per database
 * ({@link PostgresqlDialect}, {@link MariaDbDialect}, {@link H2Dialect}): how to read the database's
 * clock, whether claims can lock rows and skip the locked ones, how to read an index's distinct
 * values, which vendor error codes mean "try again", how a duplicate key is reported, and the
 * directory of the versioned schema scripts. Everything else is standard SQL, the same for all.
 * Chosen once, from the connection's {@link DatabaseMetaData}.
 */
public interface Dialect {

    Dialect POSTGRESQL = new PostgresqlDialect();
    Dialect MARIADB = new MariaDbDialect();
    Dialect H2 = new H2Dialect();

    /**
     * The database's name as the store reports it ({@code postgresql}, {@code mariadb}, {@code h2});
     * also the directory of its schema scripts under {@code dev/chime/store/jdbc/schema/}.
     */
    String name();

    /** An SQL expression for the database's current time, in milliseconds since the epoch. */
    String nowMillis();

    /**
     * The clause ending the due-jobs query so that it locks the rows it reads and skips those other
     * nodes hold ({@code FOR UPDATE SKIP LOCKED}), with its leading space; empty where the database
     * has none, and the claim's version check alone decides who wins.
     */
    String skipLockedClause();

    /** An SQL expression for the database's current time, in microseconds since the epoch. */
    String nowMicros();

    /** The clause that share-locks the rows a SELECT reads until the transaction ends. */
    default String sharedRowLock() {
        return " FOR SHARE";
    }

    /**
     * A statement that makes the server abort this session's transaction (and drop the connection)
     * when the client sends nothing for {@code timeout} in the middle of it; null where the
     * database has no such setting. A node frozen (SIGSTOP, a long pause) inside a transaction
     * would otherwise hold its row locks (its own node row, the jobs it was ending claims of) for
     * as long as it stays frozen, and every other node's takeover of it would wait on them.
     */
    default String idleTransactionTimeout(java.time.Duration timeout) {
        return null;
    }

    /** A statement that puts the setting of {@link #idleTransactionTimeout} back after the transaction; null if none is needed. */
    default String resetIdleTransactionTimeout() {
        return null;
    }

    /**
     * A query of the distinct non-null values of an indexed column, read from its index without
     * visiting every entry (MariaDB and H2 do so for a plain DISTINCT).
     */
    default String distinctValues(String column, String table) {
        return "SELECT DISTINCT " + column + " FROM " + table + " WHERE " + column + " IS NOT NULL";
    }

    /**
     * Whether a failure whose SQLState says nothing specific (the generic HY000, or none) is
     * transient by its vendor code. Vendor codes are the database's own numbering: only the
     * database that numbers them reads them.
     */
    default boolean isTransientVendorError(String state, int vendorCode) {
        return false;
    }

    /** Whether a failure is a unique-key violation. */
    default boolean isDuplicateKey(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    /** The dialect of the database behind a connection, from its product name. */
    static Dialect of(DatabaseMetaData metaData) throws SQLException {
        String product = metaData.getDatabaseProductName();
        String name = product == null ? "" : product.toLowerCase(Locale.ROOT);
        if (name.contains("postgres")) {
            return POSTGRESQL;
        }
        if (name.contains("mariadb") || name.contains("mysql")) {
            return MARIADB;
        }
        if (name.equals("h2")) {
            return H2;
        }
        throw new SQLException("the JDBC store supports PostgreSQL, MariaDB/MySQL and H2, not '" + product + " "
                + metaData.getDatabaseProductVersion() + "'");
    }
}
