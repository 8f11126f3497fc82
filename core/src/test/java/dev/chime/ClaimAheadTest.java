package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.spi.Dispatch;
import dev.chime.spi.Firing;
import dev.chime.spi.NaiveJobStore;
import dev.chime.spi.StoredJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Firings claimed ahead of their fire time and parked on a worker until it comes, driven by a
 * {@link TestClock}: no body starts before its fire time, and pause, shutdown and changes to the
 * job while it is parked put it back or let the change win.
 */
class ClaimAheadTest extends SchedulerTestSupport {

    private static final Instant FIRE = T0.plusSeconds(1);
    private final List<Instant> starts = new CopyOnWriteArrayList<>();
    private final List<Instant> fireTimes = new CopyOnWriteArrayList<>();

    private SchedulerBuilder parking(int threads) {
        return builder().threads(threads).claimAhead(Duration.ofMillis(100)).task("record", ctx -> {
            starts.add(ctx.actualStart());
            fireTimes.add(ctx.scheduledFireTime());
        });
    }

    private StoredJob stored(String id) {
        return store.get(id).orElseThrow();
    }

    @Test
    void aFiringIsClaimedWithinTheWindowAndItsBodyStartsAtItsFireTimeNotBefore() {
        start(parking(2)).add(JobDefinition.of("job", "record", Triggers.once(FIRE)));

        clock.advanceTo(FIRE.minusMillis(50));
        assertThat(stored("job").claimedFireTime()).isEqualTo(FIRE);
        assertThat(starts).isEmpty();

        clock.advanceTo(FIRE.minusNanos(1));
        assertThat(starts).isEmpty();

        clock.advanceTo(FIRE);
        assertThat(starts).containsExactly(FIRE);
        assertThat(fireTimes).containsExactly(FIRE);
        assertThat(store.get("job")).isEmpty();
    }

    @Test
    void everyRecurringFiringStartsExactlyAtItsFireTime() {
        start(parking(2)).add(JobDefinition.of("tick", "record", Triggers.interval(Duration.ofMillis(250), FIRE, null, null)));
        clock.advanceTo(FIRE.plusSeconds(1));
        List<Instant> expected = List.of(FIRE, FIRE.plusMillis(250), FIRE.plusMillis(500), FIRE.plusMillis(750),
                FIRE.plusSeconds(1));
        assertThat(starts).containsExactlyElementsOf(expected);
        assertThat(fireTimes).containsExactlyElementsOf(expected);
    }

    @Test
    void aNodeParksOneFiringPerFreeWorkerKeepingOneWorkerFree() {
        start(parking(3));
        for (int i = 0; i < 5; i++) {
            scheduler.add(JobDefinition.of("job-" + i, "record", Triggers.once(FIRE)));
        }
        clock.advanceTo(FIRE.minusMillis(50));
        assertThat(store.list().stream().filter(j -> j.claimedFireTime() != null)).hasSize(2);
        assertThat(store.list().stream().filter(j -> FIRE.equals(j.nextFireTime()))).hasSize(3);

        clock.advanceTo(FIRE);
        assertThat(starts).hasSize(5).containsOnly(FIRE);
    }

    @Test
    void firingsParkedForTheSameInstantAreDispatchedTogetherInOneStoreCall() {
        // On a database each dispatch is a transaction: one per parked firing would queue a node's
        // firings of one instant behind each other's commits.
        List<Integer> batches = new CopyOnWriteArrayList<>();
        NaiveJobStore counting = new NaiveJobStore() {
            @Override
            public List<Dispatch.Result> dispatch(List<Dispatch> dispatches) {
                batches.add(dispatches.size());
                return super.dispatch(dispatches);
            }
        };
        Scheduler together = Scheduler.builder().clock(clock).store(counting).listener(events).threads(5)
                .claimAhead(Duration.ofMillis(100)).task("record", ctx -> {
                    starts.add(ctx.actualStart());
                    fireTimes.add(ctx.scheduledFireTime());
                }).build();
        try {
            for (int i = 0; i < 4; i++) {
                together.add(JobDefinition.of("job-" + i, "record", Triggers.once(FIRE)));
            }
            together.add(JobDefinition.of("later", "record", Triggers.once(FIRE.plusMillis(30))));
            together.start();
            clock.advanceTo(FIRE.minusMillis(50));
            assertThat(counting.list().stream().filter(j -> j.claimedFireTime() != null)).as("all parked").hasSize(4);

            clock.advanceTo(FIRE);
            assertThat(starts).hasSize(4).containsOnly(FIRE);
            assertThat(batches).as("one store call for the instant").containsExactly(4);

            clock.advanceTo(FIRE.plusMillis(30));
            assertThat(fireTimes).hasSize(5).containsOnly(FIRE, FIRE.plusMillis(30));
            assertThat(batches).as("another instant, another call").containsExactly(4, 1);
        } finally {
            together.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void withNoWorkerFreeToParkOnTheDispatcherStillWakesTheWindowAheadOnceThenAtTheDueTime() {
        // Workers busy when the next wake-up is reckoned usually free up before the window opens;
        // a dispatcher that then slept until the due time would claim late. It wakes the window
        // ahead once; still without a free worker inside the window, it waits for the due time.
        Scheduler busy = start(parking(3));
        busy.add(JobDefinition.of("a", "record", Triggers.once(FIRE)));
        busy.add(JobDefinition.of("b", "record", Triggers.once(FIRE)));
        busy.add(JobDefinition.of("c", "record", Triggers.once(FIRE.plusMillis(50))));
        clock.advanceTo(FIRE.minusMillis(100));
        assertThat(store.list().stream().filter(j -> j.claimedFireTime() != null)).as("a and b parked, no worker left")
                .hasSize(2);

        dev.chime.internal.ClockDriven driven = (dev.chime.internal.ClockDriven) busy;
        assertThat(driven.nextWakeUp()).contains(FIRE.minusMillis(50));
        clock.advanceTo(FIRE.minusMillis(50));
        assertThat(driven.nextWakeUp()).as("inside the window, none free: the due times").contains(FIRE);

        clock.advanceTo(FIRE.plusMillis(50));
        assertThat(fireTimes).containsExactlyInAnyOrder(FIRE, FIRE, FIRE.plusMillis(50));
    }

    @Test
    void withoutClaimAheadATestClockClaimsNothingBeforeItIsDue() {
        start(builder().threads(2).task("record", ctx -> starts.add(ctx.actualStart())))
                .add(JobDefinition.of("job", "record", Triggers.once(FIRE)));
        clock.advanceTo(FIRE.minusNanos(1));
        assertThat(stored("job").claimedFireTime()).isNull();
        assertThat(stored("job").nextFireTime()).isEqualTo(FIRE);
        clock.advanceTo(FIRE);
        assertThat(starts).containsExactly(FIRE);
    }

    @Test
    void aFiringNotYetDueHandedOutByAClaimOfDueFiringsStartsAtItsFireTimeNotBefore() {
        // store-jdbc does this: a claim adopts what an earlier call of the node claimed, ahead of
        // time, before that call's answer was lost.
        AtomicBoolean adoptOnce = new AtomicBoolean(true);
        NaiveJobStore adopting = new NaiveJobStore() {
            @Override
            public synchronized List<Firing> claimDue(Instant now, int limit) {
                return super.claimDue(adoptOnce.getAndSet(false) ? now.plusMillis(30) : now, limit);
            }
        };
        scheduler = Scheduler.builder().clock(clock).store(adopting).threads(2).task("record", ctx -> {
            starts.add(ctx.actualStart());
            fireTimes.add(ctx.scheduledFireTime());
        }).build();
        scheduler.start();
        scheduler.add(JobDefinition.of("due", "record", Triggers.once(FIRE.minusMillis(30))));
        scheduler.add(JobDefinition.of("job", "record", Triggers.once(FIRE)));

        clock.advanceTo(FIRE.minusMillis(30));
        assertThat(fireTimes).containsExactly(FIRE.minusMillis(30));
        assertThat(adopting.get("job").orElseThrow().claimedFireTime()).isNull();

        clock.advanceTo(FIRE);
        assertThat(starts).containsExactly(FIRE.minusMillis(30), FIRE);
        assertThat(fireTimes).containsExactly(FIRE.minusMillis(30), FIRE);
    }

    @Test
    void anInterruptedParkedWorkerKeepsWaitingForItsFireTimeInsteadOfSpinning() {
        start(parking(2)).add(JobDefinition.of("job", "record", Triggers.once(FIRE)));
        clock.advanceTo(FIRE.minusMillis(50));
        Thread parked = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> LockSupport.getBlocker(t) != null
                        && LockSupport.getBlocker(t).getClass().getName().startsWith("dev.chime.internal.ParkedFirings"))
                .findFirst().orElseThrow();

        parked.interrupt();
        // A spinning worker never looks settled: the clock's next step would wait for it in vain.
        clock.advanceTo(FIRE.minusNanos(1));
        assertThat(parked.getState()).isIn(Thread.State.WAITING, Thread.State.TIMED_WAITING);
        assertThat(starts).isEmpty();

        clock.advanceTo(FIRE);
        assertThat(starts).containsExactly(FIRE);
    }

    @Test
    void shutdownWhileParkedPutsTheClaimBackAtItsFireTimeAndRunsNothing() {
        start(parking(2)).add(JobDefinition.of("job", "record", Triggers.once(FIRE)));
        clock.advanceTo(FIRE.minusMillis(50));
        assertThat(stored("job").claimedFireTime()).isEqualTo(FIRE);

        scheduler.shutdown(Duration.ofSeconds(5));

        assertThat(starts).isEmpty();
        assertThat(stored("job").claimedFireTime()).isNull();
        assertThat(stored("job").nextFireTime()).isEqualTo(FIRE);
        assertThat(events.of(JobEvent.Submitted.class)).isEmpty();
    }

    @Test
    void pauseWhileParkedPutsTheClaimBackAndResumeFiresIt() {
        start(parking(2)).add(JobDefinition.of("job", "record", Triggers.once(FIRE)));
        clock.advanceTo(FIRE.minusMillis(50));
        assertThat(stored("job").claimedFireTime()).isEqualTo(FIRE);

        scheduler.pause();
        assertThat(stored("job").claimedFireTime()).isNull();
        assertThat(stored("job").nextFireTime()).isEqualTo(FIRE);
        clock.advanceTo(FIRE.plusMillis(20));
        assertThat(starts).isEmpty();

        scheduler.resume();
        clock.runDue();
        assertThat(starts).containsExactly(FIRE.plusMillis(20));
        assertThat(fireTimes).containsExactly(FIRE);
    }

    @Test
    void aJobRemovedWhileItsEarlyClaimIsParkedDoesNotRun() {
        start(parking(2)).add(JobDefinition.of("job", "record", Triggers.once(FIRE)));
        clock.advanceTo(FIRE.minusMillis(50));
        assertThat(stored("job").claimedFireTime()).isEqualTo(FIRE);

        assertThat(scheduler.remove("job")).isTrue();
        clock.advanceTo(FIRE.plusSeconds(1));

        assertThat(starts).isEmpty();
        assertThat(events.of(JobEvent.Submitted.class)).isEmpty();
        assertThat(store.get("job")).isEmpty();
    }

    @Test
    void aJobRescheduledWhileItsEarlyClaimIsParkedFiresOnlyAtItsNewTime() {
        start(parking(2)).add(JobDefinition.of("job", "record", Triggers.once(FIRE)));
        clock.advanceTo(FIRE.minusMillis(50));
        assertThat(stored("job").claimedFireTime()).isEqualTo(FIRE);

        Instant moved = FIRE.plusSeconds(5);
        scheduler.reschedule("job", Triggers.once(moved));
        clock.advanceTo(FIRE.plusSeconds(1));
        assertThat(starts).isEmpty();

        clock.advanceTo(moved);
        assertThat(starts).containsExactly(moved);
        assertThat(fireTimes).containsExactly(moved);
    }

    @Test
    void aJobPausedWhileItsEarlyClaimIsParkedDoesNotRun() {
        start(parking(2)).add(JobDefinition.of("job", "record", Triggers.once(FIRE)));
        clock.advanceTo(FIRE.minusMillis(50));

        scheduler.pauseJob("job");
        clock.advanceTo(FIRE.plusSeconds(1));

        assertThat(starts).isEmpty();
        assertThat(stored("job").paused()).isTrue();
    }

    /**
     * {@code first:<name>}: fires once at {@link #FIRE}; of the jobs of this type, the first whose
     * firing is planned finishes normally and every other one's trigger throws (isolated, decided
     * without a run).
     */
    private static final class FirstPlannedWins implements dev.chime.spi.TriggerProvider {
        final java.util.concurrent.atomic.AtomicReference<String> winner = new java.util.concurrent.atomic.AtomicReference<>();

        @Override
        public String type() {
            return "first";
        }

        @Override
        public Trigger parse(String body, dev.chime.spi.TriggerParser nested) {
            return new Trigger() {
                @Override
                public java.util.Optional<Instant> nextFireTime(TriggerContext context) {
                    if (context.lastFireTime() == null) {
                        return java.util.Optional.of(FIRE);
                    }
                    winner.compareAndSet(null, body);
                    if (!winner.get().equals(body)) {
                        throw new IllegalStateException("only the first planned of its instant may fire");
                    }
                    return java.util.Optional.empty();
                }

                @Override
                public String spec() {
                    return "first:" + body;
                }
            };
        }
    }

    @Test
    void aFiringJoinedToItsInstantButNotRunStopsCountingAsInFlightBeforeTheLeadersBodyRuns() {
        // The worker that fires an instant runs its own body last, on its thread: a joined firing
        // decided without a run (here its trigger fails) must not stay held meanwhile, or a body
        // that blocks keeps the node from ever settling (and its slot counted against the budget).
        FirstPlannedWins provider = new FirstPlannedWins();
        java.util.concurrent.CountDownLatch bodies = new java.util.concurrent.CountDownLatch(1);
        start(builder().threads(4).claimAhead(Duration.ofMillis(100)).triggerProvider(provider).task("block", ctx -> {
            starts.add(ctx.actualStart());
            bodies.await();
        }));
        scheduler.add(JobDefinition.of("x", "block", provider.parse("x", null)));
        scheduler.add(JobDefinition.of("y", "block", provider.parse("y", null)));
        clock.advanceTo(FIRE.minusMillis(50));
        assertThat(store.list().stream().filter(j -> j.claimedFireTime() != null)).as("both parked").hasSize(2);

        clock.advanceTo(FIRE); // settles while the leader's body blocks
        try {
            assertThat(starts).containsExactly(FIRE);
            assertThat(events.of(JobEvent.TriggerFailed.class)).singleElement()
                    .satisfies(f -> assertThat(f.jobId()).isNotEqualTo(provider.winner.get()));
        } finally {
            bodies.countDown();
        }
    }

    @Test
    void firingsJoinedToTheirInstantRunOnTheirOwnWorkersNotResubmittedToABoundedExecutor() {
        // Each parked firing has a worker of its own. Handing a joined one's attempt back to the
        // executor races its worker's return to the pool: a pool without a queue refuses it, and
        // the fire time would be reported missed although a worker was kept for it.
        java.util.concurrent.CountDownLatch workerSubmitted = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ThreadPoolExecutor noQueue = new java.util.concurrent.ThreadPoolExecutor(3, 3, 1,
                java.util.concurrent.TimeUnit.MINUTES, new java.util.concurrent.SynchronousQueue<>(),
                r -> new Thread(r, "no-queue-worker")) {
            @Override
            public void execute(Runnable command) {
                try {
                    super.execute(command);
                } finally {
                    if (Thread.currentThread().getName().equals("no-queue-worker")) {
                        workerSubmitted.countDown();
                    }
                }
            }

            @Override
            protected void afterExecute(Runnable r, Throwable t) {
                // A worker returns to the pool only after its leader has had the chance to submit:
                // the slow return the race needs, made certain (bounded, for the fixed code).
                try {
                    workerSubmitted.await(1, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        twoParkedFiringsRunWithTheThirdWorkerBusy(noQueue, busy, Triggers.once(FIRE));
    }

    @Test
    void aFiringJoinedToItsInstantWhileTheExecutorRefusesItsWorkerStillRuns() {
        // The dispatcher parks b (its entry listed, its worker not yet taken) while a's worker wakes
        // for the same instant and joins it; the executor then refuses b's worker (shut down, or a
        // pool without a queue whose last worker is slow to return). A joined firing's attempt is
        // handed to its own worker: one that never starts would leave b's run recorded and unrun,
        // its slot and its place in the in-flight count held for good. Real clock: the interleaving
        // is forced by latches, and only "eventually" depends on time.
        java.util.concurrent.CountDownLatch dispatched = new java.util.concurrent.CountDownLatch(1);
        NaiveJobStore watched = new NaiveJobStore() {
            @Override
            public List<Dispatch.Result> dispatch(List<Dispatch> dispatches) {
                try {
                    return super.dispatch(dispatches);
                } finally {
                    dispatched.countDown();
                }
            }
        };
        java.util.concurrent.atomic.AtomicInteger parkedWorkers = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ThreadPoolExecutor refusesSecond = new java.util.concurrent.ThreadPoolExecutor(4, 4, 1,
                java.util.concurrent.TimeUnit.MINUTES, new java.util.concurrent.LinkedBlockingQueue<>()) {
            @Override
            public void execute(Runnable command) {
                if (command.getClass().getName().endsWith("ParkedFirings$Entry") && parkedWorkers.incrementAndGet() == 2) {
                    try {
                        // Until the first parked worker has fired its instant (with this one, if it joined it).
                        dispatched.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw new java.util.concurrent.RejectedExecutionException("refused for the test");
                }
                super.execute(command);
            }
        };
        java.util.Map<String, Integer> runs = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.CountDownLatch bothRan = new java.util.concurrent.CountDownLatch(2);
        Scheduler real = Scheduler.builder().store(watched).executor(refusesSecond).claimAhead(Duration.ofMillis(300))
                .task("record", ctx -> {
                    runs.merge(ctx.jobId(), 1, Integer::sum);
                    bothRan.countDown();
                }).build();
        try {
            Instant fire = java.time.Clock.systemUTC().instant().plusSeconds(1);
            real.add(JobDefinition.of("a", "record", Triggers.once(fire)));
            real.add(JobDefinition.of("b", "record", Triggers.once(fire)));
            real.start();
            assertThat(bothRan.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("both bodies ran").isTrue();
            assertThat(parkedWorkers.get()).as("the race was staged").isGreaterThanOrEqualTo(2);
            assertThat(runs).containsOnly(java.util.Map.entry("a", 1), java.util.Map.entry("b", 1));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        } finally {
            real.shutdown(Duration.ofSeconds(5));
            refusesSecond.shutdownNow();
        }
    }

    @Test
    void fixedDelayFiringsJoinedToTheirInstantRunOnTheirOwnWorkersNotResubmittedToABoundedExecutor() {
        // As firingsJoinedToTheirInstantRunOnTheirOwnWorkersNotResubmittedToABoundedExecutor, for a
        // job whose next fire time depends on its run's end (fixed delay): decided through
        // AttemptRunner.dispatch, its attempt goes back to the executor while its own parked worker
        // still waits to be let go, and a pool without a queue refuses it (reported missed).
        java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ThreadPoolExecutor noQueue = new java.util.concurrent.ThreadPoolExecutor(3, 3, 1,
                java.util.concurrent.TimeUnit.MINUTES, new java.util.concurrent.SynchronousQueue<>());
        twoParkedFiringsRunWithTheThirdWorkerBusy(noQueue, busy, Triggers.fixedDelay(Duration.ofHours(1), FIRE));
    }

    /**
     * Jobs x and y, both on {@code trigger}, parked for FIRE on two of {@code noQueue}'s three
     * workers; the third is then busy until {@code busy} opens. Both must run at FIRE, none missed.
     */
    private void twoParkedFiringsRunWithTheThirdWorkerBusy(java.util.concurrent.ThreadPoolExecutor noQueue,
                                                          java.util.concurrent.CountDownLatch busy, Trigger trigger) {
        try {
            start(builder().executor(noQueue).claimAhead(Duration.ofMillis(100))
                    .task("record", ctx -> {
                        starts.add(ctx.actualStart());
                        fireTimes.add(ctx.scheduledFireTime());
                    })
                    .task("busy", ctx -> busy.await()));
            scheduler.add(JobDefinition.of("x", "record", trigger));
            scheduler.add(JobDefinition.of("y", "record", trigger));
            clock.advanceTo(FIRE.minusMillis(50));
            assertThat(store.list().stream().filter(j -> j.claimedFireTime() != null)).as("both parked").hasSize(2);
            scheduler.add(JobDefinition.of("busy", "busy", Triggers.once(FIRE.minusMillis(10))));
            clock.advanceTo(FIRE.minusMillis(10)); // the third worker is now busy

            clock.advanceTo(FIRE);
            assertThat(events.of(JobEvent.Missed.class)).isEmpty();
            assertThat(fireTimes).containsExactly(FIRE, FIRE);
        } finally {
            busy.countDown();
            scheduler.shutdown(Duration.ofSeconds(5));
            noQueue.shutdownNow();
        }
    }
}
