package dev.chime.internal;

import dev.chime.spi.Firing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
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
 * <p>Firings parked for the same instant are fired together: the first of their workers to wake
 * takes the others and has the store dispatch them all in one call (for store-jdbc, one
 * transaction instead of one each, which is most of a parked firing's lateness on a database);
 * each attempt then runs on its own firing's worker, handed over to it: never back through the
 * executor, whose queue may be bounded and whose free threads are not these.
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
    private final FireTogether fireTogether;
    private final Consumer<Firing> putBack;
    private final Set<Entry> entries = ConcurrentHashMap.newKeySet();
    /** False while paused or after shutdown: parked firings are put back, and no new ones stay. */
    private volatile boolean holding = true;
    private volatile boolean closed;

    /** Fires the claimed firings due at one instant (one or more), as the dispatcher would a batch. */
    @FunctionalInterface
    interface FireTogether {
        /**
         * @param claims  the firings; the first is the calling worker's own
         * @param workers per firing, the worker parked for it, on which its attempt is to run
         */
        void fire(List<Firing> claims, List<Worker> workers);
    }

    /** The worker thread parked for one firing. */
    interface Worker {
        /**
         * Runs {@code attempt} on this worker once the firing of its instant is over (the calling
         * worker's own once {@link FireTogether#fire} returns). The attempt must call
         * {@link #tracked} once it counts as in flight, so that the in-flight count never dips
         * between the parked firing and its attempt. A worker given nothing is let go when
         * {@code fire} returns.
         */
        void runOnIt(Runnable attempt);

        /** The firing's attempt is tracked (or it is over): it no longer counts as parked. */
        void tracked();

        /** Whether an attempt was handed to this worker ({@link #runOnIt}). */
        boolean hasAttempt();
    }

    /**
     * @param window    the claim-ahead window: how early a firing may be parked
     * @param fireTogether fires the firings parked for one instant together, on the first of their
     *                  workers to wake
     * @param putBack   gives a claim back to the schedule unchanged
     */
    ParkedFirings(EngineContext ctx, Duration window, boolean driveByClock, FireTogether fireTogether,
                  Consumer<Firing> putBack) {
        this.ctx = ctx;
        this.window = window;
        this.driveByClock = driveByClock;
        this.fireTogether = fireTogether;
        this.putBack = putBack;
    }

    /** One claimed firing waiting for its fire time. */
    private static final int FREE = 0;
    private static final int TAKEN = 1;
    private static final int JOINED = 2;

    private final class Entry implements Runnable, Worker {
        /** What a joined entry's worker is handed when its firing runs nothing. */
        private static final Runnable NOTHING = () -> { };
        final Firing claim;
        final long dueNanos;
        final Instant fireTime;
        volatile Thread thread;
        /**
         * Whoever moves it from {@link #FREE} deals with the claim: the worker itself or pause and
         * shutdown ({@link #TAKEN}), or the worker firing its instant ({@link #JOINED}: this worker
         * then waits to be handed its attempt). One state, so a worker that finds its entry taken
         * always knows by whom.
         */
        final AtomicInteger taken = new AtomicInteger(FREE);
        /** The attempt to run on this worker, or {@link #NOTHING}; null until handed over. */
        private volatile Runnable handedOver;
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
                if (!taken.compareAndSet(FREE, TAKEN)) {
                    if (taken.get() == JOINED) {
                        // A worker firing this instant took it; its attempt (if any) is handed here.
                        mine = true;
                        awaitHandedOver().run();
                    }
                    return; // otherwise pause or shutdown took it and put it back
                }
                mine = true;
                entries.remove(this);
                if (exit != Exit.DUE) {
                    putBack.accept(claim);
                    return;
                }
                fireInstant();
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

        /** This worker woke first for its instant: fires the instant's firings, then runs its own attempt. */
        private void fireInstant() {
            List<Entry> joinedEntries = joinSameInstant(this);
            List<Firing> claims = new ArrayList<>(joinedEntries.size() + 1);
            List<Worker> workers = new ArrayList<>(joinedEntries.size() + 1);
            claims.add(claim);
            workers.add(this);
            for (Entry e : joinedEntries) {
                claims.add(e.claim);
                workers.add(e);
            }
            try {
                fireTogether.fire(claims, workers);
            } catch (Throwable e) {
                // An attempt already handed over (its run recorded) still runs, here or on its worker.
                LOG.error("job '{}': firing the instant {} failed", claim.jobId(), fireTime, e);
            } finally {
                // Every joined worker is let go, with its attempt or with nothing, before this
                // worker's own body runs.
                for (Entry e : joinedEntries) {
                    e.handOver(NOTHING);
                }
            }
            Runnable own = handedOver;
            if (own != null) {
                own.run();
            }
        }

        @Override
        public void runOnIt(Runnable attempt) {
            handOver(attempt);
        }

        @Override
        public void tracked() {
            unhold();
        }

        @Override
        public boolean hasAttempt() {
            Runnable attempt = handedOver;
            return attempt != null && attempt != NOTHING;
        }

        private void handOver(Runnable attempt) {
            if (handedOver != null) {
                return;
            }
            handedOver = attempt;
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }

        /** A joined worker waits (briefly: a store dispatch) for the worker firing its instant. */
        private Runnable awaitHandedOver() {
            thread = Thread.currentThread();
            boolean interrupted = false;
            try {
                Runnable attempt;
                while ((attempt = handedOver) == null) {
                    LockSupport.park(this);
                    // An interrupt (shutdownNow) must not make this a spin; it is kept for the attempt.
                    interrupted |= Thread.interrupted();
                }
                return attempt;
            } finally {
                thread = null;
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private Exit await() {
            thread = Thread.currentThread();
            try {
                while (true) {
                    if (!holding || taken.get() != FREE) {
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
                    // A stray interrupt (a timeout's that came late to this pool thread, or the
                    // user's shutdownNow of their executor) would make every park return at once:
                    // a spin, and with a test clock a worker that never settles. It is dropped;
                    // the scheduler's own shutdown and pause let a parked worker go.
                    Thread.interrupted();
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
            if (!taken.compareAndSet(FREE, TAKEN)) {
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

    /**
     * Takes the other parked firings of {@code leader}'s instant that nobody took yet, for the leader
     * to fire with its own; their workers are released and wait to be handed their attempts.
     *
     * <p>Only firings whose worker is already running are taken: a joined firing's attempt can run
     * nowhere but on its own worker, and one the executor has not started may never start (refused
     * while {@link #park} was still handing it over, or queued behind other work and then drained by
     * a shutdown); its run would stay recorded and unrun. A worker that has set {@code thread} has
     * started and will see {@link #JOINED}; one not started yet fires its firing itself.
     */
    private List<Entry> joinSameInstant(Entry leader) {
        if (!holding) {
            return List.of();
        }
        List<Entry> joined = new ArrayList<>();
        for (Entry e : entries) {
            if (e != leader && e.fireTime.equals(leader.fireTime) && e.thread != null
                    && e.taken.compareAndSet(FREE, JOINED)) {
                entries.remove(e);
                e.release();
                joined.add(e);
            }
        }
        return joined;
    }

    /**
     * Wakes the parked firings whose fire time has come (the test clock's passes): one per instant,
     * which fires the others of its instant with its own.
     */
    void releaseDue() {
        if (entries.isEmpty()) {
            return;
        }
        long now = ctx.ticker().nanos();
        Set<Instant> released = new HashSet<>();
        for (Entry e : entries) {
            if (e.dueNanos <= now && released.add(e.fireTime)) {
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
