package dev.chime.store.jdbc.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The shipped DDL scripts ({@code dev/chime/store/jdbc/schema/<dialect>.sql}): run on start when the
 * user opts in, and checked on every start so that a missing table is a clear error at once
 * rather than a failed claim later. After the create script, {@code <dialect>-upgrade.sql} adds
 * what later versions need to tables an earlier script created (idempotent statements).
 */
public final class Schema {

    static final String DEFAULT_PREFIX = "chime_";

    private Schema() {
    }

    /** The statements of a dialect's script with {@code prefix} in place of the default {@code chime_}. */
    public static List<String> statements(Dialect dialect, String prefix) {
        List<String> statements = split(read("/dev/chime/store/jdbc/schema/" + dialect.scriptName()), prefix);
        statements.addAll(split(read("/dev/chime/store/jdbc/schema/" + dialect.upgradeScriptName()), prefix));
        return statements;
    }

    private static List<String> split(String script, String prefix) {
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

    public static void create(Database db, String prefix) throws SQLException {
        List<String> statements = statements(db.dialect(), prefix);
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
        for (String table : List.of(sql.jobs, sql.runs, sql.nodes)) {
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
                        + " in chime-store-jdbc, or set chime.jdbc.create-schema=true", e.getSQLState(), e);
            }
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
