package dev.chime.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

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
 * ({@code clock_timestamp()}, volatile) cannot bound an index anyway. The pruning's count per job
 * ({@link Sql#historyBeyondPerJob}) ranks every history row by design; it runs once per janitor
 * round, reads without locks, and its deletes go by primary key.
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
        String runs = sql.runs;
        String nodes = sql.nodes;
        String outcome = "SUCCESS";
        List<Hot> hot = new ArrayList<>();
        hot.add(new Hot("claim select", sql.selectDue, List.of(T0 + 10_000_000_000L, 50), List.of(jobs)));
        hot.add(new Hot("claim", sql.claim, List.of("node-001", "job-00001", 0L), List.of(jobs)));
        hot.add(new Hot("next due", sql.nextDue, List.of(), List.of(jobs)));
        hot.add(new Hot("release", sql.release, List.of(T0, "job-00001", 1L), List.of(jobs)));
        hot.add(new Hot("remove claimed", sql.deleteClaimed, List.of("job-00001", 1L), List.of(jobs)));
        hot.add(new Hot("reserve instance", sql.reserveInstance, List.of("job-00001", 1), List.of(jobs)));
        hot.add(new Hot("job exists", sql.jobExists, List.of("job-00001"), List.of(jobs)));
        hot.add(new Hot("read job", sql.selectJob, List.of("job-00001"), List.of(jobs)));
        hot.add(new Hot("record outcome", sql.recordOutcome, List.of(outcome, T0, T0, 1L, "e", "job-00001"), List.of(jobs)));
        hot.add(new Hot("release instance", sql.releaseInstance, List.of("job-00001"), List.of(jobs)));
        hot.add(new Hot("release instance with outcome", sql.releaseInstanceWithOutcome,
                List.of(outcome, T0, T0, 1L, "e", "job-00001"), List.of(jobs)));
        hot.add(new Hot("run exists", sql.runExists, List.of("run-00001"), List.of(runs)));
        hot.add(new Hot("end run", sql.endRun, List.of("run-00001", "node-001"), List.of(runs)));
        hot.add(new Hot("run state", sql.runState, List.of("run-00001"), List.of(runs)));
        hot.add(new Hot("ended runs", sql.selectEndedRuns, List.of(60_000L, 500), List.of(runs)));
        hot.add(new Hot("purge run", sql.deleteRun, List.of("run-00001"), List.of(runs)));
        hot.add(new Hot("claim select for tasks", sql.selectDue(1), List.of(T0 + 10_000_000_000L, "task", 50), List.of(jobs)));
        hot.add(new Hot("next due for tasks", sql.nextDue(1), List.of("task"), List.of(jobs)));
        hot.add(new Hot("read fence", sql.readFence, List.of("job-00001"), List.of(jobs)));
        hot.add(new Hot("still alive", sql.stillAlive, List.of("node-00001", 30_000L), List.of(nodes)));
        hot.add(new Hot("heartbeat", sql.heartbeat, List.of("node-00001"), List.of(nodes)));
        hot.add(new Hot("batch count probe", sql.checkBatchCounts, List.of("node-00001"), List.of(nodes)));
        // The orphan sweeps compare with every live node by nature; the jobs and runs they read
        // are the ones that must come from an index.
        hot.add(new Hot("orphan claims", sql.orphanClaimers, List.of(), List.of(jobs)));
        hot.add(new Hot("orphan runs", sql.orphanRunners, List.of(), List.of(runs)));
        hot.add(new Hot("runs of a dead node", sql.runsOfNode, List.of("node-001"), List.of(runs)));
        hot.add(new Hot("claims of a dead node", sql.claimsOfNode, List.of("node-001"), List.of(jobs)));
        hot.add(new Hot("stale claims", sql.staleClaims, List.of("node-001", 30_000L), List.of(jobs)));
        hot.add(new Hot("stale runs", sql.staleRuns, List.of("node-001", 30_000L), List.of(runs)));
        hot.add(new Hot("cancel marks read with the heartbeat", sql.cancelMarksOfNode, List.of("node-001"), List.of(runs)));
        String history = sql.history;
        hot.add(new Hot("history newest first", sql.selectHistory(false, false, 0, false, false, false), List.of(51),
                List.of(history)));
        hot.add(new Hot("history of a job", sql.selectHistory(true, false, 0, false, false, false), List.of("job-00001", 51),
                List.of(history)));
        hot.add(new Hot("history of a job, next page", sql.selectHistory(true, false, 0, false, false, true),
                List.of("job-00001", T0 + 50_000_000_000L, T0 + 50_000_000_000L, 10_000L, 51), List.of(history)));
        hot.add(new Hot("history next page", sql.selectHistory(false, false, 0, false, false, true),
                List.of(T0 + 50_000_000_000L, T0 + 50_000_000_000L, 10_000L, 51), List.of(history)));
        hot.add(new Hot("history recorded", sql.historyRecorded, List.of("job-00001", T0, T0, "node-001"), List.of(history)));
        hot.add(new Hot("history before the cutoff", sql.historyBefore, List.of(T0 + 10_000_000_000L, 1_000), List.of(history)));
        hot.add(new Hot("delete a history row", sql.deleteHistory, List.of(10_000L), List.of(history)));
        return hot;
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void everyHotQueryReadsItsTableThroughAnIndex(TestDatabase tdb) throws SQLException {
        dataSource = tdb.dataSource();
        prefix = TestDatabase.freshPrefix();
        Dialect dialect = Database.detect(dataSource);
        Database db = new Database(dataSource, dialect);
        Schema.create(db, prefix);
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
     * A run is ended by (run_id, node_id). On a runs table without statistics yet (just created,
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
        Schema.create(db, prefix);
        Sql sql = new Sql(prefix, Dialect.POSTGRESQL);
        String plan = db.autoCommit(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO " + sql.runs + " (run_id, job_id, fire_time, node_id, recoverable, started_at_ms) "
                        + "SELECT 'run-' || i, 'job-' || i, 0, 'node-1', TRUE, 1000 FROM generate_series(1, 20) i");
                s.execute("SET plan_cache_mode = force_generic_plan");
                s.execute("PREPARE end_run(varchar, varchar) AS " + sql.endRun.replaceFirst("\\?", "\\$1")
                        .replaceFirst("\\?", "\\$2"));
                StringBuilder lines = new StringBuilder();
                try (ResultSet rs = s.executeQuery("EXPLAIN EXECUTE end_run('run-7', 'node-1')")) {
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
                .as("the index lookups of the end of a run: %s", plan).anyMatch(line -> line.contains("run_id"));
    }

    /** 20,000 jobs (a tenth paused, a few hundred claimed), 20,000 runs on 200 nodes, 20,000 nodes, 20,000 history rows of 200 jobs. */
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
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.runs + " (run_id, job_id, fire_time, node_id, "
                    + "recoverable, started_at_ms) VALUES (?, ?, ?, ?, TRUE, 1000)")) {
                for (int i = 0; i < ROWS; i++) {
                    ps.setString(1, String.format(Locale.ROOT, "run-%05d", i));
                    ps.setString(2, String.format(Locale.ROOT, "job-%05d", i));
                    ps.setLong(3, T0);
                    ps.setString(4, String.format(Locale.ROOT, "node-%03d", i % 200));
                    ps.addBatch();
                    flushEvery(ps, i);
                }
                ps.executeBatch();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.history + " (" + Sql.HISTORY_INSERT_COLUMNS
                    + ") VALUES (?, 'task', ?, 1, ?, ?, ?, 1000, 'SUCCESS', NULL, NULL, NULL, NULL)")) {
                for (int i = 0; i < ROWS; i++) {
                    ps.setString(1, String.format(Locale.ROOT, "job-%05d", i % 200));
                    ps.setLong(2, T0 + i * 1_000_000_000L);
                    ps.setString(3, String.format(Locale.ROOT, "node-%03d", i % 200));
                    ps.setLong(4, T0 + i * 1_000_000_000L);
                    ps.setLong(5, T0 + i * 1_000_000_000L + 1_000_000L);
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
                for (String table : List.of(sql.jobs, sql.runs, sql.nodes, sql.history)) {
                    switch (db.dialect()) {
                        case POSTGRESQL -> s.execute("ANALYZE " + table);
                        case MARIADB -> s.executeQuery("ANALYZE TABLE " + table).close();
                        case H2 -> s.execute("ANALYZE TABLE " + table);
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
        return switch (dialect) {
            case POSTGRESQL -> p.contains("seq scan on " + t + " ") || p.endsWith("seq scan on " + t);
            case MARIADB -> p.contains("table=" + t + " type=all");
            case H2 -> p.contains("." + t + ".tablescan");
        };
    }
}
