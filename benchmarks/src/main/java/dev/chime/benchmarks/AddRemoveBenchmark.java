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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.quartz.JobKey;

/**
 * Nanoseconds to add one interval job and remove it again, with N jobs (default 1,000,000) already
 * scheduled: Chime + store-memory, the JDK's ScheduledThreadPoolExecutor (schedule + cancel with
 * remove-on-cancel) and Quartz RAMJobStore (scheduleJob + deleteJob).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx8g"})
public class AddRemoveBenchmark {

    @Param({"1000000"})
    public int preloaded;

    private Scheduler chime;
    private Trigger hourly;
    private ScheduledThreadPoolExecutor stpe;
    private org.quartz.Scheduler quartz;
    private Date later;
    private long n;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        hourly = Triggers.interval(Duration.ofHours(1));
        chime = Scheduler.builder().store("memory").clock(TestClock.create()).task("noop", ctx -> { }).build();
        for (int i = 0; i < preloaded; i++) {
            chime.add(JobDefinition.of("job-" + i, "noop", hourly));
        }
        stpe = new ScheduledThreadPoolExecutor(1);
        stpe.setRemoveOnCancelPolicy(true);
        Runnable noop = () -> { };
        for (int i = 0; i < preloaded; i++) {
            stpe.scheduleAtFixedRate(noop, 1 + i % 3600, 3600, TimeUnit.SECONDS);
        }
        quartz = Peers.quartz("add-remove", 1);
        later = new Date(System.currentTimeMillis() + 3_600_000L);
        for (int i = 0; i < preloaded; i++) {
            quartz.scheduleJob(newJob(Peers.CountingQuartzJob.class).withIdentity("job-" + i).build(),
                    newTrigger().withIdentity("job-" + i).startAt(new Date(later.getTime() + i % 3_600_000))
                            .withSchedule(repeatSecondlyForever(3600)).build());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        chime.shutdown(Duration.ZERO);
        stpe.shutdownNow();
        quartz.shutdown(false);
    }

    @Benchmark
    public boolean chimeAddThenRemove() {
        String id = "extra-" + (n++);
        chime.add(JobDefinition.of(id, "noop", hourly));
        return chime.remove(id);
    }

    @Benchmark
    public boolean stpeScheduleThenCancel() {
        ScheduledFuture<?> f = stpe.scheduleAtFixedRate(() -> { }, 1800, 3600, TimeUnit.SECONDS);
        return f.cancel(false);
    }

    @Benchmark
    public boolean quartzScheduleThenDelete() throws Exception {
        String id = "extra-" + (n++);
        quartz.scheduleJob(newJob(Peers.CountingQuartzJob.class).withIdentity(id).build(),
                newTrigger().withIdentity(id).startAt(later).withSchedule(repeatSecondlyForever(3600)).build());
        return quartz.deleteJob(JobKey.jobKey(id));
    }
}
