package dev.chime.internal;

import java.util.HashSet;
import java.util.Set;
import java.time.Duration;
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
    private final EngineContext ctx;
    private final AttemptRunner runner;
    private final Interval everySecond;

    StopRequests(EngineContext ctx, AttemptRunner runner) {
        this.ctx = ctx;
        this.runner = runner;
        this.everySecond = new Interval(ctx.ticker(), Duration.ofSeconds(1));
    }

    void poll() {
        if (!ctx.store().sharedWithOtherNodes()) {
            return;
        }
        if (!everySecond.due()) {
            return;
        }
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
