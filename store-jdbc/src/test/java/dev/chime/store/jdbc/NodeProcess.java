package dev.chime.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.chime.ChimeEvent;
import dev.chime.JobContext;
import dev.chime.JobEvent;
import dev.chime.Scheduler;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One scheduler node in its own JVM, for {@link CrashTest}: runs until it reads "stop" on standard
 * input (or is killed). Tasks: {@code quick} records its start, then its run in the sink;
 * {@code slow} records its start, works for 1.5 s, then records its run in the sink; {@code flaky}
 * (for {@link DurableRetryCrashTest}) records each attempt, fails the first and records the
 * second in the sink. Missed and
 * skipped fire times go into the {@code notrun} table, so the test can account for every one.
 *
 * <p>Arguments: JDBC URL, table prefix, node name.
 */
public final class NodeProcess {

    private NodeProcess() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String prefix = args[1];
        String name = args[2];
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(32);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            JdbcJobStore store = JdbcJobStore.builder(pool).tablePrefix(prefix).nodeName(name)
                    .heartbeatInterval(Duration.ofMillis(200)).nodeTimeout(Duration.ofSeconds(2)).build();
            Scheduler scheduler = Scheduler.builder().name(name).store(store).threads(24).pollInterval(Duration.ofMillis(100))
                    .task("quick", ctx -> {
                        insert(pool, prefix + "starts", ctx, name);
                        insert(pool, prefix + "sink", ctx, name);
                    })
                    .task("slow", ctx -> {
                        insert(pool, prefix + "starts", ctx, name);
                        new CountDownLatch(1).await(1500, TimeUnit.MILLISECONDS);
                        insert(pool, prefix + "sink", ctx, name);
                    })
                    .task("flaky", ctx -> {
                        // For DurableRetryCrashTest: attempt 1 fails, attempt 2 writes to the sink.
                        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                                "INSERT INTO " + prefix + "attempts (job_id, attempt, node) VALUES (?, ?, ?)")) {
                            ps.setString(1, ctx.jobId());
                            ps.setInt(2, ctx.attempt());
                            ps.setString(3, name);
                            ps.executeUpdate();
                        }
                        if (ctx.attempt() == 1) {
                            throw new IllegalStateException("attempt 1 fails");
                        }
                        insert(pool, prefix + "sink", ctx, name);
                    })
                    .listener(event -> recordNotRun(pool, prefix, name, event))
                    .build();
            scheduler.start();
            System.out.println("READY " + store.nodeId());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.equals("stop")) {
                // wait for the test to say stop
            }
            scheduler.shutdown(Duration.ofSeconds(10));
            store.close();
        }
    }

    private static void recordNotRun(HikariDataSource pool, String prefix, String node, ChimeEvent event) {
        String kind;
        String jobId;
        Instant fireTime;
        if (event instanceof JobEvent.Missed missed) {
            kind = "missed";
            jobId = missed.jobId();
            fireTime = missed.scheduledFireTime();
        } else if (event instanceof JobEvent.Skipped skipped) {
            kind = "skipped";
            jobId = skipped.jobId();
            fireTime = skipped.scheduledFireTime();
        } else {
            return;
        }
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + prefix + "notrun (job_id, fire_time, node, kind) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, jobId);
            ps.setLong(2, fireTime.toEpochMilli());
            ps.setString(3, node);
            ps.setString(4, kind);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not record " + kind + " " + jobId + "@" + fireTime, e);
        }
    }

    private static void insert(HikariDataSource pool, String table, JobContext ctx, String node) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + table + " (job_id, fire_time, node, recovery) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, ctx.jobId());
            ps.setLong(2, ctx.scheduledFireTime().toEpochMilli());
            ps.setString(3, node);
            ps.setBoolean(4, ctx.isRecovery());
            ps.executeUpdate();
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO " + table.replace("sink", "dups") + " (job_id, fire_time, node) VALUES (?, ?, ?)")) {
                    ps.setString(1, ctx.jobId());
                    ps.setLong(2, ctx.scheduledFireTime().toEpochMilli());
                    ps.setString(3, node);
                    ps.executeUpdate();
                }
            }
            throw e;
        }
    }
}
