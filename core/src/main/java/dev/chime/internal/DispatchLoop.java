package dev.chime.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher thread of a scheduler on a real clock: runs a pass, then sleeps until the next
 * wake-up (or the poll interval, to see changes other nodes made), unless woken earlier. A pass that
 * fails with anything at all (the database went away, a {@code NoClassDefFoundError} from a plugin, a
 * {@code StackOverflowError}) is logged and retried with backoff up to 30 seconds: the thread never
 * dies while the scheduler says it is running.
 */
final class DispatchLoop {

    private static final Logger LOG = LoggerFactory.getLogger(DispatchLoop.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final Clock clock;
    private final java.util.function.BooleanSupplier pass;
    private final Supplier<Optional<Instant>> nextWakeUp;
    private final Duration pollInterval;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition woken = lock.newCondition();
    private boolean wakeRequested;
    private volatile boolean running;
    private Thread thread;

    /**
     * @param pass one pass; returns true when it stopped at the in-flight limit, and the loop then
     *             sleeps until woken (a finishing attempt wakes it) or the poll interval passes
     */
    DispatchLoop(Clock clock, java.util.function.BooleanSupplier pass, Supplier<Optional<Instant>> nextWakeUp,
                 Duration pollInterval) {
        this.clock = clock;
        this.pass = pass;
        this.nextWakeUp = nextWakeUp;
        this.pollInterval = pollInterval;
    }

    synchronized void start(String name) {
        if (thread != null) {
            return;
        }
        running = true;
        thread = new Thread(this::loop, name);
        thread.start();
    }

    void wake() {
        lock.lock();
        try {
            wakeRequested = true;
            woken.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the loop and waits up to {@code maxWait} for a pass in progress to end (a pass stuck in
     * a store call is left to finish on its own).
     */
    synchronized void stop(Duration maxWait) throws InterruptedException {
        running = false;
        wake();
        if (thread != null && thread != Thread.currentThread()) {
            long millis = maxWait.toMillis();
            if (millis > 0) {
                thread.join(millis);
            }
        }
    }

    private void loop() {
        Duration backoff = Duration.ZERO;
        long lastFailure = 0;
        while (running) {
            Duration sleep;
            try {
                boolean atLimit = pass.getAsBoolean();
                backoff = Duration.ZERO;
                sleep = atLimit ? pollInterval : untilNextWakeUp();
            } catch (Throwable e) {
                long now = System.nanoTime();
                if (backoff.isZero()) {
                    backoff = Duration.ofMillis(100);
                } else if (now - lastFailure >= backoff.toNanos()) {
                    backoff = min(backoff.multipliedBy(2), MAX_BACKOFF);
                }
                // Else the backoff was cut short by a wake-up (a completion, an add, a retry): it
                // grows with the time the store kept failing, not with the wake-ups, or a few quick
                // failures would put the dispatcher (and every retry and timeout) to sleep for seconds.
                lastFailure = now;
                LOG.error("dispatch pass failed; retrying in {}", backoff, e);
                sleep = backoff;
            }
            if (!sleepUnlessWoken(sleep)) {
                return;
            }
        }
    }

    private Duration untilNextWakeUp() {
        Optional<Instant> wake = nextWakeUp.get();
        if (wake.isEmpty()) {
            return pollInterval;
        }
        return min(Duration.between(clock.instant(), wake.get()), pollInterval);
    }

    private boolean sleepUnlessWoken(Duration sleep) {
        lock.lock();
        try {
            long nanos = sleep.toNanos();
            while (!wakeRequested && nanos > 0 && running) {
                nanos = woken.awaitNanos(nanos);
            }
            wakeRequested = false;
            return running;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
