package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chime.spi.Firing;
import dev.chime.spi.NaiveJobStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher thread on a real clock under faults: it survives any Throwable, looks at timeouts
 * while a long claim loop is busy, measures durations on a monotonic clock, and its shutdown is
 * bounded by the grace period. Waits are conditions with deadlines, never sleeps.
 */
class DispatcherResilienceTest {

    private final EventRecorder events = new EventRecorder();
    private final CountDownLatch release = new CountDownLatch(1);
    private Scheduler scheduler;

    @AfterEach
    void tearDown() {
        release.countDown();
        if (scheduler != null) {
            scheduler.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void aFireTimeWhoseAttemptTheExecutorRefusesIsReportedMissed() {
        RefusingExecutor refusing = new RefusingExecutor(Integer.MAX_VALUE, "shutting down");
        scheduler = Scheduler.builder().store(new NaiveJobStore()).listener(events).executor(refusing)
                .claimAhead(Duration.ZERO).pollInterval(Duration.ofMillis(20)).task("work", ctx -> { }).build();
        Instant due = Instant.now().minusMillis(100).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        scheduler.add(JobDefinition.of("j", "work", Triggers.once(due)));
        scheduler.start();

        // Without the report the fire time would be neither run nor missed: unaccounted for.
        await().atMost(Duration.ofSeconds(10)).until(() -> !events.of(JobEvent.Missed.class).isEmpty());
        assertThat(events.of(JobEvent.Missed.class)).extracting(JobEvent.Missed::scheduledFireTime).containsExactly(due);
        scheduler.shutdown(Duration.ofSeconds(5));
        refusing.shutdownNow();
    }

    @Test
    void aFixedDelayJobWhoseAttemptTheExecutorRefusesMovesOnAndRunsAfterItsDelay() {
        // A bounded pool with an abort policy refuses work when it is full. A fixed-delay firing
        // keeps its claim through its run; a refused attempt that left it claimed would never run
        // again (and a node that stops does not put back a claim it holds).
        RefusingExecutor refusingOnce = new RefusingExecutor(1, "queue full");
        scheduler = Scheduler.builder().store(new NaiveJobStore()).listener(events).executor(refusingOnce)
                .claimAhead(Duration.ZERO).pollInterval(Duration.ofMillis(20)).task("work", ctx -> { }).build();
        try {
            scheduler.add(JobDefinition.of("j", "work", Triggers.fixedDelay(Duration.ofMillis(50))));
            scheduler.start();

            await().atMost(Duration.ofSeconds(10)).until(() -> !events.of(JobEvent.Executed.class).isEmpty());
            assertThat(events.of(JobEvent.Missed.class)).as("the refused fire time is accounted for").hasSize(1);
            Instant missed = events.of(JobEvent.Missed.class).get(0).scheduledFireTime();
            assertThat(events.of(JobEvent.Executed.class)).first().satisfies(e -> assertThat(e.scheduledFireTime())
                    .as("the next fire time is the delay after the refusal").isAfterOrEqualTo(missed.plusMillis(50)));
        } finally {
            scheduler.shutdown(Duration.ofSeconds(5));
            refusingOnce.shutdownNow();
        }
    }

    @Test
    void wakeUpsDuringTheBackoffOfAFailingStoreDoNotStretchIt() {
        // Found by the fault suite: with 10% of connections failing, four claims failed within
        // 150 ms (each retried at once by a wake-up) and the doubled backoff put the dispatcher to
        // sleep for 12.8 s, with two retries due in 200 ms.
        AtomicInteger failures = new AtomicInteger();
        AtomicBoolean failing = new AtomicBoolean(true);
        NaiveJobStore store = new NaiveJobStore() {
            @Override
            public synchronized List<Firing> claimDue(Instant now, int limit) {
                if (failing.get()) {
                    failures.incrementAndGet();
                    throw new IllegalStateException("connection lost before commit (injected)");
                }
                return super.claimDue(now, limit);
            }
        };
        CountDownLatch ran = new CountDownLatch(1);
        scheduler = Scheduler.builder().store(store).pollInterval(Duration.ofSeconds(5)).task("once", ctx -> ran.countDown())
                .build();
        scheduler.add(JobDefinition.of("due", "once", Triggers.once(Instant.now())));
        scheduler.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> failures.get() > 0);
        for (int i = 1; i <= 8; i++) {
            int failed = failures.get();
            // An add wakes the dispatcher, whose pass fails again at once.
            scheduler.add(JobDefinition.of("j" + i, "once", Triggers.once(Instant.now().plusSeconds(3600))));
            await().atMost(Duration.ofSeconds(10)).until(() -> failures.get() > failed);
        }
        failing.set(false); // and nothing wakes the dispatcher any more

        // Doubled at every failure the backoff would now be 12.8 s or more; grown with time it is 0.1 s.
        await().atMost(Duration.ofSeconds(5)).until(() -> ran.getCount() == 0);
    }

    @Test
    void theDispatcherSurvivesAnErrorThrownByTheStore() {
        AtomicInteger failuresLeft = new AtomicInteger(2);
        NaiveJobStore store = new NaiveJobStore() {
            @Override
            public synchronized List<Firing> claimDue(Instant now, int limit) {
                if (failuresLeft.getAndDecrement() > 0) {
                    throw new NoClassDefFoundError("com/example/plugin/Gone");
                }
                return super.claimDue(now, limit);
            }
        };
        CountDownLatch ran = new CountDownLatch(1);
        scheduler = Scheduler.builder().store(store).pollInterval(Duration.ofMillis(20)).task("once", ctx -> ran.countDown()).build();
        scheduler.add(JobDefinition.of("j", "once", Triggers.once(Instant.now())));
        scheduler.start();

        await().atMost(Duration.ofSeconds(10)).until(() -> ran.getCount() == 0);
        assertThat(failuresLeft.get()).isNegative();
        assertThat(scheduler.state()).isEqualTo(Scheduler.State.RUNNING);
    }

    @Test
    void theDispatcherSurvivesAStackOverflowErrorThrownByATrigger() {
        AtomicInteger healthyRuns = new AtomicInteger();
        scheduler = Scheduler.builder().store(new NaiveJobStore()).listener(events)
                .triggerProvider(FaultyTriggerTest.PROVIDER).task("work", ctx -> {
                    if (ctx.jobId().equals("healthy")) {
                        healthyRuns.incrementAndGet();
                    }
                }).build();
        Instant now = Instant.now();
        // Due at once; stored as "test:overflow", whose provider's trigger throws after a fire time.
        scheduler.add(JobDefinition.of("faulty", "work", new ImmediateThenThrowing()));
        scheduler.add(JobDefinition.of("healthy", "work", Triggers.interval(Duration.ofMillis(50), now.plusMillis(50), null, null)));
        scheduler.start();

        await().atMost(Duration.ofSeconds(10)).until(() -> healthyRuns.get() >= 3);
        assertThat(events.of(JobEvent.TriggerFailed.class)).singleElement()
                .satisfies(f -> assertThat(f.error()).hasCauseInstanceOf(StackOverflowError.class));
        assertThat(scheduler.state()).isEqualTo(Scheduler.State.RUNNING);
    }

    /** Due at once, then a StackOverflowError for every later fire time. */
    record ImmediateThenThrowing() implements Trigger {
        @Override
        public java.util.Optional<Instant> nextFireTime(TriggerContext context) {
            if (context.lastFireTime() == null) {
                return java.util.Optional.of(context.now());
            }
            throw new StackOverflowError("plugin recursion");
        }

        @Override
        public String spec() {
            return "test:overflow";
        }
    }

    /** A store whose claim loop stays busy (a new due job in every batch) until told to stop, or for 10 s. */
    static final class BusyStore extends NaiveJobStore {
        volatile long busyUntilNanos;
        volatile boolean stopBeingBusy;
        final AtomicInteger fillers = new AtomicInteger();

        boolean busy() {
            return !stopBeingBusy && System.nanoTime() - busyUntilNanos < 0;
        }

        @Override
        public synchronized List<Firing> claimDue(Instant now, int limit) {
            if (busy()) {
                add(new dev.chime.spi.StoredJob("filler-" + fillers.incrementAndGet(), "noop", "once:" + now, "{}", null,
                        false, now, null, null, 0));
            }
            return super.claimDue(now, limit);
        }
    }

    @Test
    void aTimeoutIsEnforcedWhileALongClaimLoopIsStillBusy() {
        BusyStore store = new BusyStore();
        AtomicBoolean interruptedWhileBusy = new AtomicBoolean();
        AtomicBoolean interrupted = new AtomicBoolean();
        scheduler = Scheduler.builder().store(store).listener(events).task("noop", ctx -> { })
                .task("slow", ctx -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        interruptedWhileBusy.set(store.busy());
                        interrupted.set(true);
                        store.stopBeingBusy = true;
                    }
                }).build();
        scheduler.add(JobDefinition.builder("slow").task("slow").trigger(Triggers.once(Instant.now()))
                .options(JobOptions.builder().timeout(Duration.ofMillis(300)).build()).build());
        // The very first pass claims the slow job and then stays busy: its timeout falls due mid-pass.
        store.busyUntilNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        scheduler.start();

        await().atMost(Duration.ofSeconds(20)).until(interrupted::get);
        assertThat(interruptedWhileBusy).as("interrupted in the middle of the claim loop, not after it").isTrue();
        // The dispatcher interrupts first and reports after: the report may land after the interrupt is seen.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(events.of(JobEvent.Failed.class))
                .singleElement().satisfies(f -> assertThat(f.timedOut()).isTrue()));
    }

    /** The system clock plus an offset the test can step, as NTP steps a node's clock. */
    static final class SteppingClock extends Clock {
        volatile Duration offset = Duration.ZERO;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return Clock.systemUTC().instant().plus(offset);
        }
    }

    @Test
    void aWallClockStepOfAnHourForwardDoesNotTimeOutARunningJob() throws Exception {
        SteppingClock clock = new SteppingClock();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch probed = new CountDownLatch(1);
        AtomicReference<String> interruptedBy = new AtomicReference<>();
        scheduler = Scheduler.builder().clock(clock).store(new NaiveJobStore()).listener(events)
                .pollInterval(Duration.ofMillis(20)).task("probe", ctx -> probed.countDown())
                .task("long", ctx -> {
                    started.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        interruptedBy.set("interrupted");
                        throw e;
                    }
                }).build();
        scheduler.add(JobDefinition.builder("long").task("long").trigger(Triggers.once(clock.instant()))
                .options(JobOptions.builder().timeout(Duration.ofMinutes(1)).build()).build());
        scheduler.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        clock.offset = Duration.ofHours(1);
        // A pass after the step has run once the probe (due at the stepped time) has run.
        scheduler.add(JobDefinition.of("probe", "probe", Triggers.once(clock.instant())));
        assertThat(probed.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(events.of(JobEvent.Failed.class)).isEmpty();
        assertThat(interruptedBy.get()).isNull();
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> events.of(JobEvent.Executed.class).stream()
                .anyMatch(e -> e.jobId().equals("long")));
        assertThat(events.of(JobEvent.Failed.class)).isEmpty();
    }

    @Test
    void shutdownReturnsWithinItsGraceWhileAPassIsStuckInTheStoreAndAJobIgnoresInterrupts() throws Exception {
        CountDownLatch inClaim = new CountDownLatch(1);
        AtomicBoolean stuck = new AtomicBoolean();
        NaiveJobStore store = new NaiveJobStore() {
            @Override
            public List<Firing> claimDue(Instant now, int limit) {
                if (stuck.get()) {
                    inClaim.countDown();
                    // A store call that does not come back (a database that stopped answering).
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.claimDue(now, limit);
            }
        };
        CountDownLatch started = new CountDownLatch(1);
        scheduler = Scheduler.builder().store(store).task("noop", ctx -> { }).task("stubborn", ctx -> {
            started.countDown();
            while (release.getCount() > 0) {
                try {
                    release.await();
                } catch (InterruptedException ignored) {
                    // ignores interrupts
                }
            }
        }).build();
        scheduler.add(JobDefinition.of("stubborn", "stubborn", Triggers.once(Instant.now())));
        scheduler.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        stuck.set(true);
        scheduler.add(JobDefinition.of("wake", "noop", Triggers.once(Instant.now())));
        assertThat(inClaim.await(10, TimeUnit.SECONDS)).isTrue();

        long begin = System.nanoTime();
        scheduler.shutdown(Duration.ofMillis(300));
        Duration took = Duration.ofNanos(System.nanoTime() - begin);

        // The grace, plus the documented second for cancelled jobs to unwind, plus slack for a loaded
        // machine; it took over 15 s when the stuck pass and the stubborn job were waited for.
        assertThat(took).isLessThan(Duration.ofMillis(300).plusSeconds(1).plusMillis(1500));
        assertThat(scheduler.state()).isEqualTo(Scheduler.State.SHUT_DOWN);
    }

    /** A two-thread pool that refuses its first {@code refusals} tasks, as a shut-down or full pool does. */
    private static final class RefusingExecutor extends java.util.concurrent.AbstractExecutorService {
        private final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        private final AtomicInteger refusalsLeft;
        private final String why;

        RefusingExecutor(int refusals, String why) {
            this.refusalsLeft = new AtomicInteger(refusals);
            this.why = why;
        }

        @Override
        public void execute(Runnable command) {
            if (refusalsLeft.getAndDecrement() > 0) {
                throw new java.util.concurrent.RejectedExecutionException(why);
            }
            pool.execute(command);
        }

        @Override
        public void shutdown() {
            pool.shutdown();
        }

        @Override
        public List<Runnable> shutdownNow() {
            return pool.shutdownNow();
        }

        @Override
        public boolean isShutdown() {
            return pool.isShutdown();
        }

        @Override
        public boolean isTerminated() {
            return pool.isTerminated();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            return pool.awaitTermination(timeout, unit);
        }
    }
}
