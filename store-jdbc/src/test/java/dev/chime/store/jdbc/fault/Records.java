package dev.chime.store.jdbc.fault;

import dev.chime.store.jdbc.internal.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;

/**
 * The witnesses of the fault suite: rows the job bodies and listeners of the node JVMs write
 * themselves, each stamped with the database's clock (one clock for every node, whatever their own
 * says): a body's rows with the {@link WitnessClock} reading taken as it began or returned, the
 * listeners' rows by the database as they are written. {@code <prefix>body} holds a start and an end row per body execution; {@code <prefix>notrun}
 * one row per missed or skipped fire time. Every write is retried until it lands (a database
 * restart must not lose a witness) and is idempotent (keyed by a random id), so a retry after a lost
 * answer writes nothing twice.
 *
 * <p>Thread-safe.
 */
final class Records {

    /** One body execution; {@code endMs} is null when the body never returned (its node was killed). */
    record Body(String uid, String jobId, long fireMs, int attempt, String node, boolean recovery, Long token, long startMs,
            Long endMs, String outcome, Long engineEndMs, Long checkedMs) {

        boolean finished() {
            return endMs != null;
        }

        @Override
        public String toString() {
            return jobId + "@" + fireMs + " attempt " + attempt + " on " + node + (recovery ? " (recovery)" : "")
                    + (token == null ? "" : " token " + token) + " from " + startMs + " to " + (endMs == null ? "-" : endMs)
                    + (outcome == null ? "" : " " + outcome);
        }
    }

    /** A fire time a node reported missed or skipped. */
    record NotRun(String jobId, long fireMs, String node, String kind, long atMs) {
    }

    private static final long WRITE_DEADLINE_MS = 60_000;

    private final DataSource dataSource;
    private final String prefix;
    private final String now;

    Records(DataSource dataSource, String prefix) {
        this.dataSource = dataSource;
        this.prefix = prefix;
        this.now = Database.detect(dataSource).nowMillis();
    }

    void createTables() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + prefix + "body (uid VARCHAR(36) NOT NULL, phase VARCHAR(5) NOT NULL, "
                    + "job_id VARCHAR(200) NOT NULL, fire_time BIGINT NOT NULL, attempt INTEGER NOT NULL, node VARCHAR(50) NOT NULL, "
                    + "recovery BOOLEAN NOT NULL, token BIGINT, outcome VARCHAR(20), at_ms BIGINT NOT NULL, engine_at_ms BIGINT, "
                    + "checked_ms BIGINT, PRIMARY KEY (uid, phase))");
            s.execute("CREATE TABLE " + prefix + "notrun (uid VARCHAR(36) NOT NULL PRIMARY KEY, job_id VARCHAR(200) NOT NULL, "
                    + "fire_time BIGINT NOT NULL, node VARCHAR(50) NOT NULL, kind VARCHAR(10) NOT NULL, at_ms BIGINT NOT NULL)");
        }
    }

    void dropTables() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + prefix + "body");
            s.execute("DROP TABLE IF EXISTS " + prefix + "notrun");
        }
    }

    /**
     * A body's start, stamped {@code atMs} (a {@link WitnessClock} reading taken as the body began),
     * with {@code checkedMs}: when the engine's check that the run was still this node's began
     * (null when no check was seen).
     */
    void start(String uid, String jobId, long fireMs, int attempt, String node, boolean recovery, Long token, long atMs,
            Long checkedMs) {
        body(uid, "start", jobId, fireMs, attempt, node, recovery, token, null, atMs, checkedMs);
    }

    /**
     * A body's end, stamped {@code atMs} (a {@link WitnessClock} reading taken as the body returned)
     * and {@code engineAtMs} (the engine's own clock, the cluster clock it schedules by, read then).
     */
    void end(String uid, String jobId, long fireMs, int attempt, String node, boolean recovery, Long token, String outcome,
            long atMs, long engineAtMs) {
        body(uid, "end", jobId, fireMs, attempt, node, recovery, token, outcome, atMs, engineAtMs);
    }

    /** {@code otherMs} is the engine's clock at the end of an end row, the check's stamp of a start row. */
    private void body(String uid, String phase, String jobId, long fireMs, int attempt, String node, boolean recovery, Long token,
            String outcome, long atMs, Long otherMs) {
        String otherColumn = phase.equals("start") ? "checked_ms" : "engine_at_ms";
        write("INSERT INTO " + prefix + "body (uid, phase, job_id, fire_time, attempt, node, recovery, token, outcome, at_ms, "
                + otherColumn + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ps -> {
                    ps.setLong(10, atMs);
                    if (otherMs == null) {
                        ps.setNull(11, Types.BIGINT);
                    } else {
                        ps.setLong(11, otherMs);
                    }
                    ps.setString(1, uid);
                    ps.setString(2, phase);
                    ps.setString(3, jobId);
                    ps.setLong(4, fireMs);
                    ps.setInt(5, attempt);
                    ps.setString(6, node);
                    ps.setBoolean(7, recovery);
                    if (token == null) {
                        ps.setNull(8, Types.BIGINT);
                    } else {
                        ps.setLong(8, token);
                    }
                    ps.setString(9, outcome);
                });
    }

    void notRun(String jobId, long fireMs, String node, String kind) {
        String uid = UUID.randomUUID().toString();
        write("INSERT INTO " + prefix + "notrun (uid, job_id, fire_time, node, kind, at_ms) VALUES (?, ?, ?, ?, ?, " + now + ")",
                ps -> {
                    ps.setString(1, uid);
                    ps.setString(2, jobId);
                    ps.setLong(3, fireMs);
                    ps.setString(4, node);
                    ps.setString(5, kind);
                });
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /**
     * Writes until the row is there. The body's thread may be interrupted (a timeout, a shutdown)
     * just as it records its end: the interrupt is set aside for the write, then restored, or the
     * driver or the pool would give up and the witness would be lost.
     */
    private void write(String sql, Binder binder) {
        boolean interrupted = Thread.interrupted();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WRITE_DEADLINE_MS);
        try {
            while (true) {
                try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
                    binder.bind(ps);
                    ps.executeUpdate();
                    return;
                } catch (SQLException e) {
                    if (isDuplicateKey(e)) {
                        return; // an earlier try committed and lost its answer: the witness is there
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("could not write a record for " + WRITE_DEADLINE_MS + " ms: " + sql, e);
                    }
                    interrupted |= Thread.interrupted();
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                    interrupted |= Thread.interrupted();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static boolean isDuplicateKey(SQLException e) {
        return "23505".equals(e.getSQLState()) || e.getErrorCode() == 1062;
    }

    /** Every body execution, its start and end rows joined, in start order (all start rows come first). */
    List<Body> bodies() throws SQLException {
        Map<String, Body> byUid = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT uid, phase, job_id, fire_time, attempt, node, recovery, token, outcome, at_ms, engine_at_ms, checked_ms FROM " + prefix
                        + "body ORDER BY phase DESC, at_ms, uid")) {
            while (rs.next()) {
                String uid = rs.getString(1);
                long token = rs.getLong(8);
                Long tokenOrNull = rs.wasNull() ? null : token;
                if (rs.getString(2).equals("start")) {
                    long checked = rs.getLong(12);
                    Long checkedOrNull = rs.wasNull() ? null : checked;
                    byUid.put(uid, new Body(uid, rs.getString(3), rs.getLong(4), rs.getInt(5), rs.getString(6), rs.getBoolean(7),
                            tokenOrNull, rs.getLong(10), null, null, null, checkedOrNull));
                } else {
                    Body b = byUid.get(uid);
                    if (b == null) {
                        throw new IllegalStateException("an end row without a start row: " + uid);
                    }
                    long engineAt = rs.getLong(11);
                    Long engineAtOrNull = rs.wasNull() ? null : engineAt;
                    byUid.put(uid, new Body(uid, b.jobId(), b.fireMs(), b.attempt(), b.node(), b.recovery(), b.token(), b.startMs(),
                            rs.getLong(10), rs.getString(9), engineAtOrNull, b.checkedMs()));
                }
            }
        }
        return new ArrayList<>(byUid.values());
    }

    List<NotRun> notRuns() throws SQLException {
        List<NotRun> all = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT job_id, fire_time, node, kind, at_ms FROM " + prefix + "notrun ORDER BY at_ms, uid")) {
            while (rs.next()) {
                all.add(new NotRun(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getLong(5)));
            }
        }
        return all;
    }

    /** The database's clock for this node's body stamps, read now through this data source. */
    WitnessClock witnessClock() throws SQLException {
        return new WitnessClock(dataSource, now);
    }

    long dbNowMillis() throws SQLException {
        return single("SELECT " + now);
    }

    long single(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
