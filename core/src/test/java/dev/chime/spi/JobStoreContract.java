package dev.chime.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.ExecutionQuery;
import dev.chime.ExecutionState;
import dev.chime.LastRun;
import dev.chime.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
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
 *
 * <p>It covers the jobs, the life of a run (claims and their one way to end, runs and their one way
 * to end, fencing, max instances), the history, retries, enqueued executions, cancellation and
 * retention. A store shared by several nodes adds its own cluster tests (takeover, recovery claims).
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

    protected static StoredJob job(String id, Instant nextFireTime) {
        return new StoredJob(id, "task-" + id, "interval:PT10S", "{\"coalesce\":true}", "{\"n\":1}", false, nextFireTime,
                null, null, 0);
    }

    // --- helpers: the protocol as the engine speaks it ------------------------------------------

    protected List<Claim> claimAll(Instant now) {
        return store.claim(now, 100, null);
    }

    protected Claim.FireTime claimJob(String jobId, Instant now) {
        return store.claim(now, 100, null).stream().filter(c -> jobId.equals(c.jobId()))
                .map(Claim.FireTime.class::cast).findFirst().orElseThrow();
    }

    /** Ends a claim without a run: a fire time's job goes back at {@code next}, an execution waits until then. */
    protected ClaimResult release(Claim claim, Instant next) {
        return store.endClaims(List.of(claim instanceof Claim.FireTime f
                ? ClaimEnd.noRun(f, ScheduleChange.release(next), null, T0)
                : ClaimEnd.waitUntil(claim, next, null, T0))).get(0);
    }

    protected static RunStart runStart(Claim claim, int maxInstances) {
        String id = claim instanceof Claim.FireTime ? UUID.randomUUID().toString()
                : ((Claim.OfExecution) claim).execution().id();
        int attempt = claim instanceof Claim.Due d ? d.execution().attempts() + 1 : 1;
        return new RunStart(id, claim.fireTime(), attempt, maxInstances, false, List.of(), null, null, claim.fireTime());
    }

    /** Starts a run of the claim (max instances 1) and puts its job back at {@code next}. */
    protected ClaimResult start(Claim claim, Instant next) {
        return start(claim, 1, ScheduleChange.release(next));
    }

    protected ClaimResult start(Claim claim, int maxInstances, ScheduleChange schedule) {
        return store.endClaims(List.of(ClaimEnd.start(claim, runStart(claim, maxInstances), schedule))).get(0);
    }

    protected RunEndResult end(RunEnd end) {
        return store.endRuns(List.of(end)).toCompletableFuture().join().get(0);
    }

    protected static RunEnd succeeded(RunTicket ticket, Instant at, LastRun lastRun) {
        return new RunEnd(ticket, ExecutionState.SUCCEEDED, at, null, null, null, null, lastRun, null, null);
    }

    protected static RunEnd failed(RunTicket ticket, Instant at, String error) {
        return new RunEnd(ticket, ExecutionState.FAILED, at, error, "trace of " + error, null, null, null, null, null);
    }

    protected static RunEnd retryAt(RunTicket ticket, Instant at, Instant retryAt) {
        return new RunEnd(ticket, ExecutionState.WAITING_FOR_RETRY, at, "boom", "trace", null, retryAt, null, null, null);
    }

    /** A task waiting for its time, as {@code Scheduler.enqueue} records it. */
    protected static StoredExecution task(String id, String task, Instant dueAt, Instant createdAt) {
        return StoredExecution.scheduled(id, null, task, "{\"n\":1}", "{\"retry\":{\"maxRetries\":2}}", dueAt, true,
                createdAt);
    }

    protected StoredExecution execution(String id) {
        return store.execution(id).orElseThrow();
    }

    protected static LastRun ok(Instant fireTime, Instant at) {
        return new LastRun(Outcome.SUCCESS, fireTime, at, Duration.ofSeconds(1), null);
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
    void putAddsAJobThatDidNotExist() {
        store.put(job("a", T0));
        assertThat(store.get("a")).isPresent();
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
    void updateOfARemovedJobFails() {
        store.add(job("a", T0));
        StoredJob current = store.get("a").orElseThrow();
        store.remove("a");
        assertThat(store.update(current)).isFalse();
        assertThat(store.get("a")).isEmpty();
    }

    @Test
    void putReplacesAJobAndDropsItsClaim() {
        store.add(job("a", T0));
        claimAll(T0);
        store.put(job("a", T0.plusSeconds(5)));

        StoredJob read = store.get("a").orElseThrow();
        assertThat(read.claimedFireTime()).isNull();
        assertThat(read.nextFireTime()).isEqualTo(T0.plusSeconds(5));
        assertThat(claimAll(T0.plusSeconds(5))).extracting(Claim::jobId).containsExactly("a");
    }

    @Test
    void removeSaysWhetherThereWasAJob() {
        store.add(job("a", T0));
        assertThat(store.remove("a")).isTrue();
        assertThat(store.remove("a")).isFalse();
        assertThat(store.get("a")).isEmpty();
        assertThat(claimAll(T0)).isEmpty();
        assertThat(store.nextDueTime(null)).isEmpty();
    }

    // --- claims --------------------------------------------------------------------------------

    @Test
    void claimHandsOutDueJobsEarliestFirstUpToTheLimit() {
        store.add(job("late", T0.plusSeconds(3)));
        store.add(job("early", T0.plusSeconds(1)));
        store.add(job("middle", T0.plusSeconds(2)));
        store.add(job("future", T0.plusSeconds(60)));

        List<Claim> first = store.claim(T0.plusSeconds(10), 2, null);
        assertThat(first).extracting(Claim::jobId).containsExactly("early", "middle");
        assertThat(first).extracting(Claim::fireTime).containsExactly(T0.plusSeconds(1), T0.plusSeconds(2));
        assertThat(first).allMatch(c -> c instanceof Claim.FireTime);

        assertThat(claimAll(T0.plusSeconds(10))).extracting(Claim::jobId).containsExactly("late");
    }

    @Test
    void aJobDueExactlyNowIsDue() {
        store.add(job("a", T0));
        assertThat(claimAll(T0)).hasSize(1);
    }

    @Test
    void claimTakesOnlyTheGivenTasks() {
        store.add(job("a", T0));
        store.add(job("b", T0));
        store.enqueue(List.of(task("e1", "task-b", T0, T0), task("e2", "other", T0, T0)));

        assertThat(store.nextDueTime(Set.of("task-zzz"))).isEmpty();
        List<Claim> claimed = store.claim(T0, 10, Set.of("task-b"));
        assertThat(claimed).extracting(Claim::task).containsOnly("task-b");
        assertThat(claimed).hasSize(2);
        assertThat(store.claim(T0, 10, null)).extracting(Claim::task).containsExactlyInAnyOrder("task-a", "other");
    }

    @Test
    void claimedJobIsNotHandedOutAgainUntilItsClaimEnds() {
        store.add(job("a", T0));
        List<Claim> claimed = claimAll(T0);
        assertThat(claimed).hasSize(1);
        assertThat(claimAll(T0.plusSeconds(100))).isEmpty();
        assertThat(store.nextDueTime(null)).isEmpty();

        StoredJob whileClaimed = store.get("a").orElseThrow();
        assertThat(whileClaimed.claimedFireTime()).isEqualTo(T0);
        assertThat(whileClaimed.nextFireTime()).isNull();

        assertThat(release(claimed.get(0), T0.plusSeconds(10)).status()).isEqualTo(ClaimResult.Status.ENDED);
        assertThat(store.nextDueTime(null)).contains(T0.plusSeconds(10));
        assertThat(claimAll(T0.plusSeconds(10))).extracting(Claim::fireTime).containsExactly(T0.plusSeconds(10));
    }

    @Test
    void releaseWithNoNextFireTimeLeavesTheJobUnscheduled() {
        store.add(job("a", T0));
        Claim claim = claimAll(T0).get(0);
        assertThat(release(claim, null).status()).isEqualTo(ClaimResult.Status.ENDED);

        StoredJob read = store.get("a").orElseThrow();
        assertThat(read.nextFireTime()).isNull();
        assertThat(read.claimedFireTime()).isNull();
        assertThat(store.nextDueTime(null)).isEmpty();
    }

    @Test
    void aClaimEndIsLostWhenTheJobChangedSinceTheClaim() {
        store.add(job("a", T0));
        Claim claim = claimAll(T0).get(0);
        StoredJob current = store.get("a").orElseThrow();
        store.update(current.withClaim(null).withTrigger("interval:PT1M", T0.plusSeconds(60)));

        assertThat(release(claim, T0.plusSeconds(10))).isEqualTo(ClaimResult.LOST);
        StoredJob read = store.get("a").orElseThrow();
        assertThat(read.triggerSpec()).isEqualTo("interval:PT1M");
        assertThat(read.nextFireTime()).isEqualTo(T0.plusSeconds(60));
    }

    @Test
    void aClaimEndIsLostWhenTheJobWasRemoved() {
        store.add(job("a", T0));
        Claim claim = claimAll(T0).get(0);
        store.remove("a");
        assertThat(release(claim, T0.plusSeconds(10))).isEqualTo(ClaimResult.LOST);
        assertThat(store.get("a")).isEmpty();
    }

    @Test
    void endingAClaimTwiceSucceedsOnce() {
        store.add(job("a", T0));
        Claim claim = claimAll(T0).get(0);
        assertThat(release(claim, T0.plusSeconds(10)).status()).isEqualTo(ClaimResult.Status.ENDED);
        assertThat(release(claim, T0.plusSeconds(20))).isEqualTo(ClaimResult.LOST);
        assertThat(store.get("a").orElseThrow().nextFireTime()).isEqualTo(T0.plusSeconds(10));
    }

    @Test
    void aClaimEndsByRemovingItsJob() {
        store.add(job("a", T0));
        Claim.FireTime claim = claimJob("a", T0);
        assertThat(store.endClaims(List.of(ClaimEnd.noRun(claim, ScheduleChange.remove(), null, T0))).get(0).status())
                .isEqualTo(ClaimResult.Status.ENDED);
        assertThat(store.get("a")).isEmpty();
        assertThat(store.counts()).isEqualTo(new JobCounts(0, 0));
        assertThat(store.endClaims(List.of(ClaimEnd.noRun(claim, ScheduleChange.remove(), null, T0))))
                .containsExactly(ClaimResult.LOST);
    }

    @Test
    void aMissedFireTimeIsRecordedAsTheJobsLastOutcomeWithItsClaimEnd() {
        store.add(job("a", T0));
        Claim.FireTime claim = claimJob("a", T0);
        LastRun missed = new LastRun(Outcome.MISSED, T0, T0.plusSeconds(5), Duration.ZERO, null);
        StoredJob before = store.get("a").orElseThrow();
        store.endClaims(List.of(ClaimEnd.noRun(claim, ScheduleChange.release(T0.plusSeconds(10)), missed, T0)));

        StoredJob after = store.get("a").orElseThrow();
        assertThat(after.lastRun()).isEqualTo(missed);
        assertThat(after.nextFireTime()).isEqualTo(T0.plusSeconds(10));
        assertThat(after.version()).isGreaterThan(before.version());
    }

    // --- runs ----------------------------------------------------------------------------------

    @Test
    void endClaimsStartsRunsAndEndsClaimsItemForItem() {
        store.add(job("a", T0));
        store.add(job("b", T0));
        store.add(job("c", T0));
        List<Claim> claimed = claimAll(T0);
        assertThat(claimed).extracting(Claim::jobId).containsExactlyInAnyOrder("a", "b", "c");
        Claim.FireTime a = claimJob(claimed, "a");
        Claim.FireTime b = claimJob(claimed, "b");
        Claim.FireTime c = claimJob(claimed, "c");

        RunStart lastRunOfC = new RunStart(UUID.randomUUID().toString(), T0, 1, 1, true, List.of(), "{\"n\":1}",
                "{\"coalesce\":true}", T0);
        List<ClaimResult> results = store.endClaims(List.of(
                ClaimEnd.start(a, runStart(a, 1), ScheduleChange.release(T0.plusSeconds(10))),
                ClaimEnd.noRun(b, ScheduleChange.remove(), null, T0),
                ClaimEnd.start(c, lastRunOfC, ScheduleChange.remove())));

        assertThat(results).extracting(ClaimResult::status).containsOnly(ClaimResult.Status.ENDED);
        RunTicket ticketA = results.get(0).ticket();
        assertThat(ticketA.jobId()).isEqualTo("a");
        assertThat(ticketA.task()).isEqualTo("task-a");
        assertThat(ticketA.fireTime()).isEqualTo(T0);
        assertThat(ticketA.attempt()).isEqualTo(1);
        assertThat(results.get(1).ticket()).isNull();
        assertThat(results.get(2).ticket().executionId()).isEqualTo(lastRunOfC.executionId());
        StoredJob readA = store.get("a").orElseThrow();
        assertThat(readA.nextFireTime()).isEqualTo(T0.plusSeconds(10));
        assertThat(readA.claimedFireTime()).isNull();
        assertThat(store.get("b")).isEmpty();
        assertThat(store.get("c")).isEmpty();
        assertThat(execution(lastRunOfC.executionId()).dataJson()).as("the snapshot of a job leaving the store")
                .isEqualTo("{\"n\":1}");

        assertThat(end(succeeded(ticketA, T0.plusSeconds(1), ok(T0, T0.plusSeconds(1)))).recorded()).isTrue();
        assertThat(end(succeeded(results.get(2).ticket(), T0.plusSeconds(1), null)).recorded()).isTrue();
        assertThat(store.get("a").orElseThrow().lastRun()).isEqualTo(ok(T0, T0.plusSeconds(1)));
        assertThat(claimAll(T0.plusSeconds(10))).extracting(Claim::jobId).containsExactly("a");
    }

    private static Claim.FireTime claimJob(List<Claim> claims, String jobId) {
        return claims.stream().filter(c -> jobId.equals(c.jobId())).map(Claim.FireTime.class::cast).findFirst().orElseThrow();
    }

    @Test
    void aStartedRunIsInTheHistoryAsRunningAndItsEndWithItsOutcome() {
        store.add(job("a", T0));
        Claim claim = claimAll(T0).get(0);
        RunTicket ticket = start(claim, T0.plusSeconds(10)).ticket();

        StoredExecution running = execution(ticket.executionId());
        assertThat(running.state()).isEqualTo(ExecutionState.RUNNING);
        assertThat(running.jobId()).isEqualTo("a");
        assertThat(running.task()).isEqualTo("task-a");
        assertThat(running.fireTime()).isEqualTo(T0);
        assertThat(running.attempts()).isEqualTo(1);
        assertThat(running.nodeId()).isNotNull();
        assertThat(running.createdAt()).isEqualTo(T0);
        assertThat(running.startedAt()).isEqualTo(T0);
        assertThat(running.fencingToken()).isEqualTo(ticket.fencingToken());
        assertThat(store.holdsRun(ticket)).isTrue();

        RunEnd end = new RunEnd(ticket, ExecutionState.FAILED, T0.plusSeconds(2), "java.io.IOException: down",
                "java.io.IOException: down\n\tat X.y(X.java:1)", "{\"rows\":3}", null,
                new LastRun(Outcome.FAILURE, T0, T0.plusSeconds(2), Duration.ofSeconds(2), "java.io.IOException: down"),
                null, null);
        assertThat(end(end)).isEqualTo(RunEndResult.RECORDED);

        StoredExecution ended = execution(ticket.executionId());
        assertThat(ended.state()).isEqualTo(ExecutionState.FAILED);
        assertThat(ended.endedAt()).isEqualTo(T0.plusSeconds(2));
        assertThat(ended.error()).isEqualTo("java.io.IOException: down");
        assertThat(ended.stackTrace()).isEqualTo("java.io.IOException: down\n\tat X.y(X.java:1)");
        assertThat(ended.resultJson()).isEqualTo("{\"rows\":3}");
        assertThat(store.holdsRun(ticket)).isFalse();
        assertThat(store.get("a").orElseThrow().lastRun().outcome()).isEqualTo(Outcome.FAILURE);
    }

    @Test
    void aRunEndWrittenAgainAnswersAsTheFirstAndCountsOnce() {
        store.add(job("a", T0));
        RunTicket ticket = start(claimAll(T0).get(0), T0.plusSeconds(10)).ticket();
        RunEnd end = succeeded(ticket, T0.plusSeconds(1), ok(T0, T0.plusSeconds(1)));
        assertThat(end(end)).isEqualTo(RunEndResult.RECORDED);
        assertThat(end(end)).as("written again after a lost answer").isEqualTo(RunEndResult.RECORDED);

        // The instance was freed once: with max instances 1 the next fire time starts.
        Claim next = claimAll(T0.plusSeconds(10)).get(0);
        assertThat(start(next, T0.plusSeconds(20)).ticket()).isNotNull();
    }

    @Test
    void anEndWithATicketThatIsNotTheRunsWritesNothing() {
        store.add(job("a", T0));
        RunTicket ticket = start(claimAll(T0).get(0), T0.plusSeconds(10)).ticket();
        RunTicket stale = new RunTicket(ticket.executionId(), ticket.jobId(), ticket.task(), ticket.fireTime(), 1,
                ticket.fencingToken() + 1000);

        assertThat(store.holdsRun(stale)).isFalse();
        assertThat(end(succeeded(stale, T0.plusSeconds(1), ok(T0, T0.plusSeconds(1))))).isEqualTo(RunEndResult.TAKEN_OVER);
        assertThat(execution(ticket.executionId()).state()).isEqualTo(ExecutionState.RUNNING);
        assertThat(store.get("a").orElseThrow().lastRun()).isNull();
        assertThat(store.holdsRun(ticket)).isTrue();
    }

    @Test
    void aStartBeyondMaxInstancesIsRefusedAndKeepsItsClaim() {
        store.add(job("a", T0));
        RunTicket first = start(claimAll(T0).get(0), T0.plusSeconds(10)).ticket();
        Claim second = claimAll(T0.plusSeconds(10)).get(0);

        assertThat(start(second, T0.plusSeconds(20))).isEqualTo(ClaimResult.AT_MAX_INSTANCES);
        assertThat(store.get("a").orElseThrow().claimedFireTime()).as("the claim is still held").isEqualTo(T0.plusSeconds(10));
        assertThat(release(second, T0.plusSeconds(20)).status()).isEqualTo(ClaimResult.Status.ENDED);

        // Two instances allowed: the next one starts beside the first.
        Claim third = claimAll(T0.plusSeconds(20)).get(0);
        assertThat(start(third, 2, ScheduleChange.release(T0.plusSeconds(30))).ticket()).isNotNull();
        assertThat(store.holdsRun(first)).isTrue();
    }

    @Test
    void aStartOfAClaimLostToAConcurrentRescheduleRecordsNoRun() {
        store.add(job("a", T0));
        Claim stale = claimAll(T0).get(0);
        StoredJob current = store.get("a").orElseThrow();
        store.update(current.withClaim(null).withTrigger("interval:PT1M", T0.plusSeconds(60)));

        assertThat(start(stale, T0.plusSeconds(10))).as("no run for a claim the store no longer held")
                .isEqualTo(ClaimResult.LOST);
        assertThat(store.get("a").orElseThrow().nextFireTime()).isEqualTo(T0.plusSeconds(60));
        assertThat(store.executions(ExecutionQuery.newest())).isEmpty();
        // No run record was left behind: with max instances 1 the next firing still gets its run.
        Claim next = claimAll(T0.plusSeconds(60)).get(0);
        assertThat(start(next, T0.plusSeconds(120)).ticket()).isNotNull();
    }

    @Test
    void aStartOfAClaimWhoseJobWasRemovedMeanwhileRecordsNoRun() {
        store.add(job("a", T0));
        Claim stale = claimAll(T0).get(0);
        store.remove("a");

        assertThat(start(stale, 1, ScheduleChange.remove())).isEqualTo(ClaimResult.LOST);
        assertThat(store.get("a")).isEmpty();
        assertThat(store.executions(ExecutionQuery.newest())).isEmpty();
    }

    @Test
    void fencingTokensGoUpWithEveryRunOfAJob() {
        store.add(job("a", T0));
        RunTicket one = start(claimAll(T0).get(0), 2, ScheduleChange.release(T0.plusSeconds(10))).ticket();
        RunTicket two = start(claimAll(T0.plusSeconds(10)).get(0), 2, ScheduleChange.release(T0.plusSeconds(20))).ticket();
        Claim last = claimAll(T0.plusSeconds(20)).get(0);
        end(succeeded(one, T0.plusSeconds(20), null));
        RunTicket three = start(last, 2, ScheduleChange.remove()).ticket();

        assertThat(one.fencingToken()).isPositive();
        assertThat(two.fencingToken()).isGreaterThan(one.fencingToken());
        assertThat(three.fencingToken()).as("the run of a job leaving the store").isGreaterThan(two.fencingToken());
    }

    @Test
    void eachQueuedFireTimeOfARunGetsItsOwnExecutionAndAHigherFencingToken() {
        store.add(job("a", T0));
        Claim late = claimAll(T0.plusSeconds(20)).get(0);
        RunStart batch = new RunStart(UUID.randomUUID().toString(), T0, 1, 1, false,
                List.of(T0.plusSeconds(10), T0.plusSeconds(20)), null, null, T0.plusSeconds(20));
        RunTicket first = store.endClaims(List.of(ClaimEnd.start(late, batch, ScheduleChange.release(T0.plusSeconds(30)))))
                .get(0).ticket();
        LastRun firstDone = ok(T0, T0.plusSeconds(21));
        LastRun secondDone = new LastRun(Outcome.FAILURE, T0.plusSeconds(10), T0.plusSeconds(22), Duration.ofSeconds(1), "boom");

        RunEndResult movedOn = end(new RunEnd(first, ExecutionState.SUCCEEDED, T0.plusSeconds(21), null, null, null, null,
                firstDone, null, new RunEnd.Next(T0.plusSeconds(10), "second")));
        RunTicket second = movedOn.next();
        assertThat(movedOn.recorded()).isTrue();
        assertThat(store.get("a").orElseThrow().lastRun()).isEqualTo(firstDone);
        RunTicket third = end(new RunEnd(second, ExecutionState.FAILED, T0.plusSeconds(22), "boom", "trace", null, null,
                secondDone, null, new RunEnd.Next(T0.plusSeconds(20), "third"))).next();

        assertThat(second.executionId()).isEqualTo("second");
        assertThat(second.fireTime()).isEqualTo(T0.plusSeconds(10));
        assertThat(third.fireTime()).isEqualTo(T0.plusSeconds(20));
        assertThat(first.fencingToken()).isPositive();
        assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
        assertThat(third.fencingToken()).isGreaterThan(second.fencingToken());
        assertThat(store.get("a").orElseThrow().lastRun()).isEqualTo(secondDone);
        assertThat(execution(first.executionId()).state()).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(execution("second").state()).isEqualTo(ExecutionState.FAILED);
        assertThat(execution("third").state()).isEqualTo(ExecutionState.RUNNING);
        assertThat(execution("third").queued()).isEmpty();
        assertThat(store.holdsRun(first)).isFalse();
        assertThat(store.holdsRun(third)).isTrue();

        // The run is still one instance: once it ends, the next firing runs, with a higher token again.
        assertThat(end(succeeded(third, T0.plusSeconds(23), null)).recorded()).isTrue();
        RunTicket after = start(claimAll(T0.plusSeconds(30)).get(0), T0.plusSeconds(40)).ticket();
        assertThat(after.fencingToken()).isGreaterThan(third.fencingToken());
    }

    @Test
    void aRunThatKeepsItsJobsClaimPutsTheJobBackWhenItEnds() {
        store.add(job("a", T0));
        Claim claim = claimAll(T0).get(0);
        RunTicket ticket = start(claim, 1, ScheduleChange.keepWithExecution()).ticket();
        assertThat(store.get("a").orElseThrow().claimedFireTime()).as("kept through the run").isEqualTo(T0);
        assertThat(claimAll(T0.plusSeconds(60))).isEmpty();

        end(new RunEnd(ticket, ExecutionState.SUCCEEDED, T0.plusSeconds(3), null, null, null, null, ok(T0, T0.plusSeconds(3)),
                ScheduleChange.release(T0.plusSeconds(13)), null));

        StoredJob read = store.get("a").orElseThrow();
        assertThat(read.claimedFireTime()).isNull();
        assertThat(read.nextFireTime()).isEqualTo(T0.plusSeconds(13));
        assertThat(read.lastRun()).isEqualTo(ok(T0, T0.plusSeconds(3)));
    }

    @Test
    void aKeptClaimChangedMeanwhileIsNotReleasedByTheRunsEnd() {
        store.add(job("a", T0));
        RunTicket ticket = start(claimAll(T0).get(0), 1, ScheduleChange.keepWithExecution()).ticket();
        StoredJob current = store.get("a").orElseThrow();
        store.update(current.withClaim(null).withTrigger("interval:PT1M", T0.plusSeconds(60)));

        assertThat(end(new RunEnd(ticket, ExecutionState.SUCCEEDED, T0.plusSeconds(3), null, null, null, null, null,
                ScheduleChange.release(T0.plusSeconds(13)), null)).recorded()).isTrue();
        assertThat(store.get("a").orElseThrow().nextFireTime()).as("the change wins").isEqualTo(T0.plusSeconds(60));
    }

    @Test
    void aRunEndOfAJobPausedMeanwhileKeepsItOutOfTheSchedule() {
        store.add(job("a", T0));
        RunTicket ticket = start(claimAll(T0).get(0), T0.plusSeconds(10)).ticket();
        store.update(store.get("a").orElseThrow().withPaused(true, null));
        end(succeeded(ticket, T0.plusSeconds(1), ok(T0, T0.plusSeconds(1))));

        StoredJob read = store.get("a").orElseThrow();
        assertThat(read.paused()).isTrue();
        assertThat(read.lastRun()).isEqualTo(ok(T0, T0.plusSeconds(1)));
        assertThat(store.nextDueTime(null)).isEmpty();
        assertThat(claimAll(T0.plusSeconds(60))).isEmpty();
    }

    @Test
    void aRunEndOfAJobRemovedMeanwhileIsRecordedInTheHistoryOnly() {
        store.add(job("a", T0));
        RunTicket ticket = start(claimAll(T0).get(0), T0.plusSeconds(10)).ticket();
        store.remove("a");
        assertThat(end(succeeded(ticket, T0.plusSeconds(1), ok(T0, T0.plusSeconds(1)))).recorded()).isTrue();
        assertThat(store.get("a")).isEmpty();
        assertThat(execution(ticket.executionId()).state()).isEqualTo(ExecutionState.SUCCEEDED);
    }

    // --- retries -------------------------------------------------------------------------------

    @Test
    void aFailedAttemptWaitsForItsRetryWithoutAnInstanceAndAnyClaimTakesItWhenDue() {
        store.add(job("a", T0));
        RunTicket first = start(claimAll(T0).get(0), T0.plusSeconds(10)).ticket();
        assertThat(end(retryAt(first, T0.plusSeconds(1), T0.plusSeconds(15)))).isEqualTo(RunEndResult.RECORDED);

        StoredExecution waiting = execution(first.executionId());
        assertThat(waiting.state()).isEqualTo(ExecutionState.WAITING_FOR_RETRY);
        assertThat(waiting.dueAt()).isEqualTo(T0.plusSeconds(15));
        assertThat(waiting.error()).isEqualTo("boom");
        assertThat(store.nextDueTime(null)).contains(T0.plusSeconds(10));

        // A waiting retry takes no instance: the next fire time of a job with max instances 1 starts.
        RunTicket second = start(claimAll(T0.plusSeconds(10)).get(0), T0.plusSeconds(20)).ticket();
        assertThat(second).isNotNull();
        assertThat(store.nextDueTime(null)).contains(T0.plusSeconds(15));
        assertThat(claimAll(T0.plusSeconds(14))).isEmpty();

        Claim retry = claimAll(T0.plusSeconds(15)).get(0);
        assertThat(retry).isInstanceOf(Claim.Due.class);
        assertThat(((Claim.Due) retry).execution().id()).isEqualTo(first.executionId());
        assertThat(((Claim.Due) retry).job().id()).isEqualTo("a");
        assertThat(retry.fireTime()).isEqualTo(T0);
        assertThat(claimAll(T0.plusSeconds(15))).as("claimed once").isEmpty();

        // Its run takes an instance when it starts: none is free while the second run goes on.
        assertThat(start(retry, 1, null)).isEqualTo(ClaimResult.AT_MAX_INSTANCES);
        assertThat(store.endClaims(List.of(ClaimEnd.waitUntil(retry, T0.plusSeconds(16), null, T0.plusSeconds(15)))))
                .extracting(ClaimResult::status).containsExactly(ClaimResult.Status.ENDED);
        assertThat(execution(first.executionId()).dueAt()).isEqualTo(T0.plusSeconds(16));
        end(succeeded(second, T0.plusSeconds(16), null));

        Claim again = claimAll(T0.plusSeconds(16)).stream().filter(c -> c instanceof Claim.Due).findFirst().orElseThrow();
        RunTicket retried = start(again, 1, null).ticket();
        assertThat(retried.executionId()).isEqualTo(first.executionId());
        assertThat(retried.attempt()).isEqualTo(2);
        assertThat(retried.fencingToken()).isGreaterThan(second.fencingToken());
        assertThat(execution(first.executionId()).attempts()).isEqualTo(2);
        assertThat(execution(first.executionId()).state()).isEqualTo(ExecutionState.RUNNING);
    }

    @Test
    void aRetryOfARunThatKeptItsJobsClaimKeepsItUntilTheExecutionEnds() {
        store.add(job("a", T0));
        RunTicket first = start(claimAll(T0).get(0), 1, ScheduleChange.keepWithExecution()).ticket();
        end(retryAt(first, T0.plusSeconds(1), T0.plusSeconds(5)));
        assertThat(store.get("a").orElseThrow().claimedFireTime()).isEqualTo(T0);
        assertThat(execution(first.executionId()).holdsJobClaim()).isTrue();

        Claim retry = claimAll(T0.plusSeconds(5)).get(0);
        assertThat(retry.holdsJobClaim()).isTrue();
        RunTicket second = start(retry, 1, ScheduleChange.keepWithExecution()).ticket();
        end(new RunEnd(second, ExecutionState.SUCCEEDED, T0.plusSeconds(6), null, null, null, null, null,
                ScheduleChange.release(T0.plusSeconds(16)), null));

        StoredJob read = store.get("a").orElseThrow();
        assertThat(read.claimedFireTime()).isNull();
        assertThat(read.nextFireTime()).isEqualTo(T0.plusSeconds(16));
    }

    // --- enqueued executions -------------------------------------------------------------------

    @Test
    void anEnqueuedTaskIsClaimedWhenDueAndRunsOnce() {
        store.enqueue(List.of(task("e1", "mail", T0.plusSeconds(5), T0)));
        StoredExecution waiting = execution("e1");
        assertThat(waiting.state()).isEqualTo(ExecutionState.SCHEDULED);
        assertThat(waiting.jobId()).isNull();
        assertThat(waiting.dataJson()).isEqualTo("{\"n\":1}");
        assertThat(waiting.optionsJson()).isEqualTo("{\"retry\":{\"maxRetries\":2}}");
        assertThat(store.nextDueTime(null)).contains(T0.plusSeconds(5));
        assertThat(claimAll(T0.plusSeconds(4))).isEmpty();

        Claim due = claimAll(T0.plusSeconds(5)).get(0);
        assertThat(due).isInstanceOf(Claim.Due.class);
        assertThat(due.jobId()).isNull();
        assertThat(due.task()).isEqualTo("mail");
        assertThat(due.holdsJobClaim()).isFalse();
        assertThat(store.nextDueTime(null)).isEmpty();

        RunTicket ticket = start(due, 1, null).ticket();
        assertThat(ticket.jobId()).isNull();
        assertThat(ticket.executionId()).isEqualTo("e1");
        assertThat(ticket.fencingToken()).isPositive();
        end(succeeded(ticket, T0.plusSeconds(6), null));
        assertThat(execution("e1").state()).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(claimAll(T0.plusSeconds(60))).isEmpty();
    }

    @Test
    void dueJobsAndExecutionsAreClaimedTogetherEarliestFirst() {
        store.add(job("a", T0.plusSeconds(2)));
        store.enqueue(List.of(task("e1", "mail", T0.plusSeconds(1), T0), task("e3", "mail", T0.plusSeconds(3), T0)));
        assertThat(store.nextDueTime(null)).contains(T0.plusSeconds(1));
        assertThat(store.claim(T0.plusSeconds(10), 2, null)).extracting(Claim::fireTime)
                .containsExactly(T0.plusSeconds(1), T0.plusSeconds(2));
    }

    @Test
    void enqueueRefusesATakenId() {
        store.enqueue(List.of(task("e1", "mail", T0, T0)));
        assertThatThrownBy(() -> store.enqueue(List.of(task("e1", "mail", T0, T0))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("e1");
        assertThat(store.executions(ExecutionQuery.newest())).hasSize(1);
    }

    // --- the history ---------------------------------------------------------------------------

    @Test
    void theHistoryIsNewestFirstAndItsPagesStayStableWhileExecutionsAreAdded() {
        for (int i = 1; i <= 5; i++) {
            store.enqueue(List.of(task("e" + i, "mail", T0.plusSeconds(60), T0.plusSeconds(i))));
        }
        List<StoredExecution> first = store.executions(ExecutionQuery.builder().limit(2).build());
        assertThat(first).extracting(StoredExecution::id).containsExactly("e5", "e4");

        store.enqueue(List.of(task("e6", "mail", T0.plusSeconds(60), T0.plusSeconds(6))));
        ExecutionQuery.Position end = new ExecutionQuery.Position(first.get(1).createdAt(), first.get(1).id());
        List<StoredExecution> second = store.executions(ExecutionQuery.builder().limit(2).after(end.toString()).build());
        assertThat(second).extracting(StoredExecution::id).containsExactly("e3", "e2");
        List<StoredExecution> third = store.executions(ExecutionQuery.builder().limit(2)
                .after(new ExecutionQuery.Position(second.get(1).createdAt(), second.get(1).id()).toString()).build());
        assertThat(third).extracting(StoredExecution::id).containsExactly("e1");
    }

    @Test
    void executionsCreatedAtTheSameInstantArePagedByIdWithoutLossOrRepeat() {
        for (String id : List.of("b", "d", "a", "c")) {
            store.enqueue(List.of(task(id, "mail", T0, T0)));
        }
        List<StoredExecution> first = store.executions(ExecutionQuery.builder().limit(3).build());
        assertThat(first).extracting(StoredExecution::id).containsExactly("d", "c", "b");
        ExecutionQuery.Position end = new ExecutionQuery.Position(T0, "b");
        assertThat(store.executions(ExecutionQuery.builder().limit(3).after(end.toString()).build()))
                .extracting(StoredExecution::id).containsExactly("a");
    }

    @Test
    void theHistoryIsFilteredByJobTaskStateAndCreationTime() {
        store.add(job("a", T0));
        RunTicket ran = start(claimAll(T0).get(0), T0.plusSeconds(10)).ticket();
        end(succeeded(ran, T0.plusSeconds(1), null));
        store.enqueue(List.of(task("t1", "mail", T0.plusSeconds(60), T0.plusSeconds(2)),
                task("t2", "report", T0.plusSeconds(60), T0.plusSeconds(3))));

        assertThat(store.executions(ExecutionQuery.builder().job("a").build())).extracting(StoredExecution::id)
                .containsExactly(ran.executionId());
        assertThat(store.executions(ExecutionQuery.builder().task("mail").build())).extracting(StoredExecution::id)
                .containsExactly("t1");
        assertThat(store.executions(ExecutionQuery.builder().states(ExecutionState.SCHEDULED).build()))
                .extracting(StoredExecution::id).containsExactly("t2", "t1");
        assertThat(store.executions(ExecutionQuery.builder().states(ExecutionState.SUCCEEDED, ExecutionState.FAILED).build()))
                .extracting(StoredExecution::id).containsExactly(ran.executionId());
        assertThat(store.executions(ExecutionQuery.builder().from(T0.plusSeconds(2)).to(T0.plusSeconds(3)).build()))
                .extracting(StoredExecution::id).containsExactly("t1");
    }

    // --- cancellation and requeue ----------------------------------------------------------------

    @Test
    void cancellingAWaitingExecutionEndsItAndLosesItsClaim() {
        store.enqueue(List.of(task("e1", "mail", T0, T0), task("e2", "mail", T0.plusSeconds(60), T0)));
        Claim claimed = claimAll(T0).get(0);

        assertThat(store.cancel("e1", T0.plusSeconds(1))).isEqualTo(JobStore.CancelOutcome.CANCELLED);
        assertThat(store.cancel("e2", T0.plusSeconds(1))).isEqualTo(JobStore.CancelOutcome.CANCELLED);
        assertThat(start(claimed, 1, null)).as("the cancel wins over the claim").isEqualTo(ClaimResult.LOST);
        assertThat(execution("e1").state()).isEqualTo(ExecutionState.CANCELLED);
        assertThat(execution("e1").endedAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(claimAll(T0.plusSeconds(120))).isEmpty();
        assertThat(store.nextDueTime(null)).isEmpty();
        assertThat(store.cancel("e1", T0.plusSeconds(2))).isEqualTo(JobStore.CancelOutcome.ALREADY_ENDED);
        assertThat(store.cancel("nobody", T0)).isEqualTo(JobStore.CancelOutcome.NOT_FOUND);
    }

    @Test
    void cancellingARunningExecutionRequestsItsStop() {
        store.enqueue(List.of(task("e1", "mail", T0, T0)));
        RunTicket ticket = start(claimAll(T0).get(0), 1, null).ticket();
        assertThat(store.stopsRequested(List.of("e1"))).isEmpty();

        assertThat(store.cancel("e1", T0.plusSeconds(1))).isEqualTo(JobStore.CancelOutcome.STOP_REQUESTED);
        assertThat(store.stopsRequested(List.of("e1", "other"))).containsExactly("e1");
        assertThat(store.holdsRun(ticket)).as("it runs until it stops").isTrue();
        end(new RunEnd(ticket, ExecutionState.CANCELLED, T0.plusSeconds(2), null, null, null, null, null, null, null));
        assertThat(execution("e1").state()).isEqualTo(ExecutionState.CANCELLED);
        assertThat(store.stopsRequested(List.of("e1"))).isEmpty();
    }

    @Test
    void aFailedExecutionIsRequeuedToRunAgainFromItsFirstAttempt() {
        store.enqueue(List.of(task("e1", "mail", T0, T0)));
        RunTicket ticket = start(claimAll(T0).get(0), 1, null).ticket();
        assertThat(store.requeue("e1", T0.plusSeconds(1))).as("running: not requeued").isFalse();
        end(failed(ticket, T0.plusSeconds(1), "boom"));

        assertThat(store.requeue("e1", T0.plusSeconds(5))).isTrue();
        StoredExecution requeued = execution("e1");
        assertThat(requeued.state()).isEqualTo(ExecutionState.SCHEDULED);
        assertThat(requeued.dueAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(requeued.attempts()).isZero();
        assertThat(requeued.endedAt()).isNull();
        Claim again = claimAll(T0.plusSeconds(5)).get(0);
        assertThat(start(again, 1, null).ticket().attempt()).isEqualTo(1);
        assertThat(store.requeue("nobody", T0)).isFalse();
    }

    // --- retention -----------------------------------------------------------------------------

    @Test
    void purgeDeletesEndedExecutionsPastTheirAgeInBoundedBatches() {
        for (int i = 0; i < 5; i++) {
            store.enqueue(List.of(task("old" + i, "mail", T0, T0)));
        }
        store.enqueue(List.of(task("waiting", "mail", T0.plusSeconds(3600), T0)));
        for (Claim c : claimAll(T0)) {
            end(succeeded(start(c, 1, null).ticket(), T0.plusSeconds(1), null));
        }

        assertThat(store.purgeExecutions(T0.plusSeconds(1), 1000, 100)).as("ended at the cutoff: kept").isZero();
        assertThat(store.purgeExecutions(T0.plusSeconds(2), 1000, 3)).isEqualTo(3);
        assertThat(store.purgeExecutions(T0.plusSeconds(2), 1000, 3)).isEqualTo(2);
        assertThat(store.purgeExecutions(T0.plusSeconds(2), 1000, 3)).isZero();
        assertThat(store.executions(ExecutionQuery.newest())).extracting(StoredExecution::id).containsExactly("waiting");
    }

    @Test
    void purgeKeepsTheNewestEndedExecutionsOfEachJobOrTask() {
        for (int i = 1; i <= 4; i++) {
            store.enqueue(List.of(task("mail" + i, "mail", T0, T0.plusSeconds(i)), task("report" + i, "report", T0,
                    T0.plusSeconds(i))));
        }
        for (Claim c : claimAll(T0)) {
            end(succeeded(start(c, 1, null).ticket(), T0.plusSeconds(10), null));
        }

        assertThat(store.purgeExecutions(T0, 2, 100)).isEqualTo(4);
        assertThat(store.executions(ExecutionQuery.newest())).extracting(StoredExecution::id)
                .containsExactlyInAnyOrder("mail4", "mail3", "report4", "report3");
    }

    @Test
    void purgeNeverDeletesRunningOrWaitingExecutions() {
        store.enqueue(List.of(task("running", "mail", T0, T0), task("waiting", "mail", T0.plusSeconds(3600), T0)));
        start(claimAll(T0).get(0), 1, null);
        assertThat(store.purgeExecutions(T0.plusSeconds(999_999), 1, 100)).isZero();
        assertThat(store.executions(ExecutionQuery.newest())).hasSize(2);
    }

    // --- the rest of the schedule ---------------------------------------------------------------

    @Test
    void pausedJobIsNeitherDueNorClaimed() {
        store.add(job("a", T0));
        store.add(job("b", T0.plusSeconds(5)));
        StoredJob a = store.get("a").orElseThrow();
        assertThat(store.update(a.withPaused(true, null))).isTrue();

        assertThat(store.get("a").orElseThrow().paused()).isTrue();
        assertThat(store.nextDueTime(null)).contains(T0.plusSeconds(5));
        assertThat(claimAll(T0.plusSeconds(10))).extracting(Claim::jobId).containsExactly("b");

        StoredJob paused = store.get("a").orElseThrow();
        assertThat(store.update(paused.withPaused(false, T0.plusSeconds(7)))).isTrue();
        assertThat(claimAll(T0.plusSeconds(10))).extracting(Claim::jobId).containsExactly("a");
    }

    @Test
    void pausedJobWithAFireTimeIsStillNotDue() {
        store.add(job("a", T0).withPaused(true, T0));
        assertThat(claimAll(T0.plusSeconds(1))).isEmpty();
        assertThat(store.nextDueTime(null)).isEmpty();
    }

    @Test
    void nextDueTimeIsTheEarliestSchedulableFireTime() {
        assertThat(store.nextDueTime(null)).isEmpty();
        store.add(job("b", T0.plusSeconds(20)));
        store.add(job("a", T0.plusSeconds(10)));
        store.add(job("unscheduled", null));
        assertThat(store.nextDueTime(null)).contains(T0.plusSeconds(10));
        assertThat(store.nextDueTime(Set.of("task-b"))).contains(T0.plusSeconds(20));
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
        claimAll(T0);
        assertThat(store.counts()).isEqualTo(new JobCounts(2, 0));
    }

    @Test
    void aClaimedJobIsStillOneJobToListCountPauseAndRemove() {
        store.add(job("a", T0));
        store.add(job("b", T0.plusSeconds(60)));
        Claim claim = claimAll(T0).get(0);

        assertThat(store.list()).extracting(StoredJob::id).containsExactly("a", "b");
        assertThat(store.counts()).isEqualTo(new JobCounts(2, 0));
        assertThat(store.add(job("a", T0))).isFalse();

        assertThat(store.update(store.get("a").orElseThrow().withPaused(true, null))).isTrue();
        assertThat(store.counts()).isEqualTo(new JobCounts(2, 1));

        assertThat(store.remove("a")).isTrue();
        assertThat(store.get("a")).isEmpty();
        assertThat(store.counts()).isEqualTo(new JobCounts(1, 0));
        assertThat(release(claim, T0.plusSeconds(10))).isEqualTo(ClaimResult.LOST);
        assertThat(store.list()).extracting(StoredJob::id).containsExactly("b");
    }

    @Test
    void manyJobsDueAtTheSameInstantAreAllClaimed() {
        for (int i = 0; i < 50; i++) {
            store.add(job("job-" + i, T0));
        }
        assertThat(store.claim(T0, 1000, null)).hasSize(50);
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
                        List<Claim> batch = store.claim(horizon, 7, null);
                        for (Claim f : batch) {
                            if (!handedOut.add(f.jobId() + "@" + f.fireTime())) {
                                synchronized (duplicates) {
                                    duplicates.add(f.jobId() + "@" + f.fireTime());
                                }
                            }
                            release(f, f.fireTime().plusSeconds(10));
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
}
