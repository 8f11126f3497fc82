package dev.chime;

import dev.chime.internal.ClockDriven;
import dev.chime.internal.DrivingClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that only moves when a test moves it, and drives the schedulers built with it: no
 * dispatcher thread, no sleeping. Use it in your own tests:
 *
 * <pre>{@code
 * TestClock clock = TestClock.at(Instant.parse("2026-01-01T00:00:00Z"));
 * Scheduler scheduler = Scheduler.builder().clock(clock).task("tick", ctx -> ticks.incrementAndGet()).build();
 * scheduler.add(JobDefinition.of("t", "tick", Triggers.interval(Duration.ofSeconds(10))));
 * scheduler.start();
 * clock.advance(Duration.ofMinutes(1));   // six runs have happened when this returns
 * }</pre>
 *
 * <p>{@link #advance(Duration)} walks from one due instant to the next: at each it sets the time,
 * lets every scheduler fire what is due (including retries and timeouts), and waits until every run
 * it started has finished or is blocked inside job code (on a latch, a lock, a sleep). So when it
 * returns, every outcome up to the new instant has been recorded and every listener has heard it.
 * A job that blocks with a timeout is interrupted once the clock passes its deadline.
 *
 * <p>Thread-safe; concurrent {@code advance} calls run one after the other.
 */
public final class TestClock extends Clock implements DrivingClock {

    private static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");
    private static final int MAX_STEPS_AT_ONE_INSTANT = 100_000;
    private static final long SETTLE_LIMIT_SECONDS = 30;

    private final AtomicReference<Instant> now;
    /** Held while the clock steps: one step at a time, shared by the views of this clock in other zones. */
    private final java.util.concurrent.locks.ReentrantLock stepping;
    private final List<ClockDriven> driven;
    private final ZoneId zone;

    private TestClock(AtomicReference<Instant> now, List<ClockDriven> driven, ZoneId zone,
                      java.util.concurrent.locks.ReentrantLock stepping) {
        this.now = now;
        this.stepping = stepping;
        this.driven = driven;
        this.zone = zone;
    }

    /** A clock at 2026-01-01T00:00:00Z in UTC. */
    public static TestClock create() {
        return at(DEFAULT_START);
    }

    public static TestClock at(Instant start) {
        return new TestClock(new AtomicReference<>(Objects.requireNonNull(start, "start")), new CopyOnWriteArrayList<>(),
                ZoneOffset.UTC, new java.util.concurrent.locks.ReentrantLock());
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    /** The same clock (same time, same schedulers) seen in another zone. */
    @Override
    public Clock withZone(ZoneId zone) {
        return new TestClock(now, driven, zone, stepping);
    }

    /** Moves time forward by {@code duration}, firing everything that falls due on the way. */
    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("a TestClock cannot go back: " + duration);
        }
        advanceTo(instant().plus(duration));
    }

    /** Moves time forward to {@code target}, firing everything that falls due on the way. */
    public void advanceTo(Instant target) {
        stepping.lock();
        try {
            step(target);
        } finally {
            stepping.unlock();
        }
    }

    /** Part of the hook schedulers are driven through; see {@link DrivingClock#stepForWorkDueNow()}. */
    @Override
    public void stepForWorkDueNow() {
        if (stepping.isHeldByCurrentThread() || !stepping.tryLock()) {
            return; // the step in progress looks for due work again before it ends
        }
        try {
            step(instant());
        } finally {
            stepping.unlock();
        }
    }

    private void step(Instant target) {
        if (target.isBefore(instant())) {
            throw new IllegalArgumentException("a TestClock cannot go back from " + instant() + " to " + target);
        }
        Instant lastStep = null;
        int stepsAtInstant = 0;
        while (true) {
            Optional<Instant> wake = nextWakeUp();
            if (wake.isEmpty() || wake.get().isAfter(target)) {
                break;
            }
            Instant step = wake.get().isAfter(instant()) ? wake.get() : instant();
            stepsAtInstant = step.equals(lastStep) ? stepsAtInstant + 1 : 0;
            if (stepsAtInstant > MAX_STEPS_AT_ONE_INSTANT) {
                throw new IllegalStateException("work keeps falling due at " + step + " without the schedule moving on");
            }
            lastStep = step;
            now.set(step);
            pass();
        }
        now.set(target);
        pass();
        // Work asked for during that last pass (a task a job enqueued, due now) runs before the step ends.
        for (int extra = 0; extra < MAX_STEPS_AT_ONE_INSTANT; extra++) {
            Optional<Instant> wake = nextWakeUp();
            if (wake.isEmpty() || wake.get().isAfter(target)) {
                return;
            }
            pass();
        }
        throw new IllegalStateException("work keeps falling due at " + target + " without the schedule moving on");
    }

    /** Fires what is due at the current instant without moving time. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    private Optional<Instant> nextWakeUp() {
        Instant earliest = null;
        for (ClockDriven d : driven) {
            Optional<Instant> w = d.nextWakeUp();
            if (w.isPresent() && (earliest == null || w.get().isBefore(earliest))) {
                earliest = w.get();
            }
        }
        return Optional.ofNullable(earliest);
    }

    private void pass() {
        for (ClockDriven d : driven) {
            d.runDue();
        }
        for (ClockDriven d : driven) {
            awaitSettled(d);
        }
    }

    /**
     * Waits, in real time, until every attempt the scheduler has in flight has finished or is
     * blocked inside job code (its thread WAITING or TIMED_WAITING: on a latch, a lock, a sleep),
     * and every claim it parked waits for a later instant: then nothing changes until the test or
     * the clock acts. Seen twice in a row, a millisecond apart, so that a thread between two waits
     * is not taken for a blocked one.
     */
    private static void awaitSettled(ClockDriven scheduler) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(SETTLE_LIMIT_SECONDS);
        int blockedChecks = 0;
        while (blockedChecks < 2) {
            ClockDriven.InFlight inFlight = scheduler.inFlight();
            if (inFlight.idle()) {
                return;
            }
            blockedChecks = !inFlight.working() && allBlocked(inFlight.blocking()) ? blockedChecks + 1 : 0;
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("jobs still running after " + SETTLE_LIMIT_SECONDS
                        + "s of real time; a job that never blocks nor ends cannot be driven by TestClock");
            }
            try {
                scheduler.awaitChange(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static boolean allBlocked(List<Thread> threads) {
        for (Thread t : threads) {
            Thread.State state = t.getState();
            if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
                return false;
            }
        }
        return true;
    }

    /** Part of the hook schedulers are driven through; the builder calls it. */
    @Override
    public void drive(ClockDriven scheduler) {
        driven.add(scheduler);
    }

    @Override
    public String toString() {
        return "TestClock[" + instant() + "]";
    }
}
