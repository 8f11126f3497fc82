package dev.chime.store.jdbc.internal;

import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.Locale;

/**
 * What differs between the databases the store runs on: how to read the database's clock, whether
 * claims can lock rows and skip the locked ones, and which schema script applies.
 */
public enum Dialect {

    POSTGRESQL("postgresql", "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)", true) {
        @Override
        public String nowMicros() {
            return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)";
        }

        /**
         * PostgreSQL (before 18) reads a whole index or table for DISTINCT; this walks the index
         * from one value to the next (a "loose index scan"), one probe per distinct value.
         */
        @Override
        public String distinctValues(String column, String table) {
            return "WITH RECURSIVE d (v) AS (SELECT MIN(" + column + ") FROM " + table + " UNION ALL SELECT (SELECT MIN("
                    + column + ") FROM " + table + " WHERE " + column + " > d.v) FROM d WHERE d.v IS NOT NULL) "
                    + "SELECT v AS " + column + " FROM d WHERE v IS NOT NULL";
        }

        /** In milliseconds, and SET LOCAL: the pool's connection is back to its own setting at the transaction's end. */
        @Override
        public String idleTransactionTimeout(java.time.Duration timeout) {
            return "SET LOCAL idle_in_transaction_session_timeout = " + Math.max(1, timeout.toMillis());
        }
    },
    /** MariaDB 10.6+ and MySQL 8: UTC_TIMESTAMP is free of the session's time zone. */
    MARIADB("mariadb", "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000)", true) {
        @Override
        public String nowMicros() {
            return "TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6))";
        }

        @Override
        public String sharedRowLock() {
            return " LOCK IN SHARE MODE";
        }

        /** In whole seconds (at least 1), for the session: {@link #resetIdleTransactionTimeout} restores it. */
        @Override
        public String idleTransactionTimeout(java.time.Duration timeout) {
            long seconds = (timeout.toMillis() + 999) / 1000;
            return "SET SESSION idle_transaction_timeout = " + Math.max(1, seconds);
        }

        @Override
        public String resetIdleTransactionTimeout() {
            return "SET SESSION idle_transaction_timeout = DEFAULT";
        }
    },
    /** H2 has no SKIP LOCKED: claims use an optimistic version check instead. */
    H2("h2", "CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP(3)) * 1000 AS BIGINT)", false) {
        @Override
        public String nowMicros() {
            return "CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP(6)) * 1000000 AS BIGINT)";
        }

        /** H2 has no shared row lock; its nodes share one JVM, so none can be frozen apart. */
        @Override
        public String sharedRowLock() {
            return " FOR UPDATE";
        }
    };

    private final String scriptName;
    private final String nowMillis;
    private final boolean skipLocked;

    Dialect(String scriptName, String nowMillis, boolean skipLocked) {
        this.scriptName = scriptName;
        this.nowMillis = nowMillis;
        this.skipLocked = skipLocked;
    }

    /** The schema script's resource name, relative to {@code dev/chime/store/jdbc/schema/}. */
    public String scriptName() {
        return scriptName + ".sql";
    }

    /** The upgrade script's resource name: idempotent statements that bring an earlier schema up to date. */
    public String upgradeScriptName() {
        return scriptName + "-upgrade.sql";
    }

    /**
     * The resource name of the migration to schema version {@code version} (2 and up): idempotent
     * statements run once the create and upgrade scripts (version 1) are through.
     */
    public String migrationScriptName(int version) {
        return scriptName + "-v" + version + ".sql";
    }

    /** An SQL expression for the database's current time, in milliseconds since the epoch. */
    public String nowMillis() {
        return nowMillis;
    }

    /** The clause that share-locks the rows a SELECT reads until the transaction ends. */
    public String sharedRowLock() {
        return " FOR SHARE";
    }

    /** An SQL expression for the database's current time, in microseconds since the epoch. */
    public abstract String nowMicros();

    /**
     * A query of the distinct non-null values of an indexed column, read from its index without
     * visiting every entry (MariaDB and H2 do so for a plain DISTINCT).
     */
    public String distinctValues(String column, String table) {
        return "SELECT DISTINCT " + column + " FROM " + table + " WHERE " + column + " IS NOT NULL";
    }

    /**
     * A statement that makes the server abort this session's transaction (and drop the connection)
     * when the client sends nothing for {@code timeout} in the middle of it; null where the
     * database has no such setting. A node frozen (SIGSTOP, a long pause) inside a transaction
     * would otherwise hold its row locks (its own node row, the jobs it was dispatching) for as
     * long as it stays frozen, and every other node's takeover of it would wait on them.
     */
    public String idleTransactionTimeout(java.time.Duration timeout) {
        return null;
    }

    /** A statement that puts the setting of {@link #idleTransactionTimeout} back after the transaction; null if none is needed. */
    public String resetIdleTransactionTimeout() {
        return null;
    }

    /** Whether {@code SELECT ... FOR UPDATE SKIP LOCKED} is available for claims. */
    public boolean skipLocked() {
        return skipLocked;
    }

    /** The dialect of the database behind a connection, from its product name. */
    public static Dialect of(DatabaseMetaData metaData) throws SQLException {
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
