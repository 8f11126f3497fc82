package dev.chime.benchmarks;

import static org.quartz.JobBuilder.newJob;
import static org.quartz.TriggerBuilder.newTrigger;

import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.chime.JobDefinition;
import dev.chime.JobOptions;
import dev.chime.Scheduler;
import dev.chime.Triggers;
import dev.chime.store.jdbc.JdbcJobStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.impl.SchedulerRepository;
import org.quartz.impl.StdSchedulerFactory;

/**
 * Clustered throughput on PostgreSQL: N no-op one-shot jobs, all due, already in the database;
 * then 1, 2 or 4 scheduler nodes start and executions per second = N / (time until the last one
 * ran). Chime's jdbc store, db-scheduler (lock-and-fetch polling) and Quartz's clustered JobStoreTX,
 * one after the other on the same database, each node with its own 12-connection HikariCP pool and
 * 8 worker threads. Nodes run in this one JVM (each with its own pool and threads), so the numbers
 * are the database protocol's, not the network's. Each scheduler gets a warm-up round. Quartz runs
 * at most 2,000 jobs per round (see {@link #QUARTZ_MAX_JOBS}).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.chime.benchmarks.JdbcThroughputHarness
 * [jdbc-url] [jobs] [chime|db-scheduler|quartz] [nodes]}; the last two run one scheduler alone.
 */
public final class JdbcThroughputHarness {

    private static final int THREADS = 8;
    private static final int[] NODES = {1, 2, 4};
    /**
     * Quartz's clustered store runs tens of jobs a second here, so the full count would take most of
     * an hour. A smaller backlog flatters Quartz (it ran 24/s over 20,000 due jobs and 120-140/s over
     * 2,000 on the same machine), so the ratios against it are conservative.
     */
    private static final int QUARTZ_MAX_JOBS = 2_000;
    static final AtomicLong QUARTZ_RUNS = new AtomicLong();

    private final String url;
    private final HikariDataSource admin;

    private JdbcThroughputHarness(String url) {
        this.url = url;
        this.admin = pool(4);
    }

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
        int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        JdbcThroughputHarness h = new JdbcThroughputHarness(url);
        if (args.length > 2) { // one scheduler and node count alone, for profiling
            int nodes = args.length > 3 ? Integer.parseInt(args[3]) : 1;
            switch (args[2]) {
                case "chime" -> h.chime(nodes, jobs);
                case "db-scheduler" -> h.dbScheduler(nodes, jobs);
                case "quartz" -> h.quartz(nodes, jobs);
                default -> throw new IllegalArgumentException("unknown scheduler '" + args[2]
                        + "': expected chime, db-scheduler or quartz");
            }
            h.admin.close();
            return;
        }
        h.chime(1, 1_000);
        h.dbScheduler(1, 1_000);
        h.quartz(1, 1_000);
        double[][] rates = new double[NODES.length][3];
        for (int i = 0; i < NODES.length; i++) {
            rates[i][0] = h.chime(NODES[i], jobs);
            rates[i][1] = h.dbScheduler(NODES[i], jobs);
            rates[i][2] = h.quartz(NODES[i], Math.min(jobs, QUARTZ_MAX_JOBS));
        }
        System.out.printf(Locale.ROOT, "%n| Nodes | Chime jdbc | db-scheduler 15.6 | Quartz 2.3.2 clustered | Chime vs db-scheduler "
                + "| Chime vs Quartz |%n|---:|---:|---:|---:|---:|---:|%n");
        for (int i = 0; i < NODES.length; i++) {
            System.out.printf(Locale.ROOT, "| %d | **%,.0f** | %,.0f | %,.0f | %.2fx | %.1fx |%n", NODES[i], rates[i][0], rates[i][1],
                    rates[i][2], rates[i][0] / rates[i][1], rates[i][0] / rates[i][2]);
        }
        h.admin.close();
    }

    private HikariDataSource pool(int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(size);
        return new HikariDataSource(config);
    }

    /** Calls {@code add} for 0 to {@code jobs - 1} from 8 threads: loading as several clients of an application would. */
    static void parallel(int jobs, java.util.function.IntConsumer add) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        for (int t = 0; t < 8; t++) {
            int slice = t;
            pool.execute(() -> {
                for (int i = slice; i < jobs; i += 8) {
                    add.accept(i);
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(1, TimeUnit.HOURS);
    }

    private static double rate(int jobs, long startNanos, java.util.function.LongSupplier done) throws InterruptedException {
        while (done.getAsLong() < jobs) {
            Thread.sleep(2);
        }
        return jobs / ((System.nanoTime() - startNanos) / 1e9);
    }

    // ---- Chime ----

    double chime(int nodes, int jobs) throws Exception {
        AtomicLong runs = new AtomicLong();
        HikariDataSource loaderPool = pool(THREADS + 4);
        BenchTables.dropChime(loaderPool, "bench_");
        try (JdbcJobStore loaderStore = JdbcJobStore.builder(loaderPool).tablePrefix("bench_").createSchema(true).build()) {
            Scheduler loader = Scheduler.builder().store(loaderStore).build();
            Instant due = Instant.now();
            JobOptions options = JobOptions.builder().unlimitedMisfireGrace().build();
            parallel(jobs, i -> loader.add(JobDefinition.builder("job-" + i).task("noop").trigger(Triggers.once(due))
                    .options(options).build()));
            loader.close();
        }
        loaderPool.close();
        List<HikariDataSource> pools = new ArrayList<>();
        List<JdbcJobStore> stores = new ArrayList<>();
        List<Scheduler> schedulers = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            HikariDataSource pool = pool(THREADS + 4);
            JdbcJobStore store = JdbcJobStore.builder(pool).tablePrefix("bench_").nodeName("chime-" + n).build();
            pools.add(pool);
            stores.add(store);
            schedulers.add(Scheduler.builder().store(store).threads(THREADS).pollInterval(Duration.ofMillis(100))
                    .task("noop", ctx -> runs.incrementAndGet()).build());
        }
        long start = System.nanoTime();
        schedulers.forEach(Scheduler::start);
        double rate = rate(jobs, start, runs::get);
        schedulers.forEach(Scheduler::close);
        stores.forEach(JdbcJobStore::close);
        pools.forEach(HikariDataSource::close);
        System.out.printf(Locale.ROOT, "chime        %d node(s): %,.0f executions/s%n", nodes, rate);
        return rate;
    }

    // ---- db-scheduler ----

    double dbScheduler(int nodes, int jobs) throws Exception {
        DbSchedulerSchema.create(admin, "scheduled_tasks");
        AtomicLong runs = new AtomicLong();
        OneTimeTask<Void> task = Tasks.oneTime("noop").execute((instance, ctx) -> runs.incrementAndGet());
        HikariDataSource loaderPool = pool(THREADS + 4);
        SchedulerClient client = SchedulerClient.Builder.create(loaderPool, task).build();
        Instant due = Instant.now();
        parallel(jobs, i -> client.scheduleIfNotExists(task.instance("job-" + i), due));
        loaderPool.close();
        List<HikariDataSource> pools = new ArrayList<>();
        List<com.github.kagkarlsson.scheduler.Scheduler> schedulers = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            HikariDataSource pool = pool(THREADS + 4);
            pools.add(pool);
            schedulers.add(com.github.kagkarlsson.scheduler.Scheduler.create(pool, task).threads(THREADS)
                    .pollUsingLockAndFetch(0.5, 3.0).pollingInterval(Duration.ofMillis(100))
                    .schedulerName(new SchedulerName.Fixed("db-scheduler-" + n)).build());
        }
        long start = System.nanoTime();
        schedulers.forEach(com.github.kagkarlsson.scheduler.Scheduler::start);
        double rate = rate(jobs, start, runs::get);
        schedulers.forEach(com.github.kagkarlsson.scheduler.Scheduler::stop);
        pools.forEach(HikariDataSource::close);
        System.out.printf(Locale.ROOT, "db-scheduler %d node(s): %,.0f executions/s%n", nodes, rate);
        return rate;
    }

    // ---- Quartz ----

    /** Counts its runs; Quartz instantiates it per execution. */
    public static final class NoopJob implements Job {
        @Override
        public void execute(JobExecutionContext context) {
            QUARTZ_RUNS.incrementAndGet();
        }
    }

    double quartz(int nodes, int jobs) throws Exception {
        quartzSchema();
        QUARTZ_RUNS.set(0);
        HikariDataSource loaderPool = pool(THREADS + 4);
        QuartzHikariProvider.dataSource = loaderPool;
        org.quartz.Scheduler loader = quartzNode("loader");
        Instant due = Instant.now();
        parallel(jobs, i -> {
            try {
                loader.scheduleJob(newJob(NoopJob.class).withIdentity("job-" + i).build(),
                        newTrigger().withIdentity("trigger-" + i).startAt(java.util.Date.from(due)).build());
            } catch (org.quartz.SchedulerException e) {
                throw new IllegalStateException(e);
            }
        });
        loader.shutdown();
        loaderPool.close();
        HikariDataSource pool = pool(nodes * (THREADS + 4));
        QuartzHikariProvider.dataSource = pool;
        List<org.quartz.Scheduler> schedulers = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            schedulers.add(quartzNode("quartz-" + n));
        }
        long start = System.nanoTime();
        for (org.quartz.Scheduler s : schedulers) {
            s.start();
        }
        double rate = rate(jobs, start, QUARTZ_RUNS::get);
        for (org.quartz.Scheduler s : schedulers) {
            s.shutdown(true);
        }
        pool.close();
        System.out.printf(Locale.ROOT, "quartz       %d node(s): %,.0f executions/s%n", nodes, rate);
        return rate;
    }

    private static org.quartz.Scheduler quartzNode(String instanceId) throws org.quartz.SchedulerException {
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", "bench");
        p.setProperty("org.quartz.scheduler.instanceId", instanceId);
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.scheduler.batchTriggerAcquisitionMaxCount", String.valueOf(THREADS));
        p.setProperty("org.quartz.threadPool.threadCount", String.valueOf(THREADS));
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        p.setProperty("org.quartz.jobStore.dataSource", "pool");
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty("org.quartz.jobStore.clusterCheckinInterval", "5000");
        p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        p.setProperty("org.quartz.jobStore.misfireThreshold", "3600000");
        p.setProperty("org.quartz.dataSource.pool.connectionProvider.class", QuartzHikariProvider.class.getName());
        org.quartz.Scheduler s = new StdSchedulerFactory(p).getScheduler();
        // Several nodes of one cluster in one JVM: Quartz keeps one scheduler per name unless told.
        SchedulerRepository.getInstance().remove("bench");
        return s;
    }

    private void quartzSchema() throws Exception {
        QuartzSchema.create(admin, "bench");
    }
}
