package dev.chime.internal;

import dev.chime.spi.JobFactory;
import dev.chime.spi.JobStore;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Executor;

/**
 * What the engine's parts share. Built once per scheduler.
 *
 * @param clock       where instants come from (fire times, event times, outcomes)
 * @param ticker      where durations are measured (timeouts, backoff): monotonic, see {@link Ticker}
 * @param wake        tells the dispatch loop that the next wake-up time may have moved earlier
 * @param maxInFlight how many attempts may be submitted and not yet finished before the dispatcher
 *                    stops claiming: a burst stays in the store (or for other nodes) instead of
 *                    piling up in this node's queue
 * @param budget      how many firings to claim at once: what this node can start soon
 * @param drivenByClock true when a {@code TestClock} drives the scheduler (no dispatcher thread)
 * @param node        this scheduler's name, which its run history records
 */
record EngineContext(Clock clock, Ticker ticker, JobStore store, JobCodec codec, ListenerBus bus, RunTracker tracker,
                     JobFactory jobFactory, Executor executor, Runnable wake, int maxInFlight, ClaimBudget budget,
                     boolean drivenByClock, String node) {

    /** The wall-clock instant at which the ticker will read {@code tickerNanos}, for wake-ups. */
    Instant instantAt(long tickerNanos) {
        long left = tickerNanos - ticker.nanos();
        return clock.instant().plusNanos(Math.max(0, left));
    }
}
