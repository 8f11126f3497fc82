package dev.chime.internal;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stop requests made on other nodes ({@code Scheduler.cancel} of an execution running here): on a
 * store shared with other nodes, the dispatcher's pass asks the store, at most once a second, which
 * of the executions running here were asked to stop, and stops them. A cancel made on this node
 * stops its own attempt at once, without waiting for this.
 */
final class StopRequests {

    private static final Logger LOG = LoggerFactory.getLogger(StopRequests.class);
    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final EngineContext ctx;
    private final AttemptRunner runner;
    private long lastNanos;
    private boolean polledOnce;

    StopRequests(EngineContext ctx, AttemptRunner runner) {
        this.ctx = ctx;
        this.runner = runner;
    }

    void poll() {
        if (!ctx.store().sharedWithOtherNodes()) {
            return;
        }
        long now = ctx.ticker().nanos();
        if (polledOnce && now - lastNanos < INTERVAL_NANOS) {
            return;
        }
        polledOnce = true;
        lastNanos = now;
        Set<String> running = new HashSet<>();
        for (Attempt attempt : ctx.tracker().attemptsInFlight()) {
            if (!attempt.isStopRequested() && !attempt.isDecided()) {
                running.add(attempt.run().executionId());
            }
        }
        if (running.isEmpty()) {
            return;
        }
        try {
            Set<String> stops = ctx.store().stopsRequested(running);
            if (!stops.isEmpty()) {
                runner.requestStops(stops);
            }
        } catch (RuntimeException e) {
            LOG.debug("could not read stop requests; asking again in a second", e);
        }
    }
}
