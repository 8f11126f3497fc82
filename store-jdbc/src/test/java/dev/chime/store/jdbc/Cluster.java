package dev.chime.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.chime.Job;
import dev.chime.JobContext;
import dev.chime.Scheduler;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * Scheduler nodes sharing one database in one test, and the sink that proves exactly-once: every
 * run inserts (job, fire time) under a unique key, so a second run of a firing fails loudly.
 */
final class Cluster implements AutoCloseable {

    record Node(String name, JdbcJobStore store, Scheduler scheduler, HikariDataSource pool) {
    }

    final TestDatabase db;
    final String prefix = TestDatabase.freshPrefix();
    final DataSource shared;
    final dev.chime.store.jdbc.internal.Dialect dialect;
    final List<Node> nodes = new CopyOnWriteArrayList<>();
    final List<String> duplicates = new CopyOnWriteArrayList<>();
    /** Every firing that did not end in a run, on any node: what a failed exactly-once check needs to say. */
    final List<String> notRun = new CopyOnWriteArrayList<>();
    Duration heartbeat = Duration.ofMillis(200);
    Duration timeout = Duration.ofSeconds(2);
    /** Wraps each node's data source (a flaky proxy, say); the sink always uses a healthy one. */
    java.util.function.UnaryOperator<DataSource> wrap = ds -> ds;

    Cluster(TestDatabase db) throws SQLException {
        this.db = db;
        this.shared = db.dataSource();
        this.dialect = dev.chime.store.jdbc.internal.Database.detect(shared);
        JdbcJobStore.builder(shared).tablePrefix(prefix).createSchema(true).build().close();
        try (Connection c = shared.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + sink() + " (job_id VARCHAR(200) NOT NULL, fire_time BIGINT NOT NULL, "
                    + "node VARCHAR(200) NOT NULL, recovery BOOLEAN NOT NULL, PRIMARY KEY (job_id, fire_time))");
        }
    }

    String sink() {
        return prefix + "sink";
    }

    /** A node with the "sink" task and whatever else {@code customize} adds. */
    Node start(String name, int threads, Clock clock, Consumer<dev.chime.SchedulerBuilder> customize) {
        HikariDataSource pool = db.newPool(threads + 4);
        JdbcJobStore store = JdbcJobStore.builder(wrap.apply(pool)).tablePrefix(prefix).nodeName(name).heartbeatInterval(heartbeat)
                .nodeTimeout(timeout).build();
        dev.chime.SchedulerBuilder builder = Scheduler.builder().name(name).store(store).threads(threads)
                .pollInterval(Duration.ofMillis(100)).task("sink", sinkJob(name)).listener(event -> {
                    if (event instanceof dev.chime.JobEvent.Missed || event instanceof dev.chime.JobEvent.Skipped
                            || event instanceof dev.chime.JobEvent.Failed) {
                        notRun.add(name + ": " + event);
                    }
                });
        if (clock != null) {
            builder.clock(clock);
        }
        customize.accept(builder);
        Scheduler scheduler = builder.build();
        scheduler.start();
        Node node = new Node(name, store, scheduler, pool);
        nodes.add(node);
        return node;
    }

    Node start(String name, int threads) {
        return start(name, threads, null, b -> { });
    }

    Job sinkJob(String node) {
        return ctx -> record(ctx, node);
    }

    /** Inserts the run into the sink; rides out a database restart for up to a minute. */
    void record(JobContext ctx, String node) throws SQLException, InterruptedException {
        long giveUp = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(1);
        while (true) {
            try {
                insert(ctx, node);
                return;
            } catch (SQLException e) {
                if (!dev.chime.store.jdbc.internal.Database.isTransient(e, dialect) || System.nanoTime() > giveUp) {
                    throw e;
                }
                new java.util.concurrent.CountDownLatch(1).await(200, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }
    }

    private void insert(JobContext ctx, String node) throws SQLException {
        try (Connection c = shared.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + sink() + " (job_id, fire_time, node, recovery) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, ctx.jobId());
            ps.setLong(2, ctx.scheduledFireTime().toEpochMilli());
            ps.setString(3, node);
            ps.setBoolean(4, ctx.isRecovery());
            ps.executeUpdate();
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
                duplicates.add(ctx.jobId() + "@" + ctx.scheduledFireTime() + " on " + node);
            }
            throw e;
        }
    }

    long count(String sql) throws SQLException {
        try (Connection c = shared.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    long sinkCount() throws SQLException {
        return count("SELECT COUNT(*) FROM " + sink());
    }

    /** Fire times (epoch millis) per job in the sink. */
    Map<String, List<Long>> fireTimes() throws SQLException {
        Map<String, List<Long>> byJob = new TreeMap<>();
        try (Connection c = shared.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT job_id, fire_time FROM " + sink() + " ORDER BY job_id, fire_time")) {
            while (rs.next()) {
                byJob.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getLong(2));
            }
        }
        return byJob;
    }

    @Override
    public void close() throws Exception {
        for (Node node : nodes) {
            node.scheduler().close();
            node.store().close(); // handed to the builder, so the scheduler does not own it
            node.pool().close();
        }
        try (Connection c = shared.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + sink());
        }
        TestDatabase.drop(shared, prefix);
    }
}
