package dev.chime.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chime.HistoryQuery;
import dev.chime.Outcome;
import dev.chime.RunRecord;
import dev.chime.TestClock;
import dev.chime.spi.NaiveJobStore;
import dev.chime.spi.RunEnd;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HistoryJanitorTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static RunEnd end(String jobId, Instant finishedAt) {
        return new RunEnd(new RunRecord(0, jobId, "t", finishedAt, 1, "n", finishedAt, finishedAt, Duration.ZERO,
                Outcome.SUCCESS, null, null), true);
    }

    /** A store that records every prune call and can fail the first ones. */
    private static final class PruneLog extends NaiveJobStore {
        final List<Instant> cutoffs = new ArrayList<>();
        final AtomicInteger failuresLeft = new AtomicInteger();
        int answer = -1;

        @Override
        public synchronized int pruneHistory(Instant finishedBefore, int keepPerJob, int limit) {
            cutoffs.add(finishedBefore);
            if (failuresLeft.getAndDecrement() > 0) {
                throw new IllegalStateException("database went away");
            }
            return answer >= 0 ? answer : super.pruneHistory(finishedBefore, keepPerJob, limit);
        }
    }

    @Test
    void onARealClockItsThreadTrimsOncePerPeriodAndGoesOnAfterAStoreFailure() {
        PruneLog store = new PruneLog();
        store.failuresLeft.set(1);
        TestClock clock = TestClock.at(T0);
        store.recordOutcome(end("a", T0.minusSeconds(120)));
        store.recordOutcome(end("a", T0.minusSeconds(10)));
        HistoryJanitor janitor = new HistoryJanitor(store, Duration.ofMinutes(1), 100, Duration.ofMillis(20));
        try {
            janitor.start("test", clock);
            await().atMost(Duration.ofSeconds(10)).until(() -> store.history(HistoryQuery.all()).runs().size() == 1);
        } finally {
            janitor.stop(Duration.ofSeconds(5));
        }
        synchronized (store) {
            assertThat(store.cutoffs).hasSizeGreaterThanOrEqualTo(2).allMatch(T0.minusSeconds(60)::equals);
        }
        assertThat(store.history(HistoryQuery.all()).runs()).extracting(RunRecord::finishedAt).containsExactly(T0.minusSeconds(10));
    }

    @Test
    void stoppingInterruptsARoundInProgressAndWaitsForItSoTheStoreIsNotClosedUnderIt() throws Exception {
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean returned = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicInteger calls = new AtomicInteger();
        NaiveJobStore store = new NaiveJobStore() {
            @Override
            public int pruneHistory(Instant finishedBefore, int keepPerJob, int limit) {
                calls.incrementAndGet();
                entered.countDown();
                try {
                    new java.util.concurrent.CountDownLatch(1).await(); // a delete that only an interrupt ends
                } catch (InterruptedException e) {
                    // A JDBC driver answers an interrupt by failing the call; the batch still ends here.
                    returned.set(true);
                    return HistoryJanitor.BATCH;
                }
                return 0;
            }
        };
        HistoryJanitor janitor = new HistoryJanitor(store, Duration.ofMinutes(1), 100, Duration.ofMillis(10));
        janitor.start("test", TestClock.at(T0));
        assertThat(entered.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        janitor.stop(Duration.ofSeconds(10));

        assertThat(returned).as("the round had ended when stop returned").isTrue();
        assertThat(calls).as("no batch after the interrupt, though the last came back full").hasValue(1);
    }

    @Test
    void aRoundGoesOnWhileBatchesComeBackFullAndStopsAtItsBound() {
        PruneLog store = new PruneLog();
        store.answer = HistoryJanitor.BATCH;
        new HistoryJanitor(store, Duration.ofMinutes(1), 100, Duration.ofMinutes(1)).round(T0);
        assertThat(store.cutoffs).hasSize(HistoryJanitor.MAX_BATCHES);

        PruneLog partial = new PruneLog();
        partial.answer = HistoryJanitor.BATCH - 1;
        new HistoryJanitor(partial, Duration.ofMinutes(1), 100, Duration.ofMinutes(1)).round(T0);
        assertThat(partial.cutoffs).hasSize(1);
    }

    @Test
    void onATestClockTheFirstRoundComesOnePeriodAfterTheFirstPass() {
        PruneLog store = new PruneLog();
        HistoryJanitor janitor = new HistoryJanitor(store, Duration.ofMinutes(5), 100, Duration.ofMinutes(1));
        janitor.roundIfDue(T0);
        janitor.roundIfDue(T0.plusSeconds(59));
        assertThat(store.cutoffs).isEmpty();
        janitor.roundIfDue(T0.plusSeconds(60));
        janitor.roundIfDue(T0.plusSeconds(61));
        assertThat(store.cutoffs).containsExactly(T0.plusSeconds(60).minus(Duration.ofMinutes(5)));
    }

    @Test
    void aStackTraceLongerThanARecordKeepsIsCutAndSaysSo() {
        Throwable deep = new IllegalStateException("deep");
        StackTraceElement[] frames = new StackTraceElement[2_000];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = new StackTraceElement("dev.example.Recursion", "call", "Recursion.java", i);
        }
        deep.setStackTrace(frames);

        String trace = RunRecords.stackTrace(deep);
        assertThat(trace).hasSize(RunRecord.MAX_STACK_TRACE).startsWith("java.lang.IllegalStateException: deep").endsWith("(cut)");
        assertThat(RunRecords.stackTrace(new RuntimeException("short"))).startsWith("java.lang.RuntimeException: short")
                .doesNotContain("(cut)");
    }
}
