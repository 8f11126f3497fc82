package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.spi.Firing;
import dev.chime.spi.RunTicket;
import dev.chime.spi.StoredJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Retries that survive their node, with a store shared by other nodes: a failed attempt with
 * retries left is stored with its run ({@code JobStore.deferRun}); at shutdown it is left there;
 * a node that takes the run over runs the retry at its due time ({@code Firing.retryAt}).
 */
class DurableRetryTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** A shared store that records deferred retries and can refuse or fail them. */
    static final class DeferringStore extends SharedStoreEngineTest.SharedStore {
        final List<String> deferred = new CopyOnWriteArrayList<>();
        /** What deferRun answers; null makes it fail (the store is unreachable). */
        volatile Boolean deferAnswer = Boolean.TRUE;

        @Override
        public boolean sharedWithOtherNodes() {
            return true;
        }

        @Override
        public boolean deferRun(RunTicket ticket, int attemptsMade, Instant retryAt) {
            calls.add("defer " + ticket.runId());
            Boolean answer = deferAnswer;
            if (answer == null) {
                throw new IllegalStateException("the store is unreachable");
            }
            if (answer) {
                deferred.add(ticket.runId() + " after " + attemptsMade + " at " + retryAt);
            }
            return answer;
        }
    }

    private final TestClock clock = TestClock.at(T0);
    private final DeferringStore store = new DeferringStore();
    private final EventRecorder events = new EventRecorder();
    private final List<Integer> attempts = new CopyOnWriteArrayList<>();
    private final List<Boolean> recoveries = new CopyOnWriteArrayList<>();
    /** Fails its first attempt of every fire time, succeeds after. */
    private final Scheduler scheduler = Scheduler.builder().clock(clock).store(store).listener(events).task("flaky", ctx -> {
        attempts.add(ctx.attempt());
        recoveries.add(ctx.isRecovery());
        if (ctx.attempt() == 1) {
            throw new IllegalStateException("fails");
        }
    }).build();

    @AfterEach
    void shutDown() {
        scheduler.shutdown(Duration.ofSeconds(5));
    }

    private void addFlaky(boolean recoverable) {
        scheduler.add(JobDefinition.builder("j").task("flaky").trigger(Triggers.interval(Duration.ofMinutes(10)))
                .options(JobOptions.builder().recoverable(recoverable).retry(RetryPolicy.fixed(2, Duration.ofSeconds(5))).build())
                .build());
    }

    private List<RunRecord> history() {
        return store.history(HistoryQuery.forJob("j")).runs();
    }

    @Test
    void aRecoveredRunWaitingForItsRetryRunsThatAttemptAtItsDueTimeEvenWhenTheJobIsNotRecoverable() {
        addFlaky(false);
        StoredJob row = store.get("j").orElseThrow();
        Instant original = T0.minusSeconds(30);
        Instant retryAt = T0.plusSeconds(20);
        RunTicket adopted = new RunTicket("j", original, "dead-node-run");
        store.recoveries.add(new Firing(row.withClaim(null).withNextFireTime(null), original, true, adopted, List.of(), 1,
                retryAt));
        scheduler.start();
        clock.advance(Duration.ofSeconds(19));
        assertThat(attempts).as("not before its due time").isEmpty();

        clock.advance(Duration.ofSeconds(1));

        assertThat(attempts).as("attempt 2, numbered on from the dead node's").containsExactly(2);
        assertThat(recoveries).as("it runs for the first time: not a re-run").containsExactly(false);
        assertThat(events.of(JobEvent.Missed.class)).as("pending work, not an interrupted body").isEmpty();
        assertThat(store.completed).extracting(RunTicket::runId).containsExactly("dead-node-run");
        assertThat(history()).singleElement().satisfies(r -> {
            assertThat(r.fireTime()).isEqualTo(original);
            assertThat(r.attempts()).isEqualTo(2);
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        });
    }

    @Test
    void aFailedAttemptWithRetriesLeftIsStoredWithItsRunBeforeItWaits() {
        addFlaky(false);
        scheduler.start();
        clock.advance(Duration.ofMinutes(10));

        assertThat(attempts).containsExactly(1);
        assertThat(store.deferred).containsExactly("run-1 after 1 at " + T0.plus(Duration.ofMinutes(10)).plusSeconds(5));
        clock.advance(Duration.ofSeconds(5));
        assertThat(attempts).containsExactly(1, 2);
        assertThat(history()).singleElement().satisfies(r -> assertThat(r.attempts()).isEqualTo(2));
    }

    @Test
    void atShutdownAStoredRetryIsLeftInTheStoreWithoutAFailedOutcome() {
        addFlaky(false);
        scheduler.start();
        clock.advance(Duration.ofMinutes(10));
        assertThat(store.deferred).hasSize(1);

        scheduler.shutdown(Duration.ofSeconds(5));

        assertThat(store.completed).as("the run is left for another node to take over").isEmpty();
        assertThat(history()).as("no failed outcome").isEmpty();
        assertThat(store.get("j").orElseThrow().lastRun()).isNull();
        assertThat(attempts).containsExactly(1);
    }

    @Test
    void aRetryTheStoreSaysIsAnotherNodesNowIsDroppedWithoutAnOutcome() {
        store.deferAnswer = false;
        addFlaky(false);
        scheduler.start();
        clock.advance(Duration.ofMinutes(10));
        clock.advance(Duration.ofSeconds(30));

        assertThat(attempts).as("the node that took the run over retries it").containsExactly(1);
        assertThat(store.completed).isEmpty();
        assertThat(history()).isEmpty();
        // Its slot was freed: the next fire time runs.
        clock.advance(Duration.ofMinutes(10));
        assertThat(attempts).containsExactly(1, 1);
    }

    @Test
    void aRetryTheStoreCannotTakeWaitsInMemoryAsBefore() {
        store.deferAnswer = null;
        addFlaky(false);
        scheduler.start();
        clock.advance(Duration.ofMinutes(10));
        clock.advance(Duration.ofSeconds(5));

        assertThat(attempts).containsExactly(1, 2);
        assertThat(history()).singleElement().satisfies(r -> {
            assertThat(r.attempts()).isEqualTo(2);
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        });
    }

    /**
     * A node died holding two runs under one id (a one-shot's run waiting for its retry, and a run
     * of the job added again under its id since), each waiting for a retry. The store already
     * counts both against maxInstances, so the taker's own slot count must not skip one: a skipped
     * retry is lost with its failed attempt, and its fire time has no history entry at all.
     * (Quartz blocks a non-concurrent trigger until the other finishes; db-scheduler never drops an
     * execution.)
     */
    @Test
    void aRetryTakenOverWhileTheTakerIsAtMaxInstancesStillRunsRatherThanBeingLost() {
        addFlaky(false);
        StoredJob row = store.get("j").orElseThrow().withClaim(null).withNextFireTime(null);
        Instant first = T0.minusSeconds(40);
        Instant second = T0.minusSeconds(30);
        store.recoveries.add(new Firing(row, first, true, new RunTicket("j", first, "dead-run-1"), List.of(), 1,
                T0.plusSeconds(20)));
        store.recoveries.add(new Firing(row, second, true, new RunTicket("j", second, "dead-run-2"), List.of(), 1,
                T0.plusSeconds(20)));
        scheduler.start();

        clock.advance(Duration.ofSeconds(20));

        assertThat(events.of(JobEvent.Skipped.class)).as("pending work the store already counts").isEmpty();
        assertThat(attempts).containsExactly(2, 2);
        assertThat(history()).extracting(RunRecord::fireTime).containsExactlyInAnyOrder(first, second);
    }

    /** A run of two queued fire times taken over while the first waits for its retry: both run, one entry each. */
    @Test
    void aRecoveredRunOfSeveralFireTimesRunsTheRetryThenTheQueuedOnes() {
        addFlaky(false);
        StoredJob row = store.get("j").orElseThrow().withClaim(null).withNextFireTime(null);
        Instant first = T0.minusSeconds(40);
        Instant second = T0.minusSeconds(30);
        store.recoveries.add(new Firing(row, first, true, new RunTicket("j", first, "dead-run"), List.of(second), 1,
                T0.plusSeconds(20)));
        scheduler.start();

        clock.advance(Duration.ofSeconds(20));
        clock.advance(Duration.ofSeconds(5));

        assertThat(attempts).as("retry 2 of the first, then the second's attempts 1 and 2").containsExactly(2, 1, 2);
        assertThat(recoveries).containsOnly(false);
        assertThat(history()).extracting(RunRecord::fireTime, RunRecord::attempts, RunRecord::outcome)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(first, 2, Outcome.SUCCESS),
                        org.assertj.core.groups.Tuple.tuple(second, 2, Outcome.SUCCESS));
        assertThat(store.deferred).as("the second's retry is stored with the run too").hasSize(1);
    }
}
