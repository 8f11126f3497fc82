package dev.chime.internal;

import java.time.Duration;
import java.time.Instant;

/**
 * How much of a firing's lateness is the schedule's, and how much this node's: while the node is
 * at its in-flight limit the dispatcher stops claiming, so due firings wait in the store through
 * no fault of their schedule. A saturation episode starts when a pass of the dispatcher stops at
 * the limit and ends when a pass claims everything due (or, with a worker free, fails to claim:
 * waiting for the store is not waiting for a worker); lateness stops counting at the episode's
 * start. So no firing is reported missed only because this node had no free worker, while a
 * firing already late before the node filled up (downtime) still is.
 *
 * <p>Written by the dispatcher thread only; the fields are volatile so that a worker firing a parked
 * firing ({@link ParkedFirings}), a test or a metric may read them.
 */
final class Saturation {

    private volatile Instant since;

    /** A pass stopped at the in-flight limit at {@code now}. */
    void reachedLimit(Instant now) {
        if (since == null) {
            since = now;
        }
    }

    /** A pass claimed every due firing: the node has caught up. */
    void caughtUp() {
        since = null;
    }

    /** The lateness that counts against misfire grace: up to the start of the current episode, if any. */
    Duration lateness(Instant fireTime, Instant now) {
        Instant episode = since;
        Instant judgedAt = episode != null && episode.isBefore(now) ? episode : now;
        return Duration.between(fireTime, judgedAt);
    }
}
