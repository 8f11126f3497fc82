package dev.chime.console.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chime.Scheduler;
import dev.chime.spi.StoreUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /health} is public, so anyone can call it as often as they like: it must not be a way to
 * take the store's connections (a JDBC pool the scheduler's heartbeat needs). At most one health
 * call is inside the store at a time, outside the API's {@code storeCalls}; an answer younger than
 * {@link #FRESH} is reused; a caller that finds a check in flight takes the last answer, or, when
 * there has been none yet, waits up to {@code wait} for the one in flight (never for the store).
 * Thread-safe.
 */
final class HealthCheck {

    private static final Logger LOG = LoggerFactory.getLogger(HealthCheck.class);

    static final Duration FRESH = Duration.ofSeconds(1);

    /** A finished answer: its status, its JSON body and when it was taken. */
    record Answer(int status, byte[] body, Instant at) {
    }

    private final Scheduler scheduler;
    private final Clock clock;
    private final ObjectMapper mapper;
    private final Duration wait;
    private final AtomicReference<CompletableFuture<Answer>> inFlight = new AtomicReference<>();
    private volatile Answer last;

    HealthCheck(Scheduler scheduler, Clock clock, ObjectMapper mapper, Duration wait) {
        this.scheduler = scheduler;
        this.clock = clock;
        this.mapper = mapper;
        this.wait = wait;
    }

    Answer answer() {
        Answer known = last;
        if (known != null && Duration.between(known.at(), clock.instant()).compareTo(FRESH) < 0) {
            return known;
        }
        CompletableFuture<Answer> mine = new CompletableFuture<>();
        CompletableFuture<Answer> running = inFlight.compareAndExchange(null, mine);
        if (running != null) {
            return known != null ? known : await(running);
        }
        try {
            Answer fresh = check();
            last = fresh;
            mine.complete(fresh);
            return fresh;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.set(null);
        }
    }

    private Answer await(CompletableFuture<Answer> running) {
        try {
            return running.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // The store has not answered the first check in time: as good as unreachable, for now.
            return status(503, "DOWN");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return status(503, "DOWN");
        } catch (ExecutionException e) {
            return status(503, "DOWN");
        }
    }

    private Answer check() {
        try {
            scheduler.stats();
            // Public, so it says only whether the console can work: no counts, no node names, no errors.
            return scheduler.state() == Scheduler.State.SHUT_DOWN ? status(503, "DOWN") : status(200, "UP");
        } catch (RuntimeException e) {
            if (causedBy(e, StoreUnavailableException.class)) {
                LOG.warn("console: health could not reach the job store: {}", e.getMessage());
                return status(503, "DOWN");
            }
            // A bug is not an outage: a 503 would send operators to the database instead of the log.
            String ref = UUID.randomUUID().toString().substring(0, 8);
            LOG.error("console: GET /health failed (ref {})", ref, e);
            return new Answer(500, json("error", "internal error (ref " + ref + " in the server log)"), clock.instant());
        }
    }

    private Answer status(int status, String text) {
        return new Answer(status, json("status", text), clock.instant());
    }

    private byte[] json(String field, String value) {
        try {
            return mapper.writeValueAsBytes(mapper.createObjectNode().put(field, value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
