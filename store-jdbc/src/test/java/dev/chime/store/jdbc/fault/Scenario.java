package dev.chime.store.jdbc.fault;

import static org.awaitility.Awaitility.await;

import dev.chime.Scheduler;
import dev.chime.store.jdbc.JdbcJobStore;
import dev.chime.store.jdbc.TestDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * One run of the fault suite: a fresh set of tables, the node JVMs, the {@link Workload} added with
 * its first fire time shortly after the nodes are ready, the faults (each logged in a
 * {@link FaultLog} by the database's clock), a clean stop, and the {@link Invariants} judged from the
 * records. Every wait is on a condition with a deadline. The report goes to
 * {@code target/fault-logs/<scenario>-<prefix>.txt} as well.
 *
 * <p>Not thread-safe: one test drives it.
 */
final class Scenario implements AutoCloseable {

    /** Length of the window the one-shots are spread over. */
    private static final long ONE_SHOTS_MS = 12_000;

    private final String name;
    private final String url;
    private final DataSource dataSource;
    private final String prefix = TestDatabase.freshPrefix();
    private final Records records;
    private final FaultLog faults = new FaultLog();
    private final List<NodeJvm> nodes = new ArrayList<>();
    private final long startedNanos = System.nanoTime();
    private Workload workload;

    Scenario(String name, String url, DataSource dataSource) {
        this.name = name;
        this.url = url;
        this.dataSource = dataSource;
        this.records = new Records(dataSource, prefix);
    }

    /** Creates the tables, starts the nodes, then adds the workload to fire from the next whole second at least 1.5 s away. */
    Scenario start(List<NodeJvm.Settings> settings) throws Exception {
        JdbcJobStore.builder(dataSource).tablePrefix(prefix).createSchema(true).build().close();
        records.createTables();
        nodes.addAll(NodeJvm.start(url, prefix, settings));
        long startMs = (records.dbNowMillis() + 1_500) / 1_000 * 1_000 + 1_000;
        workload = Workload.standard(startMs, ONE_SHOTS_MS);
        try (JdbcJobStore store = JdbcJobStore.builder(dataSource).tablePrefix(prefix).nodeName("adder").build()) {
            Scheduler adder = Scheduler.builder().store(store).build();
            workload.addTo(adder);
            adder.close();
        }
        // On a loaded machine adding the jobs can take seconds: a fire time that passed before its
        // job was added was never scheduled (a new job's first fire time is the next one due), so
        // the window starts at the first whole second after the last add, if that is later.
        long addedMs = records.dbNowMillis();
        faults.window(Math.max(startMs, (addedMs + 999) / 1_000 * 1_000), Long.MAX_VALUE);
        return this;
    }

    NodeJvm node(String nodeName) {
        return nodes.stream().filter(n -> n.name.equals(nodeName)).findFirst().orElseThrow();
    }

    /** The database's clock; retried for up to 30 s while the database restarts. */
    long dbNow() throws SQLException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                return records.dbNowMillis();
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    /** Waits until the database's clock passes {@code ms}. */
    void awaitDbTime(long ms) throws SQLException {
        await().atMost(Duration.ofMillis(Math.max(0, ms - dbNow()) + 30_000)).pollInterval(Duration.ofMillis(50))
                .until(() -> dbNow() >= ms);
    }

    /** Waits (at most a minute) until the window is {@code ms} old and {@code node} has a body of a recoverable job in flight. */
    void awaitRecoverableBodyInFlight(String node, long ms) throws SQLException {
        awaitBodyInFlight(node, ms, "rec-%");
    }

    /** Waits (at most a minute) until the window is {@code ms} old and {@code node} has a body of a job matching {@code jobLike} in flight. */
    void awaitBodyInFlight(String node, long ms, String jobLike) throws SQLException {
        awaitDbTime(faults.fromMs() + ms);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> count(
                "SELECT COUNT(*) FROM " + prefix + "body s WHERE s.phase = 'start' AND s.node = ? AND s.job_id LIKE '" + jobLike + "' "
                        + "AND NOT EXISTS (SELECT 1 FROM " + prefix + "body e WHERE e.uid = s.uid AND e.phase = 'end')", node) > 0);
    }

    /**
     * Freezes {@code node} with SIGSTOP until the cluster took it over (its row is gone from the
     * nodes table) and the survivors had {@code after} to run its work, then resumes it.
     */
    void freezeUntilTakenOver(String node, Duration after) throws Exception {
        NodeJvm jvm = node(node);
        jvm.pause();
        long frozenAt = dbNow();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> count(
                "SELECT COUNT(*) FROM " + prefix + "nodes WHERE node_id LIKE ?", node + "-%") == 0);
        awaitDbTime(dbNow() + after.toMillis());
        long resumedAt = dbNow();
        jvm.resume();
        faults.paused(node, frozenAt, resumedAt);
    }

    void kill(String node) throws Exception {
        node(node).kill();
        faults.killed(node, dbNow());
    }

    void restartDatabase(PrivateDatabase db) throws Exception {
        long downAt = dbNow();
        db.restart();
        faults.restarted(downAt, dbNow());
    }

    /**
     * Stops every live node, judges the invariants (fire times up to 2 s before the stop must all
     * be accounted for) and writes the report; answers the invariants for the test to assert.
     */
    Invariants finish() throws Exception {
        long stopAt = dbNow();
        List<NodeJvm> stopping = nodes.stream().filter(NodeJvm::alive).toList();
        for (NodeJvm n : stopping) {
            n.requestStop();
        }
        StringBuilder injected = new StringBuilder();
        for (NodeJvm n : stopping) {
            injected.append(n.name).append(": ").append(n.awaitStopped(Duration.ofSeconds(60))).append("; ");
        }
        faults.window(faults.fromMs(), stopAt - 2_000);
        Invariants invariants = new Invariants(workload, faults, records.bodies(), records.notRuns()).check();
        StoreState.Snapshot store = StoreState.read(dataSource, prefix);
        invariants.quiescence(store);
        String head = name + " on " + url + " (prefix " + prefix + ")\n" + faults + "\nnodes stopped (injected failures "
                + "connect/before commit/after commit): " + injected + "\nwall time " + (System.nanoTime() - startedNanos) / 1_000_000
                + " ms\n";
        Path file = Path.of("target", "fault-logs", name + "-" + prefix + "report.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, head + invariants.report(Integer.MAX_VALUE) + "job rows after the stop:\n  "
                + String.join("\n  ", store.jobRows()) + "\n", StandardCharsets.UTF_8);
        System.out.println(head + invariants.report());
        return invariants;
    }

    private long count(String sql, String param) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Override
    public void close() throws Exception {
        nodes.forEach(NodeJvm::close);
        records.dropTables();
        TestDatabase.drop(dataSource, prefix);
    }
}
