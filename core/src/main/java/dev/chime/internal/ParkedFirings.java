package dev.chime.internal;

import dev.chime.spi.Firing;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Firings claimed ahead of their fire time, each handed at once to a worker thread that parks until
 * the fire time (on the engine's {@link Ticker}) and then fires it itself: one thread wakes per
 * firing, as in the JDK's {@code ScheduledThreadPoolExecutor}, instead of the dispatcher waking at the
 * fire time and then waking a worker.
 *
 * <p>A parked firing still holds its store claim; everything the dispatcher would decide (misfire
 * rules, instance slots, the store's run record) is decided when it falls due, so a change to the
 * job made meanwhile, on any node, makes the claim's release fail and the firing does not run.
 * Pause and shutdown put parked claims back unchanged (at their fire time) and run nothing.
 *
 * <p>On a real clock a parked worker wakes itself ({@link LockSupport#parkNanos}); a scheduler
 * driven by a {@code TestClock} wakes its parked workers from the pass at the fire time
 * ({@link #releaseDue}), and a worker waiting for a later instant counts as settled.
 *
 * <p>Thread-safe.
 */
final class ParkedFirings {

    private static final Logger LOG = LoggerFactory.getLogger(ParkedFirings.class);

    /** What becomes of a parked firing when it leaves the gate. */
    enum Exit { DUE, PUT_BACK }

    private final EngineContext ctx;
    private final boolean driveByClock;
    private final Duration window;
    private final BiConsumer<Firing, Runnable> fireAtDue;
    private final Consumer<Firing> putBack;
    private final Set<Entry> entries = ConcurrentHashMap.newKeySet();
    /** False while paused or after shutdown: parked firings are put back, and no new ones stay. */
    private volatile boolean holding = true;
    private volatile boolean closed;

    /**
     * @param window    the claim-ahead window: how early a firing may be parked
     * @param fireAtDue fires a claimed firing on the calling worker thread, as the dispatcher would;
     *                  the runnable is to be called once its attempt is tracked, so that the
     *                  in-flight count never dips between the parked firing and its attempt
     * @param putBack   gives a claim back to the schedule unchanged
     */
    ParkedFirings(EngineContext ctx, Duration window, boolean driveByClock, BiConsumer<Firing, Runnable> fireAtDue,
                  Consumer<Firing> putBack) {
        this.ctx = ctx;
        this.window = window;
        this.driveByClock = driveByClock;
        this.fireAtDue = fireAtDue;
        this.putBack = putBack;
    }

    /** One claimed firing waiting for its fire time. */
    private final class Entry implements Runnable {
        final Firing claim;
        final long dueNanos;
        final Instant fireTime;
        volatile Thread thread;
        /** Whoever sets it deals with the claim: the worker (due, or put back), or pause and shutdown. */
        final AtomicBoolean taken = new AtomicBoolean();
        /** Set once the entry is let go (due, paused, shut down); the worker stops waiting. */
        volatile boolean released;
        private final AtomicBoolean counted = new AtomicBoolean(true);

        Entry(Firing claim, long dueNanos) {
            this.claim = claim;
            this.dueNanos = dueNanos;
            this.fireTime = claim.fireTime();
        }

        @Override
        public void run() {
            boolean mine = false;
            try {
                Exit exit = await();
                if (!taken.compareAndSet(false, true)) {
                    return; // pause or shutdown took it and put it back
                }
                mine = true;
                entries.remove(this);
                if (exit == Exit.DUE) {
                    fireAtDue.accept(claim, this::unhold);
                } else {
                    putBack.accept(claim);
                }
            } catch (Throwable e) {
                LOG.error("job '{}': its firing of {}, claimed ahead, could not be carried out", claim.jobId(), fireTime, e);
            } finally {
                if (mine) {
                    unhold();
                }
                // A pool thread must not carry a stray interrupt into the next job it runs.
                Thread.interrupted();
            }
        }

        private Exit await() {
            thread = Thread.currentThread();
            try {
                while (true) {
                    if (!holding || taken.get()) {
                        return Exit.PUT_BACK;
                    }
                    long left = dueNanos - ctx.ticker().nanos();
                    if (left <= 0) {
                        // Due on the ticker. The clock may lag the ticker by a hair (they drift
                        // apart between NTP slews): wait that out, so no body starts before its
                        // fire time by the engine's clock. A clock behind by more than the window
                        // is not this firing's business: the store judged it due (store-jdbc by
                        // the database's clock), and parking longer would hold a worker and a claim.
                        long early = Duration.between(ctx.clock().instant(), fireTime).toNanos();
                        if (early <= 0 || early > window.toNanos()) {
                            return Exit.DUE;
                        }
                        left = early;
                    }
                    if (driveByClock) {
                        LockSupport.park(this);
                    } else {
                        LockSupport.parkNanos(this, left);
                    }
                }
            } finally {
                thread = null;
            }
        }

        /** The firing no longer counts as in flight (idempotent): it started as an attempt, or ended. */
        void unhold() {
            if (counted.compareAndSet(true, false)) {
                ctx.tracker().unhold();
            }
        }

        void release() {
            released = true;
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }

        /** Puts the claim back on the calling thread, unless the worker already took the entry. */
        void takeAndPutBack() {
            if (!taken.compareAndSet(false, true)) {
                return;
            }
            entries.remove(this);
            release();
            try {
                putBack.accept(claim);
            } catch (Throwable e) {
                LOG.error("job '{}': could not put back its firing of {} claimed ahead", claim.jobId(), fireTime, e);
            } finally {
                unhold();
            }
        }
    }

    /**
     * Hands a firing claimed ahead to a worker, which parks until its fire time. It counts as in
     * flight from now on (so the node does not claim more than its workers can hold), until its
     * attempt is submitted or the claim is put back.
     */
    void park(Firing claim) {
        // Never longer than the window: the store handed out only firings due within it by its own
        // clock, which for store-jdbc is the database's, and a node whose clock lags must not hold them.
        long untilDue = Duration.between(ctx.clock().instant(), claim.fireTime()).toNanos();
        long dueNanos = ctx.ticker().nanos() + Math.max(0, Math.min(untilDue, window.toNanos()));
        Entry entry = new Entry(claim, dueNanos);
        ctx.tracker().hold();
        entries.add(entry);
        try {
            ctx.executor().execute(entry);
        } catch (RejectedExecutionException e) {
            LOG.warn("job '{}': the executor refused its firing of {} claimed ahead (shut down?); it is put back",
                    claim.jobId(), claim.fireTime());
            entry.takeAndPutBack();
            return;
        } catch (Throwable e) {
            LOG.error("job '{}': the executor failed to take its firing of {} claimed ahead; it is put back",
                    claim.jobId(), claim.fireTime(), e);
            entry.takeAndPutBack();
            return;
        }
        if (!holding) {
            // Paused or shut down while the claim was being made: put it back at once.
            entry.takeAndPutBack();
        }
    }

    /** Wakes the parked firings whose fire time has come (the test clock's passes). */
    void releaseDue() {
        if (entries.isEmpty()) {
            return;
        }
        long now = ctx.ticker().nanos();
        for (Entry e : entries) {
            if (e.dueNanos <= now) {
                e.release();
            }
        }
    }

    /**
     * Pause: parked firings are put back at their fire time, on the calling thread, before this
     * returns (those already due go on); new ones are put back as they come.
     */
    void pause() {
        holding = false;
        putBackAll();
    }

    void resume() {
        if (!closed) {
            holding = true;
        }
    }

    /** Shutdown: every parked firing not yet due is put back unchanged before this returns, and none runs. */
    void close() {
        closed = true;
        holding = false;
        putBackAll();
    }

    private void putBackAll() {
        for (Entry e : entries) {
            e.takeAndPutBack();
        }
    }

    /** The earliest fire time a parked firing waits for. */
    Optional<Instant> nextDue() {
        Instant earliest = null;
        for (Entry e : entries) {
            if (!e.released && (earliest == null || e.fireTime.isBefore(earliest))) {
                earliest = e.fireTime;
            }
        }
        return Optional.ofNullable(earliest);
    }

    /**
     * True when every parked firing is waiting, blocked, for an instant still to come: nothing
     * will change until the clock moves (the test clock's notion of settled).
     */
    boolean allWaiting() {
        if (entries.size() != ctx.tracker().parkedCount()) {
            return false; // one has left the gate and is on its way to becoming an attempt
        }
        long now = ctx.ticker().nanos();
        for (Entry e : entries) {
            Thread t = e.thread;
            if (t == null || e.released || e.dueNanos <= now) {
                return false;
            }
            Thread.State state = t.getState();
            if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
                return false;
            }
        }
        return true;
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }
}
