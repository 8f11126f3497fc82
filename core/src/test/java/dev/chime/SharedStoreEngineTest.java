package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.spi.Claim;
import dev.chime.spi.ClaimEnd;
import dev.chime.spi.ClaimResult;
import dev.chime.spi.NaiveJobStore;
import dev.chime.spi.RunEnd;
import dev.chime.spi.RunEndResult;
import dev.chime.spi.RunStart;
import dev.chime.spi.RunTicket;
import dev.chime.spi.StoredExecution;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How the engine uses a store shared by a cluster: every run starts in the write that ends its
 * claim and ends through one fenced write, refused starts are reported skipped before the claim
 * goes back, fenced-off ends change nothing here, a run taken over is left to its taker, and
 * recoveries run again (recoverable) or are reported missed.
 */
class SharedStoreEngineTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** A store that logs the protocol's calls and can refuse starts, lose claims, fence ends, and hand out recoveries. */
    static final class SharedStore extends NaiveJobStore {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<RunStart> starts = new CopyOnWriteArrayList<>();
        final List<RunEnd> ends = new CopyOnWriteArrayList<>();
        /** Starts of fire times are refused at max instances, the claim kept, as a cluster's store does. */
        volatile boolean refuseStarts;
        /** The next start finds its claim lost: another node took it over (and put the job back). */
        volatile boolean loseNextStart;
        /** Every run end answers "taken over". */
        volatile boolean fenced;
        /** Ends that move on to a queued fire time answer "taken over". */
        volatile boolean runsTakenOverWhenMovingOn;
        /** When set, run ends land this long after they are asked for, on another thread. */
        volatile Duration writeDelay;
        /** What {@link #holdsRun} answers; null makes it fail (the store cannot tell). */
        volatile Boolean holdsRuns = Boolean.TRUE;
        /** When set, the next batch of claim ends with a start fails (the store cannot be reached). */
        volatile boolean failNextStart;
        /** When set, a third node takes every recovery over again between its hand-out and its end. */
        volatile boolean takeRecoveriesOverAgain;

        @Override
        public boolean holdsRun(RunTicket ticket) {
            calls.add("holds " + ticket.fireTime());
            Boolean holds = holdsRuns;
            if (holds == null) {
                throw new IllegalStateException("the store cannot tell");
            }
            return holds;
        }

        @Override
        public List<ClaimResult> endClaims(List<ClaimEnd> claimEnds) {
            if (failNextStart && claimEnds.stream().anyMatch(e -> e.start() != null)) {
                failNextStart = false;
                calls.add("store unreachable");
                throw new IllegalStateException("the store is unreachable");
            }
            if (takeRecoveriesOverAgain) {
                for (ClaimEnd end : claimEnds) {
                    if (end.claim() instanceof Claim.Recovery r) {
                        StoredExecution e = r.execution();
                        writeExecution(e.withVersion(e.version() + 1));
                    }
                }
            }
            List<ClaimResult> results = new ArrayList<>();
            for (ClaimEnd end : claimEnds) {
                String who = end.claim().jobId();
                if (end.start() != null) {
                    calls.add("start " + who);
                    starts.add(end.start());
                    if (refuseStarts && end.claim() instanceof Claim.FireTime) {
                        results.add(ClaimResult.AT_MAX_INSTANCES);
                        continue;
                    }
                    if (loseNextStart) {
                        loseNextStart = false;
                        // Another node took the claim over and put the job back at that fire time.
                        put(get(who).orElseThrow().withNextFireTime(end.claim().fireTime()));
                        results.add(ClaimResult.LOST);
                        continue;
                    }
                } else {
                    calls.add("end claim " + who);
                }
                results.addAll(super.endClaims(List.of(end)));
            }
            return results;
        }

        @Override
        public CompletionStage<List<RunEndResult>> endRuns(List<RunEnd> runEnds) {
            for (RunEnd end : runEnds) {
                calls.add("end run " + end.ticket().fireTime() + " " + end.state());
                ends.add(end);
            }
            if (fenced || (runsTakenOverWhenMovingOn && runEnds.get(0).next() != null)) {
                // The node that took the run over ends it (without this node's outcome), and this
                // node's end is refused.
                for (RunEnd end : runEnds) {
                    super.endRuns(List.of(new RunEnd(end.ticket(), end.state(), end.endedAt(), null, null, null,
                            end.retryAt(), null, end.schedule(), null)));
                }
                return CompletableFuture.completedFuture(List.of(RunEndResult.TAKEN_OVER));
            }
            Duration delay = writeDelay;
            if (delay == null) {
                return super.endRuns(runEnds);
            }
            return CompletableFuture.supplyAsync(() -> super.endRuns(runEnds).toCompletableFuture().join(),
                    CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    private final TestClock clock = TestClock.at(T0);
    private final SharedStore store = new SharedStore();
    private final EventRecorder events = new EventRecorder();
    private final List<JobContext> runs = new CopyOnWriteArrayList<>();
    private final Scheduler scheduler = Scheduler.builder().clock(clock).store(store).listener(events)
            .task("work", runs::add).build();

    @AfterEach
    void shutDown() {
        scheduler.shutdown(Duration.ofSeconds(5));
    }

    /** A dead node's run of job {@code jobId} at {@code fireTime}, for the store to hand out as a recovery. */
    private void recover(String jobId, Instant fireTime, long token, List<Instant> queued) {
        store.handOutRecovery(new StoredExecution("dead-run", jobId, "work", null, null, fireTime,
                ExecutionState.RUNNING, 1, null, "dead", fireTime, fireTime, null, null, null, null, token, true, queued,
                false, false, 0), queued);
    }

    @Test
    void everyRunStartsInTheWriteThatEndsItsClaimAndEndsWithItsOutcome() {
        scheduler.add(JobDefinition.builder("j").task("work").trigger(Triggers.interval(Duration.ofSeconds(10)))
                .options(JobOptions.builder().maxInstances(3).recoverable(true).build()).build());
        scheduler.start();
        clock.advance(Duration.ofSeconds(10));

        assertThat(runs).hasSize(1);
        assertThat(store.calls).containsExactly("start j", "holds " + T0.plusSeconds(10), "end run " + T0.plusSeconds(10)
                + " SUCCEEDED");
        RunStart start = store.starts.get(0);
        assertThat(start.fireTime()).isEqualTo(T0.plusSeconds(10));
        assertThat(start.maxInstances()).isEqualTo(3);
        assertThat(start.recoverable()).isTrue();
        assertThat(start.dataJson()).as("the job is still in the store").isNull();
        assertThat(runs.get(0).executionId()).isEqualTo(start.executionId());
        assertThat(scheduler.job("j").orElseThrow().lastRun()).hasValueSatisfying(r -> assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS));
    }

    @Test
    void aOneShotLeavingTheStoreKeepsASnapshotWithItsExecution() {
        scheduler.add(JobDefinition.builder("once").task("work").trigger(Triggers.once(T0.plusSeconds(5)))
                .options(JobOptions.builder().recoverable(true).build()).dataJson("{\"n\":7}").build());
        scheduler.start();
        clock.advance(Duration.ofSeconds(5));

        RunStart start = store.starts.get(0);
        assertThat(start.dataJson()).isEqualTo("{\"n\":7}");
        assertThat(start.optionsJson()).contains("\"recoverable\":true");
        assertThat(store.get("once")).isEmpty();
        assertThat(store.execution(start.executionId()).orElseThrow().dataJson()).isEqualTo("{\"n\":7}");
        assertThat(store.ends.get(0).lastRun()).as("no job left to record an outcome on").isNull();
    }

    @Test
    void aRunStaysInFlightUntilTheStoresLateWriteOfItsEndLands() {
        store.writeDelay = Duration.ofMillis(200);
        scheduler.add(JobDefinition.of("j", "work", Triggers.interval(Duration.ofSeconds(10))));
        scheduler.start();
        clock.advance(Duration.ofSeconds(10));
        // advance() returned: the outcome is in the store and the job's instance slot is free again.
        assertThat(scheduler.job("j").orElseThrow().lastRun()).hasValueSatisfying(r -> assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS));
        clock.advance(Duration.ofSeconds(10));

        assertThat(runs).hasSize(2);
        assertThat(events.of(JobEvent.Skipped.class)).isEmpty();
        assertThat(store.ends).hasSize(2);
    }

    @Test
    void aStartWhoseClaimWasLostDoesNotRunAndGivesItsSlotBackSilently() {
        store.loseNextStart = true;
        scheduler.add(JobDefinition.of("j", "work", Triggers.interval(Duration.ofSeconds(10))));
        scheduler.start();
        clock.advance(Duration.ofSeconds(10));

        // The node that won the claim runs the fire time (here the same scheduler claims it again).
        assertThat(events.of(JobEvent.Skipped.class)).as("the slot is given back silently").isEmpty();
        assertThat(store.calls).startsWith("start j", "start j");
        assertThat(runs).extracting(JobContext::scheduledFireTime).containsExactly(T0.plusSeconds(10));
    }

    @Test
    void aStartRefusedAtMaxInstancesIsReportedSkippedBeforeTheJobIsPutBack() {
        scheduler.add(JobDefinition.builder("j").task("work").trigger(Triggers.interval(Duration.ofSeconds(10))).build());
        store.refuseStarts = true;
        List<String> seen = new CopyOnWriteArrayList<>();
        scheduler.addListener(e -> {
            if (e instanceof JobEvent.Skipped skipped) {
                seen.add("skipped " + skipped.scheduledFireTime() + " after " + store.calls);
            }
        });
        scheduler.start();
        clock.advance(Duration.ofSeconds(20));

        assertThat(runs).isEmpty();
        assertThat(seen).containsExactly("skipped " + T0.plusSeconds(10) + " after [start j]",
                "skipped " + T0.plusSeconds(20) + " after [start j, end claim j, start j]");
        assertThat(store.calls).containsExactly("start j", "end claim j", "start j", "end claim j");
        assertThat(scheduler.job("j").orElseThrow().nextFireTime()).contains(T0.plusSeconds(30));
    }

    @Test
    void anEndTheStoreFencesOffRecordsNothingHereAndFreesTheSlot() {
        store.fenced = true;
        scheduler.add(JobDefinition.of("j", "work", Triggers.interval(Duration.ofSeconds(10))));
        scheduler.start();
        clock.advance(Duration.ofSeconds(20));

        assertThat(runs).hasSize(2);
        assertThat(events.of(JobEvent.Skipped.class)).isEmpty();
        assertThat(scheduler.job("j").orElseThrow().lastRun()).isEmpty();
    }

    @Test
    void runTakenOverWhileItsNodeWasFrozenBeforeTheBodyStartedDoesNotStartAndReportsNothing() {
        scheduler.add(JobDefinition.builder("j").task("work").trigger(Triggers.interval(Duration.ofSeconds(10)))
                .options(JobOptions.builder().recoverable(true).build()).build());
        // Started, then frozen before the worker started the body; another node took the run over.
        store.holdsRuns = false;
        scheduler.start();
        clock.advance(Duration.ofSeconds(10));

        assertThat(runs).as("the node that took the run over runs it").isEmpty();
        assertThat(events.of(JobEvent.Missed.class)).isEmpty();
        assertThat(events.of(JobEvent.Executed.class)).isEmpty();
        assertThat(store.calls).as("nothing written for a run that is not this node's")
                .containsExactly("start j", "holds " + T0.plusSeconds(10));
        assertThat(scheduler.job("j").orElseThrow().lastRun()).isEmpty();
    }

    @Test
    void runWhoseStoreCannotTellBeforeTheBodyStartsIsReportedMissedAndEndedFailed() {
        scheduler.add(JobDefinition.builder("j").task("work").trigger(Triggers.interval(Duration.ofSeconds(10))).build());
        store.holdsRuns = null;
        scheduler.start();
        clock.advance(Duration.ofSeconds(10));

        assertThat(runs).isEmpty();
        assertThat(events.of(JobEvent.Missed.class)).extracting(JobEvent.Missed::scheduledFireTime)
                .containsExactly(T0.plusSeconds(10));
        assertThat(store.ends).singleElement().satisfies(end -> {
            assertThat(end.state()).isEqualTo(ExecutionState.FAILED);
            assertThat(end.error()).contains("not started: the store could not confirm");
        });
        assertThat(scheduler.job("j").orElseThrow().lastRun()).hasValueSatisfying(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.MISSED);
            assertThat(r.scheduledFireTime()).isEqualTo(T0.plusSeconds(10));
        });
    }

    @Test
    void aRetryWaitingInTheStoreRunsOnWhicheverNodeClaimsIt() {
        List<String> attempts = new CopyOnWriteArrayList<>();
        Scheduler nodeA = Scheduler.builder().clock(clock).store(store).name("a").task("flaky", ctx -> {
            attempts.add("a#" + ctx.attempt());
            throw new IllegalStateException("fails on a");
        }).build();
        Scheduler nodeB = Scheduler.builder().clock(clock).store(store).name("b")
                .task("flaky", ctx -> attempts.add("b#" + ctx.attempt())).build();
        try {
            nodeA.add(JobDefinition.builder("j").task("flaky").trigger(Triggers.once(T0.plusSeconds(10)))
                    .options(JobOptions.builder().retry(RetryPolicy.fixed(1, Duration.ofSeconds(5))).build()).build());
            nodeA.start();
            clock.advance(Duration.ofSeconds(10));
            // Node a goes away; node b claims the retry when it falls due.
            nodeA.shutdown(Duration.ofSeconds(5));
            nodeB.start();
            clock.advance(Duration.ofSeconds(5));

            assertThat(attempts).containsExactly("a#1", "b#2");
            assertThat(store.ends).extracting(RunEnd::state)
                    .containsExactly(ExecutionState.WAITING_FOR_RETRY, ExecutionState.SUCCEEDED);
            assertThat(store.ends.get(1).ticket().fencingToken()).isGreaterThan(store.ends.get(0).ticket().fencingToken());
        } finally {
            nodeA.shutdown(Duration.ofSeconds(5));
            nodeB.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void aFixedDelayRunKeepsItsJobsClaimAndItsEndMovesTheJobOnFromItsCompletion() {
        scheduler.add(JobDefinition.of("j", "work", Triggers.fixedDelay(Duration.ofSeconds(10))));
        scheduler.start();
        clock.advance(Duration.ofSeconds(10));

        assertThat(store.ends).singleElement().satisfies(end -> assertThat(end.schedule().nextFireTime())
                .isEqualTo(T0.plusSeconds(20)));
        assertThat(scheduler.job("j").orElseThrow().nextFireTime()).contains(T0.plusSeconds(20));
    }

    @Test
    void aRecoveryOfARecoverableJobRunsAgainWithItsOriginalFireTimeAndAHigherToken() {
        scheduler.add(JobDefinition.builder("j").task("work").trigger(Triggers.interval(Duration.ofMinutes(10)))
                .options(JobOptions.builder().recoverable(true).build()).build());
        Instant original = T0.minusSeconds(90);
        recover("j", original, 7, List.of());
        scheduler.start();
        clock.advance(Duration.ofSeconds(1));

        assertThat(runs).singleElement().satisfies(ctx -> {
            assertThat(ctx.isRecovery()).isTrue();
            assertThat(ctx.scheduledFireTime()).isEqualTo(original);
            assertThat(ctx.fencingToken()).isGreaterThan(7);
            assertThat(ctx.executionId()).isEqualTo("dead-run");
        });
        assertThat(store.execution("dead-run").orElseThrow().state()).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(events.of(JobEvent.Claimed.class)).singleElement().satisfies(c -> assertThat(c.recovery()).isTrue());
        // The job's own schedule was not touched.
        assertThat(scheduler.job("j").orElseThrow().nextFireTime()).contains(T0.plus(Duration.ofMinutes(10)));
    }

    @Test
    void aRecoveryOfAJobThatIsNotRecoverableIsReportedMissedAndEndsFailed() {
        scheduler.add(JobDefinition.of("j", "work", Triggers.interval(Duration.ofMinutes(10))));
        Instant original = T0.minusSeconds(90);
        recover("j", original, 7, List.of());
        scheduler.start();
        clock.advance(Duration.ofSeconds(1));

        assertThat(runs).isEmpty();
        assertThat(events.of(JobEvent.Missed.class)).extracting(JobEvent.Missed::scheduledFireTime).containsExactly(original);
        StoredExecution ended = store.execution("dead-run").orElseThrow();
        assertThat(ended.state()).isEqualTo(ExecutionState.FAILED);
        assertThat(ended.error()).isEqualTo("its node died while it ran, and it is not recoverable");
        assertThat(scheduler.job("j").orElseThrow().lastRun()).hasValueSatisfying(r -> assertThat(r.outcome()).isEqualTo(Outcome.MISSED));
    }

    @Test
    void runWhoseStartTheStoreCannotRecordDoesNotRunAndIsReportedMissed() {
        store.failNextStart = true;
        scheduler.add(JobDefinition.of("j", "work", Triggers.fixedDelay(Duration.ofSeconds(10))));
        scheduler.start();
        clock.advance(Duration.ofSeconds(10));

        assertThat(runs).as("a run without the store's record would escape fencing and max instances").isEmpty();
        assertThat(events.of(JobEvent.Missed.class)).extracting(JobEvent.Missed::scheduledFireTime)
                .containsExactly(T0.plusSeconds(10));
        assertThat(scheduler.job("j").orElseThrow().lastRun()).hasValueSatisfying(r -> assertThat(r.outcome())
                .isEqualTo(Outcome.MISSED));

        clock.advance(Duration.ofSeconds(10));
        assertThat(runs).as("its slot was freed and the schedule moved on").extracting(JobContext::scheduledFireTime)
                .containsExactly(T0.plusSeconds(20));
    }

    @Test
    void aRecoveryTakenOverAgainBeforeItIsHandledIsNotReportedMissedHere() {
        scheduler.add(JobDefinition.of("j", "work", Triggers.interval(Duration.ofMinutes(10))));
        Instant original = T0.minusSeconds(90);
        recover("j", original, 7, List.of());
        // This node was frozen between the hand-out and the handling; a third node took the run
        // over again and reports it missed itself.
        store.takeRecoveriesOverAgain = true;
        scheduler.start();
        clock.advance(Duration.ofSeconds(1));

        assertThat(runs).isEmpty();
        assertThat(events.of(JobEvent.Missed.class)).as("reported by the node that holds the run").isEmpty();
        assertThat(scheduler.job("j").orElseThrow().lastRun()).as("no outcome of a run that is not this node's").isEmpty();
        assertThat(store.execution("dead-run").orElseThrow().state()).as("the third node's to end")
                .isEqualTo(ExecutionState.RUNNING);
    }

    @Test
    void fixedDelayFireTimeWhoseRunEndedBeforeItsNodeDiedIsNotRunAgainWhenItsClaimComesBack() {
        scheduler.add(JobDefinition.builder("d").task("work").trigger(Triggers.fixedDelay(Duration.ofSeconds(10), T0.plusSeconds(5)))
                .build());
        // The dead node ran T0+5s and recorded its outcome, but (a store that wrote the two apart)
        // its claim came back at T0+5s, and this node claims it.
        store.update(store.get("d").orElseThrow().withLastRun(new LastRun(Outcome.SUCCESS, T0.plusSeconds(5),
                T0.plusSeconds(7), Duration.ofSeconds(2), null)));
        clock.advanceTo(T0.plusSeconds(8));
        scheduler.start();
        clock.advance(Duration.ZERO);

        assertThat(runs).as("T0+5s ran on the dead node").isEmpty();
        assertThat(scheduler.job("d").orElseThrow().nextFireTime()).contains(T0.plusSeconds(17));
    }

    @Test
    void aRecoveryThatHoldsItsJobsClaimPutsTheJobBackAfterTheRecoveredFireTime() {
        scheduler.add(JobDefinition.builder("j").task("work").trigger(Triggers.interval(Duration.ofSeconds(30)))
                .options(JobOptions.builder().recoverable(true).build()).build());
        // The dead node had claimed T0+30s and recorded the run, then died before releasing.
        Claim.FireTime claim = (Claim.FireTime) store.claim(T0.plusSeconds(30), 1, null).get(0);
        store.handOutRecovery(new StoredExecution("dead-run", "j", "work", null, null, claim.fireTime(),
                ExecutionState.RUNNING, 1, null, "dead", claim.fireTime(), claim.fireTime(), null, null, null, null, 3, true,
                List.of(), false, true, 0), List.of());
        clock.advanceTo(T0.plusSeconds(40));
        scheduler.start();
        clock.advance(Duration.ZERO);

        assertThat(runs).extracting(JobContext::scheduledFireTime).containsExactly(T0.plusSeconds(30));
        assertThat(scheduler.job("j").orElseThrow().nextFireTime()).contains(T0.plusSeconds(60));
    }

    private void addLateBatchJob(String id, boolean recoverable) {
        scheduler.add(JobDefinition.builder(id).task("work").trigger(Triggers.interval(Duration.ofSeconds(10)))
                .options(JobOptions.builder().coalesce(false).unlimitedMisfireGrace().recoverable(recoverable).build()).build());
    }

    @Test
    void eachQueuedFireTimeOfALateClaimRunsInOneRunWithItsOwnExecutionAndHigherFencingToken() {
        addLateBatchJob("j", true);
        scheduler.start();
        scheduler.pause();
        clock.advance(Duration.ofSeconds(30));
        scheduler.resume();
        clock.runDue();

        assertThat(runs).extracting(JobContext::scheduledFireTime)
                .containsExactly(T0.plusSeconds(10), T0.plusSeconds(20), T0.plusSeconds(30));
        assertThat(runs).extracting(JobContext::fencingToken).isSorted().doesNotHaveDuplicates();
        assertThat(runs).extracting(JobContext::executionId).doesNotHaveDuplicates();
        assertThat(store.starts).as("one run for the batch, knowing its queued fire times").singleElement()
                .satisfies(r -> assertThat(r.queued()).containsExactly(T0.plusSeconds(20), T0.plusSeconds(30)));
        assertThat(store.ends).extracting(e -> e.next() == null ? null : e.next().fireTime())
                .containsExactly(T0.plusSeconds(20), T0.plusSeconds(30), null);
    }

    @Test
    void aFailedFireTimeDoesNotCancelTheQueuedOnesAfterIt() {
        List<Instant> started = new CopyOnWriteArrayList<>();
        Scheduler failing = Scheduler.builder().clock(clock).store(store).task("work", ctx -> {
            started.add(ctx.scheduledFireTime());
            if (ctx.scheduledFireTime().equals(T0.plusSeconds(10))) {
                throw new IllegalStateException("the first fire time fails");
            }
        }).build();
        try {
            failing.add(JobDefinition.builder("j").task("work").trigger(Triggers.interval(Duration.ofSeconds(10)))
                    .options(JobOptions.builder().coalesce(false).unlimitedMisfireGrace().build()).build());
            failing.start();
            failing.pause();
            clock.advance(Duration.ofSeconds(30));
            failing.resume();
            clock.runDue();

            assertThat(started).containsExactly(T0.plusSeconds(10), T0.plusSeconds(20), T0.plusSeconds(30));
        } finally {
            failing.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void aBatchTakenOverMidwayStopsHereAndLeavesTheRestToTheTaker() {
        store.runsTakenOverWhenMovingOn = true;
        addLateBatchJob("j", true);
        scheduler.start();
        scheduler.pause();
        clock.advance(Duration.ofSeconds(30));
        scheduler.resume();
        clock.runDue();

        assertThat(runs).extracting(JobContext::scheduledFireTime).containsExactly(T0.plusSeconds(10));
        assertThat(events.of(JobEvent.Missed.class)).as("nor reported here: the taker runs them").isEmpty();
        // The instance slot is free again.
        store.runsTakenOverWhenMovingOn = false;
        scheduler.runNow("j");
        clock.runDue();
        assertThat(runs).hasSize(2);
    }

    @Test
    void aRecoveredBatchRunsTheFireTimeInFlightAgainThenTheOnesNotStartedEachWithAHigherToken() {
        addLateBatchJob("j", true);
        Instant original = T0.minusSeconds(90);
        recover("j", original, 7, List.of(original.plusSeconds(10), original.plusSeconds(20)));
        scheduler.start();
        clock.advance(Duration.ofSeconds(1));

        assertThat(runs).extracting(JobContext::scheduledFireTime)
                .containsExactly(original, original.plusSeconds(10), original.plusSeconds(20));
        assertThat(runs).extracting(JobContext::isRecovery).as("only the fire time in flight ran before")
                .containsExactly(true, false, false);
        assertThat(runs).extracting(JobContext::fencingToken).isSorted().doesNotHaveDuplicates()
                .allSatisfy(token -> assertThat(token).isGreaterThan(7));
        assertThat(store.execution("dead-run").orElseThrow().state()).isEqualTo(ExecutionState.SUCCEEDED);
    }

    @Test
    void aRecoveredBatchOfAJobThatIsNotRecoverableIsReportedMissedFireTimeByFireTime() {
        addLateBatchJob("j", false);
        Instant original = T0.minusSeconds(90);
        recover("j", original, 7, List.of(original.plusSeconds(10), original.plusSeconds(20)));
        scheduler.start();
        clock.advance(Duration.ofSeconds(1));

        assertThat(runs).isEmpty();
        assertThat(events.of(JobEvent.Missed.class)).extracting(JobEvent.Missed::scheduledFireTime)
                .containsExactly(original, original.plusSeconds(10), original.plusSeconds(20));
        assertThat(store.execution("dead-run").orElseThrow().state()).isEqualTo(ExecutionState.FAILED);
    }

    @Test
    void queuedFireTimesOfARunThatEndsAtShutdownAreReportedMissedOnceItsEndIsRecorded() throws Exception {
        java.util.concurrent.CountDownLatch inFirst = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch letGo = new java.util.concurrent.CountDownLatch(1);
        Scheduler slow = Scheduler.builder().clock(clock).store(store).listener(events).task("work", ctx -> {
            inFirst.countDown();
            letGo.await();
        }).build();
        slow.add(JobDefinition.builder("j").task("work").trigger(Triggers.interval(Duration.ofSeconds(10)))
                .options(JobOptions.builder().coalesce(false).unlimitedMisfireGrace().build()).build());
        slow.start();
        slow.pause();
        clock.advance(Duration.ofSeconds(30));
        slow.resume();
        clock.runDue();
        assertThat(inFirst.await(10, TimeUnit.SECONDS)).isTrue();

        Thread stopper = new Thread(() -> slow.shutdown(Duration.ofSeconds(10)));
        stopper.start();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> slow.state() == Scheduler.State.SHUT_DOWN);
        letGo.countDown();
        stopper.join(TimeUnit.SECONDS.toMillis(20));

        assertThat(store.ends).singleElement().satisfies(end -> assertThat(end.next()).isNull());
        assertThat(events.of(JobEvent.Missed.class)).extracting(JobEvent.Missed::scheduledFireTime)
                .containsExactly(T0.plusSeconds(20), T0.plusSeconds(30));
    }
}
