package dev.chime.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One attempt of a firing, from submission to outcome. Its outcome is decided exactly once: by the
 * job returning or throwing, or by its deadline passing, whichever comes first. Deciding is not
 * ending: a timed-out attempt keeps its instance slot, its store run and its retry until its
 * thread has really returned ({@link #afterReturn}), so a job that ignores interrupts never runs
 * beside its own retry or the next firing.
 *
 * <p>Times are on the engine's {@link Ticker} (nanoseconds); {@code startedAt} is the wall-clock
 * instant for events and the job's context.
 */
final class Attempt {

    /** Replaced only before the body starts, when the store hands the run a fresh ticket ({@link #renewed}). */
    private volatile ActiveFiring firing;
    private final int number;
    private final Signal signal = new Signal();
    private final AtomicBoolean decided = new AtomicBoolean();
    private final AtomicBoolean overrunReported = new AtomicBoolean();
    private final AtomicBoolean handedOn = new AtomicBoolean();
    /** Who must let go before the attempt stops counting as in flight: its thread, and a pending store write. */
    private final AtomicInteger holders = new AtomicInteger(1);
    private volatile Instant startedAt;
    private volatile long startNanos;
    private volatile Duration timeout;
    private volatile long decidedNanos;
    private volatile Thread thread;
    private volatile boolean inJobCode;
    private volatile boolean timedOut;
    /** Set by {@code Scheduler.cancel}: no retry follows, and an end that is not a success is recorded cancelled. */
    private volatile boolean cancelRequested;
    /** Guarded by this: whether the thread is out of job code for good, and what waits for that. */
    private boolean returned;
    private Runnable onReturn;

    Attempt(ActiveFiring firing, int number) {
        this.firing = firing;
        this.number = number;
    }

    ActiveFiring firing() {
        return firing;
    }

    /** The run's ticket as the store renewed it just before the body starts; retries carry it on. */
    void renewed(dev.chime.spi.RunTicket ticket) {
        firing = firing.withTicket(ticket);
    }

    int number() {
        return number;
    }

    Signal signal() {
        return signal;
    }

    Instant startedAt() {
        return startedAt;
    }

    long startNanos() {
        return startNanos;
    }

    /** The attempt's timeout, or null when it has none or has not started. */
    Duration timeout() {
        return timeout;
    }

    Thread thread() {
        return thread;
    }

    void started(Thread thread, Instant at, long atNanos, Duration timeout) {
        this.startedAt = at;
        this.startNanos = atNanos;
        this.timeout = timeout;
        this.thread = thread;
    }

    /** The ticker reading at which the timeout passes; only meaningful when {@link #timeout()} is set. */
    long deadlineNanos() {
        return startNanos + timeout.toNanos();
    }

    /**
     * When a timed-out attempt still running counts as overrunning: at twice its timeout (so it has
     * had as long again to notice the interrupt).
     */
    long overrunNanos() {
        return startNanos + 2 * timeout.toNanos();
    }

    void inJobCode(boolean inside) {
        this.inJobCode = inside;
    }

    boolean isInJobCode() {
        return inJobCode;
    }

    /** True for the one caller that gets to report this attempt's outcome. */
    boolean decide() {
        return decided.compareAndSet(false, true);
    }

    boolean isDecided() {
        return decided.get();
    }

    /** Marks the attempt as given up on at its deadline, and interrupts it; its thread may still be unwinding. */
    void timedOut(long atNanos) {
        this.decidedNanos = atNanos;
        this.timedOut = true;
        cancel();
    }

    boolean isTimedOut() {
        return timedOut;
    }

    /** The ticker reading at which the attempt timed out. */
    long decidedNanos() {
        return decidedNanos;
    }

    /** True once, for the caller that reports this attempt as still running well past its timeout. */
    boolean markOverrunReported() {
        return overrunReported.compareAndSet(false, true);
    }

    boolean isOverrunReported() {
        return overrunReported.get();
    }

    /**
     * True once, for the caller that passes this attempt's firing on: to a retry, to its next
     * queued fire time, or to its end. Keeps a failure path from ending a firing twice.
     */
    boolean handOn() {
        return handedOn.compareAndSet(false, true);
    }

    /**
     * A user's cancel ({@code Scheduler.cancel}, or a cancel request read from the store): marks
     * the attempt so that no retry follows, then cancels it.
     */
    void requestCancel() {
        cancelRequested = true;
        cancel();
    }

    boolean isCancelRequested() {
        return cancelRequested;
    }

    /** Cancels and interrupts the attempt's thread, if it is running. */
    void cancel() {
        signal.cancel();
        Thread t = thread;
        if (t != null && inJobCode) {
            t.interrupt();
        }
    }

    /**
     * Runs {@code action} once the attempt's thread has left job code for good: at once (on the
     * caller's thread) if it already has, else on that thread when it does.
     */
    void afterReturn(Runnable action) {
        synchronized (this) {
            if (!returned) {
                onReturn = action;
                return;
            }
        }
        action.run();
    }

    /** The thread left job code for good; runs what waited for that (on this thread). */
    void returned() {
        Runnable action;
        synchronized (this) {
            returned = true;
            action = onReturn;
            onReturn = null;
        }
        if (action != null) {
            action.run();
        }
    }

    /** True while the attempt's thread is still in (or before) job code. */
    synchronized boolean isRunning() {
        return !returned;
    }

    /** The store's write of this attempt's outcome is pending: the attempt stays in flight until it is done. */
    void holdForStoreWrite() {
        holders.incrementAndGet();
    }

    /** One holder lets go; true for the last, who then reports the attempt finished. */
    boolean letGo() {
        return holders.decrementAndGet() == 0;
    }
}
