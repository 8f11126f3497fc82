package dev.chime.benchmarks;

import static org.quartz.JobBuilder.newJob;
import static org.quartz.SimpleScheduleBuilder.repeatSecondlyForever;
import static org.quartz.TriggerBuilder.newTrigger;

import dev.chime.JobDefinition;
import dev.chime.Scheduler;
import dev.chime.Triggers;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.Locale;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lateness: 10,000 interval jobs every 10 s, their first fires spread 1 ms apart, so about 1,000
 * fires a second, for a given number of seconds (default 60); the p50 / p99 / max of (actual start
 * - scheduled fire time). Same workload for the JDK's ScheduledThreadPoolExecutor, Chime and Quartz,
 * one after the other in one process, 10 worker threads each.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.chime.benchmarks.LatenessHarness [seconds]}
 */
public final class LatenessHarness {

    private static final int JOBS = 10_000;
    private static final Duration INTERVAL = Duration.ofSeconds(10);

    /** Lateness samples in microseconds, filled by the jobs; the first cycle is warm-up and not kept. */
    private static final class Samples {
        final long[] micros;
        final AtomicInteger count = new AtomicInteger();
        final AtomicInteger seen = new AtomicInteger();

        Samples(int capacity) {
            micros = new long[capacity];
        }

        void add(long lateMicros) {
            if (seen.getAndIncrement() < JOBS) {
                return; // every job's first fire: the JIT is still compiling every scheduler's path
            }
            int i = count.getAndIncrement();
            if (i < micros.length) {
                micros[i] = lateMicros;
            }
        }

        String row(String name) {
            int n = Math.min(count.get(), micros.length);
            long[] sorted = Arrays.copyOf(micros, n);
            Arrays.sort(sorted);
            return String.format(Locale.ROOT, "| %s | %,d | %.3f | %.3f | %.3f |", name, n, sorted[n / 2] / 1000.0,
                    sorted[(int) (n * 0.99)] / 1000.0, sorted[n - 1] / 1000.0);
        }
    }

    public static void main(String[] args) throws Exception {
        // One 10-second cycle of warm-up, then the measured seconds.
        int seconds = (args.length > 0 ? Integer.parseInt(args[0]) : 60) + (int) INTERVAL.toSeconds();
        String stpe = stpe(seconds).row("JDK ScheduledThreadPoolExecutor");
        String chime = chime(seconds).row("**Chime** + store-memory");
        String quartz = quartz(seconds).row("Quartz 2.3.2 RAMJobStore");
        System.out.printf(Locale.ROOT, "%n| Scheduler | fires measured (%d s after a 10 s warm-up) | p50 ms | p99 ms | max ms |%n|---|---:|---:|---:|---:|%n",
                seconds - INTERVAL.toSeconds());
        System.out.println(stpe);
        System.out.println(chime);
        System.out.println(quartz);
    }

    private static Samples stpe(int seconds) throws InterruptedException {
        Samples samples = new Samples(JOBS * (seconds / 10 + 2));
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(10);
        long t0 = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        long period = INTERVAL.toNanos();
        for (int i = 0; i < JOBS; i++) {
            long first = t0 + TimeUnit.MILLISECONDS.toNanos(i);
            long[] k = {0};
            executor.scheduleAtFixedRate(() -> {
                long scheduled = first + k[0]++ * period;
                samples.add((System.nanoTime() - scheduled) / 1000);
            }, first - System.nanoTime(), period, TimeUnit.NANOSECONDS);
        }
        TimeUnit.SECONDS.sleep(seconds + 1);
        executor.shutdownNow();
        return samples;
    }

    private static Samples chime(int seconds) throws InterruptedException {
        Samples samples = new Samples(JOBS * (seconds / 10 + 2));
        Scheduler scheduler = Scheduler.builder().store("memory").threads(10).task("probe", ctx ->
                samples.add(Duration.between(ctx.scheduledFireTime(), ctx.actualStart()).toNanos() / 1000)).build();
        Instant t0 = Instant.now().plusSeconds(1);
        for (int i = 0; i < JOBS; i++) {
            scheduler.add(JobDefinition.of("job-" + i, "probe", Triggers.interval(INTERVAL, t0.plusMillis(i), null, null)));
        }
        scheduler.start();
        TimeUnit.SECONDS.sleep(seconds + 1);
        scheduler.shutdown(Duration.ofSeconds(5));
        return samples;
    }

    static Samples quartzSamples;

    /** Quartz times to the millisecond: its lateness is read from its own fire-time fields. */
    public static final class QuartzProbe implements org.quartz.Job {
        @Override
        public void execute(org.quartz.JobExecutionContext context) {
            quartzSamples.add((System.currentTimeMillis() - context.getScheduledFireTime().getTime()) * 1000);
        }
    }

    private static Samples quartz(int seconds) throws Exception {
        quartzSamples = new Samples(JOBS * (seconds / 10 + 2));
        org.quartz.Scheduler quartz = Peers.quartz("lateness", 1);
        long t0 = System.currentTimeMillis() + 3000;
        for (int i = 0; i < JOBS; i++) {
            quartz.scheduleJob(newJob(QuartzProbe.class).withIdentity("job-" + i).build(),
                    newTrigger().withIdentity("t-" + i).startAt(new Date(t0 + i))
                            .withSchedule(repeatSecondlyForever((int) INTERVAL.toSeconds())).build());
        }
        quartz.start();
        TimeUnit.MILLISECONDS.sleep(Math.max(0, t0 - System.currentTimeMillis()) + seconds * 1000L);
        quartz.shutdown(false);
        return quartzSamples;
    }
}
