package dev.chime.internal;

import java.time.Duration;

/**
 * How many firings a node claims in one go: what it can start soon, not what it can queue. Claimed
 * firings leave the schedule, so a node that claimed a whole due batch and queued it behind its few
 * workers would hold back firings that another node's idle workers could have started at once.
 *
 * <p>The rule: the free workers, plus, when attempts take less than the {@linkplain #START_WINDOW
 * start window}, as many more as the workers get through in that window at the typical (smoothed
 * geometric mean) attempt time; never beyond the in-flight limit. Jobs of 150 ms on 8 workers: at most the free workers.
 * No-op jobs of a few microseconds: the in-flight limit, so a burst is claimed in large batches.
 * Until an attempt has been measured the node claims only its free workers.
 *
 * <p>Thread-safe: attempt times are recorded from every worker; the average is an estimate, and a
 * lost update between two workers is harmless.
 */
final class ClaimBudget {

    /** How soon a claimed firing should start: a firing queued longer than this is late for no reason. */
    static final Duration START_WINDOW = Duration.ofMillis(10);
    /** Weight of the newest attempt in the moving average (1/8, as TCP's smoothed round-trip time). */
    private static final double SMOOTHING = 8;
    private static final int SAMPLE_MASK = 7;

    private final int workers;
    private final int maxInFlight;
    private final long windowNanos;
    /** False for a test clock's passes, which fire everything due at their instant. */
    private final boolean paced;
    /** Smoothed natural logarithm of the attempt time in nanoseconds; NaN until the first is measured. */
    private volatile double logMeanNanos = Double.NaN;
    /** Attempts recorded, for sampling; a plain field updated without synchronization (see recordAttempt). */
    private int calls;

    /**
     * @param workers     the executor's threads; 0 when unknown (a user's executor that is not a
     *                    {@code ThreadPoolExecutor}), and then only the in-flight limit applies
     * @param maxInFlight attempts queued or running (or parked until due) at most
     */
    ClaimBudget(int workers, int maxInFlight, Duration window) {
        this(workers, maxInFlight, window, true);
    }

    private ClaimBudget(int workers, int maxInFlight, Duration window, boolean paced) {
        this.workers = workers;
        this.maxInFlight = maxInFlight;
        this.windowNanos = window.toNanos();
        this.paced = paced;
    }

    /**
     * For a scheduler driven by a {@code TestClock}: a pass claims everything due at its instant
     * (as it always did); only firings parked ahead of time are bounded by the free workers.
     */
    static ClaimBudget unpaced(int workers) {
        return new ClaimBudget(workers, Integer.MAX_VALUE, START_WINDOW, false);
    }

    /**
     * An attempt took this long from the start of its body to its end. The average is taken over
     * the logarithms (a geometric mean): a worker preempted for 20 ms in the middle of a 5 us job,
     * common on two shared cores, would drag an arithmetic mean past the window and shrink every
     * claim to the free workers; in the log domain it moves the average by a factor of about three.
     * Every eighth attempt is taken in (and the first): at a million attempts a second, a shared
     * write per attempt from every worker showed; the count is racy on purpose, a lost increment
     * only moves the sample.
     */
    void recordAttempt(long nanos) {
        double logMean = logMeanNanos;
        if (!Double.isNaN(logMean) && (++calls & SAMPLE_MASK) != 0) {
            return;
        }
        double sample = Math.log(Math.max(1, nanos));
        logMeanNanos = Double.isNaN(logMean) ? sample : logMean + (sample - logMean) / SMOOTHING;
    }

    /** The typical attempt time in nanoseconds, or -1 before the first is measured. */
    long typicalAttemptNanos() {
        double logMean = logMeanNanos;
        return Double.isNaN(logMean) ? -1 : (long) Math.exp(logMean);
    }

    /**
     * How many firings claimed ahead may be parked now: one per free worker (a parked firing holds
     * its worker's thread until due), keeping one worker free, so that a firing already due, a
     * retry or a queued attempt never waits behind workers parked for later fire times. None when
     * the worker count is unknown, since parking could then hold threads that due firings need, and
     * none with a single worker.
     */
    int freeWorkersToPark(int inFlight, int workersInUse) {
        int room = Math.max(0, maxInFlight - inFlight);
        return Math.min(room, Math.max(0, workers - 1 - workersInUse));
    }

    /**
     * How many firings to claim now, with {@code inFlight} attempts queued, running, parked or
     * waiting for their store write, of which {@code workersInUse} hold (or wait for) a worker thread.
     */
    int claimable(int inFlight, int workersInUse) {
        int room = maxInFlight - inFlight;
        if (room <= 0) {
            return 0;
        }
        if (workers == 0 || !paced) {
            return room;
        }
        long budget = Math.max(0, workers - workersInUse);
        long mean = typicalAttemptNanos();
        if (mean >= 0 && mean < windowNanos) {
            // Short attempts: each worker turns over several times within the window.
            budget += (long) workers * (windowNanos / Math.max(1, mean));
        }
        return (int) Math.min(room, budget);
    }
}
