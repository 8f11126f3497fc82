package dev.chime.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.ExecutionQuery;
import dev.chime.ExecutionState;
import dev.chime.spi.StoredExecution;
import dev.chime.store.jdbc.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Defect 12: every query on the hot path (claims, next due time, releases, reservations, run
 * ends and their markers, liveness checks, heartbeats, takeover and orphan sweeps) reads its big
 * table through an index. The tables
 * get 20,000 rows each and fresh statistics, so that the planners choose as they would in
 * production; the test then reads each query's EXPLAIN and fails on a full table scan
 * (PostgreSQL "Seq Scan", MariaDB type ALL, H2 tableScan).
 *
 * <p>Not here: the search for dead nodes ({@link Sql#deadNodes}) reads every node's heartbeat by
 * design; the nodes table holds one row per node, a handful, and on PostgreSQL the database clock
 * ({@code clock_timestamp()}, volatile) cannot bound an index anyway.
 */
class HotQueriesUseIndexesTest {

    private static final Logger LOG = LoggerFactory.getLogger(HotQueriesUseIndexesTest.class);
    private static final int ROWS = 20_000;
    private static final long T0 = Sql.nanos(Instant.parse("2026-03-01T10:00:00Z"));

    private DataSource dataSource;
    private String prefix;

    @AfterEach
    void tearDown() throws SQLException {
        if (dataSource != null) {
            TestDatabase.drop(dataSource, prefix);
        }
    }

    /** A hot query, its parameters, and the tables it must not scan in full. */
    private record Hot(String name, String sql, List<Object> params, List<String> tables) {
    }

    private static List<Hot> hotQueries(Sql sql) {
        String jobs = sql.jobs;
        String executions = sql.executions;
        String nodes = sql.nodes;
        String outcome = "SUCCESS";
        long due = T0 + 10_000_000_000L;
        List<Hot> hot = new ArrayList<>();
        hot.add(new Hot("claim select", sql.selectDue, List.of(due, 50), List.of(jobs)));
        hot.add(new Hot("claim", sql.claim, List.of("node-001", "job-00001", 0L), List.of(jobs)));
        hot.add(new Hot("next due", sql.nextDue, List.of(), List.of(jobs)));
        hot.add(new Hot("release kept claim", sql.releaseKept, List.of(T0, "job-00001", 1L), List.of(jobs)));
        hot.add(new Hot("remove kept claim", sql.deleteKept, List.of("job-00001", 1L), List.of(jobs)));
        hot.add(new Hot("read job", sql.selectJob, List.of("job-00001"), List.of(jobs)));
        hot.add(new Hot("lock job", sql.lockJob, List.of("job-00001"), List.of(jobs)));
        hot.add(new Hot("record outcome", sql.recordOutcome, List.of(outcome, T0, T0, 1L, "e", "job-00001"), List.of(jobs)));
        hot.add(new Hot("claim select for tasks", sql.selectDue(1), List.of(due, "task", 50), List.of(jobs)));
        hot.add(new Hot("next due for tasks", sql.nextDue(1), List.of("task"), List.of(jobs)));
        hot.add(new Hot("bump fence", sql.bumpFence, List.of("job-00001"), List.of(jobs)));
        hot.add(new Hot("read fence", sql.readFence, List.of("job-00001"), List.of(jobs)));
        hot.add(new Hot("still alive", sql.stillAlive, List.of("node-00001", 30_000L), List.of(nodes)));
        hot.add(new Hot("heartbeat", sql.heartbeat, List.of("node-00001"), List.of(nodes)));
        hot.add(new Hot("batch count probe", sql.checkBatchCounts, List.of("node-00001"), List.of(nodes)));
        // Executions: the claim of due ones, the life of a run, the history and its purge.
        hot.add(new Hot("claim select of due executions", sql.selectDueExecutions, List.of(due, 50), List.of(executions)));
        hot.add(new Hot("claim select of due executions for tasks", sql.selectDueExecutions(1), List.of(due, "task", 50),
                List.of(executions)));
        hot.add(new Hot("claim execution", sql.claimExecution, List.of("node-001", "exe-00009", 0L), List.of(executions)));
        hot.add(new Hot("next due execution", sql.nextDueExecution, List.of(), List.of(executions)));
        hot.add(new Hot("next due execution for tasks", sql.nextDueExecution(1), List.of("task"), List.of(executions)));
        hot.add(new Hot("read execution", sql.selectExecution, List.of("exe-00001"), List.of(executions)));
        hot.add(new Hot("lock claimed execution", sql.lockExecutionClaim, List.of("exe-00009", 1L, "node-001"),
                List.of(executions)));
        hot.add(new Hot("running instances", sql.countRunning, List.of("job-00005"), List.of(executions)));
        hot.add(new Hot("highest token of a job", sql.maxJobToken, List.of("job-00005"), List.of(executions)));
        hot.add(new Hot("end run", sql.endExecution, List.of("SUCCEEDED", T0, "e", true, "s", "{}", "exe-00005", "node-005", 1L),
                List.of(executions)));
        hot.add(new Hot("run waits for its retry", sql.retryExecution, List.of(T0, T0, "e", "s", "exe-00005", "node-005", 1L),
                List.of(executions)));
        hot.add(new Hot("end state", sql.executionEndState, List.of("exe-00005"), List.of(executions)));
        hot.add(new Hot("holds run", sql.heldExecution, List.of("exe-00005", "node-005", 1L), List.of(executions)));
        hot.add(new Hot("cancel waiting", sql.cancelWaiting, List.of(T0, "exe-00009"), List.of(executions)));
        hot.add(new Hot("request stop", sql.requestStop, List.of("exe-00005"), List.of(executions)));
        hot.add(new Hot("stops requested", sql.stopsRequested(2), List.of("exe-00005", "exe-00105"), List.of(executions)));
        hot.add(new Hot("requeue", sql.requeueExecution, List.of(T0, T0, "exe-00001"), List.of(executions)));
        ExecutionQuery newest = ExecutionQuery.builder().limit(50).build();
        hot.add(new Hot("history page", sql.executionsPage(newest), List.of(50), List.of(executions)));
        Instant cursorAt = Sql.fromNanos(T0 + 10_000 * 1_000_000_000L);
        ExecutionQuery next = ExecutionQuery.builder().limit(50).after(new ExecutionQuery.Position(cursorAt, "exe-10000")
                .toString()).build();
        hot.add(new Hot("history next page", sql.executionsPage(next), List.of(T0 + 10_000 * 1_000_000_000L,
                T0 + 10_000 * 1_000_000_000L, "exe-10000", 50), List.of(executions)));
        hot.add(new Hot("history of a job", sql.executionsPage(ExecutionQuery.builder().job("job-00005").limit(50).build()),
                List.of("job-00005", 50), List.of(executions)));
        hot.add(new Hot("history of a task", sql.executionsPage(ExecutionQuery.builder().task("other").limit(50).build()),
                List.of("other", 50), List.of(executions)));
        hot.add(new Hot("history by state", sql.executionsPage(ExecutionQuery.builder().states(ExecutionState.FAILED).limit(50)
                .build()), List.of("FAILED", 50), List.of(executions)));
        hot.add(new Hot("purge: ended before", sql.endedBefore, List.of(T0 + 1_000_000_000L * 100, 500), List.of(executions)));
        hot.add(new Hot("purge: past the newest of a job", sql.endedPastNewest(false), List.of("job-00005", 500, 5),
                List.of(executions)));
        hot.add(new Hot("purge: past the newest of a task", sql.endedPastNewest(true), List.of("other", 500, 5),
                List.of(executions)));
        hot.add(new Hot("purge: delete", sql.deleteExecution, List.of("exe-00001"), List.of(executions)));
        // Takeover and the orphan sweeps compare with every live node by nature; the jobs and
        // executions they read are the ones that must come from an index.
        hot.add(new Hot("orphan claims", sql.orphanClaimers, List.of(), List.of(jobs)));
        hot.add(new Hot("orphan runs", sql.orphanRunners, List.of(), List.of(executions)));
        hot.add(new Hot("orphan execution claims", sql.orphanExecutionClaimers, List.of(), List.of(executions)));
        hot.add(new Hot("runs of a dead node", sql.deadRunsOfNode, List.of("node-001"), List.of(executions)));
        hot.add(new Hot("adopt runs of a dead node", sql.adoptDeadRuns, List.of("node-002", "node-002", "node-001"),
                List.of(executions)));
        hot.add(new Hot("unclaim executions of a dead node", sql.unclaimOfNode, List.of("node-001"), List.of(executions)));
        hot.add(new Hot("claims of a dead node", sql.claimsOfNode, List.of("node-001"), List.of(jobs)));
        hot.add(new Hot("stale claims", sql.staleClaims, List.of("node-001", 30_000L), List.of(jobs)));
        hot.add(new Hot("stale execution claims", sql.staleExecutionClaims, List.of("node-001", 30_000L), List.of(executions)));
        hot.add(new Hot("stale own runs", sql.staleOwnRuns, List.of("node-001", 30_000L), List.of(executions)));
        return hot;
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void everyHotQueryReadsItsTableThroughAnIndex(TestDatabase tdb) throws SQLException {
        dataSource = tdb.dataSource();
        prefix = TestDatabase.freshPrefix();
        Dialect dialect = Database.detect(dataSource);
        Database db = new Database(dataSource, dialect);
        Schema.migrate(db, new Sql(prefix, db.dialect()));
        Sql sql = new Sql(prefix, dialect);
        fill(db, sql);

        Map<String, String> scans = new LinkedHashMap<>();
        db.autoCommit(c -> {
            for (Hot hot : hotQueries(sql)) {
                String plan = explain(c, dialect, hot);
                LOG.info("{} {}: {}", dialect, hot.name(), plan);
                for (String table : hot.tables()) {
                    if (scansInFull(dialect, plan, table)) {
                        scans.put(hot.name(), plan);
                    }
                }
            }
            return null;
        });

        assertThat(scans).as("hot queries that scan a whole table on " + dialect).isEmpty();
    }

    /**
     * A run is ended by (id, node_id, token). On a table without statistics yet (just created,
     * a handful of rows of one node) PostgreSQL's generic plan for that statement once took an
     * index on node_id alone, with run_id a filter, and kept it on the connection: as the table
     * grew every run's end scanned every run of its node, and one node fell from thousands of
     * firings a second to 1,500. Whichever index it takes now, run_id must be in its lookup.
     */
    @org.junit.jupiter.api.Test
    void endingARunLooksItUpByItsIdOnARunsTableWithoutStatistics() throws SQLException {
        TestDatabase.POSTGRESQL.assumeEnabled();
        dataSource = TestDatabase.POSTGRESQL.dataSource();
        prefix = TestDatabase.freshPrefix();
        Database db = new Database(dataSource, Dialect.POSTGRESQL);
        Schema.migrate(db, new Sql(prefix, db.dialect()));
        Sql sql = new Sql(prefix, Dialect.POSTGRESQL);
        String plan = db.autoCommit(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO " + sql.executions + " (id, job_id, task, fire_time, state, attempts, node_id, created_at, "
                        + "fencing_token, recoverable, stop_requested, version) SELECT 'exe-' || i, 'job-' || i, 'task', 0, "
                        + "'RUNNING', 1, 'node-1', 0, 1, TRUE, FALSE, 0 FROM generate_series(1, 20) i");
                s.execute("SET plan_cache_mode = force_generic_plan");
                s.execute("PREPARE end_run(varchar, varchar, bigint) AS " + sql.heldExecution.replaceFirst("\\?", "\\$1")
                        .replaceFirst("\\?", "\\$2").replaceFirst("\\?", "\\$3"));
                StringBuilder lines = new StringBuilder();
                try (ResultSet rs = s.executeQuery("EXPLAIN EXECUTE end_run('exe-7', 'node-1', 1)")) {
                    while (rs.next()) {
                        lines.append(rs.getString(1)).append('\n');
                    }
                }
                s.execute("DEALLOCATE end_run");
                s.execute("RESET plan_cache_mode");
                return lines.toString();
            }
        });
        LOG.info("end run, generic plan without statistics: {}", plan);
        assertThat(plan.lines().filter(line -> line.contains("Index Cond")))
                .as("the index lookups of the end of a run: %s", plan).anyMatch(line -> line.contains("(id)"));
    }

    /** 20,000 jobs (a tenth paused, a few hundred claimed), 20,000 executions on 200 nodes, 20,000 nodes. */
    private static void fill(Database db, Sql sql) throws SQLException {
        db.transaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.jobs + " (id, task, trigger_spec, options_json, "
                    + "paused, next_fire_time, claimed_fire_time, claimed_by, claimed_at_ms, running, version) "
                    + "VALUES (?, 'task', 'interval:PT1H', '{}', ?, ?, ?, ?, ?, 0, 0)")) {
                for (int i = 0; i < ROWS; i++) {
                    boolean claimed = i % 50 == 7;
                    ps.setString(1, String.format(Locale.ROOT, "job-%05d", i));
                    ps.setBoolean(2, i % 10 == 3);
                    Sql.setLong(ps, 3, claimed ? null : T0 + i * 1_000_000_000L);
                    Sql.setLong(ps, 4, claimed ? T0 : null);
                    Sql.setText(ps, 5, claimed ? String.format(Locale.ROOT, "node-%03d", i % 200) : null);
                    Sql.setLong(ps, 6, claimed ? 1_000L : null);
                    ps.addBatch();
                    flushEvery(ps, i);
                }
                ps.executeBatch();
            }
            // Executions: most ended (the history, ten per job), one in a hundred running, one in a
            // hundred waiting; a tenth are tasks without a job.
            try (PreparedStatement ps = c.prepareStatement(sql.insertExecution)) {
                for (int i = 0; i < ROWS; i++) {
                    ExecutionState state = i % 100 == 5 ? ExecutionState.RUNNING
                            : i % 100 == 9 ? ExecutionState.SCHEDULED : i % 7 == 0 ? ExecutionState.FAILED : ExecutionState.SUCCEEDED;
                    Instant at = Sql.fromNanos(T0 + i * 1_000_000_000L);
                    boolean task = i % 10 == 1;
                    StoredExecution e = new StoredExecution(String.format(Locale.ROOT, "exe-%05d", i),
                            task ? null : String.format(Locale.ROOT, "job-%05d", i % 2_000), task ? "other" : "task", null, null,
                            at, state, 1, state == ExecutionState.SCHEDULED ? at : null,
                            String.format(Locale.ROOT, "node-%03d", i % 200), at, at, state.isEnded() ? at : null, null, null,
                            null, 1, true, List.of(), false, false, 0);
                    Sql.bindExecution(ps, e, null);
                    ps.addBatch();
                    flushEvery(ps, i);
                }
                ps.executeBatch();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.nodes
                    + " (node_id, heartbeat_at_ms, started_at_ms) VALUES (?, " + sql.now + ", " + sql.now + ")")) {
                for (int i = 0; i < ROWS; i++) {
                    ps.setString(1, String.format(Locale.ROOT, "node-%05d", i));
                    ps.addBatch();
                    flushEvery(ps, i);
                }
                ps.executeBatch();
            }
            return null;
        });
        db.autoCommit(c -> {
            try (Statement s = c.createStatement()) {
                for (String table : List.of(sql.jobs, sql.executions, sql.nodes)) {
                    switch (db.dialect().name()) {
                        case "postgresql" -> s.execute("ANALYZE " + table);
                        case "mariadb" -> s.executeQuery("ANALYZE TABLE " + table).close();
                        default -> s.execute("ANALYZE TABLE " + table);
                    }
                }
            }
            return null;
        });
    }

    private static void flushEvery(PreparedStatement ps, int i) throws SQLException {
        if (i % 1_000 == 999) {
            ps.executeBatch();
        }
    }

    private static String explain(Connection c, Dialect dialect, Hot hot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + hot.sql())) {
            for (int i = 0; i < hot.params().size(); i++) {
                ps.setObject(i + 1, hot.params().get(i));
            }
            StringBuilder plan = new StringBuilder();
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    if (dialect == Dialect.MARIADB) {
                        // One row per table: "table=<name> type=<access> key=<index>".
                        plan.append("table=").append(rs.getString("table")).append(" type=").append(rs.getString("type"))
                                .append(" key=").append(rs.getString("key")).append(" extra=").append(rs.getString("Extra"))
                                .append("; ");
                    } else {
                        for (int col = 1; col <= meta.getColumnCount(); col++) {
                            plan.append(rs.getString(col)).append(' ');
                        }
                        plan.append("| ");
                    }
                }
            }
            return plan.toString().replaceAll("\\s+", " ").trim();
        }
    }

    private static boolean scansInFull(Dialect dialect, String plan, String table) {
        String p = plan.replace("\"", "").toLowerCase(Locale.ROOT);
        String t = table.toLowerCase(Locale.ROOT);
        return switch (dialect.name()) {
            case "postgresql" -> p.contains("seq scan on " + t + " ") || p.endsWith("seq scan on " + t);
            case "mariadb" -> p.contains("table=" + t + " type=all");
            case "h2" -> p.contains("." + t + ".tablescan");
            default -> throw new IllegalArgumentException("no plan reading for " + dialect);
        };
    }
}
