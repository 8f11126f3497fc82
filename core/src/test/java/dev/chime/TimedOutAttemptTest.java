package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chime.spi.NaiveJobStore;
import dev.chime.spi.RunEnd;
import dev.chime.spi.RunTicket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A timed-out attempt is decided at its deadline, but its instance slot, its store run and its
 * retry wait until its thread really returns; one still running at twice its timeout is reported
 * once. And whatever fails while an attempt ends, the attempt still ends.
 */
class TimedOutAttemptTest {

    private static final java.time.Instant T0 = java.time.Instant.parse("2026-01-01T00:00:00Z");

    /** Logs, in the order they happen, the store's run completions next to what the job bodies log. */
    static final class LoggingStore extends NaiveJobStore {
        final List<String> log;
        volatile boolean completionThrows;

        LoggingStore(List<String> log) {
            this.log = log;
        }

        @Override
        public CompletionStage<Boolean> completeRunAsync(RunTicket ticket, RunEnd lastRun) {
            if (completionThrows) {
                throw new IllegalStateException("store failed while ending the run");
            }
            log.add("completeRun " + (lastRun == null ? null : lastRun.run().outcome()));
            return super.completeRunAsync(ticket, lastRun);
        }
    }

    private final TestClock clock = TestClock.at(T0);
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final LoggingStore store = new LoggingStore(log);
    private final EventRecorder events = new EventRecorder();
    private final CountDownLatch letFirstCopyReturn = new CountDownLatch(1);
    private final AtomicInteger copies = new AtomicInteger();
    private final AtomicInteger mostCopiesAtOnce = new AtomicInteger();
    private Scheduler scheduler;

    @AfterEach
    void tearDown() {
        letFirstCopyReturn.countDown();
        scheduler.shutdown(Duration.ofSeconds(5));
    }

    /** Attempt 1 ignores every interrupt until the test lets it return; later attempts return at once. */
    private void stubborn(JobContext ctx) {
        mostCopiesAtOnce.accumulateAndGet(copies.incrementAndGet(), Math::max);
        log.add("start " + ctx.scheduledFireTime() + " attempt " + ctx.attempt());
        try {
            while (ctx.attempt() == 1) {
                try {
                    letFirstCopyReturn.await();
                    break;
                } catch (InterruptedException ignored) {
                    log.add("interrupt ignored");
                }
            }
        } finally {
            log.add("return attempt " + ctx.attempt());
            copies.decrementAndGet();
        }
    }

    @Test
    void aTimedOutJobThatIgnoresInterruptsNeverRunsTwiceAndItsRetryStartsOnlyAfterItReturned() {
        scheduler = Scheduler.builder().clock(clock).store(store).listener(events).task("stubborn", this::stubborn).build();
        scheduler.add(JobDefinition.builder("j").task("stubborn").trigger(Triggers.interval(Duration.ofSeconds(1)))
                .options(JobOptions.builder().maxInstances(1).timeout(Duration.ofSeconds(1))
                        .retry(RetryPolicy.fixed(1, Duration.ofMillis(500))).build()).build());
        scheduler.start();

        clock.advance(Duration.ofSeconds(10));

        // Decided at its deadline, as before: a failure with timedOut=true, and a retry to come.
        assertThat(events.of(JobEvent.Failed.class)).singleElement().satisfies(f -> {
            assertThat(f.timedOut()).isTrue();
            assertThat(f.willRetry()).isTrue();
            assertThat(f.time()).isEqualTo(T0.plusSeconds(2));
        });
        // Its slot stayed taken: every later fire time was skipped, not started beside it.
        assertThat(events.of(JobEvent.Skipped.class)).hasSize(9).allSatisfy(s -> assertThat(s.runningInstances()).isEqualTo(1));
        assertThat(events.of(JobEvent.Submitted.class)).hasSize(1);
        // Reported once more, at twice its timeout.
        assertThat(events.of(JobEvent.Overrunning.class)).singleElement().satisfies(o -> {
            assertThat(o.time()).isEqualTo(T0.plusSeconds(3));
            assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(1));
            assertThat(o.attempt()).isEqualTo(1);
        });
        assertThat(log).doesNotContain("completeRun TIMEOUT").noneMatch(l -> l.contains("attempt 2"));

        letFirstCopyReturn.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.stats().runningJobs() == 0);
        clock.runDue();

        assertThat(mostCopiesAtOnce).hasValue(1);
        assertThat(log).filteredOn(l -> !l.equals("interrupt ignored")).containsExactly(
                "start " + T0.plusSeconds(1) + " attempt 1",
                "return attempt 1",
                "start " + T0.plusSeconds(1) + " attempt 2",
                "return attempt 2",
                "completeRun SUCCESS");
        assertThat(events.of(JobEvent.Executed.class)).singleElement().satisfies(e -> assertThat(e.attempt()).isEqualTo(2));
    }

    @Test
    void aTimedOutJobWithoutRetriesCompletesItsStoreRunOnlyWhenItsThreadReturns() {
        scheduler = Scheduler.builder().clock(clock).store(store).listener(events).task("stubborn", this::stubborn).build();
        scheduler.add(JobDefinition.builder("j").task("stubborn").trigger(Triggers.once(T0.plusSeconds(1)))
                .options(JobOptions.builder().timeout(Duration.ofSeconds(1)).build()).build());
        scheduler.start();
        clock.advance(Duration.ofSeconds(5));
        assertThat(log).doesNotContain("completeRun TIMEOUT");

        letFirstCopyReturn.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.stats().runningJobs() == 0);
        // The one-shot job left the store at dispatch; its run's end still goes to the history.
        assertThat(log).filteredOn(l -> !l.equals("interrupt ignored"))
                .containsExactly("start " + T0.plusSeconds(1) + " attempt 1", "return attempt 1", "completeRun TIMEOUT");
    }

    @Test
    void aStoreThatThrowsWhileEndingAnAttemptStillFreesItsInstanceSlot() {
        AtomicInteger runs = new AtomicInteger();
        scheduler = Scheduler.builder().clock(clock).store(store).listener(events).task("count", ctx -> runs.incrementAndGet())
                .build();
        scheduler.add(JobDefinition.of("j", "count", Triggers.interval(Duration.ofSeconds(10))));
        scheduler.start();
        store.completionThrows = true;
        clock.advance(Duration.ofSeconds(30));

        assertThat(runs).hasValue(3);
        assertThat(events.of(JobEvent.Skipped.class)).as("the slot was freed each time").isEmpty();
        assertThat(scheduler.stats().runningJobs()).isZero();
    }
}
