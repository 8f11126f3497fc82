package dev.chime.internal;

import dev.chime.spi.JobStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the run history within its retention: once a period, deletes in bounded batches what
 * finished longer ago than the retention's age or lies beyond its count per job. On a real clock
 * it works on a thread of its own, so a slow delete never holds up a firing; a {@code TestClock}
 * has it work in the pass that reaches the next round. In a cluster every node asks and the store
 * lets one at a time delete.
 */
final class HistoryJanitor {

    private static final Logger LOG = LoggerFactory.getLogger(HistoryJanitor.class);

    /** Rows per store call: short enough that a delete holds nothing a firing waits for for long. */
    static final int BATCH = 1_000;
    /** Batches per round at most, so one round ends even while runs finish as fast as it deletes. */
    static final int MAX_BATCHES = 100;

    private final JobStore store;
    private final Duration maxAge;
    private final int maxPerJob;
    private final Duration period;
    private Instant nextRound;
    private ScheduledExecutorService thread;
    private volatile boolean stopping;

    HistoryJanitor(JobStore store, Duration maxAge, int maxPerJob, Duration period) {
        this.store = store;
        this.maxAge = maxAge;
        this.maxPerJob = maxPerJob;
        this.period = period;
    }

    /** Starts the rounds on a thread of its own, one per period from now, judging age by {@code clock}. */
    synchronized void start(String name, Clock clock) {
        if (thread != null) {
            return;
        }
        thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chime-history-" + name);
            t.setDaemon(true);
            return t;
        });
        long millis = period.toMillis();
        thread.scheduleWithFixedDelay(() -> round(clock.instant()), millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Stops the rounds: a round in progress is interrupted between batches, and waited for up to
     * {@code maxWait}, so that the store it deletes from is not closed under it.
     */
    void stop(Duration maxWait) {
        ScheduledExecutorService running;
        synchronized (this) {
            running = thread;
        }
        if (running == null) {
            return;
        }
        stopping = true;
        running.shutdownNow();
        try {
            if (!running.awaitTermination(maxWait.toNanos(), TimeUnit.NANOSECONDS)) {
                LOG.warn("the run history's trimming did not stop within {}; it ends on its own", maxWait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** For a scheduler its clock drives: a round when the clock reached the next one (the first, one period after the first call). */
    synchronized void roundIfDue(Instant now) {
        if (nextRound == null) {
            nextRound = now.plus(period);
        } else if (!now.isBefore(nextRound)) {
            nextRound = now.plus(period);
            round(now);
        }
    }

    /** One round: batches until one deletes less than a batch, or the round's bound. Never throws. */
    void round(Instant now) {
        Instant cutoff = now.minus(maxAge);
        int deleted = 0;
        try {
            // Not the interrupt flag: a store call that answers an interrupt may clear it.
            for (int i = 0; i < MAX_BATCHES && !stopping; i++) {
                int n = store.pruneHistory(cutoff, maxPerJob, BATCH);
                deleted += n;
                if (n < BATCH) {
                    break;
                }
            }
        } catch (Throwable e) {
            LOG.warn("could not trim the run history (finished before {}, beyond {} per job): {}; the next round tries again",
                    cutoff, maxPerJob, e.toString());
        }
        if (deleted > 0) {
            LOG.debug("trimmed {} run(s) from the history (finished before {}, or beyond {} per job)", deleted, cutoff, maxPerJob);
        }
    }
}
