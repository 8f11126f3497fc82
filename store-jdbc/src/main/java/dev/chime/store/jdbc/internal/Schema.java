package dev.chime.store.jdbc.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The versioned DDL: {@code dev/chime/store/jdbc/schema/<dialect>/V1.sql}, {@code V2.sql}, ... run in
 * order, and the version reached recorded in {@code <prefix>schema_version} (one row). The scripts
 * are found by probing V1, V2, ... until one is missing, so a new version is one new file per
 * dialect. V1 is idempotent: it creates a new database and brings tables made by a release before
 * versioned schemas (which have no version table) up to date in place.
 *
 * <p>{@link #migrate} is safe when several nodes start at once: each script runs while one
 * connection holds the version row locked ({@code SELECT ... FOR UPDATE}) and is recorded in the
 * same transaction that held the lock, so the others wait, then find the version already reached.
 * The DDL runs on a second connection because MariaDB and H2 commit a transaction at every DDL
 * statement, which would drop the lock. A node killed in the middle of a script leaves its version
 * unrecorded, so the next start runs the script again: write scripts whose statements can run twice
 * ({@code IF NOT EXISTS}, {@code IF EXISTS}).
 *
 * <p>A database whose recorded version is newer than the scripts this jar holds was upgraded by a
 * newer release: the store refuses to start on it rather than write rows the newer schema may not
 * expect.
 */
public final class Schema {

    static final String DEFAULT_PREFIX = "chime_";
    private static final String SCRIPTS = "/dev/chime/store/jdbc/schema/";
    /** How long a start waits for other nodes' upgrades (lock timeouts are retried until then). */
    private static final long UPGRADE_PATIENCE_NANOS = TimeUnit.MINUTES.toNanos(10);

    private Schema() {
    }

    /** The resource path of a dialect's script of {@code version}, relative to the class path's root. */
    public static String scriptPath(Dialect dialect, int version) {
        return scriptPath(SCRIPTS, dialect, version);
    }

    private static String scriptPath(String root, Dialect dialect, int version) {
        return root.substring(1) + dialect.name() + "/V" + version + ".sql";
    }

    /** The newest version this jar has scripts for. */
    public static int latestVersion(Dialect dialect) {
        return latestVersion(SCRIPTS, dialect);
    }

    private static int latestVersion(String root, Dialect dialect) {
        int version = 0;
        while (Schema.class.getResource("/" + scriptPath(root, dialect, version + 1)) != null) {
            version++;
        }
        return version;
    }

    /** The statements of a dialect's script of {@code version} with {@code prefix} in place of {@code chime_}. */
    public static List<String> statements(Dialect dialect, int version, String prefix) {
        return statements(SCRIPTS, dialect, version, prefix);
    }

    private static List<String> statements(String root, Dialect dialect, int version, String prefix) {
        return parse(read("/" + scriptPath(root, dialect, version)), prefix);
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

    /**
     * Brings the schema to the newest version: creates the version table if it is missing, then
     * runs each script newer than the recorded version, one at a time under the version row's lock.
     */
    public static void migrate(Database db, Sql sql) throws SQLException {
        migrate(db, sql, SCRIPTS);
    }

    /** {@link #migrate} with the scripts of another class-path directory ({@code /a/b/}): for tests. */
    static void migrate(Database db, Sql sql, String root) throws SQLException {
        Dialect dialect = db.dialect();
        int latest = latestVersion(root, dialect);
        long deadline = System.nanoTime() + UPGRADE_PATIENCE_NANOS;
        db.retrying("creating " + sql.schemaVersion, c -> {
            createVersionTable(db, c, sql);
            return null;
        }, () -> System.nanoTime() - deadline > 0);
        while (true) {
            // Lock waits (H2's is 1 s by default) are transient: retried until another node's upgrade is done.
            int reached = db.retrying("upgrading the schema", lock -> upgradeOneVersion(db, lock, sql, root, latest),
                    () -> System.nanoTime() - deadline > 0);
            if (reached >= latest) {
                return;
            }
        }
    }

    /** Creates the version table and its row (version 0: no script recorded yet), if missing. */
    private static void createVersionTable(Database db, Connection c, Sql sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql.createSchemaVersion);
        } catch (SQLException e) {
            // PostgreSQL may fail one of two concurrent CREATE TABLE IF NOT EXISTS on its catalog's
            // unique index: the table the other node created will do.
            c.rollback();
            if (!versionTableExists(c, sql)) {
                throw e;
            }
        }
        c.commit();
        try (Statement s = c.createStatement()) {
            s.execute(sql.insertSchemaVersion);
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            if (!db.isDuplicateKey(e)) {
                throw e;
            }
        }
    }

    private static boolean versionTableExists(Connection c, Sql sql) {
        try (Statement s = c.createStatement()) {
            s.executeQuery(Sql.probe(sql.schemaVersion)).close();
            return true;
        } catch (SQLException e) {
            return false;
        } finally {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the caller's transaction ends with its own rollback or commit
            }
        }
    }

    /**
     * Locks the version row on {@code lock}, runs the next script on another connection, records
     * its version on {@code lock}; answers the version the database is at afterwards.
     */
    private static int upgradeOneVersion(Database db, Connection lock, Sql sql, String root, int latest)
            throws SQLException {
        int recorded;
        try (PreparedStatement ps = lock.prepareStatement(sql.lockSchemaVersion); ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("the row of " + sql.schemaVersion + " is missing: insert (1, 0) into it, or drop "
                        + "the table, to let the store record the schema's version again");
            }
            recorded = rs.getInt(1);
        }
        checkNotNewer(db.dialect(), sql, recorded, latest);
        if (recorded >= latest) {
            return recorded;
        }
        int next = recorded + 1;
        List<String> statements = statements(root, db.dialect(), next, sql.prefix());
        db.autoCommit(c -> {
            try (Statement s = c.createStatement()) {
                for (int i = 0; i < statements.size(); i++) {
                    try {
                        s.execute(statements.get(i));
                    } catch (SQLException e) {
                        if (db.isTransient(e)) {
                            throw e;
                        }
                        throw new SQLException("schema script " + scriptPath(root, db.dialect(), next) + ", statement " + (i + 1)
                                + " failed: " + e.getMessage() + " [" + statements.get(i) + "]", e.getSQLState(), e);
                    }
                }
            }
            return null;
        });
        try (PreparedStatement ps = lock.prepareStatement(sql.setSchemaVersion)) {
            ps.setInt(1, next);
            ps.executeUpdate();
        }
        return next;
    }

    private static void checkNotNewer(Dialect dialect, Sql sql, int recorded, int latest) throws SQLException {
        if (recorded > latest) {
            throw new SQLException(sql.schemaVersion + " records schema version " + recorded + ", newer than the newest "
                    + "this chime-store-jdbc knows (" + latest + ", " + scriptPath(dialect, latest) + "): a newer release "
                    + "upgraded the database; run that release or a newer one", "0A000");
        }
    }

    /**
     * Fails with a clear message when the schema is missing or incomplete, when its recorded
     * version is older than this jar's (upgrade with {@code createSchema(true)}) or newer (a newer
     * release upgraded it). A database without a version table (its DDL run by hand from a release
     * before versioned schemas) is only checked for its tables.
     */
    public static void check(Database db, Sql sql) throws SQLException {
        Optional<Integer> recorded = recordedVersionOf(db, sql);
        if (recorded.isPresent()) {
            int latest = latestVersion(db.dialect());
            checkNotNewer(db.dialect(), sql, recorded.get(), latest);
            if (recorded.get() < latest) {
                throw new SQLException(sql.schemaVersion + " records schema version " + recorded.get() + ", older than this "
                        + "chime-store-jdbc's " + latest + ": set chime.jdbc.create-schema=true (createSchema(true)) to "
                        + "upgrade it on start, or run " + scriptPath(db.dialect(), recorded.get() + 1) + " to "
                        + scriptPath(db.dialect(), latest) + " and record the version in " + sql.schemaVersion, "0A000");
            }
        }
        for (String table : List.of(sql.jobs, sql.nodes, sql.executions, sql.leases)) {
            try {
                db.autoCommit(c -> {
                    try (Statement s = c.createStatement()) {
                        s.setMaxRows(1);
                        s.executeQuery(Sql.probe(table)).close();
                    }
                    return null;
                });
            } catch (SQLException e) {
                if (db.isTransient(e)) {
                    throw e;
                }
                throw new SQLException("table " + table + " is missing or unreadable (" + e.getMessage() + "); create the "
                        + "schema with the scripts " + scriptPath(db.dialect(), 1) + " (and later versions) in "
                        + "chime-store-jdbc, or set chime.jdbc.create-schema=true", e.getSQLState(), e);
            }
        }
    }

    /** The version recorded in the database; empty when there is no version table (or row). */
    public static Optional<Integer> recordedVersionOf(Database db, Sql sql) throws SQLException {
        return db.autoCommit(c -> recordedVersion(db, c, sql));
    }

    /** Runs statements one by one in auto-commit mode (a legacy script, in tests). */
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

    /** The version recorded in the database; empty when there is no version table (or row). */
    static Optional<Integer> recordedVersion(Database db, Connection c, Sql sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql.readSchemaVersion)) {
            return rs.next() ? Optional.of(rs.getInt(1)) : Optional.empty();
        } catch (SQLException e) {
            if (db.isTransient(e)) {
                throw e;
            }
            if (!c.getAutoCommit()) {
                c.rollback();
            }
            return Optional.empty();
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
