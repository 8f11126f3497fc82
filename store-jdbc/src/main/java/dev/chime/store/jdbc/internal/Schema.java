package dev.chime.store.jdbc.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The shipped DDL scripts ({@code dev/chime/store/jdbc/schema/<dialect>.sql}): run on start when the
 * user opts in, and checked on every start so that a missing table is a clear error at once
 * rather than a failed claim later. After the create script, {@code <dialect>-upgrade.sql} brings
 * tables created by an earlier version up to date (column types, indexes, columns); its statements
 * are idempotent, so it runs on every such start and keeps the rows as they are.
 *
 * <p>Those two scripts are schema version 1. Later versions are migrations,
 * {@code <dialect>-v<N>.sql}, each idempotent too; the database records every version it was
 * brought to in {@code <prefix>schema_version} (no row: version 1, a database created before the
 * table existed). On start with {@code createSchema(true)} the store runs the migrations above the
 * recorded version and records each; a database at a version newer than this store knows is
 * refused, with or without {@code createSchema}, as it may keep data this store would break.
 */
public final class Schema {

    static final String DEFAULT_PREFIX = "chime_";

    /**
     * The schema version this store writes and reads: 2 added the run history; 3 an enqueued
     * task's data and options in the history and the cancel mark of runs in progress.
     */
    public static final int CURRENT_VERSION = 3;

    private Schema() {
    }

    /** The statements of a dialect's script with {@code prefix} in place of the default {@code chime_}. */
    public static List<String> statements(Dialect dialect, String prefix) {
        return parse(read("/dev/chime/store/jdbc/schema/" + dialect.scriptName()), prefix);
    }

    /** The statements of a dialect's upgrade script, with {@code prefix} in place of {@code chime_}. */
    public static List<String> upgradeStatements(Dialect dialect, String prefix) {
        return parse(read("/dev/chime/store/jdbc/schema/" + dialect.upgradeScriptName()), prefix);
    }

    /** Splits a script at semicolons, without its comment lines, the prefix replaced. */
    static List<String> parse(String script, String prefix) {
        StringBuilder body = new StringBuilder();
        for (String line : script.split("\n")) {
            if (!line.trim().startsWith("--")) {
                body.append(line).append('\n');
            }
        }
        List<String> statements = new ArrayList<>();
        for (String statement : body.toString().split(";")) {
            if (!statement.isBlank()) {
                statements.add(statement.trim().replace(DEFAULT_PREFIX, Sql.validatePrefix(prefix)));
            }
        }
        return statements;
    }

    /** The statements of the migration to {@code version}, with {@code prefix} in place of {@code chime_}. */
    static List<String> migrationStatements(Dialect dialect, String prefix, int version) {
        return parse(read("/dev/chime/store/jdbc/schema/" + dialect.migrationScriptName(version)), prefix);
    }

    /**
     * Creates the tables that are missing, upgrades those that exist to version 1's current shape,
     * then runs every migration, recording those above the recorded version. Nodes starting
     * together may run the same migration at once: its statements are idempotent and a version
     * recorded twice is recorded once. The migrations at or below the recorded version run again
     * for the same reason they may: a table dropped (by hand, by a test) and created again just
     * now by version 1's script lacks their columns, while the recorded version says it has them.
     */
    public static void create(Database db, String prefix) throws SQLException {
        Sql sql = new Sql(prefix, db.dialect());
        // Before any script: version 1's upgrade script must not touch a newer schema's tables.
        if (hasVersionTable(db, sql)) {
            refuseNewer(db, sql, version(db, sql));
        }
        run(db, statements(db.dialect(), prefix));
        run(db, upgradeStatements(db.dialect(), prefix));
        int at = version(db, sql);
        refuseNewer(db, sql, at);
        for (int v = 2; v <= CURRENT_VERSION; v++) {
            run(db, migrationStatements(db.dialect(), prefix, v));
            if (v > at) {
                record(db, sql, v);
            }
        }
    }

    private static boolean hasVersionTable(Database db, Sql sql) throws SQLException {
        return db.autoCommit(c -> {
            java.sql.DatabaseMetaData meta = c.getMetaData();
            for (String name : List.of(sql.schemaVersionTable, sql.schemaVersionTable.toUpperCase(java.util.Locale.ROOT),
                    sql.schemaVersionTable.toLowerCase(java.util.Locale.ROOT))) {
                try (ResultSet rs = meta.getTables(c.getCatalog(), null, name, null)) {
                    if (rs.next()) {
                        return true;
                    }
                }
            }
            return false;
        });
    }

    /** The version the database was brought to: the highest recorded, 1 when none is. */
    static int version(Database db, Sql sql) throws SQLException {
        return db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.schemaVersion); ResultSet rs = ps.executeQuery()) {
                int v = rs.next() ? rs.getInt(1) : 0;
                return rs.wasNull() || v < 1 ? 1 : v;
            }
        });
    }

    private static void record(Database db, Sql sql, int version) throws SQLException {
        db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.recordSchemaVersion)) {
                ps.setInt(1, version);
                return ps.executeUpdate();
            } catch (SQLException e) {
                if (Database.isDuplicateKey(e)) {
                    return 0; // another node, starting at the same time, recorded it first
                }
                throw e;
            }
        });
    }

    private static void refuseNewer(Database db, Sql sql, int version) throws SQLException {
        if (version > CURRENT_VERSION) {
            throw new SQLException("the database's Chime schema (tables " + sql.jobs + ", ...) is at version " + version
                    + ", newer than version " + CURRENT_VERSION + " that this chime-store-jdbc knows; run a release of "
                    + "chime-store-jdbc that knows version " + version + " (a store of an older release could break what "
                    + "a newer one keeps)");
        }
    }

    static void run(Database db, List<String> statements) throws SQLException {
        db.autoCommit(c -> {
            try (Statement s = c.createStatement()) {
                for (String statement : statements) {
                    s.execute(statement);
                }
            }
            return null;
        });
    }

    /** Fails with the names of the tables when the schema is missing or incomplete. */
    public static void check(Database db, Sql sql) throws SQLException {
        for (String table : List.of(sql.jobs, sql.runs, sql.nodes, sql.schemaVersionTable, sql.history, sql.leases)) {
            try {
                db.autoCommit(c -> {
                    try (Statement s = c.createStatement()) {
                        s.setMaxRows(1);
                        s.executeQuery("SELECT * FROM " + table + " WHERE 1 = 0").close();
                    }
                    return null;
                });
            } catch (SQLException e) {
                if (Database.isTransient(e)) {
                    throw e;
                }
                throw new SQLException("table " + table + " is missing or unreadable (" + e.getMessage() + "); create the "
                        + "schema with the script dev/chime/store/jdbc/schema/" + db.dialect().scriptName()
                        + " and the scripts after it (-upgrade, -v2, ...) in chime-store-jdbc, or set "
                        + "chime.jdbc.create-schema=true", e.getSQLState(), e);
            }
        }
        // Version 3's columns, probed as the tables are: a database at version 2 started without
        // createSchema would otherwise fail at its first run's end.
        checkColumns(db, sql.history, "data_json, options_json", 3);
        checkColumns(db, sql.runs, "cancel_requested, retry_at, attempts_made", 3);
        refuseNewer(db, sql, version(db, sql));
    }

    private static void checkColumns(Database db, String table, String columns, int version) throws SQLException {
        try {
            db.autoCommit(c -> {
                try (Statement s = c.createStatement()) {
                    s.setMaxRows(1);
                    s.executeQuery("SELECT " + columns + " FROM " + table + " WHERE 1 = 0").close();
                }
                return null;
            });
        } catch (SQLException e) {
            if (Database.isTransient(e)) {
                throw e;
            }
            throw new SQLException("table " + table + " lacks column(s) " + columns + " of schema version " + version + " ("
                    + e.getMessage() + "); upgrade it with the script dev/chime/store/jdbc/schema/"
                    + db.dialect().migrationScriptName(version) + " in chime-store-jdbc, or set chime.jdbc.create-schema=true",
                    e.getSQLState(), e);
        }
    }

    private static String read(String resource) {
        try (InputStream in = Schema.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("schema script " + resource + " is missing from chime-store-jdbc");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read schema script " + resource, e);
        }
    }
}
