package dev.chime.store.jdbc.fault;

import dev.chime.JobDefinition;
import dev.chime.JobOptions;
import dev.chime.RetryPolicy;
import dev.chime.Scheduler;
import dev.chime.Trigger;
import dev.chime.Triggers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The jobs every scenario runs: recurring recoverable and non-recoverable jobs with
 * {@code maxInstances} 1 and 2, fixed-delay jobs, one-shots, a job whose first attempt fails and is
 * retried, and a job with a timeout whose body ignores the interrupt. Each {@link Spec} knows what
 * the invariants need: the fire times it schedules, its instance limit, whether it is recoverable.
 */
final class Workload {

    enum Kind { INTERVAL, FIXED_DELAY, ONCE }

    /** One job: its schedule (from {@code firstMs}, every {@code stepMs}, or {@code stepMs} after each run) and limits. */
    record Spec(String jobId, Kind kind, long firstMs, long stepMs, int maxInstances, boolean recoverable, long workMs,
            boolean ignoresInterrupts, int failAttempts, Long timeoutMs) {

        /** Whether {@code fireMs} is one of this job's scheduled fire times (fixed delay: any time at or after the first). */
        boolean schedules(long fireMs) {
            return switch (kind) {
                case INTERVAL -> fireMs >= firstMs && (fireMs - firstMs) % stepMs == 0;
                case ONCE -> fireMs == firstMs;
                case FIXED_DELAY -> fireMs >= firstMs;
            };
        }

        /** The fire times in [from, to) when they can be known in advance (not for fixed delay). */
        List<Long> fireTimes(long from, long to) {
            List<Long> times = new ArrayList<>();
            if (kind == Kind.ONCE) {
                if (firstMs >= from && firstMs < to) {
                    times.add(firstMs);
                }
            } else if (kind == Kind.INTERVAL) {
                for (long t = firstMs; t < to; t += stepMs) {
                    if (t >= from) {
                        times.add(t);
                    }
                }
            }
            return times;
        }
    }

    private final List<Spec> specs;

    private Workload(List<Spec> specs) {
        this.specs = List.copyOf(specs);
    }

    /** The standard mix, first fire times at {@code startMs}, one-shots spread over {@code lengthMs}. */
    static Workload standard(long startMs, long lengthMs) {
        List<Spec> specs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            specs.add(new Spec("rec-max1-" + i, Kind.INTERVAL, startMs, 1_000, 1, true, 700, false, 0, null));
            // 2.3 s of work every second: two run at once and the third fire time is skipped.
            specs.add(new Spec("rec-max2-" + i, Kind.INTERVAL, startMs, 1_000, 2, true, 2_300, false, 0, null));
            specs.add(new Spec("plain-max1-" + i, Kind.INTERVAL, startMs, 1_000, 1, false, 300, false, 0, null));
            specs.add(new Spec("plain-max2-" + i, Kind.INTERVAL, startMs, 1_000, 2, false, 1_300, false, 0, null));
            specs.add(new Spec("delay-" + i, Kind.FIXED_DELAY, startMs, 800, 1, i == 0, 300, false, 0, null));
            specs.add(new Spec("retry-" + i, Kind.INTERVAL, startMs, 2_000, 1, false, 100, false, 1, null));
            // Times out after 300 ms but works on for 1.5 s: its slot must stay taken until it returns.
            specs.add(new Spec("timeout-" + i, Kind.INTERVAL, startMs, 1_000, 1, false, 1_500, true, 0, 300L));
        }
        for (long at = startMs + 500; at < startMs + lengthMs; at += 1_500) {
            specs.add(new Spec("once-" + (at - startMs), Kind.ONCE, at, 0, 1, true, 400, false, 0, null));
        }
        return new Workload(specs);
    }

    List<Spec> specs() {
        return specs;
    }

    Spec spec(String jobId) {
        return specs.stream().filter(s -> s.jobId().equals(jobId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no job '" + jobId + "' in the workload"));
    }

    /** Adds every job through {@code scheduler} (not started: it only writes to the shared store). */
    void addTo(Scheduler scheduler) {
        for (Spec s : specs) {
            Instant first = Instant.ofEpochMilli(s.firstMs());
            Trigger trigger = switch (s.kind()) {
                case INTERVAL -> Triggers.interval(Duration.ofMillis(s.stepMs()), first, null, null);
                case FIXED_DELAY -> Triggers.fixedDelay(Duration.ofMillis(s.stepMs()), first);
                case ONCE -> Triggers.once(first);
            };
            // No coalescing (a coalesced fire time vanishes without an event) and a grace long
            // enough that a fault's delay makes firings late, not missed: every fire time must be
            // accounted for by a body or an event.
            JobOptions.Builder options = JobOptions.builder().coalesce(false).misfireGraceTime(Duration.ofSeconds(30))
                    .maxInstances(s.maxInstances()).recoverable(s.recoverable());
            if (s.failAttempts() > 0) {
                options.retry(RetryPolicy.fixed(s.failAttempts(), Duration.ofMillis(200)));
            }
            if (s.timeoutMs() != null) {
                options.timeout(Duration.ofMillis(s.timeoutMs()));
            }
            scheduler.add(JobDefinition.builder(s.jobId()).task("body").trigger(trigger).options(options.build())
                    .data(Map.of("workMs", s.workMs(), "ignoresInterrupts", s.ignoresInterrupts(), "failAttempts", s.failAttempts()))
                    .build());
        }
    }
}
