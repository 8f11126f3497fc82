package dev.chime.benchmarks;

import static org.jobrunr.server.BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.SQLException;
import java.time.Duration;
import java.util.stream.IntStream;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.configuration.JobRunrConfiguration.JobRunrConfigurationResult;
import org.jobrunr.storage.StorageProviderUtils.DatabaseOptions;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;

/**
 * JobRunr OSS with its PostgreSQL (SQL) storage provider under the table prefix {@code enq_}: jobs
 * enqueued with {@code JobScheduler.enqueue(Stream, lambda)}, which saves them 5,000 to a batch; each
 * node a {@code BackgroundJobServer} with the harness's worker count and JobRunr's smallest allowed poll
 * interval for SQL storage, 5 seconds (it refuses less).
 */
final class EnqueueJobRunr implements EnqueueLibrary {

    private static final String PREFIX = "enq_";
    static final Duration POLL_INTERVAL = Duration.ofSeconds(5);

    /** The job JobRunr runs: it finds this class and method by name in the node JVM and creates it by its constructor. */
    public static final class SinkJob {
        public void write(int task) throws SQLException {
            EnqueueSink.write(task);
        }
    }

    @Override
    public String id() {
        return "jobrunr";
    }

    @Override
    public String label() {
        return "JobRunr 7.5.0";
    }

    @Override
    public String enqueueMode() {
        return "enqueue(Stream), 5000 a batch";
    }

    @Override
    public void createTables(HikariDataSource admin) throws Exception {
        BenchTables.dropStartingWith(admin, PREFIX + "jobrunr_");
        new PostgresStorageProvider(admin, PREFIX, DatabaseOptions.CREATE).close(); // runs JobRunr's own migrations
    }

    @Override
    public void enqueue(HikariDataSource pool, int tasks) {
        PostgresStorageProvider storage = new PostgresStorageProvider(pool, PREFIX, DatabaseOptions.SKIP_CREATE);
        JobRunrConfigurationResult client = JobRunr.configure().useStorageProvider(storage).initialize();
        SinkJob job = new SinkJob();
        client.getJobScheduler().enqueue(IntStream.range(0, tasks).boxed(), task -> job.write(task));
        storage.close();
    }

    @Override
    public AutoCloseable startNode(HikariDataSource pool, int index, int threads) {
        JobRunr.configure().useStorageProvider(new PostgresStorageProvider(pool, PREFIX, DatabaseOptions.SKIP_CREATE))
                .useBackgroundJobServer(usingStandardBackgroundJobServerConfiguration().andName("jobrunr-" + index)
                        .andWorkerCount(threads).andPollInterval(POLL_INTERVAL))
                .initialize();
        return JobRunr::destroy;
    }
}
