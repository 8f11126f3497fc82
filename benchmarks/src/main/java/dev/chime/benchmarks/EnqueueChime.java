package dev.chime.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.chime.Scheduler;
import dev.chime.store.jdbc.JdbcJobStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

/**
 * Chime's store-jdbc with tasks given to {@link Scheduler#enqueue(String, Object)}, the task's number as
 * their data. The client enqueues from 8 threads, one task a call (the API has no batch form); nodes poll
 * every 100 ms, as in the other clustered harnesses.
 */
final class EnqueueChime implements EnqueueLibrary {

    private static final String PREFIX = "enq_chime_";
    private static final String TASK = "enqueued";

    @Override
    public String id() {
        return "chime";
    }

    @Override
    public String label() {
        return "Chime store-jdbc";
    }

    @Override
    public String enqueueMode() {
        return "enqueue, one a call from 8 threads";
    }

    @Override
    public void createTables(HikariDataSource admin) throws Exception {
        BenchTables.dropChime(admin, PREFIX);
        JdbcJobStore.builder(admin).tablePrefix(PREFIX).createSchema(true).build().close();
    }

    @Override
    public void enqueue(HikariDataSource pool, int tasks) throws Exception {
        // A scheduler that is never started: a client of the cluster, as a web application enqueuing work would be.
        try (JdbcJobStore store = JdbcJobStore.builder(pool).tablePrefix(PREFIX).nodeName("chime-client").build()) {
            Scheduler client = Scheduler.builder().store(store).build();
            JdbcThroughputHarness.parallel(tasks, i -> client.enqueue(TASK, i));
            client.shutdown(Duration.ZERO);
        }
    }

    @Override
    public AutoCloseable startNode(HikariDataSource pool, int index, int threads) {
        JdbcJobStore store = JdbcJobStore.builder(pool).tablePrefix(PREFIX).nodeName("chime-" + index).build();
        Scheduler scheduler = Scheduler.builder().store(store).threads(threads).pollInterval(Duration.ofMillis(100))
                .task(TASK, ctx -> EnqueueSink.write(ctx.data().asInt())).build();
        scheduler.start();
        return () -> {
            scheduler.shutdown(Duration.ofSeconds(30));
            store.close();
        };
    }

    /** Every task's execution ended in the run history, succeeded, exactly once. */
    @Override
    public String checkHistory(HikariDataSource admin, int tasks) throws Exception {
        try (Connection c = admin.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT COUNT(*), COUNT(DISTINCT job_id), SUM(CASE WHEN outcome = 'SUCCESS' THEN 1 ELSE 0 END) FROM "
                     + PREFIX + "history")) {
            r.next();
            long entries = r.getLong(1);
            long executions = r.getLong(2);
            long succeeded = r.getLong(3);
            return entries == tasks && executions == tasks && succeeded == tasks ? null
                    : "history: " + entries + " entries for " + executions + " executions, " + succeeded + " succeeded, of " + tasks;
        }
    }
}
