package dev.chime.store.jdbc.internal;

import dev.chime.LastRun;
import dev.chime.Outcome;
import dev.chime.ExecutionState;
import dev.chime.spi.StoredExecution;
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
    static final String EXECUTION_COLUMNS = "id, job_id, task, data_json, options_json, fire_time, state, attempts, due_at, "
            + "node_id, created_at, started_at, ended_at, error, stack_trace, result_json, fencing_token, recoverable, "
            + "queued_fire_times, stop_requested, job_claim_version, version";
    /** How many fencing tokens a job row may hand out per microsecond of its life before a re-added row could repeat one. */
    static final long FENCE_START_PER_MICROSECOND = 1024;

    static final String JOB_COLUMNS = "id, task, trigger_spec, options_json, data_json, paused, next_fire_time, "
            + "claimed_fire_time, version, last_outcome, last_fire_time, last_finished_at, last_duration_us, last_error";

    private final String prefix;
    final String jobs;
    final String nodes;
    final String executions;
    final String leases;
    final String schemaVersion;
    final String now;

    // The schema's version (Schema): one row, locked while a script runs.
    final String createSchemaVersion;
    final String insertSchemaVersion;
    final String readSchemaVersion;
    final String lockSchemaVersion;
    final String setSchemaVersion;

    final String insertJob;
    final String selectJob;
    final String listJobs;
    final String replaceJob;
    final String updateJob;
    final String deleteJob;
    final String selectDue;
    final String claim;
    final String release;
    final String recordOutcome;
    final String counts;
    final String nextDue;
    final String readFence;
    final String bumpFence;
    final String stillAlive;
    final String checkBatchCounts;
    // Cluster membership and takeover (ClusterNode): each found through an index.
    final String heartbeat;
    final String deadNodes;
    final String orphanClaimers;
    final String orphanRunners;
    final String orphanExecutionClaimers;
    final String claimsOfNode;
    final String staleClaims;
    final String registerNode;
    final String nodeExists;
    final String deleteDeadNode;
    final String markNodeGone;
    final String deleteNode;
    final String putBackClaim;
    final String putBackOwnClaim;
    final String nodeHoldsRuns;
    final String nodeHoldsClaims;
    // Claims, dispatches and run ends (SqlJobStore, RunDispatches).
    final String adoptOwnClaim;
    final String databaseNow;
    // Executions (SqlJobStore, ClaimEnds, RunEnds, ClusterNode).
    final String insertExecution;
    final String selectExecution;
    final String lockExecutionClaim;
    final String selectDueExecutions;
    final String claimExecution;
    final String unclaimExecution;
    final String startExecution;
    final String waitExecution;
    final String failExecution;
    final String endExecution;
    final String retryExecution;
    final String executionEndState;
    final String countRunning;
    final String maxJobToken;
    final String lockJob;
    final String releaseKept;
    final String deleteKept;
    final String nextDueExecution;
    final String cancelWaiting;
    final String requestStop;
    final String requeueExecution;
    final String heldExecution;
    final String deadRunsOfNode;
    final String adoptDeadRuns;
    final String unclaimOfNode;
    final String staleExecutionClaims;
    final String staleOwnRuns;
    final String claimOwnRun;
    final String recoveryOfMine;
    final String takePurgeLease;
    final String endedBefore;
    final String overfullJobs;
    final String overfullTasks;
    final String deleteExecution;
    final String executionExists;
    final String waitingClaimsOfNode;
    final String adoptOwnExecutionClaim;
    final String passClaimToExecution;
    /** For {@code ClusterView}: every node with its heartbeat age on the database's clock, and every run. */
    final String nodeHeartbeats;
    final String allRuns;

    public Sql(String prefix, Dialect dialect) {
        this.prefix = validatePrefix(prefix);
        this.jobs = prefix + "jobs";
        this.nodes = prefix + "nodes";
        this.executions = prefix + "executions";
        this.leases = prefix + "leases";
        this.schemaVersion = prefix + "schema_version";
        this.now = dialect.nowMillis();
        createSchemaVersion = "CREATE TABLE IF NOT EXISTS " + schemaVersion
                + " (id INTEGER NOT NULL PRIMARY KEY, version INTEGER NOT NULL)";
        insertSchemaVersion = "INSERT INTO " + schemaVersion + " (id, version) VALUES (1, 0)";
        readSchemaVersion = "SELECT version FROM " + schemaVersion + " WHERE id = 1";
        lockSchemaVersion = readSchemaVersion + " FOR UPDATE";
        setSchemaVersion = "UPDATE " + schemaVersion + " SET version = ? WHERE id = 1";
        String lastRunColumns = "last_outcome = ?, last_fire_time = ?, last_finished_at = ?, last_duration_us = ?, last_error = ?";
        // A new job row's fencing tokens start at the database's clock in microseconds times 1024,
        // so that a job id removed and added again goes on above every token its earlier row
        // handed out (that row would have needed 1024 runs per microsecond of its life to get
        // there), with no counter kept apart from the row and whatever the history kept. Tokens of
        // rows older than this rule start at 0 and stay below it.
        insertJob = "INSERT INTO " + jobs + " (" + JOB_COLUMNS + ", running, fence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, "
                + dialect.nowMicros() + " * " + FENCE_START_PER_MICROSECOND + ")";
        selectJob = "SELECT " + JOB_COLUMNS + " FROM " + jobs + " WHERE id = ?";
        listJobs = "SELECT " + JOB_COLUMNS + " FROM " + jobs + " ORDER BY id";
        replaceJob = "UPDATE " + jobs + " SET task = ?, trigger_spec = ?, options_json = ?, data_json = ?, paused = ?, "
                + "next_fire_time = ?, claimed_fire_time = NULL, claimed_by = NULL, claimed_at_ms = NULL, version = version + 1, "
                + lastRunColumns + " WHERE id = ?";
        updateJob = "UPDATE " + jobs + " SET task = ?, trigger_spec = ?, options_json = ?, data_json = ?, paused = ?, "
                + "next_fire_time = ?, claimed_fire_time = ?, claimed_by = CASE WHEN ? THEN NULL ELSE claimed_by END, "
                + "version = version + 1 WHERE id = ? AND version = ?";
        deleteJob = "DELETE FROM " + jobs + " WHERE id = ?";
        selectDue = "SELECT " + JOB_COLUMNS + " FROM " + jobs + " WHERE paused = FALSE AND next_fire_time <= ? "
                + "ORDER BY next_fire_time, id LIMIT ?" + dialect.skipLockedClause();
        claim = "UPDATE " + jobs + " SET claimed_fire_time = next_fire_time, next_fire_time = NULL, claimed_by = ?, "
                + "claimed_at_ms = " + now + ", version = version + 1 WHERE id = ? AND version = ? AND next_fire_time IS NOT NULL";
        release = "UPDATE " + jobs + " SET next_fire_time = ?, claimed_fire_time = NULL, claimed_by = NULL, claimed_at_ms = NULL, "
                + "version = version + 1 WHERE id = ? AND version = ? AND claimed_fire_time IS NOT NULL";
        recordOutcome = "UPDATE " + jobs + " SET " + lastRunColumns + " WHERE id = ?";
        counts = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN paused THEN 1 ELSE 0 END), 0) FROM " + jobs;
        // Shaped as an ordered read of one index entry: MariaDB and H2 scan every unpaused row for
        // MIN(...) WHERE paused = FALSE, even with an index on (paused, next_fire_time).
        nextDue = "SELECT next_fire_time FROM " + jobs + " WHERE paused = FALSE AND next_fire_time IS NOT NULL "
                + "ORDER BY next_fire_time LIMIT 1";
        readFence = "SELECT fence FROM " + jobs + " WHERE id = ?";
        bumpFence = "UPDATE " + jobs + " SET fence = fence + 1 WHERE id = ?";
        // A shared lock: a node's transactions that check its liveness at once do not queue on
        // each other, so a node frozen with several of them in flight holds its row for one idle
        // timeout, not one per transaction; a takeover's DELETE still waits for all of them.
        stillAlive = "SELECT node_id FROM " + nodes + " WHERE node_id = ? AND heartbeat_at_ms > " + now + " - ?"
                + dialect.sharedRowLock();
        checkBatchCounts = "UPDATE " + nodes + " SET started_at_ms = started_at_ms + 1 WHERE node_id = ?";
        nodeHeartbeats = "SELECT node_id, " + now + " - heartbeat_at_ms FROM " + nodes;
        allRuns = "SELECT node_id, COALESCE(job_id, ''), fire_time, started_at_ms FROM " + executions + " WHERE state = 'RUNNING'";
        heartbeat = "UPDATE " + nodes + " SET heartbeat_at_ms = " + now + " WHERE node_id = ?";
        deadNodes = "SELECT node_id FROM " + nodes + " WHERE heartbeat_at_ms < " + now + " - ? AND node_id <> ?";
        orphanClaimers = "SELECT DISTINCT claimed_by FROM " + jobs + " WHERE claimed_by IS NOT NULL AND claimed_by NOT IN "
                + "(SELECT node_id FROM " + nodes + ")";
        // Read through the index on (state, ...): the runs in flight are few, the history is not.
        orphanRunners = "SELECT DISTINCT node_id FROM " + executions + " WHERE state = 'RUNNING' AND node_id NOT IN "
                + "(SELECT node_id FROM " + nodes + ")";
        orphanExecutionClaimers = "SELECT DISTINCT claimed_by FROM " + executions + " WHERE claimed_by IS NOT NULL AND "
                + "claimed_by NOT IN (SELECT node_id FROM " + nodes + ")";
        claimsOfNode = "SELECT " + JOB_COLUMNS + " FROM " + jobs + " WHERE claimed_by = ? ORDER BY id FOR UPDATE";
        staleClaims = "SELECT id, version FROM " + jobs + " WHERE claimed_by = ? AND claimed_at_ms < " + now + " - ?";
        registerNode = "INSERT INTO " + nodes + " (node_id, heartbeat_at_ms, started_at_ms) VALUES (?, " + now + ", " + now + ")";
        nodeExists = "SELECT COUNT(*) FROM " + nodes + " WHERE node_id = ?";
        deleteDeadNode = "DELETE FROM " + nodes + " WHERE node_id = ? AND heartbeat_at_ms < " + now + " - ?";
        markNodeGone = "UPDATE " + nodes + " SET heartbeat_at_ms = 0 WHERE node_id = ?";
        deleteNode = "DELETE FROM " + nodes + " WHERE node_id = ?";
        putBackClaim = "UPDATE " + jobs + " SET next_fire_time = claimed_fire_time, claimed_fire_time = NULL, claimed_by = NULL, "
                + "claimed_at_ms = NULL, version = version + 1 WHERE id = ?";
        putBackOwnClaim = putBackClaim + " AND version = ? AND claimed_by = ?";
        nodeHoldsRuns = "SELECT COUNT(*) FROM " + executions + " WHERE node_id = ? AND state = 'RUNNING'";
        nodeHoldsClaims = "SELECT COUNT(*) FROM " + jobs + " WHERE claimed_by = ?";
        adoptOwnClaim = "UPDATE " + jobs + " SET claimed_at_ms = " + now + ", version = version + 1 "
                + "WHERE id = ? AND version = ? AND claimed_by = ? AND claimed_fire_time IS NOT NULL";
        databaseNow = "SELECT " + now;
        String exec = executions;
        insertExecution = "INSERT INTO " + exec + " (" + EXECUTION_COLUMNS + ", claimable_at, claimed_by, started_at_ms) VALUES ("
                + placeholders(EXECUTION_COLUMNS.split(",").length) + ", ?, NULL, " + now + ")";
        selectExecution = "SELECT " + EXECUTION_COLUMNS + " FROM " + exec + " WHERE id = ?";
        // A claim of an execution is held while its version is the claimed one and this node holds it.
        lockExecutionClaim = "SELECT " + EXECUTION_COLUMNS + " FROM " + exec + " WHERE id = ? AND version = ? AND claimed_by = ? "
                + "FOR UPDATE";
        selectDueExecutions = "SELECT " + EXECUTION_COLUMNS + " FROM " + exec + " WHERE claimable_at <= ? "
                + "ORDER BY claimable_at, id LIMIT ?" + dialect.skipLockedClause();
        claimExecution = "UPDATE " + exec + " SET claimed_by = ?, claimed_at_ms = " + now + ", claimable_at = NULL, "
                + "version = version + 1 WHERE id = ? AND version = ? AND claimable_at IS NOT NULL";
        unclaimExecution = "UPDATE " + exec + " SET claimed_by = NULL, claimed_at_ms = NULL, claimable_at = due_at "
                + "WHERE id = ? AND claimed_by = ?";
        startExecution = "UPDATE " + exec + " SET state = 'RUNNING', attempts = ?, due_at = NULL, claimable_at = NULL, "
                + "claimed_by = NULL, claimed_at_ms = NULL, node_id = ?, started_at = ?, started_at_ms = " + now + ", "
                + "ended_at = NULL, fencing_token = ?, recoverable = ?, queued_fire_times = ?, stop_requested = FALSE, "
                + "job_claim_version = ?, data_json = COALESCE(?, data_json), options_json = COALESCE(?, options_json), "
                + "version = version + 1 WHERE id = ?";
        waitExecution = "UPDATE " + exec + " SET state = ?, due_at = ?, claimable_at = ?, claimed_by = NULL, "
                + "claimed_at_ms = NULL, queued_fire_times = NULL, job_claim_version = ?, version = version + 1 WHERE id = ?";
        failExecution = "UPDATE " + exec + " SET state = 'FAILED', due_at = NULL, claimable_at = NULL, claimed_by = NULL, "
                + "claimed_at_ms = NULL, ended_at = ?, error = ?, stack_trace = NULL, queued_fire_times = NULL, "
                + "job_claim_version = NULL, version = version + 1 WHERE id = ?";
        // A run ends only while it is this node's run with this token, not claimed by a takeover.
        String heldByRun = " WHERE id = ? AND node_id = ? AND fencing_token = ? AND state = 'RUNNING' AND claimed_by IS NULL";
        endExecution = "UPDATE " + exec + " SET state = ?, ended_at = ?, error = COALESCE(?, error), "
                + "stack_trace = CASE WHEN ? THEN ? ELSE stack_trace END, result_json = COALESCE(?, result_json), "
                + "due_at = NULL, queued_fire_times = NULL, job_claim_version = NULL, version = version + 1" + heldByRun;
        retryExecution = "UPDATE " + exec + " SET state = 'WAITING_FOR_RETRY', due_at = ?, claimable_at = ?, error = ?, "
                + "stack_trace = ?, queued_fire_times = NULL, stop_requested = FALSE, version = version + 1" + heldByRun;
        executionEndState = "SELECT node_id, fencing_token, state FROM " + exec + " WHERE id = ?";
        countRunning = "SELECT COUNT(*) FROM " + exec + " WHERE job_id = ? AND state = 'RUNNING'";
        maxJobToken = "SELECT COALESCE(MAX(fencing_token), 0) FROM " + exec + " WHERE job_id = ?";
        lockJob = "SELECT " + JOB_COLUMNS + " FROM " + jobs + " WHERE id = ? FOR UPDATE";
        // A claim kept by an execution: the job still at the version it was kept at, claimed.
        releaseKept = "UPDATE " + jobs + " SET next_fire_time = ?, claimed_fire_time = NULL, claimed_by = NULL, "
                + "claimed_at_ms = NULL, version = version + 1 WHERE id = ? AND version = ? AND claimed_fire_time IS NOT NULL";
        deleteKept = "DELETE FROM " + jobs + " WHERE id = ? AND version = ? AND claimed_fire_time IS NOT NULL";
        nextDueExecution = "SELECT claimable_at FROM " + exec + " WHERE claimable_at IS NOT NULL ORDER BY claimable_at LIMIT 1";
        cancelWaiting = "UPDATE " + exec + " SET state = 'CANCELLED', ended_at = ?, due_at = NULL, claimable_at = NULL, "
                + "claimed_by = NULL, claimed_at_ms = NULL, job_claim_version = NULL, version = version + 1 "
                + "WHERE id = ? AND state IN ('SCHEDULED', 'WAITING_FOR_RETRY')";
        requestStop = "UPDATE " + exec + " SET stop_requested = TRUE, version = version + 1 WHERE id = ? AND state = 'RUNNING'";
        requeueExecution = "UPDATE " + exec + " SET state = 'SCHEDULED', attempts = 0, due_at = ?, claimable_at = ?, "
                + "ended_at = NULL, stop_requested = FALSE, job_claim_version = NULL, version = version + 1 "
                + "WHERE id = ? AND state IN ('FAILED', 'CANCELLED')";
        heldExecution = "SELECT COUNT(*) FROM " + exec + heldByRun;
        deadRunsOfNode = "SELECT " + EXECUTION_COLUMNS + " FROM " + exec + " WHERE node_id = ? AND state = 'RUNNING' "
                + "ORDER BY id FOR UPDATE";
        adoptDeadRuns = "UPDATE " + exec + " SET node_id = ?, claimed_by = ?, claimed_at_ms = " + now + ", "
                + "version = version + 1 WHERE node_id = ? AND state = 'RUNNING'";
        unclaimOfNode = "UPDATE " + exec + " SET claimed_by = NULL, claimed_at_ms = NULL, claimable_at = due_at "
                + "WHERE claimed_by = ? AND state IN ('SCHEDULED', 'WAITING_FOR_RETRY')";
        staleExecutionClaims = "SELECT id FROM " + exec + " WHERE claimed_by = ? AND claimed_at_ms < " + now + " - ?";
        staleOwnRuns = "SELECT id FROM " + exec + " WHERE node_id = ? AND state = 'RUNNING' AND claimed_by IS NULL "
                + "AND started_at_ms < " + now + " - ?";
        claimOwnRun = "UPDATE " + exec + " SET claimed_by = ?, claimed_at_ms = " + now + ", version = version + 1 "
                + "WHERE id = ? AND node_id = ? AND state = 'RUNNING' AND claimed_by IS NULL";
        recoveryOfMine = "SELECT COUNT(*) FROM " + exec + " WHERE id = ? AND node_id = ? AND claimed_by = ? AND version = ? "
                + "AND state = 'RUNNING'";
        takePurgeLease = "UPDATE " + leases + " SET holder = ?, expires_at_ms = " + now + " + ? WHERE name = 'purge' "
                + "AND (holder = ? OR holder IS NULL OR expires_at_ms < " + now + ")";
        endedBefore = "SELECT id FROM " + exec + " WHERE ended_at < ? ORDER BY ended_at LIMIT ?";
        overfullJobs = "SELECT job_id FROM " + exec + " WHERE job_id IS NOT NULL AND ended_at IS NOT NULL GROUP BY job_id "
                + "HAVING COUNT(*) > ?";
        overfullTasks = "SELECT task FROM " + exec + " WHERE job_id IS NULL AND ended_at IS NOT NULL GROUP BY task "
                + "HAVING COUNT(*) > ?";
        deleteExecution = "DELETE FROM " + exec + " WHERE id = ? AND ended_at IS NOT NULL";
        executionExists = "SELECT COUNT(*) FROM " + exec + " WHERE id = ?";
        waitingClaimsOfNode = "SELECT " + EXECUTION_COLUMNS + " FROM " + exec + " WHERE claimed_by = ? "
                + "AND state IN ('SCHEDULED', 'WAITING_FOR_RETRY') ORDER BY id FOR UPDATE";
        adoptOwnExecutionClaim = "UPDATE " + exec + " SET claimed_at_ms = " + now + ", version = version + 1 "
                + "WHERE id = ? AND version = ? AND claimed_by = ? AND state IN ('SCHEDULED', 'WAITING_FOR_RETRY')";
        passClaimToExecution = "UPDATE " + jobs + " SET claimed_by = NULL, claimed_at_ms = NULL WHERE id = ? AND version = ?";
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

    /** At most {@code limit} tasks of due unpaused jobs, outside {@code excluded} task names. */
    String dueTasksExcept(int excluded, int limit) {
        String notIn = excluded == 0 ? "" : " AND task NOT IN (" + placeholders(excluded) + ")";
        return "SELECT DISTINCT task FROM " + jobs + " WHERE paused = FALSE AND next_fire_time <= ?" + notIn
                + " ORDER BY task LIMIT " + limit;
    }

    /** The ids among {@code n} whose running execution was asked to stop. */
    String stopsRequested(int n) {
        return "SELECT id FROM " + executions + " WHERE id IN (" + placeholders(n) + ") AND stop_requested = TRUE "
                + "AND state = 'RUNNING'";
    }

    /** {@link #selectDueExecutions}, restricted to {@code tasks} task names when that is positive. */
    String selectDueExecutions(int tasks) {
        return restrictToTasks(selectDueExecutions, tasks);
    }

    /** {@link #nextDueExecution}, restricted to {@code tasks} task names when that is positive. */
    String nextDueExecution(int tasks) {
        return restrictToTasks(nextDueExecution, tasks);
    }

    /**
     * A page of the history, newest first by (created_at, id): the filters of {@code query} that are
     * set, then the position. Parameters in order: job, task, states, from, to, position (created_at
     * twice and id), limit. Each filter leads with a column of an index ordered by (created_at, id).
     */
    String executionsPage(dev.chime.ExecutionQuery query) {
        StringBuilder where = new StringBuilder();
        if (query.jobId() != null) {
            where.append(" AND job_id = ?");
        }
        if (query.task() != null) {
            where.append(" AND task = ?");
        }
        if (!query.states().isEmpty()) {
            where.append(" AND state IN (").append(placeholders(query.states().size())).append(')');
        }
        if (query.from() != null) {
            where.append(" AND created_at >= ?");
        }
        if (query.to() != null) {
            where.append(" AND created_at < ?");
        }
        if (query.after() != null) {
            where.append(" AND (created_at < ? OR (created_at = ? AND id < ?))");
        }
        String filter = where.length() == 0 ? "" : " WHERE" + where.substring(4);
        return "SELECT " + EXECUTION_COLUMNS + " FROM " + executions + filter + " ORDER BY created_at DESC, id DESC LIMIT ?";
    }

    /** The ended executions of one job (or, {@code task}, of one task's executions without a job) past the newest {@code keep}. */
    String endedPastNewest(boolean task) {
        return "SELECT id FROM " + executions + " WHERE " + (task ? "job_id IS NULL AND task = ?" : "job_id = ?")
                + " AND ended_at IS NOT NULL ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?";
    }

    /** A query of no rows that fails when {@code table} is missing or unreadable. */
    static String probe(String table) {
        return "SELECT * FROM " + table + " WHERE 1 = 0";
    }

    private static String placeholders(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }

    private static String restrictToTasks(String query, int tasks) {
        if (tasks <= 0) {
            return query;
        }
        String in = " AND task IN (" + String.join(", ", java.util.Collections.nCopies(tasks, "?")) + ")";
        int at = query.indexOf(" ORDER BY");
        return query.substring(0, at) + in + query.substring(at);
    }

    /** The table prefix these statements were built for. */
    public String prefix() {
        return prefix;
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

    public String executionsTable() {
        return executions;
    }

    public String nodesTable() {
        return nodes;
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
        checkText("job '" + job.id() + "'", field, text);
    }

    /** Fails for a text the databases cannot hold, naming {@code owner} (say, "execution 'x'") and the field. */
    static void checkText(String owner, String field, String text) {
        if (text == null) {
            return;
        }
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(owner + ": its " + field + " contains a NUL character (\\u0000), "
                    + "which the JDBC store cannot keep (PostgreSQL rejects it); remove it or encode it");
        }
        // Only long texts are measured: a char is at most 3 bytes of UTF-8 (a surrogate pair 4 for 2).
        if (text.length() * 3L > MAX_TEXT_BYTES) {
            long bytes = text.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_TEXT_BYTES) {
                throw new IllegalArgumentException(owner + ": its " + field + " takes " + bytes
                        + " bytes in UTF-8, more than the " + MAX_TEXT_BYTES + " bytes (4 MiB) the JDBC store keeps per "
                        + "field; keep large payloads elsewhere and put a reference in the job's data");
            }
        }
    }

    /** Queued fire times as the executions table keeps them: nanoseconds, comma-separated; null for none. */
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

    /** An execution from a row of {@link #EXECUTION_COLUMNS}. */
    static StoredExecution readExecution(ResultSet rs) throws SQLException {
        long fire = rs.getLong("fire_time");
        long claimVersion = rs.getLong("job_claim_version");
        boolean holds = !rs.wasNull();
        return new StoredExecution(rs.getString("id"), rs.getString("job_id"), rs.getString("task"), rs.getString("data_json"),
                rs.getString("options_json"), fromNanos(fire), ExecutionState.valueOf(rs.getString("state")),
                rs.getInt("attempts"), instant(rs, "due_at"), rs.getString("node_id"), instant(rs, "created_at"),
                instant(rs, "started_at"), instant(rs, "ended_at"), rs.getString("error"), rs.getString("stack_trace"),
                rs.getString("result_json"), rs.getLong("fencing_token"), rs.getBoolean("recoverable"),
                decodeFireTimesAfter(rs.getString("queued_fire_times"), fire), rs.getBoolean("stop_requested"), holds,
                rs.getLong("version"));
    }

    /** The version of the job row whose claim an execution keeps, or null. */
    static Long jobClaimVersion(ResultSet rs) throws SQLException {
        long v = rs.getLong("job_claim_version");
        return rs.wasNull() ? null : v;
    }

    /**
     * Binds {@link #insertExecution}: every column of {@link #EXECUTION_COLUMNS}, then claimable_at
     * (the due time of a waiting execution).
     */
    static void bindExecution(PreparedStatement ps, StoredExecution e, Long jobClaimVersion) throws SQLException {
        int i = 1;
        ps.setString(i++, e.id());
        setText(ps, i++, e.jobId());
        ps.setString(i++, e.task());
        setText(ps, i++, e.dataJson());
        setText(ps, i++, e.optionsJson());
        ps.setLong(i++, nanos(e.fireTime()));
        ps.setString(i++, e.state().name());
        ps.setInt(i++, e.attempts());
        setLong(ps, i++, nanos(e.dueAt()));
        setText(ps, i++, e.nodeId());
        ps.setLong(i++, nanos(e.createdAt()));
        setLong(ps, i++, nanos(e.startedAt()));
        setLong(ps, i++, nanos(e.endedAt()));
        setText(ps, i++, ErrorText.clean(e.error()));
        setText(ps, i++, e.stackTrace());
        setText(ps, i++, e.resultJson());
        ps.setLong(i++, e.fencingToken());
        ps.setBoolean(i++, e.recoverable());
        setText(ps, i++, encodeFireTimes(e.queued()));
        ps.setBoolean(i++, e.stopRequested());
        setLong(ps, i++, jobClaimVersion);
        ps.setLong(i++, e.version());
        setLong(ps, i, e.isWaiting() ? nanos(e.dueAt()) : null);
    }
}
