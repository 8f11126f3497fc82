package dev.chime.metrics;

import dev.chime.ChimeEvent;
import dev.chime.JobEvent;
import dev.chime.Scheduler;
import dev.chime.SchedulerListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.Search;
import java.time.Duration;
import java.util.Objects;

/**
 * Records every job's executions, lateness, misses and skips as Micrometer meters, and gauges of
 * the scheduler's jobs. On the classpath it is found with {@link java.util.ServiceLoader} and
 * records into {@link Metrics#globalRegistry}, or into the {@code MeterRegistry} handed to
 * {@code Scheduler.builder().component(registry)}; it can also be added by hand with
 * {@code builder.listener(ChimeMetrics.builder().registry(registry).build())}.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th></tr>
 *   <tr><td>chime.job.execution</td><td>timer: duration of each attempt; its count is the executions by outcome</td><td>job, task, outcome (success, failure, timeout), exception</td></tr>
 *   <tr><td>chime.job.lateness</td><td>timer with percentiles: scheduled fire time to start of the first attempt</td><td>job, task</td></tr>
 *   <tr><td>chime.job.missed</td><td>counter: fire times later than the misfire grace</td><td>job, task</td></tr>
 *   <tr><td>chime.job.skipped</td><td>counter: fire times skipped at max instances</td><td>job, task</td></tr>
 *   <tr><td>chime.job.overrunning</td><td>counter: attempts still running at twice their timeout (their code ignores interruption; the job keeps its slot until they return)</td><td>job, task</td></tr>
 *   <tr><td>chime.job.trigger.failed</td><td>counter: faulty triggers (threw, or answered a time not after the last); the job was taken out of the schedule</td><td>job, task</td></tr>
 *   <tr><td>chime.jobs.scheduled, chime.jobs.paused, chime.jobs.running</td><td>gauges</td><td></td></tr>
 *   <tr><td>chime.node.firings.claimed</td><td>counter: firings this node took from the store</td><td></td></tr>
 *   <tr><td>chime.node.leases.recovered</td><td>counter: firings of dead nodes this node took over</td><td></td></tr>
 * </table>
 *
 * <p>With very many one-shot jobs, drop the {@code job} tag ({@link Builder#jobTag(boolean)}, or the
 * property {@code chime.metrics.job-tag=false}) so each job does not make a new time series.
 * Thread-safe.
 */
public final class ChimeMetrics implements SchedulerListener {

    private final MeterRegistry registry;
    private final boolean jobTag;
    private final Counter claimed;
    private final Counter recovered;
    private final RemovedJobs removed = new RemovedJobs();

    private ChimeMetrics(Builder b) {
        this.registry = b.registry;
        this.jobTag = b.jobTag;
        this.claimed = Counter.builder("chime.node.firings.claimed").description("Firings this node claimed from the store")
                .register(registry);
        this.recovered = Counter.builder("chime.node.leases.recovered")
                .description("Firings of dead nodes whose expired lease this node took over").register(registry);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void onRegistered(Scheduler scheduler) {
        Gauge.builder("chime.jobs.scheduled", scheduler, s -> {
            var stats = s.stats();
            return stats.jobs() - stats.pausedJobs();
        }).description("Jobs in the store that are not paused").register(registry);
        Gauge.builder("chime.jobs.paused", scheduler, s -> s.stats().pausedJobs()).description("Paused jobs")
                .register(registry);
        Gauge.builder("chime.jobs.running", scheduler, s -> s.stats().runningJobs())
                .description("Attempts running on this node").register(registry);
    }

    @Override
    public void onEvent(ChimeEvent event) {
        record(event);
        // A one-shot job is removed when its firing is dispatched, before its attempt ends: the
        // meters that attempt registers go as soon as they are written.
        if (event instanceof JobEvent e && !(event instanceof JobEvent.Removed) && removed.contains(e.jobId())) {
            removeMetersOf(e.jobId());
        }
    }

    private void record(ChimeEvent event) {
        if (event instanceof JobEvent.Executed e) {
            execution(e.jobId(), e.task(), "success", "none").record(e.duration());
            if (e.attempt() == 1) {
                lateness(e.jobId(), e.task()).record(nonNegative(Duration.between(e.scheduledFireTime(), e.started())));
            }
        } else if (event instanceof JobEvent.Failed f) {
            execution(f.jobId(), f.task(), f.timedOut() ? "timeout" : "failure", f.error().getClass().getSimpleName())
                    .record(f.duration());
            if (f.attempt() == 1) {
                lateness(f.jobId(), f.task()).record(nonNegative(Duration.between(f.scheduledFireTime(), f.started())));
            }
        } else if (event instanceof JobEvent.Missed m) {
            Counter.builder("chime.job.missed").description("Fire times later than the misfire grace time")
                    .tags(jobTags(m.jobId(), m.task())).register(registry).increment();
        } else if (event instanceof JobEvent.Skipped s) {
            Counter.builder("chime.job.skipped").description("Fire times skipped because max instances were running")
                    .tags(jobTags(s.jobId(), s.task())).register(registry).increment();
        } else if (event instanceof JobEvent.Overrunning o) {
            Counter.builder("chime.job.overrunning").description("Timed-out attempts still running at twice their timeout")
                    .tags(jobTags(o.jobId(), o.task())).register(registry).increment();
        } else if (event instanceof JobEvent.TriggerFailed t) {
            Counter.builder("chime.job.trigger.failed").description("Faulty triggers; the job was taken out of the schedule")
                    .tags(jobTags(t.jobId(), t.task())).register(registry).increment();
        } else if (event instanceof JobEvent.Removed r) {
            removed.remember(r.jobId());
            removeMetersOf(r.jobId());
        } else if (event instanceof JobEvent.Added a) {
            removed.forget(a.jobId());
        } else if (event instanceof JobEvent.Claimed c) {
            claimed.increment();
            if (c.recovery()) {
                recovered.increment();
            }
        }
    }

    /**
     * A removed job's meters go with it: with a job tag, every one-shot job would otherwise leave
     * its timers and counters in the registry for the life of the process.
     */
    private void removeMetersOf(String jobId) {
        if (!jobTag) {
            return;
        }
        for (Meter meter : Search.in(registry).name(n -> n.startsWith("chime.job.")).tag("job", jobId).meters()) {
            registry.remove(meter);
        }
    }

    private Timer execution(String job, String task, String outcome, String exception) {
        return Timer.builder("chime.job.execution").description("How long each attempt of a job ran, by outcome")
                .tags(jobTags(job, task)).tag("outcome", outcome).tag("exception", exception).register(registry);
    }

    private Timer lateness(String job, String task) {
        return Timer.builder("chime.job.lateness").description("From the scheduled fire time to the start of the first attempt")
                .tags(jobTags(job, task)).publishPercentiles(0.5, 0.95, 0.99).publishPercentileHistogram()
                .register(registry);
    }

    private Tags jobTags(String job, String task) {
        Tags tags = Tags.of(Tag.of("task", task));
        return jobTag ? tags.and("job", job) : tags;
    }

    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** Not thread-safe. */
    public static final class Builder {
        private MeterRegistry registry = Metrics.globalRegistry;
        private boolean jobTag = true;

        private Builder() {
        }

        /** The registry to record into; {@link Metrics#globalRegistry} by default. */
        public Builder registry(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** Whether meters carry the {@code job} tag (default true); turn off for very many one-shot jobs. */
        public Builder jobTag(boolean jobTag) {
            this.jobTag = jobTag;
            return this;
        }

        public ChimeMetrics build() {
            return new ChimeMetrics(this);
        }
    }
}
