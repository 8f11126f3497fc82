package dev.chime.store.jdbc.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.chime.ChimeEvent;
import dev.chime.JobContext;
import dev.chime.JobEvent;
import dev.chime.Scheduler;
import dev.chime.store.jdbc.FlakyDataSource;
import dev.chime.store.jdbc.JdbcJobStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One scheduler node of the fault suite in its own JVM, started by {@link NodeJvm}. It runs until it
 * reads "stop" on standard input, or is killed or frozen by a signal.
 *
 * <p>Its one task, {@code body}, writes the records the invariants are checked from (see
 * {@link Records}): a start row when the body begins and an end row when it returns, each stamped
 * with the database's clock as the body began or returned ({@link WitnessClock}), and written
 * through a pool of their own. What the body does comes from the job's data: {@code workMs} of work,
 * interruptible or not ({@code ignoresInterrupts}), and failing its first {@code failAttempts}
 * attempts. A listener records every missed and skipped fire time.
 *
 * <p>Arguments: JDBC URL, table prefix, node name, clock skew in ms, failure rate of the store's
 * connections (0 for none), node timeout in ms.
 */
public final class FaultNode {

    private FaultNode() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String prefix = args[1];
        String name = args[2];
        Duration skew = Duration.ofMillis(Long.parseLong(args[3]));
        double failureRate = Double.parseDouble(args[4]);
        Duration nodeTimeout = Duration.ofMillis(Long.parseLong(args[5]));
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        // Small: the machine's database is shared with other test runs and has a connection limit.
        config.setMaximumPoolSize(10);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(5_000);
        // The witnesses have a pool of their own: a body's record must not wait behind the
        // scheduler's connections (16 workers, the heartbeat, dispatch) to be written.
        HikariConfig witnessConfig = new HikariConfig();
        witnessConfig.setJdbcUrl(url);
        witnessConfig.setMaximumPoolSize(4);
        witnessConfig.setMinimumIdle(2);
        witnessConfig.setConnectionTimeout(5_000);
        try (HikariDataSource pool = new HikariDataSource(config); HikariDataSource witnessPool = new HikariDataSource(witnessConfig)) {
            Records records = new Records(witnessPool, prefix);
            WitnessClock witnessClock = records.witnessClock();
            // Only the scheduler's own connections fail: the records must be reliable witnesses.
            FlakyDataSource flaky = new FlakyDataSource(pool, failureRate);
            JdbcJobStore store = JdbcJobStore.builder(flaky).tablePrefix(prefix).nodeName(name)
                    .heartbeatInterval(nodeTimeout.dividedBy(10)).nodeTimeout(nodeTimeout).build();
            Clock nodeClock = Clock.offset(Clock.systemUTC(), skew);
            // The clock the engine schedules by (DefaultScheduler asks the store for it the same way).
            Clock engineClock = store.clusterClock(nodeClock);
            CheckWitness checks = new CheckWitness(witnessClock::earliestMillis);
            Scheduler scheduler = Scheduler.builder().name(name).store(checks.wrap(store)).threads(16)
                    .pollInterval(Duration.ofMillis(100))
                    .clock(nodeClock)
                    .task("body", ctx -> body(records, witnessClock, engineClock, name, checks, ctx))
                    .listener(event -> recordNotRun(records, name, event))
                    .build();
            scheduler.start();
            if (failureRate > 0) {
                flaky.startFailing();
            }
            System.out.println("READY " + store.nodeId());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.equals("stop")) {
                // wait for the suite to say stop
            }
            scheduler.shutdown(Duration.ofSeconds(20));
            store.close();
            System.out.println("STOPPED " + flaky.onConnect + " " + flaky.beforeCommit + " " + flaky.afterCommit);
            System.out.flush();
        }
    }

    private static void body(Records records, WitnessClock clock, Clock engineClock, String node, CheckWitness checks,
            JobContext ctx) throws Exception {
        long startedMs = clock.latestMillis(); // first: the instant the engine handed the body its thread
        String uid = UUID.randomUUID().toString();
        long token = ctx.fencingToken();
        Long checkedMs = checks.checkOf(ctx.jobId(), ctx.scheduledFireTime());
        records.start(uid, ctx.jobId(), ctx.scheduledFireTime().toEpochMilli(), ctx.attempt(), node, ctx.isRecovery(), token,
                startedMs, checkedMs);
        String outcome = "ok";
        try {
            JsonNode data = ctx.data();
            long workMs = data.path("workMs").asLong();
            if (data.path("ignoresInterrupts").asBoolean()) {
                work(workMs);
            } else if (new CountDownLatch(1).await(workMs, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("unreachable: nobody counts this latch down");
            }
            if (ctx.attempt() <= data.path("failAttempts").asInt()) {
                outcome = "failed";
                throw new IllegalStateException("attempt " + ctx.attempt() + " fails on purpose");
            }
        } catch (InterruptedException e) {
            outcome = "interrupted";
            throw e;
        } finally {
            long engineEndedMs = engineClock.millis(); // at most what the engine reads as the run's end, after this
            long endedMs = clock.earliestMillis();
            records.end(uid, ctx.jobId(), ctx.scheduledFireTime().toEpochMilli(), ctx.attempt(), node, ctx.isRecovery(), token,
                    outcome, endedMs, engineEndedMs);
        }
    }

    /** Works for {@code ms} whatever happens: an interrupt is ignored, as careless job code does. */
    private static void work(long ms) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(20)));
            Thread.interrupted();
        }
    }

    private static void recordNotRun(Records records, String node, ChimeEvent event) {
        if (event instanceof JobEvent.Missed missed) {
            records.notRun(missed.jobId(), missed.scheduledFireTime().toEpochMilli(), node, "missed");
        } else if (event instanceof JobEvent.Skipped skipped) {
            records.notRun(skipped.jobId(), skipped.scheduledFireTime().toEpochMilli(), node, "skipped");
        }
    }
}
