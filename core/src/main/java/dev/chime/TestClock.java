package dev.chime;

import dev.chime.internal.ClockDriven;
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
public final class TestClock extends Clock {

    private static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");
    private static final int MAX_STEPS_AT_ONE_INSTANT = 100_000;

    private final AtomicReference<Instant> now;
    private final List<ClockDriven> driven;
    private final ZoneId zone;

    private TestClock(AtomicReference<Instant> now, List<ClockDriven> driven, ZoneId zone) {
        this.now = now;
        this.driven = driven;
        this.zone = zone;
    }

    /** A clock at 2026-01-01T00:00:00Z in UTC. */
    public static TestClock create() {
        return at(DEFAULT_START);
    }

    public static TestClock at(Instant start) {
        return new TestClock(new AtomicReference<>(Objects.requireNonNull(start, "start")), new CopyOnWriteArrayList<>(),
                ZoneOffset.UTC);
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
        return new TestClock(now, driven, zone);
    }

    /** Moves time forward by {@code duration}, firing everything that falls due on the way. */
    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("a TestClock cannot go back: " + duration);
        }
        advanceTo(instant().plus(duration));
    }

    /** Moves time forward to {@code target}, firing everything that falls due on the way. */
    public synchronized void advanceTo(Instant target) {
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
            d.awaitSettled();
        }
    }

    void drive(ClockDriven scheduler) {
        driven.add(scheduler);
    }

    @Override
    public String toString() {
        return "TestClock[" + instant() + "]";
    }
}
