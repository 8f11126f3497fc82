package dev.chime.benchmarks;

import static org.quartz.JobBuilder.newJob;
import static org.quartz.SimpleScheduleBuilder.simpleSchedule;
import static org.quartz.TriggerBuilder.newTrigger;

import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.Schedule;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.chime.JobDefinition;
import dev.chime.JobOptions;
import dev.chime.Scheduler;
import dev.chime.Triggers;
import dev.chime.store.jdbc.JdbcJobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.impl.StdSchedulerFactory;

/**
 * Clustered lateness: node JVMs of one scheduler on the machine's PostgreSQL, {@code jobs} recurring
 * jobs every {@code interval}, all due on the same instants, bodies that sleep {@code body}, 8
 * worker threads per node and at most one instance of a job at a time. Each body notes when it
 * started by the machine's wall clock (one clock for every JVM) against its scheduled fire time;
 * the coordinator then reports each node's share of the runs, the fire times that never ran
 * (skipped), and lateness (body start minus fire time). Chime runs with default options;
 * db-scheduler polls every 100 ms (its default of 10 s would make the comparison meaningless) with
 * a schedule on the same grid that, like max instances 1, passes over grid points its run
 * overlapped; Quartz runs its clustered JDBC job store with {@code @DisallowConcurrentExecution}.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.chime.benchmarks.ClusterLatenessHarness
 * [jdbc-url] [seconds=20] [schedulers=chime,db-scheduler,quartz] [nodes=3] [jobs=40] [threads=8]
 * [bodyMs=150] [intervalMs=500]}. For Chime it also prints where each firing's time went
 * ({@link PhaseBreakdown}, from each node's {@link TracedJobStore}); {@code -Dchime.claimAheadMs=N}
 * sets Chime's claim-ahead window instead of the builder's default.
 */
public final class ClusterLatenessHarness {

    private static final Duration WARM_UP = Duration.ofSeconds(3);
    /** Chime's claim-ahead window in milliseconds, for experiments; unset: the builder's default. */
    private static final String CLAIM_AHEAD_PROPERTY = "chime.claimAheadMs";
    /** Time for the node JVMs to start (three JVMs and a database on two cores) before the first fire. */
    private static final Duration START_UP = Duration.ofSeconds(10);

    record Settings(String url, int seconds, int nodes, int jobs, int threads, int bodyMs, int intervalMs) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("node")) {
            Node.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        String url = arg(args, 0, "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        Settings s = new Settings(url, Integer.parseInt(arg(args, 1, "20")), Integer.parseInt(arg(args, 3, "3")),
                Integer.parseInt(arg(args, 4, "40")), Integer.parseInt(arg(args, 5, "8")), Integer.parseInt(arg(args, 6, "150")),
                Integer.parseInt(arg(args, 7, "500")));
        List<String> rows = new ArrayList<>();
        for (String scheduler : arg(args, 2, "chime,db-scheduler,quartz").split(",")) {
            rows.add(run(scheduler, s));
        }
        System.out.printf(Locale.ROOT, "%n%d node JVMs, %d jobs every %d ms due on the same instants, bodies of %d ms, %d threads "
                        + "per node, max one instance, %d s measured after %d s%n%n", s.nodes(), s.jobs(), s.intervalMs(), s.bodyMs(),
                s.threads(), s.seconds(), WARM_UP.toSeconds());
        System.out.println("| Scheduler | fire times | runs per node | largest share off the mean | skipped | p50 ms | p99 ms | max ms |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        rows.forEach(System.out::println);
    }

    private static String arg(String[] args, int i, String fallback) {
        return args.length > i ? args[i] : fallback;
    }

    /** Sets the scheduler's tables and jobs up, runs its node JVMs, and returns its table row. */
    private static String run(String scheduler, Settings s) throws Exception {
        long interval = s.intervalMs();
        // Fire times on a grid of the interval, the first one once the nodes had time to start.
        long anchor = (System.currentTimeMillis() + START_UP.toMillis()) / interval * interval;
        long measureFrom = anchor + WARM_UP.toMillis();
        long measureTo = measureFrom + s.seconds() * 1000L;
        long stopAt = measureTo + 2 * interval + s.bodyMs() + 500;
        try (HikariDataSource admin = pool(s.url(), 4)) {
            switch (scheduler) {
                case "chime" -> Chime.setUp(admin, s, anchor);
                case "db-scheduler" -> DbScheduler.setUp(admin);
                case "quartz" -> Quartz.setUp(admin, s, anchor);
                default -> throw new IllegalArgumentException("unknown scheduler '" + scheduler
                        + "': expected chime, db-scheduler or quartz");
            }
        }
        Path dir = Files.createTempDirectory("chime-lateness");
        List<Process> processes = new ArrayList<>();
        for (int n = 0; n < s.nodes(); n++) {
            processes.add(NodeJvms.start(ClusterLatenessHarness.class, "node", scheduler, String.valueOf(n), s.url(),
                    String.valueOf(s.jobs()), String.valueOf(s.threads()), String.valueOf(s.bodyMs()), String.valueOf(interval),
                    String.valueOf(anchor), String.valueOf(stopAt), dir.resolve("node-" + n).toString()));
        }
        NodeJvms.awaitExit(processes, stopAt - System.currentTimeMillis() + 120_000, scheduler);
        if (scheduler.equals("chime")) {
            PhaseBreakdown.print(dir, s.nodes(), measureFrom, measureTo);
        }
        return summarize(scheduler, s, dir, measureFrom, measureTo);
    }

    private static String summarize(String scheduler, Settings s, Path dir, long from, long to) throws IOException {
        long[] perNode = new long[s.nodes()];
        List<Long> lateMicros = new ArrayList<>();
        Set<String> ran = new HashSet<>();
        int duplicates = 0;
        for (int n = 0; n < s.nodes(); n++) {
            for (String line : Files.readAllLines(dir.resolve("node-" + n))) {
                String[] f = line.split(" ");
                long fire = Long.parseLong(f[1]);
                if (fire < from || fire >= to) {
                    continue;
                }
                if (!ran.add(f[0] + "@" + fire)) {
                    duplicates++;
                }
                perNode[n]++;
                lateMicros.add(Long.parseLong(f[2]));
            }
        }
        long fireTimes = (long) s.jobs() * ((to - from) / s.intervalMs());
        long skipped = fireTimes - ran.size();
        double mean = Arrays.stream(perNode).average().orElse(0);
        double worst = Arrays.stream(perNode).mapToDouble(c -> Math.abs(c - mean) / mean).max().orElse(0);
        long[] sorted = lateMicros.stream().mapToLong(Long::longValue).sorted().toArray();
        StringBuilder shares = new StringBuilder();
        for (long c : perNode) {
            shares.append(shares.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%,d", c));
        }
        if (duplicates > 0) {
            System.out.printf("%s: %d fire times ran twice%n", scheduler, duplicates);
        }
        return String.format(Locale.ROOT, "| %s | %,d | %s | %.0f%% | %,d (%.1f%%) | %.1f | %.1f | %.1f |", scheduler, fireTimes, shares,
                worst * 100, skipped, 100.0 * skipped / fireTimes, pct(sorted, 0.50), pct(sorted, 0.99),
                sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1000.0);
    }

    private static double pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] / 1000.0;
    }

    static HikariDataSource pool(String url, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(size);
        return new HikariDataSource(config);
    }

    static void sql(HikariDataSource ds, String... statements) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            for (String statement : statements) {
                st.execute(statement);
            }
        }
    }

    /** One node JVM: runs its scheduler until the stop time, then writes "job fireMillis lateMicros" lines. */
    static final class Node {
        static final ConcurrentLinkedQueue<String> RUNS = new ConcurrentLinkedQueue<>();
        static int bodyMs;

        static void main(String[] a) throws Exception {
            String scheduler = a[0];
            int index = Integer.parseInt(a[1]);
            String url = a[2];
            int jobs = Integer.parseInt(a[3]);
            int threads = Integer.parseInt(a[4]);
            bodyMs = Integer.parseInt(a[5]);
            long interval = Long.parseLong(a[6]);
            long anchor = Long.parseLong(a[7]);
            long stopAt = Long.parseLong(a[8]);
            Path out = Path.of(a[9]);
            HikariDataSource pool = pool(url, threads + 4);
            AutoCloseable node = switch (scheduler) {
                case "chime" -> Chime.node(pool, index, threads);
                case "db-scheduler" -> DbScheduler.node(pool, index, jobs, threads, interval, anchor);
                case "quartz" -> Quartz.node(pool, index, threads);
                default -> throw new IllegalArgumentException(scheduler);
            };
            long left = stopAt - System.currentTimeMillis();
            if (left > 0) {
                Thread.sleep(left);
            }
            node.close();
            pool.close();
            Files.write(out, RUNS);
            if (Chime.traced != null) {
                Files.write(Path.of(out + ".trace"), Chime.traced.traceLines());
            }
            System.exit(0);
        }

        /** The body: note the start against the fire time, then work for the body's time. */
        static void body(String job, Instant fireTime) throws InterruptedException {
            Instant start = Instant.now();
            long late = Duration.between(fireTime, start).toNanos() / 1000;
            RUNS.add(job + " " + fireTime.toEpochMilli() + " " + late);
            Thread.sleep(bodyMs);
        }
    }

    // ---- Chime: default options, max instances 1 ----

    static final class Chime {
        static void setUp(HikariDataSource admin, Settings s, long anchor) throws Exception {
            BenchTables.dropChime(admin, "late_");
            try (JdbcJobStore store = JdbcJobStore.builder(admin).tablePrefix("late_").createSchema(true).build();
                 Scheduler loader = Scheduler.builder().store(store).build()) {
                for (int j = 0; j < s.jobs(); j++) {
                    loader.add(JobDefinition.builder("job-" + j).task("work")
                            .trigger(Triggers.interval(Duration.ofMillis(s.intervalMs()), Instant.ofEpochMilli(anchor), null, null))
                            .options(JobOptions.builder().maxInstances(1).build()).build());
                }
            }
        }

        /** This node's store, traced: where the time of each firing goes (see the coordinator's breakdown). */
        static TracedJobStore traced;

        static AutoCloseable node(HikariDataSource pool, int index, int threads) {
            JdbcJobStore store = JdbcJobStore.builder(pool).tablePrefix("late_").nodeName("chime-" + index).build();
            traced = new TracedJobStore(store);
            dev.chime.SchedulerBuilder builder = Scheduler.builder().store(traced).threads(threads)
                    .task("work", ctx -> Node.body(ctx.jobId(), ctx.scheduledFireTime()));
            String claimAhead = System.getProperty(CLAIM_AHEAD_PROPERTY, "");
            if (!claimAhead.isEmpty()) {
                builder.claimAhead(Duration.ofMillis(Long.parseLong(claimAhead)));
            }
            Scheduler scheduler = builder.build();
            scheduler.start();
            return () -> {
                scheduler.shutdown(Duration.ofSeconds(5));
                store.close();
            };
        }
    }

    // ---- db-scheduler: recurring tasks on the same grid, lock-and-fetch polling every 100 ms ----

    static final class DbScheduler {
        static void setUp(HikariDataSource admin) throws Exception {
            DbSchedulerSchema.create(admin, "scheduled_tasks");
        }

        /** Grid points anchor + k * interval; the next is the first after both the fire time and the run's end. */
        record Grid(long anchor, long interval) implements Schedule {
            @Override
            public Instant getNextExecutionTime(ExecutionComplete done) {
                long after = Math.max(done.getExecution().executionTime.toEpochMilli(), done.getTimeDone().toEpochMilli());
                return Instant.ofEpochMilli(anchor + ((after - anchor) / interval + 1) * interval);
            }

            @Override
            public Instant getInitialExecutionTime(Instant now) {
                return Instant.ofEpochMilli(Math.max(anchor, anchor + ((now.toEpochMilli() - anchor) / interval + 1) * interval));
            }

            @Override
            public boolean isDeterministic() {
                return true;
            }
        }

        static AutoCloseable node(HikariDataSource pool, int index, int jobs, int threads, long interval, long anchor) {
            List<RecurringTask<Void>> tasks = new ArrayList<>();
            for (int j = 0; j < jobs; j++) {
                String name = "job-" + j;
                tasks.add(Tasks.recurring(name, new Grid(anchor, interval))
                        .execute((instance, ctx) -> {
                            try {
                                Node.body(name, ctx.getExecution().executionTime);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }));
            }
            com.github.kagkarlsson.scheduler.Scheduler scheduler = com.github.kagkarlsson.scheduler.Scheduler.create(pool)
                    .startTasks(tasks).threads(threads).pollUsingLockAndFetch(0.5, 3.0).pollingInterval(Duration.ofMillis(100))
                    .schedulerName(new SchedulerName.Fixed("db-scheduler-" + index)).build();
            scheduler.start();
            return scheduler::stop;
        }
    }

    // ---- Quartz: clustered JobStoreTX, simple triggers on the grid, no concurrent execution ----

    /** Quartz instantiates it per execution. */
    @DisallowConcurrentExecution
    public static final class QuartzJob implements Job {
        @Override
        public void execute(JobExecutionContext context) {
            try {
                Node.body(context.getJobDetail().getKey().getName(), context.getScheduledFireTime().toInstant());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static final class Quartz {
        static void setUp(HikariDataSource admin, Settings s, long anchor) throws Exception {
            QuartzSchema.create(admin, "late");
            QuartzHikariProvider.dataSource = admin;
            org.quartz.Scheduler loader = node("loader", s.threads());
            for (int j = 0; j < s.jobs(); j++) {
                loader.scheduleJob(newJob(QuartzJob.class).withIdentity("job-" + j).build(),
                        newTrigger().withIdentity("trigger-" + j).startAt(new java.util.Date(anchor))
                                .withSchedule(simpleSchedule().withIntervalInMilliseconds(s.intervalMs()).repeatForever()).build());
            }
            loader.shutdown();
        }

        static AutoCloseable node(HikariDataSource pool, int index, int threads) throws Exception {
            QuartzHikariProvider.dataSource = pool;
            org.quartz.Scheduler scheduler = node("quartz-" + index, threads);
            scheduler.start();
            return () -> scheduler.shutdown(true);
        }

        private static org.quartz.Scheduler node(String instanceId, int threads) throws org.quartz.SchedulerException {
            Properties p = new Properties();
            p.setProperty("org.quartz.scheduler.instanceName", "late");
            p.setProperty("org.quartz.scheduler.instanceId", instanceId);
            p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
            p.setProperty("org.quartz.scheduler.batchTriggerAcquisitionMaxCount", String.valueOf(threads));
            p.setProperty("org.quartz.threadPool.threadCount", String.valueOf(threads));
            p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
            p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
            p.setProperty("org.quartz.jobStore.dataSource", "pool");
            p.setProperty("org.quartz.jobStore.isClustered", "true");
            p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
            p.setProperty("org.quartz.dataSource.pool.connectionProvider.class", QuartzHikariProvider.class.getName());
            org.quartz.Scheduler s = new StdSchedulerFactory(p).getScheduler();
            org.quartz.impl.SchedulerRepository.getInstance().remove("late");
            return s;
        }
    }
}
