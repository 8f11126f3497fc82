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
    },
    /** MariaDB 10.6+ and MySQL 8: UTC_TIMESTAMP is free of the session's time zone. */
    MARIADB("mariadb", "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000)", true),
    /** H2 has no SKIP LOCKED: claims use an optimistic version check instead. */
    H2("h2", "CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP(3)) * 1000 AS BIGINT)", false);

    private final String scriptName;
    private final String nowMillis;
    private final boolean skipLocked;

    Dialect(String scriptName, String nowMillis, boolean skipLocked) {
        this.scriptName = scriptName;
        this.nowMillis = nowMillis;
        this.skipLocked = skipLocked;
    }

    /** The directory of this dialect's versioned schema scripts, under {@code dev/chime/store/jdbc/schema/}. */
    public String scriptDirectory() {
        return scriptName;
    }

    /** An SQL expression for the database's current time, in milliseconds since the epoch. */
    public String nowMillis() {
        return nowMillis;
    }

    /**
     * A query of the distinct non-null values of an indexed column, read from its index without
     * visiting every entry (MariaDB and H2 do so for a plain DISTINCT).
     */
    public String distinctValues(String column, String table) {
        return "SELECT DISTINCT " + column + " FROM " + table + " WHERE " + column + " IS NOT NULL";
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
