package dev.chime.benchmarks;

import static org.quartz.JobBuilder.newJob;
import static org.quartz.TriggerBuilder.newTrigger;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.chime.JobDefinition;
import dev.chime.JobOptions;
import dev.chime.Scheduler;
import dev.chime.Triggers;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Throughput: N no-op one-shot jobs that all fall due at one instant T, loaded before T; fires per
 * second = N / (time from T until the last one ran). Same N, same 10 worker threads, one process,
 * one after the other: the JDK's ScheduledThreadPoolExecutor, Chime with store-memory, Quartz
 * with RAMJobStore. Each gets one full-size warm-up round, then the median of five counted rounds.
 *
 * <p>Run with a fixed, pre-touched heap: {@code java -Xms4g -Xmx4g -XX:+AlwaysPreTouch -cp
 * benchmarks/target/benchmarks.jar dev.chime.benchmarks.ThroughputHarness [jobs] [without-quartz]}. Without it the
 * same scheduler varies by 2-4x from round to round: a growable heap shrinks at the collection
 * between rounds and is regrown during the next, and a round whose young generation first reaches
 * memory the JVM never touched pays the kernel a page fault per 4 KB.
 */
public final class ThroughputHarness {

    private static final Duration LOAD_SLACK = Duration.ofSeconds(1);

    /** Full-size rounds per scheduler: the first warms up (JIT, heap sizing) and is not counted. */
    private static final int ROUNDS = 6;

    @FunctionalInterface
    private interface Round {
        double run(int jobs) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        reportHeap();
        // "without-quartz" leaves out Quartz's rounds (minutes at its rate), for a quick comparison with the executor.
        boolean withQuartz = args.length < 2 || !args[1].equals("without-quartz");
        double stpe = steadyRate("JDK executor", jobs, ThroughputHarness::stpe);
        double chime = steadyRate("Chime", jobs, ThroughputHarness::chime);
        double quartz = withQuartz ? steadyRate("Quartz", jobs, n -> quartz(n, 100)) : Double.NaN;
        double quartzDefault = withQuartz ? steadyRate("Quartz (default batch)", jobs, n -> quartz(n, 1)) : Double.NaN;
        System.out.printf(Locale.ROOT, "%n| Scheduler | fires/s (%,d one-shot jobs due at once) | Chime vs it |%n|---|---:|---:|%n", jobs);
        System.out.printf(Locale.ROOT, "| JDK ScheduledThreadPoolExecutor (10 threads) | %,.0f | %.2fx |%n", stpe, chime / stpe);
        System.out.printf(Locale.ROOT, "| **Chime** + store-memory (10 threads) | **%,.0f** | — |%n", chime);
        if (withQuartz) {
            System.out.printf(Locale.ROOT, "| Quartz 2.3.2 RAMJobStore (10 threads, batch 100) | %,.0f | %.1fx |%n", quartz, chime / quartz);
            System.out.printf(Locale.ROOT, "| Quartz 2.3.2 RAMJobStore (10 threads, default batch of 1) | %,.0f | %.1fx |%n",
                    quartzDefault, chime / quartzDefault);
        }
    }

    private static void reportHeap() {
        long initial = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getInit();
        long max = Runtime.getRuntime().maxMemory();
        boolean preTouched = Boolean.parseBoolean(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .getVMOption("AlwaysPreTouch").getValue());
        boolean steady = initial == max && preTouched;
        System.out.printf(Locale.ROOT, "heap: initial %,d MB, max %,d MB, pre-touched %s%s%n", initial >> 20, max >> 20,
                preTouched, steady ? "" : " (expect noisy rounds; run with -Xms4g -Xmx4g -XX:+AlwaysPreTouch)");
    }

    /**
     * The median rate of the counted rounds. Every scheduler gets the same treatment: one full-size
     * warm-up round, so that a JIT still compiling or a heap still growing is not what is measured.
     */
    private static double steadyRate(String name, int jobs, Round round) throws Exception {
        double[] rates = new double[ROUNDS - 1];
        for (int i = 0; i < ROUNDS; i++) {
            double rate = round.run(jobs);
            System.out.printf(Locale.ROOT, "%s round %d: %,.0f fires/s%s%n", name, i + 1, rate, i == 0 ? " (warm-up)" : "");
            if (i > 0) {
                rates[i - 1] = rate;
            }
        }
        java.util.Arrays.sort(rates);
        return rates[rates.length / 2];
    }

    static double stpe(int jobs) throws InterruptedException {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(10);
        executor.prestartAllCoreThreads();
        CountDownLatch done = new CountDownLatch(jobs);
        long start = System.nanoTime() + TimeUnit.SECONDS.toNanos(1) + jobs * 1_000L;
        for (int i = 0; i < jobs; i++) {
            executor.schedule(done::countDown, start - System.nanoTime(), TimeUnit.NANOSECONDS);
        }
        done.await();
        double rate = jobs / seconds(start, System.nanoTime());
        executor.shutdownNow();
        System.gc();
        return rate;
    }

    public static double chime(int jobs) throws InterruptedException {
        AtomicLong ran = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        Scheduler scheduler = Scheduler.builder().store("memory").threads(10).task("noop", ctx -> {
            if (ran.incrementAndGet() == jobs) {
                done.countDown();
            }
        }).build();
        Instant due = Instant.now().plus(LOAD_SLACK).plusNanos(jobs * 3_000L);
        JobOptions unlimited = JobOptions.builder().unlimitedMisfireGrace().build();
        for (int i = 0; i < jobs; i++) {
            scheduler.add(JobDefinition.builder("job-" + i).task("noop").trigger(Triggers.once(due)).options(unlimited).build());
        }
        scheduler.start();
        long dueNanos = System.nanoTime() + Math.max(0, Duration.between(Instant.now(), due).toNanos());
        done.await();
        double rate = jobs / seconds(dueNanos, System.nanoTime());
        scheduler.shutdown(Duration.ofSeconds(10));
        System.gc();
        return rate;
    }

    static double quartz(int jobs, int batch) throws Exception {
        org.quartz.Scheduler quartz = Peers.quartz("throughput", batch);
        CountDownLatch done = new CountDownLatch(jobs);
        Peers.CountingQuartzJob.onRun = done::countDown;
        Instant due = Instant.now().plus(LOAD_SLACK).plusNanos(jobs * 20_000L);
        for (int i = 0; i < jobs; i++) {
            quartz.scheduleJob(newJob(Peers.CountingQuartzJob.class).withIdentity("job-" + i).build(),
                    newTrigger().withIdentity("t-" + i).startAt(Date.from(due)).build());
        }
        quartz.start();
        long dueNanos = System.nanoTime() + Math.max(0, Duration.between(Instant.now(), due).toNanos());
        done.await();
        double rate = jobs / seconds(dueNanos, System.nanoTime());
        quartz.shutdown(false);
        System.gc();
        return rate;
    }

    private static double seconds(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1e9;
    }
}
