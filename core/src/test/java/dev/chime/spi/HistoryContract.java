package dev.chime.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.HistoryPage;
import dev.chime.HistoryQuery;
import dev.chime.LastRun;
import dev.chime.Outcome;
import dev.chime.RunRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The run history part of the store contract: what {@link JobStore#recordOutcome} and the other
 * run-ending calls append, {@link JobStore#history} reads and {@link JobStore#pruneHistory}
 * deletes. A store's test subclasses it as it does {@link JobStoreContract}. A store shared by a
 * cluster may record its own node id in place of the engine's node name, so that field is only
 * checked to be there.
 */
public abstract class HistoryContract {

    protected static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    protected JobStore store;

    protected abstract JobStore createStore() throws Exception;

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

    private static RunRecord run(String jobId, Outcome outcome, Instant fireTime, Instant finishedAt) {
        boolean started = outcome != Outcome.MISSED;
        String error = outcome == Outcome.FAILURE ? "java.io.IOException: disk full" : null;
        return new RunRecord(0, jobId, "task-" + jobId, fireTime, started ? 2 : 0, "node-a",
                started ? finishedAt.minusMillis(250) : null, finishedAt, started ? Duration.ofMillis(250) : Duration.ZERO,
                outcome, error, error == null ? null : "java.io.IOException: disk full\n\tat Report.run(Report.java:12)\n");
    }

    private void record(RunRecord... runs) {
        for (RunRecord run : runs) {
            store.recordOutcome(new RunEnd(run, true));
        }
    }

    /** The runs of every page of {@code query}, following each page's next query to the end. */
    private List<RunRecord> allPages(HistoryQuery query) {
        List<RunRecord> all = new ArrayList<>();
        Optional<HistoryQuery> next = Optional.of(query);
        int pages = 0;
        while (next.isPresent()) {
            HistoryPage page = store.history(next.get());
            assertThat(page.runs().size()).isLessThanOrEqualTo(query.limit());
            all.addAll(page.runs());
            next = page.next();
            assertThat(++pages).as("pages").isLessThan(1_000);
        }
        return all;
    }

    private static void assertSameRun(RunRecord actual, RunRecord expected) {
        assertThat(actual.id()).isPositive();
        assertThat(actual.node()).isNotBlank();
        assertThat(actual.withId(0)).isEqualTo(new RunRecord(0, expected.jobId(), expected.task(), expected.fireTime(),
                expected.attempts(), actual.node(), expected.startedAt(), expected.finishedAt(), expected.duration(),
                expected.outcome(), expected.error(), expected.stackTrace(), expected.dataJson(), expected.optionsJson()));
    }

    private static final String OPTIONS = "{\"retries\":2,\"timeout\":\"PT30S\"}";

    /** The run of an enqueued task: it keeps its data and options, so that it can be requeued. */
    private static RunRecord enqueued(String jobId, Outcome outcome, Instant fireTime, Instant finishedAt, String dataJson) {
        RunRecord r = run(jobId, outcome, fireTime, finishedAt);
        return new RunRecord(0, r.jobId(), r.task(), r.fireTime(), r.attempts(), r.node(), r.startedAt(), r.finishedAt(),
                r.duration(), r.outcome(), r.error(), r.stackTrace(), dataJson, OPTIONS);
    }

    @Test
    void recordedRunsComeBackNewestFirstWithEveryField() {
        store.add(JobStoreContract.job("a", T0));
        RunRecord first = run("a", Outcome.SUCCESS, T0, T0.plusSeconds(1));
        RunRecord second = run("a", Outcome.FAILURE, T0.plusSeconds(10), T0.plusSeconds(11));
        RunRecord missed = run("b", Outcome.MISSED, T0.plusSeconds(5), T0.plusSeconds(12));
        record(first, second, missed);

        List<RunRecord> runs = store.history(HistoryQuery.all()).runs();
        assertThat(runs).hasSize(3);
        assertSameRun(runs.get(0), missed);
        assertSameRun(runs.get(1), second);
        assertSameRun(runs.get(2), first);
        assertThat(runs).extracting(RunRecord::id).doesNotHaveDuplicates();
        assertThat(store.history(HistoryQuery.all()).next()).isEmpty();
    }

    @Test
    void theLastOutcomeOfTheJobIsTheRecordedRunsAndTheHistoryKeepsEveryOne() {
        store.add(JobStoreContract.job("a", T0));
        record(run("a", Outcome.FAILURE, T0, T0.plusSeconds(1)), run("a", Outcome.SUCCESS, T0.plusSeconds(10), T0.plusSeconds(11)));

        assertThat(store.get("a").orElseThrow().lastRun())
                .isEqualTo(new LastRun(Outcome.SUCCESS, T0.plusSeconds(10), T0.plusSeconds(11), Duration.ofMillis(250), null));
        assertThat(store.history(HistoryQuery.forJob("a")).runs()).extracting(RunRecord::outcome)
                .containsExactly(Outcome.SUCCESS, Outcome.FAILURE);
    }

    @Test
    void aRunOfAJobNoLongerInTheStoreOrNotUpdatingItsJobStillGoesToTheHistory() {
        store.add(JobStoreContract.job("again", T0));
        store.recordOutcome(new RunEnd(run("gone", Outcome.SUCCESS, T0, T0.plusSeconds(1)), true));
        store.recordOutcome(new RunEnd(run("again", Outcome.FAILURE, T0, T0.plusSeconds(2)), false));

        assertThat(store.get("again").orElseThrow().lastRun()).as("an earlier job's run under the id").isNull();
        assertThat(store.history(HistoryQuery.all()).runs()).extracting(RunRecord::jobId).containsExactly("again", "gone");
    }

    @Test
    void theFiltersSelectByJobTaskOutcomeAndFinishTime() {
        record(run("a", Outcome.SUCCESS, T0, T0.plusSeconds(1)),
                run("a", Outcome.FAILURE, T0.plusSeconds(10), T0.plusSeconds(11)),
                run("a", Outcome.TIMEOUT, T0.plusSeconds(20), T0.plusSeconds(21)),
                run("b", Outcome.FAILURE, T0.plusSeconds(10), T0.plusSeconds(12)),
                run("b", Outcome.MISSED, T0.plusSeconds(30), T0.plusSeconds(31)));

        assertThat(allPages(HistoryQuery.forJob("a"))).extracting(RunRecord::finishedAt)
                .containsExactly(T0.plusSeconds(21), T0.plusSeconds(11), T0.plusSeconds(1));
        assertThat(allPages(HistoryQuery.all().task("task-b"))).extracting(RunRecord::finishedAt)
                .containsExactly(T0.plusSeconds(31), T0.plusSeconds(12));
        assertThat(allPages(HistoryQuery.all().outcomes(Outcome.FAILURE, Outcome.TIMEOUT))).extracting(RunRecord::finishedAt)
                .containsExactly(T0.plusSeconds(21), T0.plusSeconds(12), T0.plusSeconds(11));
        assertThat(allPages(HistoryQuery.all().finished(T0.plusSeconds(11), T0.plusSeconds(21)))).extracting(RunRecord::finishedAt)
                .as("from is in, before is out").containsExactly(T0.plusSeconds(12), T0.plusSeconds(11));
        assertThat(allPages(HistoryQuery.forJob("b").outcomes(Outcome.FAILURE).finished(T0, null)))
                .extracting(RunRecord::finishedAt).containsExactly(T0.plusSeconds(12));
        assertThat(allPages(HistoryQuery.forJob("nobody"))).isEmpty();
    }

    @Test
    void pagesFollowOneAnotherWithoutGapsOrRepeatsEvenWhenRunsFinishAtOneInstant() {
        List<RunRecord> recorded = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            // Three runs to an instant: the id orders runs that finished together.
            RunRecord r = run("job-" + (i % 4), Outcome.SUCCESS, T0, T0.plusSeconds(i / 3));
            recorded.add(r);
            record(r);
        }
        List<RunRecord> everything = store.history(HistoryQuery.all().limit(100)).runs();
        assertThat(everything).hasSize(11);
        assertThat(everything).isSortedAccordingTo((x, y) -> {
            int byTime = y.finishedAt().compareTo(x.finishedAt());
            return byTime != 0 ? byTime : Long.compare(y.id(), x.id());
        });

        HistoryPage first = store.history(HistoryQuery.all().limit(3));
        assertThat(first.runs()).hasSize(3);
        assertThat(first.next()).isPresent();
        assertThat(allPages(HistoryQuery.all().limit(3))).isEqualTo(everything);
        assertThat(allPages(HistoryQuery.all().limit(11))).isEqualTo(everything);
        assertThat(store.history(HistoryQuery.all().limit(11)).next()).as("exactly one page").isEmpty();
    }

    @Test
    void aRunAddedAfterAPageWasReadDoesNotShiftTheNextPage() {
        for (int i = 0; i < 4; i++) {
            record(run("a", Outcome.SUCCESS, T0, T0.plusSeconds(i)));
        }
        HistoryPage first = store.history(HistoryQuery.all().limit(2));
        record(run("a", Outcome.SUCCESS, T0, T0.plusSeconds(60)));

        HistoryPage second = store.history(first.next().orElseThrow());
        assertThat(second.runs()).extracting(RunRecord::finishedAt).containsExactly(T0.plusSeconds(1), T0);
    }

    @Test
    void runsEndedThroughTheRunCallsGoToTheHistoryAndAnEndWithoutOutcomeLeavesNone() {
        store.add(JobStoreContract.job("a", T0));
        Firing late = store.claimDue(T0.plusSeconds(10), 10).get(0);
        RunRequest batch = new RunRequest("a", T0, 1, false, null, List.of(T0.plusSeconds(10)));
        RunTicket first = store.dispatch(List.of(new Dispatch(late, batch, T0.plusSeconds(20)))).get(0).ticket();
        RunTicket second = store.advanceRun(first, T0.plusSeconds(10),
                new RunEnd(run("a", Outcome.SUCCESS, T0, T0.plusSeconds(11)), true));
        assertThat(second).isNotNull();
        assertThat(store.completeRun(second, new RunEnd(run("a", Outcome.FAILURE, T0.plusSeconds(10), T0.plusSeconds(12)), true)))
                .isTrue();

        Firing third = store.claimDue(T0.plusSeconds(20), 10).get(0);
        RunTicket thirdRun = store.dispatch(List.of(new Dispatch(third, new RunRequest("a", third.fireTime(), 1, false, null),
                T0.plusSeconds(30)))).get(0).ticket();
        assertThat(store.completeRun(thirdRun, null)).isTrue();

        Firing fourth = store.claimDue(T0.plusSeconds(30), 10).get(0);
        RunTicket fourthRun = store.dispatch(List.of(new Dispatch(fourth, new RunRequest("a", fourth.fireTime(), 1, false, null),
                T0.plusSeconds(40)))).get(0).ticket();
        assertThat(store.completeRunAsync(fourthRun,
                new RunEnd(run("a", Outcome.SUCCESS, T0.plusSeconds(30), T0.plusSeconds(31)), true)).toCompletableFuture().join())
                .isTrue();

        assertThat(store.history(HistoryQuery.forJob("a")).runs()).extracting(RunRecord::fireTime)
                .containsExactly(T0.plusSeconds(30), T0.plusSeconds(10), T0);
    }

    @Test
    void theFireTimesARunEndsBeforeGoToTheHistoryWithItsEnd() {
        store.add(JobStoreContract.job("a", T0));
        store.recordOutcome(new RunEnd(run("a", Outcome.SUCCESS, T0, T0.plusSeconds(1)), true,
                List.of(run("a", Outcome.MISSED, T0.plusSeconds(10), T0.plusSeconds(1)))));

        Firing firing = store.claimDue(T0.plusSeconds(20), 10).get(0);
        RunTicket ticket = store.dispatch(List.of(new Dispatch(firing, new RunRequest("a", firing.fireTime(), 1, false, null),
                T0.plusSeconds(60)))).get(0).ticket();
        assertThat(store.completeRun(ticket, new RunEnd(run("a", Outcome.FAILURE, T0.plusSeconds(20), T0.plusSeconds(30)), true,
                List.of(run("a", Outcome.MISSED, T0.plusSeconds(30), T0.plusSeconds(30)),
                        run("a", Outcome.MISSED, T0.plusSeconds(40), T0.plusSeconds(30)))))).isTrue();

        assertThat(allPages(HistoryQuery.forJob("a"))).extracting(r -> r.outcome() + "@" + (r.fireTime().getEpochSecond() - T0.getEpochSecond()))
                .containsExactlyInAnyOrder("SUCCESS@0", "MISSED@10", "FAILURE@20", "MISSED@30", "MISSED@40");
        assertThat(store.get("a").orElseThrow().lastRun().outcome()).as("the run's own outcome is the job's").isEqualTo(Outcome.FAILURE);
    }

    @Test
    void anEnqueuedTasksDataAndOptionsComeBackThroughEveryCallThatEndsARun() {
        // recordOutcome: the task's run leaves no job behind (updatesJob false), with and without data.
        RunRecord recorded = enqueued("task-1", Outcome.FAILURE, T0, T0.plusSeconds(1), "{\"invoice\":42,\"note\":\"ünïcode\"}");
        RunRecord withoutData = enqueued("task-2", Outcome.SUCCESS, T0, T0.plusSeconds(2), null);
        store.recordOutcome(new RunEnd(recorded, false));
        store.recordOutcome(new RunEnd(withoutData, false));

        // completeRun, advanceRun and completeRunAsync: the one-shot's job left the store at dispatch.
        store.add(JobStoreContract.job("task-3", T0));
        Firing firing = store.claimDue(T0.plusSeconds(10), 10).get(0);
        RunRequest batch = new RunRequest("task-3", T0, 1, false, firing.job(), List.of(T0.plusSeconds(5)));
        RunTicket first = store.dispatch(List.of(new Dispatch(firing, batch, null))).get(0).ticket();
        RunRecord advanced = enqueued("task-3", Outcome.FAILURE, T0, T0.plusSeconds(3), "[1,2]");
        RunTicket second = store.advanceRun(first, T0.plusSeconds(5), new RunEnd(advanced, false));
        assertThat(second).isNotNull();
        RunRecord completed = enqueued("task-3", Outcome.SUCCESS, T0.plusSeconds(5), T0.plusSeconds(6), "\"text\"");
        assertThat(store.completeRun(second, new RunEnd(completed, false))).isTrue();

        store.add(JobStoreContract.job("task-4", T0));
        Firing other = store.claimDue(T0.plusSeconds(10), 10).get(0);
        RunTicket ticket = store.dispatch(List.of(new Dispatch(other, new RunRequest("task-4", T0, 1, false, other.job()), null)))
                .get(0).ticket();
        RunRecord async = enqueued("task-4", Outcome.TIMEOUT, T0, T0.plusSeconds(7), "{}");
        assertThat(store.completeRunAsync(ticket, new RunEnd(async, false)).toCompletableFuture().join()).isTrue();

        List<RunRecord> runs = store.history(HistoryQuery.all()).runs();
        assertThat(runs).hasSize(5);
        assertSameRun(runs.get(0), async);
        assertSameRun(runs.get(1), completed);
        assertSameRun(runs.get(2), advanced);
        assertSameRun(runs.get(3), withoutData);
        assertSameRun(runs.get(4), recorded);
        assertThat(runs).allMatch(RunRecord::enqueued);
    }

    @Test
    void aJobsRunComesBackWithoutDataOrOptions() {
        store.add(JobStoreContract.job("a", T0));
        record(run("a", Outcome.SUCCESS, T0, T0.plusSeconds(1)));

        RunRecord read = store.history(HistoryQuery.forJob("a")).runs().get(0);
        assertThat(read.dataJson()).isNull();
        assertThat(read.optionsJson()).isNull();
        assertThat(read.enqueued()).isFalse();
    }

    @Test
    void aCancelledRunComesBackCancelledAndIsFoundByItsOutcome() {
        store.add(JobStoreContract.job("a", T0));
        RunRecord cancelled = enqueued("a", Outcome.CANCELLED, T0, T0.plusSeconds(1), "{\"n\":1}");
        record(cancelled, run("a", Outcome.SUCCESS, T0.plusSeconds(10), T0.plusSeconds(11)));

        List<RunRecord> found = store.history(HistoryQuery.all().outcomes(Outcome.CANCELLED)).runs();
        assertThat(found).hasSize(1);
        assertSameRun(found.get(0), cancelled);
        assertThat(store.get("a").orElseThrow().lastRun().outcome()).isEqualTo(Outcome.SUCCESS);
    }

    @Test
    void aLongStackTraceAndErrorComeBackWhole() {
        StringBuilder trace = new StringBuilder("java.lang.IllegalStateException: deep\n");
        while (trace.length() < RunRecord.MAX_STACK_TRACE - 60) {
            trace.append("\tat dev.example.Recursion.call(Recursion.java:").append(trace.length()).append(")\n");
        }
        RunRecord failed = new RunRecord(0, "a", "task-a", T0, 1, "node-a", T0, T0.plusSeconds(1), Duration.ofSeconds(1),
                Outcome.FAILURE, "java.lang.IllegalStateException: deep — ünïcode", trace.toString());
        record(failed);

        assertSameRun(store.history(HistoryQuery.all()).runs().get(0), failed);
    }

    @Test
    void pruningDeletesWhatFinishedBeforeTheCutoffAndWhatIsBeyondTheCountPerJobInBatches() {
        for (int i = 0; i < 6; i++) {
            record(run("a", Outcome.SUCCESS, T0, T0.plusSeconds(i)));
        }
        record(run("b", Outcome.SUCCESS, T0, T0.plusSeconds(1)), run("b", Outcome.FAILURE, T0, T0.plusSeconds(100)));

        assertThat(store.pruneHistory(T0.plusSeconds(2), 1_000, 100)).as("a's at 0s and 1s, b's at 1s").isEqualTo(3);
        assertThat(allPages(HistoryQuery.all())).extracting(r -> r.jobId() + "@" + (r.finishedAt().getEpochSecond() - T0.getEpochSecond()))
                .containsExactly("b@100", "a@5", "a@4", "a@3", "a@2");

        assertThat(store.pruneHistory(T0, 2, 1)).as("one batch of one").isEqualTo(1);
        assertThat(store.pruneHistory(T0, 2, 1)).isEqualTo(1);
        assertThat(store.pruneHistory(T0, 2, 1)).as("nothing more beyond a's newest 2").isZero();
        assertThat(allPages(HistoryQuery.all())).extracting(r -> r.jobId() + "@" + (r.finishedAt().getEpochSecond() - T0.getEpochSecond()))
                .containsExactly("b@100", "a@5", "a@4");
    }

    @Test
    void pruningAnEmptyHistoryDeletesNothing() {
        assertThat(store.pruneHistory(T0, 1, 100)).isZero();
        assertThat(store.history(HistoryQuery.all()).runs()).isEmpty();
    }
}
