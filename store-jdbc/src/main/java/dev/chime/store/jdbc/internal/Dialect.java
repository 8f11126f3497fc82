package dev.chime.store.jdbc.internal;

import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.Locale;

/**
 * What differs between the databases the store runs on: how to read the database's clock, whether
 * claims can lock rows and skip the locked ones, and which schema script applies.
 */
public enum Dialect {

    POSTGRESQL("postgresql", "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)", true),
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

    /** The schema script's resource name, relative to {@code dev/chime/store/jdbc/schema/}. */
    public String scriptName() {
        return scriptName + ".sql";
    }

    /** An SQL expression for the database's current time, in milliseconds since the epoch. */
    public String nowMillis() {
        return nowMillis;
    }

    /** The upgrade script's resource name: idempotent statements run after the create script. */
    public String upgradeScriptName() {
        return scriptName + "-upgrade.sql";
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
