package dev.chime.benchmarks;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * db-scheduler one-time tasks with the task's number as their data (its default Java serialization),
 * enqueued with {@code SchedulerClient.scheduleBatch}; nodes poll with lock-and-fetch every 100 ms, its
 * fastest strategy, as in the other clustered harnesses.
 */
final class EnqueueDbScheduler implements EnqueueLibrary {

    private static final String TABLE = "enq_scheduled_tasks";
    private static final int BATCH = 1_000;
    private static final OneTimeTask<Integer> TASK = Tasks.oneTime("enqueued", Integer.class)
            .execute((instance, context) -> {
                try {
                    EnqueueSink.write(instance.getData());
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });

    @Override
    public String id() {
        return "db-scheduler";
    }

    @Override
    public String label() {
        return "db-scheduler 15.6";
    }

    @Override
    public String enqueueMode() {
        return "scheduleBatch, " + BATCH + " a batch";
    }

    @Override
    public void createTables(HikariDataSource admin) throws Exception {
        DbSchedulerSchema.create(admin, TABLE);
    }

    @Override
    public void enqueue(HikariDataSource pool, int tasks) {
        SchedulerClient client = SchedulerClient.Builder.create(pool, TASK).tableName(TABLE).build();
        Instant now = Instant.now();
        List<TaskInstance<?>> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < tasks; i++) {
            batch.add(TASK.instance("task-" + i, i));
            if (batch.size() == BATCH || i == tasks - 1) {
                client.scheduleBatch(batch, now);
                batch.clear();
            }
        }
    }

    @Override
    public AutoCloseable startNode(HikariDataSource pool, int index, int threads) {
        Scheduler scheduler = Scheduler.create(pool, TASK).tableName(TABLE).threads(threads)
                .pollUsingLockAndFetch(0.5, 3.0).pollingInterval(Duration.ofMillis(100))
                .schedulerName(new SchedulerName.Fixed("db-scheduler-" + index)).build();
        scheduler.start();
        return scheduler::stop;
    }
}
