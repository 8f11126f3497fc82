package dev.chime.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.LastRun;
import dev.chime.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link JobStore} must pass. A store's test is a subclass that says how to make
 * a fresh, empty store:
 *
 * <pre>{@code
 * class MyStoreContractTest extends JobStoreContract {
 *     protected JobStore createStore() { return new MyStore(...); }
 * }
 * }</pre>
 *
 * Instants here have millisecond precision, which every supported database keeps exactly.
 */
public abstract class JobStoreContract {

    protected static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    protected JobStore store;

    /** A fresh store with no jobs in it. */
    protected abstract JobStore createStore() throws Exception;

    /** Releases what {@link #createStore()} made; the default closes the store. */
    protected void destroyStore(JobStore store) throws Exception {
        store.close();
    }

    @BeforeEach
    void setUpStore() throws Exception {
        store = createStore();
    }

    @AfterEach
    void tearDownStore() throws Exception {
        destroyStore(store);
    }

    /**
     * Has another node sharing {@link #store}'s data take over {@link #store}'s node (as after its
     * death) and answers the recovery firings that node then hands out, in any order. Null, the
     * default, for a store without other nodes: the takeover cases are then skipped.
     */
    protected List<Firing> takeOverThisNode() throws Exception {
        return null;
    }

    /** The end of a run of {@code jobId} with this outcome, which becomes the job's. */
    protected static RunEnd ended(String jobId, LastRun run) {
        return RunEnds.of(jobId, run);
    }

    protected static StoredJob job(String id, Instant nextFireTime) {
        return new StoredJob(id, "task-" + id, "interval:PT10S", "{\"coalesce\":true}", "{\"n\":1}", false, nextFireTime,
                null, null, 0);
    }

    @Test
    void addedJobCanBeReadBackWithEveryField() {
        StoredJob job = new StoredJob("a", "report", "once:2026-03-01T10:00:00Z", "{\"maxInstances\":2}",
                "{\"to\":\"ops@example.com\"}", false, T0, null, null, 0);
        assertThat(store.add(job)).isTrue();

        StoredJob read = store.get("a").orElseThrow();
        assertThat(read.id()).isEqualTo("a");
        assertThat(read.task()).isEqualTo("report");
        assertThat(read.triggerSpec()).isEqualTo("once:2026-03-01T10:00:00Z");
        assertThat(read.optionsJson()).isEqualTo("{\"maxInstances\":2}");
        assertThat(read.dataJson()).isEqualTo("{\"to\":\"ops@example.com\"}");
        assertThat(read.paused()).isFalse();
        assertThat(read.nextFireTime()).isEqualTo(T0);
        assertThat(read.claimedFireTime()).isNull();
        assertThat(read.lastRun()).isNull();
    }

    @Test
    void jobWithoutDataKeepsNullData() {
        store.add(new StoredJob("a", "t", "interval:PT1S", "{}", null, false, T0, null, null, 0));
        assertThat(store.get("a").orElseThrow().dataJson()).isNull();
    }

    @Test
    void addRejectsATakenIdAndKeepsTheFirstJob() {
        store.add(job("a", T0));
        assertThat(store.add(job("a", T0.plusSeconds(99)))).isFalse();
        assertThat(store.get("a").orElseThrow().nextFireTime()).isEqualTo(T0);
    }

    @Test
    void putReplacesAJobAndDropsItsClaim() {
        store.add(job("a", T0));
        store.claimDue(T0, 10);
        store.put(job("a", T0.plusSeconds(5)));

        StoredJob read = store.get("a").orElseThrow();
        assertThat(read.claimedFireTime()).isNull();
        assertThat(read.nextFireTime()).isEqualTo(T0.plusSeconds(5));
        assertThat(store.claimDue(T0.plusSeconds(5), 10)).extracting(Firing::jobId).containsExactly("a");
    }

    @Test
    void putAddsAJobThatDidNotExist() {
        store.put(job("a", T0));
        assertThat(store.get("a")).isPresent();
    }

    @Test
    void removeSaysWhetherThereWasAJob() {
        store.add(job("a", T0));
        assertThat(store.remove("a")).isTrue();
        assertThat(store.remove("a")).isFalse();
        assertThat(store.get("a")).isEmpty();
        assertThat(store.claimDue(T0, 10)).isEmpty();
        assertThat(store.nextDueTime()).isEmpty();
    }

    @Test
    void listReturnsEveryJobOrderedById() {
        store.add(job("c", T0));
        store.add(job("a", null));
        store.add(job("b", T0.plusSeconds(1)));
        assertThat(store.list()).extracting(StoredJob::id).containsExactly("a", "b", "c");
    }

    @Test
    void updateSucceedsOnlyWithTheCurrentVersion() {
        store.add(job("a", T0));
        StoredJob current = store.get("a").orElseThrow();

        assertThat(store.update(current.withNextFireTime(T0.plusSeconds(1)))).isTrue();
        assertThat(store.update(current.withNextFireTime(T0.plusSeconds(2)))).as("stale version").isFalse();

        StoredJob read = store.get("a").orElseThrow();
        assertThat(read.nextFireTime()).isEqualTo(T0.plusSeconds(1));
        assertThat(read.version()).isGreaterThan(current.version());
    }

    @Test
    void updateKeepsAnOutcomeRecordedAfterTheJobWasRead() {
        // recordOutcome leaves the version alone, so the version check cannot stop an older read
        // from writing back the outcome before it: a pause racing a run's end must not lose it.
        store.add(job("a", T0));
        StoredJob read = store.get("a").orElseThrow();
        LastRun run = new LastRun(Outcome.SUCCESS, T0, T0.plusSeconds(1), Duration.ofSeconds(1), null);
        store.recordOutcome(ended("a", run));

        assertThat(store.update(read.withPaused(true, null))).isTrue();
        StoredJob after = store.get("a").orElseThrow();
        assertThat(after.paused()).isTrue();
        assertThat(after.lastRun()).isEqualTo(run);
    }

    @Test
    void updateOfARemovedJobFails() {
        store.add(job("a", T0));
        StoredJob current = store.get("a").orElseThrow();
        store.remove("a");
        assertThat(store.update(current)).isFalse();
        assertThat(store.get("a")).isEmpty();
    }

    @Test
    void claimDueHandsOutDueJobsEarliestFirstUpToTheLimit() {
        store.add(job("late", T0.plusSeconds(3)));
        store.add(job("early", T0.plusSeconds(1)));
        store.add(job("middle", T0.plusSeconds(2)));
        store.add(job("future", T0.plusSeconds(60)));

        List<Firing> first = store.claimDue(T0.plusSeconds(10), 2);
        assertThat(first).extracting(Firing::jobId).containsExactly("early", "middle");
        assertThat(first).extracting(Firing::fireTime).containsExactly(T0.plusSeconds(1), T0.plusSeconds(2));

        assertThat(store.claimDue(T0.plusSeconds(10), 10)).extracting(Firing::jobId).containsExactly("late");
    }

    @Test
    void aJobDueExactlyNowIsDue() {
        store.add(job("a", T0));
        assertThat(store.claimDue(T0, 10)).hasSize(1);
    }

    @Test
    void claimedJobIsNotHandedOutAgainUntilReleased() {
        store.add(job("a", T0));
        List<Firing> claimed = store.claimDue(T0, 10);
        assertThat(claimed).hasSize(1);
        assertThat(store.claimDue(T0.plusSeconds(100), 10)).isEmpty();
        assertThat(store.nextDueTime()).isEmpty();

        StoredJob whileClaimed = store.get("a").orElseThrow();
        assertThat(whileClaimed.claimedFireTime()).isEqualTo(T0);
        assertThat(whileClaimed.nextFireTime()).isNull();

        assertThat(store.release(claimed.get(0), T0.plusSeconds(10))).isTrue();
        assertThat(store.nextDueTime()).contains(T0.plusSeconds(10));
        assertThat(store.claimDue(T0.plusSeconds(10), 10)).extracting(Firing::fireTime).containsExactly(T0.plusSeconds(10));
    }

    @Test
    void releaseWithNoNextFireTimeLeavesTheJobUnscheduled() {
        store.add(job("a", T0));
        Firing firing = store.claimDue(T0, 10).get(0);
        assertThat(store.release(firing, null)).isTrue();

        StoredJob read = store.get("a").orElseThrow();
        assertThat(read.nextFireTime()).isNull();
        assertThat(read.claimedFireTime()).isNull();
        assertThat(store.nextDueTime()).isEmpty();
    }

    @Test
    void releaseFailsWhenTheJobChangedSinceTheClaim() {
        store.add(job("a", T0));
        Firing firing = store.claimDue(T0, 10).get(0);
        StoredJob current = store.get("a").orElseThrow();
        store.update(current.withClaim(null).withTrigger("interval:PT1M", T0.plusSeconds(60)));

        assertThat(store.release(firing, T0.plusSeconds(10))).isFalse();
        StoredJob read = store.get("a").orElseThrow();
        assertThat(read.triggerSpec()).isEqualTo("interval:PT1M");
        assertThat(read.nextFireTime()).isEqualTo(T0.plusSeconds(60));
    }

    @Test
    void releaseFailsWhenTheJobWasRemoved() {
        store.add(job("a", T0));
        Firing firing = store.claimDue(T0, 10).get(0);
        store.remove("a");
        assertThat(store.release(firing, T0.plusSeconds(10))).isFalse();
        assertThat(store.get("a")).isEmpty();
    }

    @Test
    void releasingTwiceSucceedsOnce() {
        store.add(job("a", T0));
        Firing firing = store.claimDue(T0, 10).get(0);
        assertThat(store.release(firing, T0.plusSeconds(10))).isTrue();
        assertThat(store.release(firing, T0.plusSeconds(20))).isFalse();
        assertThat(store.get("a").orElseThrow().nextFireTime()).isEqualTo(T0.plusSeconds(10));
    }

    @Test
    void removeClaimedRemovesAJobWhoseClaimIsCurrent() {
        store.add(job("a", T0));
        Firing firing = store.claimDue(T0, 10).get(0);
        assertThat(store.removeClaimed(firing)).isTrue();
        assertThat(store.get("a")).isEmpty();
        assertThat(store.counts()).isEqualTo(new JobCounts(0, 0));
        assertThat(store.removeClaimed(firing)).isFalse();
    }

    @Test
    void removeClaimedLeavesAJobThatChangedSinceTheClaim() {
        store.add(job("a", T0));
        Firing firing = store.claimDue(T0, 10).get(0);
        StoredJob current = store.get("a").orElseThrow();
        store.update(current.withClaim(null).withTrigger("interval:PT1M", T0.plusSeconds(60)));
        assertThat(store.removeClaimed(firing)).isFalse();
        assertThat(store.get("a").orElseThrow().triggerSpec()).isEqualTo("interval:PT1M");
    }

    @Test
    void dispatchBeginsRunsAndEndsClaimsItemForItem() {
        store.add(job("a", T0));
        store.add(job("b", T0));
        store.add(job("c", T0));
        List<Firing> claimed = store.claimDue(T0, 10);
        assertThat(claimed).extracting(Firing::jobId).containsExactlyInAnyOrder("a", "b", "c");
        Firing a = claimed.stream().filter(f -> f.jobId().equals("a")).findFirst().orElseThrow();
        Firing b = claimed.stream().filter(f -> f.jobId().equals("b")).findFirst().orElseThrow();
        Firing c = claimed.stream().filter(f -> f.jobId().equals("c")).findFirst().orElseThrow();

        List<Dispatch.Result> results = store.dispatch(List.of(
                new Dispatch(a, new RunRequest("a", T0, 1, false, null), T0.plusSeconds(10)),
                new Dispatch(b, null, null),
                new Dispatch(c, new RunRequest("c", T0, 1, true, c.job()), null)));

        assertThat(results).hasSize(3);
        assertThat(results.get(0).ticket()).isNotNull();
        assertThat(results.get(0).ticket().jobId()).isEqualTo("a");
        assertThat(results.get(1).ticket()).isNull();
        assertThat(results.get(2).ticket()).isNotNull();
        assertThat(results).allMatch(Dispatch.Result::claimEnded);
        StoredJob readA = store.get("a").orElseThrow();
        assertThat(readA.nextFireTime()).isEqualTo(T0.plusSeconds(10));
        assertThat(readA.claimedFireTime()).isNull();
        assertThat(store.get("b")).isEmpty();
        assertThat(store.get("c")).isEmpty();

        LastRun ok = new LastRun(Outcome.SUCCESS, T0, T0.plusSeconds(1), Duration.ofSeconds(1), null);
        assertThat(store.completeRun(results.get(0).ticket(), ended(results.get(0).ticket().jobId(), ok))).isTrue();
        assertThat(store.completeRun(results.get(2).ticket(), null)).isTrue();
        assertThat(store.get("a").orElseThrow().lastRun()).isEqualTo(ok);
        assertThat(store.claimDue(T0.plusSeconds(10), 10)).extracting(Firing::jobId).containsExactly("a");
    }

    @Test
    void fencingTokensGoUpWithEveryRunOfAJob() {
        store.add(job("a", T0));
        Firing first = store.claimDue(T0, 10).get(0);
        RunTicket one = store.dispatch(List.of(new Dispatch(first, new RunRequest("a", T0, 2, false, null),
                T0.plusSeconds(10)))).get(0).ticket();
        Firing second = store.claimDue(T0.plusSeconds(10), 10).get(0);
        RunTicket two = store.dispatch(List.of(new Dispatch(second, new RunRequest("a", T0.plusSeconds(10), 2, false, null),
                T0.plusSeconds(20)))).get(0).ticket();
        Firing last = store.claimDue(T0.plusSeconds(20), 10).get(0);
        store.completeRun(one, null);
        RunTicket three = store.dispatch(List.of(new Dispatch(last, new RunRequest("a", T0.plusSeconds(20), 2, false,
                last.job()), null))).get(0).ticket();

        assertThat(one.fencingToken()).isPositive();
        assertThat(two.fencingToken()).isGreaterThan(one.fencingToken());
        assertThat(three.fencingToken()).as("the run of a job leaving the store").isGreaterThan(two.fencingToken());
    }

    @Test
    void eachQueuedFireTimeOfARunGetsItsOwnHigherFencingTokenAndItsOutcomeRecorded() {
        store.add(job("a", T0));
        Firing late = store.claimDue(T0.plusSeconds(20), 10).get(0);
        RunRequest batch = new RunRequest("a", T0, 1, false, null, List.of(T0.plusSeconds(10), T0.plusSeconds(20)));
        RunTicket first = store.dispatch(List.of(new Dispatch(late, batch, T0.plusSeconds(30)))).get(0).ticket();
        LastRun firstDone = new LastRun(Outcome.SUCCESS, T0, T0.plusSeconds(21), Duration.ofSeconds(1), null);
        LastRun secondDone = new LastRun(Outcome.FAILURE, T0.plusSeconds(10), T0.plusSeconds(22), Duration.ofSeconds(1), "boom");

        RunTicket second = store.advanceRun(first, T0.plusSeconds(10), ended(first.jobId(), firstDone));
        assertThat(store.get("a").orElseThrow().lastRun()).isEqualTo(firstDone);
        RunTicket third = store.advanceRun(second, T0.plusSeconds(20), ended(second.jobId(), secondDone));

        assertThat(second.fireTime()).isEqualTo(T0.plusSeconds(10));
        assertThat(third.fireTime()).isEqualTo(T0.plusSeconds(20));
        assertThat(List.of(first, second, third)).extracting(RunTicket::runId).containsOnly(first.runId());
        assertThat(first.fencingToken()).isPositive();
        assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
        assertThat(third.fencingToken()).isGreaterThan(second.fencingToken());
        assertThat(store.get("a").orElseThrow().lastRun()).isEqualTo(secondDone);

        // The run is still one instance: once it ends, the next firing runs, with a higher token again.
        assertThat(store.completeRun(third, null)).isTrue();
        Firing next = store.claimDue(T0.plusSeconds(30), 10).get(0);
        RunTicket after = store.dispatch(List.of(new Dispatch(next, new RunRequest("a", next.fireTime(), 1, false, null),
                T0.plusSeconds(40)))).get(0).ticket();
        assertThat(after.fencingToken()).isGreaterThan(third.fencingToken());
    }

    @Test
    void dispatchLeavesAJobThatChangedSinceTheClaim() {
        store.add(job("a", T0));
        Firing firing = store.claimDue(T0, 10).get(0);
        StoredJob current = store.get("a").orElseThrow();
        store.update(current.withClaim(null).withTrigger("interval:PT1M", T0.plusSeconds(60)));

        List<Dispatch.Result> results = store.dispatch(List.of(new Dispatch(firing, null, T0.plusSeconds(10))));
        assertThat(results).containsExactly(new Dispatch.Result(null, false));
        assertThat(store.get("a").orElseThrow().nextFireTime()).isEqualTo(T0.plusSeconds(60));
        assertThat(store.dispatch(List.of())).isEmpty();
    }

    @Test
    void dispatchOfAClaimLostToAConcurrentRescheduleRecordsNoRun() {
        store.add(job("a", T0));
        Firing stale = store.claimDue(T0, 10).get(0);
        StoredJob current = store.get("a").orElseThrow();
        store.update(current.withClaim(null).withTrigger("interval:PT1M", T0.plusSeconds(60)));

        List<Dispatch.Result> results = store.dispatch(List.of(
                new Dispatch(stale, new RunRequest("a", T0, 1, true, null), T0.plusSeconds(10))));

        assertThat(results).as("no ticket for a claim the store no longer held").containsExactly(new Dispatch.Result(null, false));
        assertThat(store.get("a").orElseThrow().nextFireTime()).isEqualTo(T0.plusSeconds(60));
        // No run record was left behind: with max instances 1 the next firing still gets its run.
        Firing next = store.claimDue(T0.plusSeconds(60), 10).get(0);
        List<Dispatch.Result> again = store.dispatch(List.of(
                new Dispatch(next, new RunRequest("a", next.fireTime(), 1, true, null), T0.plusSeconds(120))));
        assertThat(again.get(0).claimEnded()).isTrue();
        assertThat(again.get(0).ticket()).isNotNull();
    }

    @Test
    void dispatchOfAClaimWhoseJobWasRemovedMeanwhileRecordsNoRun() {
        store.add(job("a", T0));
        Firing stale = store.claimDue(T0, 10).get(0);
        store.remove("a");

        List<Dispatch.Result> results = store.dispatch(List.of(
                new Dispatch(stale, new RunRequest("a", T0, 1, true, stale.job()), null)));

        assertThat(results).containsExactly(new Dispatch.Result(null, false));
        assertThat(store.get("a")).isEmpty();
    }

    @Test
    void staleClaimOfARemovedJobChangesNothingOnTheJobAddedAgainUnderItsId() {
        store.add(job("a", T0));
        Firing stale = store.claimDue(T0, 10).get(0);
        store.remove("a");
        // The new job goes through the same writes as the old one did up to its claim: a store
        // whose versions count from the same start again would give its claim the stale one's version.
        store.add(new StoredJob("a", "new-task", "interval:PT10S", "{}", null, false, T0, null, null, 0));
        Firing current = store.claimDue(T0, 10).get(0);

        assertStaleClaimChangesNothing(stale, current);
    }

    @Test
    void staleClaimOfARemovedJobChangesNothingOnTheJobPutAgainUnderItsId() {
        store.put(job("a", T0));
        Firing stale = store.claimDue(T0, 10).get(0);
        store.remove("a");
        store.put(new StoredJob("a", "new-task", "interval:PT10S", "{}", null, false, T0, null, null, 0));
        Firing current = store.claimDue(T0, 10).get(0);

        assertStaleClaimChangesNothing(stale, current);
    }

    private void assertStaleClaimChangesNothing(Firing stale, Firing current) {
        assertThat(store.release(stale, T0.plusSeconds(99))).as("late release of the old claim").isFalse();
        assertThat(store.removeClaimed(stale)).as("late removeClaimed of the old claim").isFalse();
        assertThat(store.dispatch(List.of(new Dispatch(stale, new RunRequest("a", T0, 1, false, stale.job()), null))))
                .as("late dispatch of the old claim: no run of the old definition").containsExactly(new Dispatch.Result(null, false));
        StoredJob read = store.get("a").orElseThrow();
        assertThat(read.task()).isEqualTo("new-task");
        assertThat(read.claimedFireTime()).as("the new job's claim still holds").isEqualTo(T0);
        assertThat(read.version()).isEqualTo(current.job().version());

        // And the new claim still has its run: the stale dispatch took no instance of it.
        List<Dispatch.Result> results = store.dispatch(List.of(
                new Dispatch(current, new RunRequest("a", T0, 1, false, null), T0.plusSeconds(10))));
        assertThat(results.get(0).claimEnded()).isTrue();
        assertThat(results.get(0).ticket()).isNotNull();
        assertThat(store.get("a").orElseThrow().nextFireTime()).isEqualTo(T0.plusSeconds(10));
    }

    @Test
    void pausedJobIsNeitherDueNorClaimed() {
        store.add(job("a", T0));
        store.add(job("b", T0.plusSeconds(5)));
        StoredJob a = store.get("a").orElseThrow();
        assertThat(store.update(a.withPaused(true, null))).isTrue();

        assertThat(store.get("a").orElseThrow().paused()).isTrue();
        assertThat(store.nextDueTime()).contains(T0.plusSeconds(5));
        assertThat(store.claimDue(T0.plusSeconds(10), 10)).extracting(Firing::jobId).containsExactly("b");

        StoredJob paused = store.get("a").orElseThrow();
        assertThat(store.update(paused.withPaused(false, T0.plusSeconds(7)))).isTrue();
        assertThat(store.claimDue(T0.plusSeconds(10), 10)).extracting(Firing::jobId).containsExactly("a");
    }

    @Test
    void pausedJobWithAFireTimeIsStillNotDue() {
        StoredJob pausedWithTime = job("a", T0).withPaused(true, T0);
        store.add(pausedWithTime);
        assertThat(store.claimDue(T0.plusSeconds(1), 10)).isEmpty();
        assertThat(store.nextDueTime()).isEmpty();
    }

    @Test
    void recordOutcomeKeepsScheduleAndVersion() {
        store.add(job("a", T0));
        StoredJob before = store.get("a").orElseThrow();
        LastRun run = new LastRun(Outcome.FAILURE, T0, T0.plusMillis(1500), Duration.ofMillis(1500), "java.io.IOException: down");
        store.recordOutcome(ended("a", run));

        StoredJob after = store.get("a").orElseThrow();
        assertThat(after.lastRun()).isEqualTo(run);
        assertThat(after.version()).isEqualTo(before.version());
        assertThat(after.nextFireTime()).isEqualTo(T0);
        assertThat(store.claimDue(T0, 10)).extracting(Firing::jobId).containsExactly("a");
    }

    @Test
    void recordOutcomeOfAClaimedJobKeepsTheClaim() {
        store.add(job("a", T0));
        Firing firing = store.claimDue(T0, 10).get(0);
        LastRun run = new LastRun(Outcome.SUCCESS, T0, T0.plusSeconds(1), Duration.ofSeconds(1), null);
        store.recordOutcome(ended("a", run));

        StoredJob read = store.get("a").orElseThrow();
        assertThat(read.lastRun()).isEqualTo(run);
        assertThat(read.claimedFireTime()).isEqualTo(T0);
        assertThat(store.release(firing, T0.plusSeconds(10))).as("the claim is still valid").isTrue();
        assertThat(store.nextDueTime()).contains(T0.plusSeconds(10));
    }

    @Test
    void recordOutcomeOfAnUnscheduledOrPausedJobKeepsItOutOfTheSchedule() {
        store.add(job("done", null));
        store.add(job("paused", T0).withPaused(true, null));
        LastRun run = new LastRun(Outcome.FAILURE, T0, T0, Duration.ZERO, "boom");
        store.recordOutcome(ended("done", run));
        store.recordOutcome(ended("paused", run));

        assertThat(store.get("done").orElseThrow().lastRun()).isEqualTo(run);
        assertThat(store.get("paused").orElseThrow().lastRun()).isEqualTo(run);
        assertThat(store.nextDueTime()).isEmpty();
        assertThat(store.claimDue(T0.plusSeconds(60), 10)).isEmpty();
    }

    @Test
    void recordOutcomeOfAMissingJobIsIgnored() {
        store.recordOutcome(ended("nobody", new LastRun(Outcome.SUCCESS, T0, T0, Duration.ZERO, null)));
        assertThat(store.get("nobody")).isEmpty();
    }

    @Test
    void nextDueTimeIsTheEarliestSchedulableFireTime() {
        assertThat(store.nextDueTime()).isEmpty();
        store.add(job("b", T0.plusSeconds(20)));
        store.add(job("a", T0.plusSeconds(10)));
        store.add(job("unscheduled", null));
        assertThat(store.nextDueTime()).contains(T0.plusSeconds(10));
    }

    @Test
    void countsTellTotalAndPausedJobs() {
        assertThat(store.counts()).isEqualTo(new JobCounts(0, 0));
        store.add(job("a", T0));
        store.add(job("b", T0).withPaused(true, null));
        store.put(job("c", T0).withPaused(true, null));
        assertThat(store.counts()).isEqualTo(new JobCounts(3, 2));

        StoredJob b = store.get("b").orElseThrow();
        store.update(b.withPaused(false, T0));
        store.remove("c");
        store.claimDue(T0, 10);
        assertThat(store.counts()).isEqualTo(new JobCounts(2, 0));
    }

    @Test
    void aClaimedJobIsStillOneJobToListCountPauseAndRemove() {
        store.add(job("a", T0));
        store.add(job("b", T0.plusSeconds(60)));
        Firing claim = store.claimDue(T0, 10).get(0);

        assertThat(store.list()).extracting(StoredJob::id).containsExactly("a", "b");
        assertThat(store.counts()).isEqualTo(new JobCounts(2, 0));
        assertThat(store.add(job("a", T0))).isFalse();

        assertThat(store.update(store.get("a").orElseThrow().withPaused(true, null))).isTrue();
        assertThat(store.counts()).isEqualTo(new JobCounts(2, 1));

        assertThat(store.remove("a")).isTrue();
        assertThat(store.get("a")).isEmpty();
        assertThat(store.counts()).isEqualTo(new JobCounts(1, 0));
        assertThat(store.release(claim, T0.plusSeconds(10))).isFalse();
        assertThat(store.list()).extracting(StoredJob::id).containsExactly("b");
    }

    @Test
    void manyJobsDueAtTheSameInstantAreAllClaimed() {
        for (int i = 0; i < 50; i++) {
            store.add(job("job-" + i, T0));
        }
        assertThat(store.claimDue(T0, 1000)).hasSize(50);
    }

    @Test
    void concurrentClaimsNeverHandOutTheSameFiringTwice() throws Exception {
        int jobs = 500;
        int rounds = 3;
        for (int i = 0; i < jobs; i++) {
            store.add(job(String.format("job-%04d", i), T0));
        }
        Set<String> handedOut = ConcurrentHashMap.newKeySet();
        List<String> duplicates = new ArrayList<>();
        int expected = jobs * (rounds + 1);
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    Instant horizon = T0.plusSeconds(10L * rounds);
                    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (handedOut.size() < expected && System.nanoTime() < giveUp) {
                        List<Firing> batch = store.claimDue(horizon, 7);
                        for (Firing f : batch) {
                            if (!handedOut.add(f.jobId() + "@" + f.fireTime())) {
                                synchronized (duplicates) {
                                    duplicates.add(f.jobId() + "@" + f.fireTime());
                                }
                            }
                            store.release(f, f.fireTime().plusSeconds(10));
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(duplicates).isEmpty();
        // Every job fired at T0, T0+10s, ... up to the horizon exactly once, whichever thread got it.
        assertThat(handedOut).hasSize(expected);
    }

    // ---- deferRun: retries that survive their node (asked only of a store shared with other nodes) ----

    /** A run of job "a" at T0 begun by this node, on a store that keeps runs and is shared; skipped otherwise. */
    private RunTicket sharedRun() {
        Assumptions.assumeTrue(store.sharedWithOtherNodes(), "the engine defers runs only in a store shared with other nodes");
        store.add(job("a", T0));
        Firing firing = store.claimDue(T0, 10).get(0);
        RunTicket ticket = store.dispatch(List.of(new Dispatch(firing, new RunRequest("a", T0, 1, false, null),
                T0.plusSeconds(10)))).get(0).ticket();
        Assumptions.assumeFalse(RunTicket.LOCAL.equals(ticket.runId()), "the store keeps no runs");
        return ticket;
    }

    @Test
    void aRetryDeferredInALiveRunIsStoredAndTheRunStillEndsAsUsual() {
        RunTicket ticket = sharedRun();
        assertThat(store.deferRun(ticket, 1, T0.plusSeconds(5))).isTrue();
        RunTicket fresh = store.advanceRun(ticket, ticket.fireTime(), null);
        assertThat(fresh).as("the retry starts: the run moves on with a fresh token").isNotNull();
        assertThat(fresh.fencingToken()).isGreaterThan(ticket.fencingToken());
        LastRun ok = new LastRun(Outcome.SUCCESS, T0, T0.plusSeconds(6), Duration.ofSeconds(1), null);
        assertThat(store.completeRun(fresh, ended("a", ok))).isTrue();
        assertThat(store.get("a").orElseThrow().lastRun()).isEqualTo(ok);
    }

    @Test
    void aRetryOfARunNoLongerThisNodesIsRefusedAndChangesNothing() {
        RunTicket ticket = sharedRun();
        assertThat(store.completeRun(ticket, null)).isTrue();

        assertThat(store.deferRun(ticket, 1, T0.plusSeconds(5))).as("the run ended").isFalse();
        assertThat(store.deferRun(new RunTicket("a", T0, "no-such-run", 1), 1, T0.plusSeconds(5)))
                .as("a run the store never handed out").isFalse();
        // Nothing came back to life: the next firing of the job (max instances 1) still runs.
        Firing next = store.claimDue(T0.plusSeconds(10), 10).get(0);
        assertThat(store.dispatch(List.of(new Dispatch(next, new RunRequest("a", next.fireTime(), 1, false, null),
                T0.plusSeconds(20)))).get(0).ticket()).isNotNull();
    }

    @Test
    void aDeferredRetryGoesWithItsRunToTheNodeThatTakesItOver() throws Exception {
        RunTicket ticket = sharedRun();
        Instant retryAt = T0.plusSeconds(7);
        assertThat(store.deferRun(ticket, 2, retryAt)).isTrue();

        List<Firing> recovered = takeOverThisNode();
        Assumptions.assumeTrue(recovered != null, "the store has no other nodes to take a run over");

        assertThat(recovered).singleElement().satisfies(f -> {
            assertThat(f.recovery()).isTrue();
            assertThat(f.fireTime()).isEqualTo(T0);
            assertThat(f.ticket().runId()).isEqualTo(ticket.runId());
            assertThat(f.attemptsMade()).isEqualTo(2);
            assertThat(f.retryAt()).isEqualTo(retryAt);
        });
        assertThat(store.deferRun(ticket, 3, retryAt.plusSeconds(5))).as("the run is the taker's now").isFalse();
    }

    @Test
    void aRetryThatStartedIsNoLongerDeferredWhenItsRunIsTakenOver() throws Exception {
        RunTicket ticket = sharedRun();
        assertThat(store.deferRun(ticket, 1, T0.plusSeconds(7))).isTrue();
        assertThat(store.advanceRun(ticket, ticket.fireTime(), null)).isNotNull();

        List<Firing> recovered = takeOverThisNode();
        Assumptions.assumeTrue(recovered != null, "the store has no other nodes to take a run over");

        assertThat(recovered).as("an attempt was in flight: an interrupted body again").singleElement().satisfies(f -> {
            assertThat(f.attemptsMade()).isZero();
            assertThat(f.retryAt()).isNull();
        });
    }
}
