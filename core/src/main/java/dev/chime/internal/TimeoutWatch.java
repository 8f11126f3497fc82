package dev.chime.internal;

import dev.chime.JobEvent;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.function.ObjLongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the running attempts' timeouts on the engine's monotonic {@link Ticker}. An attempt past
 * its timeout is decided (handed to {@code onTimeout}, which reports it failed and interrupts it);
 * one still running at twice its timeout is reported once more as {@link JobEvent.Overrunning}.
 */
final class TimeoutWatch {

    private static final Logger LOG = LoggerFactory.getLogger(TimeoutWatch.class);

    private final EngineContext ctx;
    private final ObjLongConsumer<Attempt> onTimeout;

    /** @param onTimeout called once per attempt that won its decision at its deadline, with the ticker reading */
    TimeoutWatch(EngineContext ctx, ObjLongConsumer<Attempt> onTimeout) {
        this.ctx = ctx;
        this.onTimeout = onTimeout;
    }

    void check() {
        long now = ctx.ticker().nanos();
        for (Attempt attempt : ctx.tracker().attemptsInFlight()) {
            if (attempt.timeout() == null) {
                continue;
            }
            if (!attempt.isDecided()) {
                if (now - attempt.deadlineNanos() >= 0 && attempt.decide()) {
                    onTimeout.accept(attempt, now);
                }
            } else if (attempt.isTimedOut() && attempt.isRunning() && now - attempt.overrunNanos() >= 0
                    && attempt.markOverrunReported()) {
                reportOverrun(attempt);
            }
        }
    }

    /** The ticker reading of the next deadline or overrun check, if any. */
    OptionalLong nextCheck() {
        long now = ctx.ticker().nanos();
        boolean found = false;
        long earliest = 0;
        for (Attempt attempt : ctx.tracker().attemptsInFlight()) {
            long at;
            if (attempt.timeout() == null) {
                continue;
            } else if (!attempt.isDecided()) {
                at = attempt.deadlineNanos();
            } else if (attempt.isTimedOut() && !attempt.isOverrunReported() && attempt.isRunning()) {
                at = attempt.overrunNanos();
            } else {
                continue;
            }
            if (!found || at - now < earliest - now) {
                earliest = at;
                found = true;
            }
        }
        return found ? OptionalLong.of(earliest) : OptionalLong.empty();
    }

    private void reportOverrun(Attempt attempt) {
        Run run = attempt.run();
        Duration timeout = attempt.timeout();
        LOG.error("{} attempt {} of {} is still running at twice its timeout of {}: it ignores interruption. "
                        + "Its instance slot stays taken until it returns, so the job does not run again meanwhile",
                run.work().describe(), attempt.number(), run.fireTime(), timeout);
        ctx.bus().publish(() -> new JobEvent.Overrunning(run.work().eventJobId(), run.work().task(), run.fireTime(),
                attempt.number(), attempt.startedAt(), timeout, ctx.clock().instant()));
    }
}
