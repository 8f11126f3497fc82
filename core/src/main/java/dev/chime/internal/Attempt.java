package dev.chime.internal;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One attempt of a firing, from submission to outcome. Its outcome is decided exactly once: by the
 * job returning or throwing, or by its deadline passing, whichever comes first.
 */
final class Attempt {

    private final ActiveFiring firing;
    private final int number;
    private final Signal signal = new Signal();
    private final AtomicBoolean decided = new AtomicBoolean();
    /** Who must let go before the attempt stops counting as in flight: its thread, and a pending store write. */
    private final java.util.concurrent.atomic.AtomicInteger holders = new java.util.concurrent.atomic.AtomicInteger(1);
    private volatile Instant startedAt;
    private volatile Instant deadline;
    private volatile Thread thread;
    private volatile boolean inJobCode;
    private volatile boolean timedOut;

    Attempt(ActiveFiring firing, int number) {
        this.firing = firing;
        this.number = number;
    }

    ActiveFiring firing() {
        return firing;
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

    Instant deadline() {
        return deadline;
    }

    Thread thread() {
        return thread;
    }

    void started(Thread thread, Instant at, Instant deadline) {
        this.startedAt = at;
        this.deadline = deadline;
        this.thread = thread;
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

    /** Marks the attempt as given up on at its deadline; its thread may still be unwinding. */
    void timedOut() {
        this.timedOut = true;
        cancel();
    }

    boolean isTimedOut() {
        return timedOut;
    }

    /** Cancels and interrupts the attempt's thread, if it is running. */
    void cancel() {
        signal.cancel();
        Thread t = thread;
        if (t != null && inJobCode) {
            t.interrupt();
        }
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
