package dev.chime.internal;

import dev.chime.Retention;
import java.time.Instant;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the {@link Retention} to the history: about once a minute (on the engine's ticker), on the
 * dispatcher's pass, it has the store delete ended executions in bounded batches, at most
 * {@value #MAX_BATCHES_PER_PASS} batches of {@value #BATCH} per pass, so that cleaning never holds a
 * pass (or a database lock) for long; what is left waits for the next minute. In a cluster the
 * store lets one node at a time clean. A failure is logged and tried again a minute later.
 */
final class HistoryCleaner {

    private static final Logger LOG = LoggerFactory.getLogger(HistoryCleaner.class);
    static final int BATCH = 500;
    static final int MAX_BATCHES_PER_PASS = 20;
    private final EngineContext ctx;
    private final Retention retention;
    private final Interval everyMinute;

    HistoryCleaner(EngineContext ctx, Retention retention) {
        this.ctx = ctx;
        this.retention = retention;
        this.everyMinute = new Interval(ctx.ticker(), Duration.ofMinutes(1));
    }

    /** Cleans when a minute has passed since the last time; only the dispatcher's thread calls this. */
    void cleanIfDue(Instant now) {
        if (!everyMinute.due()) {
            return;
        }
        Instant endedBefore = now.minus(retention.maxAge());
        int total = 0;
        try {
            for (int batch = 0; batch < MAX_BATCHES_PER_PASS; batch++) {
                int deleted = ctx.store().purgeExecutions(endedBefore, retention.maxPerJob(), BATCH);
                total += deleted;
                if (deleted < BATCH) {
                    break;
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("cleaning the execution history failed after {} deleted; tried again in a minute: {}", total,
                    e.getMessage());
            return;
        }
        if (total > 0) {
            LOG.debug("cleaned {} ended execution(s) from the history (retention {})", total, retention);
        }
    }
}
