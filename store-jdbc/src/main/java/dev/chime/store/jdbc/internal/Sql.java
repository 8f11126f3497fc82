package dev.chime.store.jdbc.internal;

import dev.chime.LastRun;
import dev.chime.Outcome;
import dev.chime.spi.StoredJob;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * The store's statements for one table prefix and dialect, and the mapping between rows and
 * {@link StoredJob}s. Instants are kept as nanoseconds since the epoch (UTC) in BIGINT columns, so
 * neither the JVM's nor the database session's time zone can shift them, and a fire time reads back
 * exactly as its trigger computed it (a rounded one-shot time would fire twice).
 */
public final class Sql {

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,40}");
    static final String JOB_COLUMNS = "id, task, trigger_spec, options_json, data_json, paused, next_fire_time, "
            + "claimed_fire_time, version, last_outcome, last_fire_time, last_finished_at, last_duration_us, last_error";

    /**
     * How many fencing tokens (and versions) a job row may hand out per microsecond of its life
     * before a row added again under its id could repeat one.
     */
    static final long FENCE_START_PER_MICROSECOND = 1024;

    final String jobs;
    final String runs;
    final String nodes;
    final String history;
    final String leases;
    final String schemaVersionTable;
    final String now;

    final String insertJob;
    final String selectFirstVersion;
    final String selectJob;
    final String selectJobForUpdate;
    final String listJobs;
    final String replaceJob;
    final String updateJob;
    final String deleteJob;
    final String selectDue;
    final String claim;
    final String release;
    final String deleteClaimed;
    final String recordOutcome;
    final String counts;
    final String nextDue;
    final String reserveInstance;
    final String jobExists;
    final String insertRun;
    final String runExists;
    final String advanceRun;
    final String deferRun;
    final String runProgress;
    final String setRunFence;
    final String bumpFenceWithOutcome;
    final String endRun;
    final String runState;
    final String readFence;
    final String bumpFence;
    final String stillAlive;
    final String selectEndedRuns;
    final String deleteRun;
    final String releaseInstance;
    final String releaseInstanceWithOutcome;
    final String checkBatchCounts;
    // Cluster membership and takeover (ClusterNode): each found through an index.
    final String heartbeat;
    final String deadNodes;
    final String orphanClaimers;
    final String orphanRunners;
    final String runsOfNode;
    final String claimsOfNode;
    final String staleClaims;
    final String staleRuns;
    /** For {@code ClusterView}: every node with its heartbeat age on the database's clock, and every run. */
    final String nodeHeartbeats;
    final String allRuns;
    // Cancellation of runs in progress (SqlJobStore.requestCancel, ClusterNode's heartbeat).
    final String requestCancel;
    final String cancelMarksOfNode;
    // Schema versions (Schema).
    final String schemaVersion;
    final String recordSchemaVersion;
    // The run history (RunHistory).
    final String insertHistory;
    final String historyRecorded;
    final String historyBefore;
    final String historyBeyondPerJob;
    final String deleteHistory;
    final String renewLease;
    final String insertLease;

    public Sql(String prefix, Dialect dialect) {
        this.jobs = validatePrefix(prefix) + "jobs";
        this.runs = prefix + "runs";
        this.nodes = prefix + "nodes";
        this.history = prefix + "history";
        this.leases = prefix + "leases";
        this.schemaVersionTable = prefix + "schema_version";
        this.now = dialect.nowMillis();
        String lastRunColumns = "last_outcome = ?, last_fire_time = ?, last_finished_at = ?, last_duration_us = ?, last_error = ?";
        // A new job row's fencing tokens start at the database's clock in microseconds times 1024,
        // so that a job id removed and added again goes on above every token its earlier row
        // handed out (that row would have needed 1024 runs per microsecond of its life to get
        // there), with no counter kept apart from the row. Tokens of rows older than this rule
        // start at 0 and stay below it.
        insertJob = "INSERT INTO " + jobs + " (" + JOB_COLUMNS + ", running, fence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, "
                + dialect.nowMicros() + " * " + FENCE_START_PER_MICROSECOND + ")";
        // Versions start the same way, for the same reason: a claim of a removed row (on another
        // node, or answered late) carries a version below the first one of any row added after the
        // removal, so its release, dispatch or removeClaimed cannot pass the version check of the
        // new row. Read before the INSERT (not computed inside it) so that add can tell its own row
        // from another's after a lost answer. Rows older than this rule count from 0 and stay below.
        selectFirstVersion = "SELECT " + dialect.nowMicros() + " * " + FENCE_START_PER_MICROSECOND;
        selectJob = "SELECT " + JOB_COLUMNS + " FROM " + jobs + " WHERE id = ?";
        selectJobForUpdate = selectJob + " FOR UPDATE";
        listJobs = "SELECT " + JOB_COLUMNS + " FROM " + jobs + " ORDER BY id";
        replaceJob = "UPDATE " + jobs + " SET task = ?, trigger_spec = ?, options_json = ?, data_json = ?, paused = ?, "
                + "next_fire_time = ?, claimed_fire_time = NULL, claimed_by = NULL, claimed_at_ms = NULL, version = version + 1, "
                + lastRunColumns + " WHERE id = ?";
        updateJob = "UPDATE " + jobs + " SET task = ?, trigger_spec = ?, options_json = ?, data_json = ?, paused = ?, "
                + "next_fire_time = ?, claimed_fire_time = ?, claimed_by = CASE WHEN ? THEN NULL ELSE claimed_by END, "
                + "version = version + 1 WHERE id = ? AND version = ?";
        deleteJob = "DELETE FROM " + jobs + " WHERE id = ?";
        selectDue = "SELECT " + JOB_COLUMNS + " FROM " + jobs + " WHERE paused = FALSE AND next_fire_time <= ? "
                + "ORDER BY next_fire_time, id LIMIT ?" + (dialect.skipLocked() ? " FOR UPDATE SKIP LOCKED" : "");
        claim = "UPDATE " + jobs + " SET claimed_fire_time = next_fire_time, next_fire_time = NULL, claimed_by = ?, "
                + "claimed_at_ms = " + now + ", version = version + 1 WHERE id = ? AND version = ? AND next_fire_time IS NOT NULL";
        release = "UPDATE " + jobs + " SET next_fire_time = ?, claimed_fire_time = NULL, claimed_by = NULL, claimed_at_ms = NULL, "
                + "version = version + 1 WHERE id = ? AND version = ? AND claimed_fire_time IS NOT NULL";
        deleteClaimed = "DELETE FROM " + jobs + " WHERE id = ? AND version = ? AND claimed_fire_time IS NOT NULL";
        recordOutcome = "UPDATE " + jobs + " SET " + lastRunColumns + " WHERE id = ?";
        counts = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN paused THEN 1 ELSE 0 END), 0) FROM " + jobs;
        // Shaped as an ordered read of one index entry: MariaDB and H2 scan every unpaused row for
        // MIN(...) WHERE paused = FALSE, even with an index on (paused, next_fire_time).
        nextDue = "SELECT next_fire_time FROM " + jobs + " WHERE paused = FALSE AND next_fire_time IS NOT NULL "
                + "ORDER BY next_fire_time LIMIT 1";
        // The fencing token goes up with every run handed out, under the same row lock as the slot.
        reserveInstance = "UPDATE " + jobs + " SET running = running + 1, fence = fence + 1 WHERE id = ? AND running < ?";
        readFence = "SELECT fence FROM " + jobs + " WHERE id = ?";
        bumpFence = "UPDATE " + jobs + " SET fence = fence + 1 WHERE id = ?";
        jobExists = "SELECT COUNT(*) FROM " + jobs + " WHERE id = ?";
        insertRun = "INSERT INTO " + runs + " (run_id, job_id, fire_time, node_id, recoverable, started_at_ms, snapshot_task, "
                + "snapshot_trigger, snapshot_options, snapshot_data, fence, queued_fire_times) VALUES (?, ?, ?, ?, ?, " + now
                + ", ?, ?, ?, ?, ?, ?)";
        runExists = "SELECT COUNT(*) FROM " + runs + " WHERE run_id = ?";
        // A run moves on to its next queued fire time only while it is still this node's and still
        // at the fire time the node finished: its progress is the takeover's bookmark.
        // Moving on also clears a deferred retry (deferRun): from then on an attempt is in flight,
        // and a takeover treats the run as an interrupted body again.
        advanceRun = "UPDATE " + runs + " SET fire_time = ?, retry_at = NULL, attempts_made = 0 WHERE run_id = ? AND node_id = ? "
                + "AND ended_at_ms IS NULL AND fire_time = ?";
        // Fenced as advanceRun is: only while the run is this node's and not ended.
        deferRun = "UPDATE " + runs + " SET attempts_made = ?, retry_at = ? WHERE run_id = ? AND node_id = ? "
                + "AND ended_at_ms IS NULL AND fire_time = ?";
        runProgress = "SELECT node_id, ended_at_ms, fire_time, fence FROM " + runs + " WHERE run_id = ?";
        setRunFence = "UPDATE " + runs + " SET fence = ? WHERE run_id = ?";
        bumpFenceWithOutcome = "UPDATE " + jobs + " SET fence = fence + 1, " + lastRunColumns + " WHERE id = ?";
        // A run ends by marking its row, not deleting it: a retried completion then finds its own
        // marker and counts once, and tells "ended by me earlier" from "taken over by another node".
        endRun = "UPDATE " + runs + " SET ended_at_ms = " + now + " WHERE run_id = ? AND node_id = ? AND ended_at_ms IS NULL";
        runState = "SELECT node_id, ended_at_ms FROM " + runs + " WHERE run_id = ?";
        // A shared lock: a node's transactions that check its liveness at once do not queue on
        // each other, so a node frozen with several of them in flight holds its row for one idle
        // timeout, not one per transaction; a takeover's DELETE still waits for all of them.
        stillAlive = "SELECT node_id FROM " + nodes + " WHERE node_id = ? AND heartbeat_at_ms > " + now + " - ?"
                + dialect.sharedRowLock();
        selectEndedRuns = "SELECT run_id FROM " + runs + " WHERE ended_at_ms < " + now + " - ? ORDER BY ended_at_ms LIMIT ?";
        deleteRun = "DELETE FROM " + runs + " WHERE run_id = ?";
        releaseInstance = "UPDATE " + jobs + " SET running = CASE WHEN running > 0 THEN running - 1 ELSE 0 END WHERE id = ?";
        releaseInstanceWithOutcome = "UPDATE " + jobs + " SET running = CASE WHEN running > 0 THEN running - 1 ELSE 0 END, "
                + lastRunColumns + " WHERE id = ?";
        checkBatchCounts = "UPDATE " + nodes + " SET started_at_ms = started_at_ms + 1 WHERE node_id = ?";
        nodeHeartbeats = "SELECT node_id, " + now + " - heartbeat_at_ms FROM " + nodes;
        allRuns = "SELECT node_id, job_id, fire_time, started_at_ms FROM " + runs + " WHERE ended_at_ms IS NULL";
        // No index by job: the runs table holds only runs in progress and recent completion
        // markers, and a cancel is a user's action, not on the path of every firing.
        requestCancel = "UPDATE " + runs + " SET cancel_requested = TRUE WHERE job_id = ? AND ended_at_ms IS NULL";
        // Read with each heartbeat, through the index by node.
        cancelMarksOfNode = "SELECT run_id, job_id FROM " + runs + " WHERE node_id = ? AND ended_at_ms IS NULL "
                + "AND cancel_requested = TRUE";
        schemaVersion = "SELECT MAX(version) FROM " + schemaVersionTable;
        recordSchemaVersion = "INSERT INTO " + schemaVersionTable + " (version, applied_at_ms) VALUES (?, " + now + ")";
        insertHistory = "INSERT INTO " + history + " (" + HISTORY_INSERT_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                + "?, ?)";
        // The marker of a recordOutcome whose commit may have gone through with its answer lost:
        // found through the index by job.
        historyRecorded = "SELECT COUNT(*) FROM " + history + " WHERE job_id = ? AND finished_at = ? AND fire_time = ? "
                + "AND node = ?";
        // Pruning reads the ids first and deletes them one by one by primary key (in a batch): no
        // DELETE ... LIMIT (PostgreSQL has none, MariaDB and H2 differ) and no DELETE with a
        // subquery on its own table (MariaDB refuses one), and the delete locks only those rows.
        historyBefore = "SELECT id FROM " + history + " WHERE finished_at < ? ORDER BY finished_at, id LIMIT ?";
        historyBeyondPerJob = "SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY job_id ORDER BY finished_at DESC, "
                + "id DESC) AS newer FROM " + history + ") ranked WHERE newer > ? ORDER BY id LIMIT ?";
        deleteHistory = "DELETE FROM " + history + " WHERE id = ?";
        renewLease = "UPDATE " + leases + " SET holder = ?, expires_at_ms = " + now + " + ? WHERE name = ? "
                + "AND (holder = ? OR expires_at_ms < " + now + ")";
        insertLease = "INSERT INTO " + leases + " (name, holder, expires_at_ms) VALUES (?, ?, " + now + " + ?)";
        heartbeat = "UPDATE " + nodes + " SET heartbeat_at_ms = " + now + " WHERE node_id = ?";
        deadNodes = "SELECT node_id FROM " + nodes + " WHERE heartbeat_at_ms < " + now + " - ? AND node_id <> ?";
        orphanClaimers = "SELECT DISTINCT claimed_by FROM " + jobs + " WHERE claimed_by IS NOT NULL AND claimed_by NOT IN "
                + "(SELECT node_id FROM " + nodes + ")";
        // Ended runs are completion markers, not work: a node with only those left is no orphan.
        orphanRunners = "SELECT node_id FROM (" + dialect.distinctValues("node_id", runs) + ") r WHERE node_id NOT IN "
                + "(SELECT node_id FROM " + nodes + ") AND EXISTS (SELECT 1 FROM " + runs + " x WHERE x.node_id = r.node_id "
                + "AND x.ended_at_ms IS NULL)";
        // Rows locked in job id order, as dispatches and completions lock them.
        runsOfNode = "SELECT run_id, job_id, fire_time, recoverable, snapshot_task, snapshot_trigger, snapshot_options, "
                + "snapshot_data, fence, queued_fire_times, retry_at, attempts_made, cancel_requested FROM " + runs + " WHERE node_id = ? AND ended_at_ms IS NULL "
                + "ORDER BY job_id, run_id "
                + "FOR UPDATE";
        claimsOfNode = "SELECT " + JOB_COLUMNS + " FROM " + jobs + " WHERE claimed_by = ? ORDER BY id FOR UPDATE";
        staleClaims = "SELECT id, version FROM " + jobs + " WHERE claimed_by = ? AND claimed_at_ms < " + now + " - ?";
        staleRuns = "SELECT run_id, job_id FROM " + runs + " WHERE node_id = ? AND ended_at_ms IS NULL AND started_at_ms < "
                + now + " - ?";
    }

    static final String HISTORY_INSERT_COLUMNS = "job_id, task, fire_time, attempts, node, started_at, finished_at, "
            + "duration_us, outcome, error, stack_trace, data_json, options_json";

    /**
     * A page of the history, newest first, with the filters that are set: job, task, outcomes (as
     * many as {@code outcomes}), finished from (inclusive), finished before (exclusive), and the
     * keyset cursor (finished_at, id); then the row limit. Bound in that order ({@link RunHistory}).
     */
    String selectHistory(boolean job, boolean task, int outcomes, boolean from, boolean before, boolean after) {
        StringBuilder q = new StringBuilder("SELECT id, ").append(HISTORY_INSERT_COLUMNS).append(" FROM ").append(history)
                .append(" WHERE 1 = 1");
        if (job) {
            q.append(" AND job_id = ?");
        }
        if (task) {
            q.append(" AND task = ?");
        }
        if (outcomes > 0) {
            q.append(" AND outcome IN (").append(String.join(", ", java.util.Collections.nCopies(outcomes, "?"))).append(')');
        }
        if (from) {
            q.append(" AND finished_at >= ?");
        }
        if (before) {
            q.append(" AND finished_at < ?");
        }
        if (after) {
            q.append(" AND (finished_at < ? OR (finished_at = ? AND id < ?))");
        }
        return q.append(" ORDER BY finished_at DESC, id DESC LIMIT ?").toString();
    }

    /**
     * {@link #selectDue}, restricted to {@code tasks} task names when that is positive: a node claims
     * only the jobs it can run.
     */
    String selectDue(int tasks) {
        return restrictToTasks(selectDue, tasks);
    }

    /** {@link #nextDue}, restricted to {@code tasks} task names when that is positive. */
    String nextDue(int tasks) {
        return restrictToTasks(nextDue, tasks);
    }

    private static String restrictToTasks(String query, int tasks) {
        if (tasks <= 0) {
            return query;
        }
        String in = " AND task IN (" + String.join(", ", java.util.Collections.nCopies(tasks, "?")) + ")";
        int at = query.indexOf(" ORDER BY");
        return query.substring(0, at) + in + query.substring(at);
    }

    /** Rejects a prefix that is not a plain SQL identifier, so configuration cannot inject SQL. */
    public static String validatePrefix(String prefix) {
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("table prefix '" + prefix + "' is not a plain SQL identifier: it must match "
                    + PREFIX.pattern());
        }
        return prefix;
    }

    public String jobsTable() {
        return jobs;
    }

    public String runsTable() {
        return runs;
    }

    public String nodesTable() {
        return nodes;
    }

    public String historyTable() {
        return history;
    }

    // ---- mapping ----

    /** The earliest and latest instants a BIGINT of nanoseconds holds (1677 to 2262). */
    static final Instant MIN = Instant.ofEpochSecond(0, Long.MIN_VALUE);
    static final Instant MAX = Instant.ofEpochSecond(0, Long.MAX_VALUE);

    static Long nanos(Instant instant) {
        if (instant == null) {
            return null;
        }
        if (instant.isBefore(MIN) || instant.isAfter(MAX)) {
            throw new IllegalArgumentException("the JDBC store keeps instants between " + MIN + " and " + MAX + ", not " + instant);
        }
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : fromNanos(value);
    }

    static Instant instant(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : fromNanos(value);
    }

    static Instant fromNanos(long value) {
        return Instant.ofEpochSecond(0, value);
    }

    static void setLong(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }

    static void setText(PreparedStatement ps, int index, String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, value);
        }
    }

    static StoredJob readJob(ResultSet rs) throws SQLException {
        LastRun lastRun = null;
        String name = rs.getString("last_outcome");
        Outcome outcome = name == null ? null : outcome(name, rs.getString("id"));
        if (outcome != null) {
            long durationMicros = rs.getLong("last_duration_us");
            lastRun = new LastRun(outcome, instant(rs, "last_fire_time"), instant(rs, "last_finished_at"),
                    Duration.ofNanos(durationMicros * 1_000L), rs.getString("last_error"));
        }
        return new StoredJob(rs.getString("id"), rs.getString("task"), rs.getString("trigger_spec"),
                rs.getString("options_json"), rs.getString("data_json"), rs.getBoolean("paused"),
                instant(rs, "next_fire_time"), instant(rs, "claimed_fire_time"), lastRun, rs.getLong("version"));
    }

    private static final java.util.Set<String> UNKNOWN_OUTCOMES = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * The outcome a row names, or null when this version does not know it (written by a newer
     * node, or by hand): the job reads as never run rather than failing every claim of the
     * cluster. Reported once per value.
     */
    static Outcome outcome(String name, String jobId) {
        try {
            return Outcome.valueOf(name);
        } catch (IllegalArgumentException e) {
            if (UNKNOWN_OUTCOMES.add(name)) {
                org.slf4j.LoggerFactory.getLogger(Sql.class).warn("job '{}' has last outcome '{}', which this version does not "
                        + "know; read as no last run (reported once per value)", jobId, name);
            }
            return null;
        }
    }

    /** The job with this id, or null. */
    StoredJob findJob(java.sql.Connection c, String jobId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(selectJob)) {
            ps.setString(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? readJob(rs) : null;
            }
        }
    }

    /** The version a job row inserted now starts at: above every version of the rows its id had before. */
    long firstVersion(java.sql.Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(selectFirstVersion); ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("no answer to: " + selectFirstVersion);
            }
            return rs.getLong(1);
        }
    }

    /**
     * The most a job's task, trigger, options or data may take, in bytes of UTF-8, on every
     * database: well within MariaDB's MEDIUMTEXT (16 MiB) and the server's default
     * {@code max_allowed_packet} (16 MiB), which a whole row's statement must fit in, so that a job
     * stored on one database can be stored on the others.
     */
    public static final int MAX_TEXT_BYTES = 4 * 1024 * 1024;

    /**
     * Fails, before anything is written, for a job the databases cannot hold: a text over
     * {@link #MAX_TEXT_BYTES} or one with a NUL character (PostgreSQL rejects it). The message names
     * the job, the field and the limit.
     */
    static void checkStorable(StoredJob job) {
        checkText(job, "task", job.task());
        checkText(job, "trigger", job.triggerSpec());
        checkText(job, "options", job.optionsJson());
        checkText(job, "data", job.dataJson());
    }

    private static void checkText(StoredJob job, String field, String text) {
        if (text == null) {
            return;
        }
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("job '" + job.id() + "': its " + field + " contains a NUL character (\\u0000), "
                    + "which the JDBC store cannot keep (PostgreSQL rejects it); remove it or encode it");
        }
        // Only long texts are measured: a char is at most 3 bytes of UTF-8 (a surrogate pair 4 for 2).
        if (text.length() * 3L > MAX_TEXT_BYTES) {
            long bytes = text.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_TEXT_BYTES) {
                throw new IllegalArgumentException("job '" + job.id() + "': its " + field + " takes " + bytes
                        + " bytes in UTF-8, more than the " + MAX_TEXT_BYTES + " bytes (4 MiB) the JDBC store keeps per "
                        + "field; keep large payloads elsewhere and put a reference in the job's data");
            }
        }
    }

    /** Binds the columns of {@link #insertRun}. */
    static void bindRun(PreparedStatement ps, dev.chime.spi.RunRequest request, String runId, String nodeId, long fence)
            throws SQLException {
        StoredJob snapshot = request.snapshot();
        ps.setString(1, runId);
        ps.setString(2, request.jobId());
        ps.setLong(3, nanos(request.fireTime()));
        ps.setString(4, nodeId);
        ps.setBoolean(5, request.recoverable());
        setText(ps, 6, snapshot == null ? null : snapshot.task());
        setText(ps, 7, snapshot == null ? null : snapshot.triggerSpec());
        setText(ps, 8, snapshot == null ? null : snapshot.optionsJson());
        setText(ps, 9, snapshot == null ? null : snapshot.dataJson());
        ps.setLong(10, fence);
        setText(ps, 11, encodeFireTimes(request.queued()));
    }

    /** Queued fire times as the runs table keeps them: nanoseconds, comma-separated; null for none. */
    static String encodeFireTimes(java.util.List<Instant> fireTimes) {
        if (fireTimes.isEmpty()) {
            return null;
        }
        StringBuilder s = new StringBuilder(fireTimes.size() * 20);
        for (Instant t : fireTimes) {
            if (s.length() > 0) {
                s.append(',');
            }
            s.append(nanos(t));
        }
        return s.toString();
    }

    /** The queued fire times of {@link #encodeFireTimes} that come after {@code after}, in order. */
    static java.util.List<Instant> decodeFireTimesAfter(String text, long after) {
        if (text == null || text.isEmpty()) {
            return java.util.List.of();
        }
        java.util.List<Instant> times = new java.util.ArrayList<>();
        for (String part : text.split(",")) {
            long t = Long.parseLong(part.trim());
            if (t > after) {
                times.add(fromNanos(t));
            }
        }
        return times;
    }

    /** Binds the five last-run columns from {@code index} on. */
    static int bindLastRun(PreparedStatement ps, int index, LastRun run) throws SQLException {
        ps.setString(index, run == null ? null : run.outcome().name());
        setLong(ps, index + 1, run == null ? null : nanos(run.scheduledFireTime()));
        setLong(ps, index + 2, run == null ? null : nanos(run.finishedAt()));
        setLong(ps, index + 3, run == null || run.duration() == null ? null : run.duration().toNanos() / 1_000L);
        setText(ps, index + 4, run == null ? null : ErrorText.clean(run.error()));
        return index + 5;
    }

    /** Binds every column of {@link #JOB_COLUMNS} from {@code index} on, the version as given. */
    static int bindJob(PreparedStatement ps, int index, StoredJob job, long version) throws SQLException {
        checkStorable(job);
        ps.setString(index, job.id());
        ps.setString(index + 1, job.task());
        ps.setString(index + 2, job.triggerSpec());
        ps.setString(index + 3, job.optionsJson());
        setText(ps, index + 4, job.dataJson());
        ps.setBoolean(index + 5, job.paused());
        setLong(ps, index + 6, nanos(job.nextFireTime()));
        setLong(ps, index + 7, nanos(job.claimedFireTime()));
        ps.setLong(index + 8, version);
        return bindLastRun(ps, index + 9, job.lastRun());
    }
}
