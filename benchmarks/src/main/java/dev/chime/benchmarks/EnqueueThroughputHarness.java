package dev.chime.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Enqueue-to-done throughput on PostgreSQL: background tasks enqueued from this JVM, run by 1, 2 or 4
 * node JVMs of one library. Each round creates the library's tables and the sink fresh, starts the nodes
 * and waits until each has started, then enqueues N tasks (batched where the library offers it) and
 * waits until the sink holds N rows. Times are on the database's clock: from just before the first
 * enqueue to the end of the enqueue (enqueue rate), and to the last body's write (tasks/s). Every task
 * body writes its number into the sink under a unique key ({@link EnqueueSink}), so each round also
 * checks that every task ran exactly once. Each node: 8 worker threads, a 12-connection HikariCP pool for
 * the library and 8 more for the bodies' writes. Libraries run one after the other on the same database.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.chime.benchmarks.EnqueueThroughputHarness
 * [--url=jdbc:postgresql://...] [--tasks=10000,100000] [--nodes=1,2,4] [--libs=chime,jobrunr,db-scheduler]}.
 */
public final class EnqueueThroughputHarness {

    static final int THREADS = 8;
    /** A round fails when no task finished for this long (JobRunr polls every 5 s; nodes share 2 cores). */
    private static final long STALL_MILLIS = 60_000;
    private static final long START_UP_MILLIS = 120_000;

    record Round(int tasks, int nodes, EnqueueLibrary library, double load, long enqueueMicros, long doneMicros,
                 EnqueueSink.Tally tally, String failure) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("node")) {
            node(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        String url = option(args, "url", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        List<Integer> taskCounts = numbers(option(args, "tasks", "10000,100000"));
        List<Integer> nodeCounts = numbers(option(args, "nodes", "1,2,4"));
        List<EnqueueLibrary> libraries = Arrays.stream(option(args, "libs", "chime,jobrunr,db-scheduler").split(","))
                .map(EnqueueLibrary::named).toList();
        List<Round> rounds = new ArrayList<>();
        for (int tasks : taskCounts) {
            for (int nodes : nodeCounts) {
                for (EnqueueLibrary library : libraries) {
                    Round r = round(url, library, tasks, nodes);
                    System.out.println(line(r));
                    rounds.add(r);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%n%d worker threads per node JVM; enqueue: %s%n%n", THREADS,
                libraries.stream().map(l -> l.label() + " " + l.enqueueMode()).collect(Collectors.joining("; ")));
        System.out.println("| Tasks | Nodes | Library | Enqueue s | Enqueued/s | First enqueue to all done s | Tasks/s "
                + "| Runs per node | Exactly once | Load |");
        System.out.println("|---:|---:|---|---:|---:|---:|---:|---:|---|---:|");
        rounds.forEach(r -> System.out.println(row(r)));
    }

    private static Round round(String url, EnqueueLibrary library, int tasks, int nodes) throws Exception {
        try (HikariDataSource admin = ClusterLatenessHarness.pool(url, 4)) {
            library.createTables(admin);
            EnqueueSink.create(admin);
            Path dir = Files.createTempDirectory("chime-enqueue");
            List<Process> processes = new ArrayList<>();
            double load = 0;
            long start = 0;
            long enqueued = 0;
            String failure = null;
            try {
                for (int n = 0; n < nodes; n++) {
                    processes.add(NodeJvms.start(EnqueueThroughputHarness.class, "node", library.id(), String.valueOf(n), url,
                            String.valueOf(THREADS), dir.resolve("ready-" + n).toString()));
                }
                awaitReady(dir, processes);
                load = loadAverage();
                start = EnqueueSink.databaseMicros(admin);
                try (HikariDataSource client = ClusterLatenessHarness.pool(url, THREADS + 4)) {
                    library.enqueue(client, tasks);
                }
                enqueued = EnqueueSink.databaseMicros(admin);
                awaitRows(admin, tasks);
                failure = awaitHistory(library, admin, tasks);
            } catch (Exception | LinkageError e) {
                failure = e.toString();
            } finally {
                processes.forEach(p -> closeQuietly(p));
                NodeJvms.awaitExit(processes, 120_000, library.label());
            }
            EnqueueSink.Tally tally = EnqueueSink.tally(admin, nodes);
            return new Round(tasks, nodes, library, load, enqueued - start, tally.lastDoneMicros() - start, tally, failure);
        }
    }

    /** A node JVM: starts the library's node, says so with its ready file, and stops when its standard input closes. */
    private static void node(String[] a) throws Exception {
        EnqueueLibrary library = EnqueueLibrary.named(a[0]);
        int index = Integer.parseInt(a[1]);
        int threads = Integer.parseInt(a[3]);
        try (HikariDataSource pool = ClusterLatenessHarness.pool(a[2], threads + 4);
             HikariDataSource sinkPool = ClusterLatenessHarness.pool(a[2], threads)) {
            EnqueueSink.open(sinkPool, index);
            AutoCloseable node = library.startNode(pool, index, threads);
            Files.createFile(Path.of(a[4]));
            while (System.in.read() != -1) {
                // the harness closes this pipe to stop the node
            }
            node.close();
        }
        System.exit(0);
    }

    private static void awaitReady(Path dir, List<Process> processes) throws InterruptedException {
        long deadline = System.currentTimeMillis() + START_UP_MILLIS;
        for (int n = 0; n < processes.size(); n++) {
            while (!Files.exists(dir.resolve("ready-" + n))) {
                if (!processes.get(n).isAlive() || System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("node " + n + " did not start within " + START_UP_MILLIS / 1000 + " s");
                }
                Thread.sleep(20);
            }
        }
    }

    private static void awaitRows(HikariDataSource admin, int tasks) throws Exception {
        long rows = 0;
        long progressAt = System.currentTimeMillis();
        while (rows < tasks) {
            Thread.sleep(50);
            long now = EnqueueSink.rows(admin);
            if (now > rows) {
                rows = now;
                progressAt = System.currentTimeMillis();
            } else if (System.currentTimeMillis() - progressAt > STALL_MILLIS) {
                throw new IllegalStateException("stalled at " + rows + " of " + tasks + " tasks done");
            }
        }
    }

    /** The library's own records agree, given a few seconds for the last completions to be written. */
    private static String awaitHistory(EnqueueLibrary library, HikariDataSource admin, int tasks) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        String problem = library.checkHistory(admin, tasks);
        while (problem != null && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            problem = library.checkHistory(admin, tasks);
        }
        return problem;
    }

    private static void closeQuietly(Process p) {
        try {
            p.getOutputStream().close();
        } catch (java.io.IOException e) {
            p.destroy();
        }
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (java.io.IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static String line(Round r) {
        if (r.failure() != null) {
            return String.format(Locale.ROOT, "%-18s %,7d tasks %d node(s): FAILED: %s (sink rows %,d, repeats %,d)", r.library().label(),
                    r.tasks(), r.nodes(), r.failure(), r.tally().rows(), r.tally().repeats());
        }
        return String.format(Locale.ROOT, "%-18s %,7d tasks %d node(s): enqueued in %.2f s (%,.0f/s), all done in %.2f s (%,.0f/s), "
                        + "runs per node %s, repeats %,d, load %.1f", r.library().label(), r.tasks(), r.nodes(), r.enqueueMicros() / 1e6,
                perSecond(r.tasks(), r.enqueueMicros()), r.doneMicros() / 1e6, perSecond(r.tasks(), r.doneMicros()), shares(r),
                r.tally().repeats(), r.load());
    }

    private static String row(Round r) {
        if (r.failure() != null) {
            return String.format(Locale.ROOT, "| %,d | %d | %s | failed: %s | | | | | rows %,d, repeats %,d | %.1f |", r.tasks(), r.nodes(),
                    r.library().label(), r.failure(), r.tally().rows(), r.tally().repeats(), r.load());
        }
        boolean exactlyOnce = r.tally().rows() == r.tasks() && r.tally().repeats() == 0;
        return String.format(Locale.ROOT, "| %,d | %d | %s | %.2f | %,.0f | %.2f | **%,.0f** | %s | %s | %.1f |", r.tasks(), r.nodes(),
                r.library().label(), r.enqueueMicros() / 1e6, perSecond(r.tasks(), r.enqueueMicros()), r.doneMicros() / 1e6,
                perSecond(r.tasks(), r.doneMicros()), shares(r), exactlyOnce ? "yes"
                        : "NO: " + r.tally().rows() + " rows, " + r.tally().repeats() + " repeats", r.load());
    }

    private static String shares(Round r) {
        return r.tally().rowsPerNode().stream().map(c -> String.format(Locale.ROOT, "%,d", c)).collect(Collectors.joining(" / "));
    }

    private static double perSecond(int tasks, long micros) {
        return tasks / (micros / 1e6);
    }

    private static String option(String[] args, String name, String fallback) {
        for (String arg : args) {
            if (arg.startsWith("--" + name + "=")) {
                return arg.substring(name.length() + 3);
            }
            if (!arg.startsWith("--url=") && !arg.startsWith("--tasks=") && !arg.startsWith("--nodes=") && !arg.startsWith("--libs=")) {
                throw new IllegalArgumentException("unknown argument '" + arg + "': expected --url=, --tasks=, --nodes= or --libs=");
            }
        }
        return fallback;
    }

    private static List<Integer> numbers(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).map(Integer::valueOf).toList();
    }
}
