package dev.chime.benchmarks;

import static org.quartz.JobBuilder.newJob;
import static org.quartz.SimpleScheduleBuilder.repeatSecondlyForever;
import static org.quartz.TriggerBuilder.newTrigger;

import dev.chime.JobDefinition;
import dev.chime.Scheduler;
import dev.chime.TestClock;
import dev.chime.Trigger;
import dev.chime.Triggers;
import java.time.Duration;
import java.util.Date;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Scale: heap bytes per scheduled interval job, after GC, at N jobs (default 1,000,000). The ids
 * (the user's own objects) exist before the first measurement, so they are not counted. Peers: the
 * JDK's ScheduledThreadPoolExecutor (one shared Runnable, N periodic tasks) and Quartz RAMJobStore
 * (N jobs with a simple trigger each).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.chime.benchmarks.HeapHarness [jobs]}
 */
public final class HeapHarness {

    public static void main(String[] args) throws Exception {
        int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        String[] ids = new String[jobs];
        for (int i = 0; i < jobs; i++) {
            ids[i] = "job-" + i;
        }
        double chime = chime(ids);
        double stpe = stpe(jobs);
        double quartz = quartz(ids);
        System.out.printf(Locale.ROOT, "%n| Scheduler | heap bytes per interval job (%,d jobs, after GC) |%n|---|---:|%n", jobs);
        System.out.printf(Locale.ROOT, "| JDK ScheduledThreadPoolExecutor | %.0f |%n", stpe);
        System.out.printf(Locale.ROOT, "| **Chime** + store-memory | **%.0f** |%n", chime);
        System.out.printf(Locale.ROOT, "| Quartz 2.3.2 RAMJobStore | %.0f |%n", quartz);
    }

    private static double chime(String[] ids) {
        Scheduler scheduler = Scheduler.builder().store("memory").clock(TestClock.create()).task("noop", ctx -> { }).build();
        Trigger hourly = Triggers.interval(Duration.ofHours(1));
        long before = usedAfterGc();
        for (String id : ids) {
            scheduler.add(JobDefinition.of(id, "noop", hourly));
        }
        double perJob = (usedAfterGc() - before) / (double) ids.length;
        if (scheduler.stats().jobs() != ids.length) {
            throw new IllegalStateException("lost jobs");
        }
        scheduler.shutdown(Duration.ZERO);
        return perJob;
    }

    private static double stpe(int jobs) {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
        Runnable noop = () -> { };
        ScheduledFuture<?>[] keep = new ScheduledFuture<?>[jobs];
        long before = usedAfterGc();
        for (int i = 0; i < jobs; i++) {
            keep[i] = executor.scheduleAtFixedRate(noop, 1, 1, TimeUnit.HOURS);
        }
        // The futures array is the harness's, not the executor's: subtract its own slots.
        double perJob = (usedAfterGc() - before) / (double) jobs - 4;
        executor.shutdownNow();
        return perJob;
    }

    private static double quartz(String[] ids) throws Exception {
        org.quartz.Scheduler quartz = Peers.quartz("heap", 1);
        Date later = new Date(System.currentTimeMillis() + 3_600_000L);
        long before = usedAfterGc();
        for (String id : ids) {
            quartz.scheduleJob(newJob(Peers.CountingQuartzJob.class).withIdentity(id).build(),
                    newTrigger().withIdentity(id).startAt(later).withSchedule(repeatSecondlyForever(3600)).build());
        }
        double perJob = (usedAfterGc() - before) / (double) ids.length;
        quartz.shutdown(false);
        return perJob;
    }

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
