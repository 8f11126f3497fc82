package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.spi.TriggerParser;
import dev.chime.spi.TriggerProvider;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A trigger is plugin code, and its answers are untrusted: one that throws, or answers a time not
 * after the last, is isolated like an unreadable row (reported once, left without a next fire time)
 * and the other jobs go on; no loop over a trigger's answers is unbounded. Timeouts guard against
 * the old behaviour, which spun for ever.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FaultyTriggerTest extends SchedulerTestSupport {

    private final List<JobContext> runs = new CopyOnWriteArrayList<>();

    /**
     * {@code test:<name>}: first fire 10 s after it is asked (or 1 ns for "nanos"), then whatever
     * the named behaviour answers after a fire time.
     */
    record TestTrigger(String name) implements Trigger {
        @Override
        public Optional<Instant> nextFireTime(TriggerContext context) {
            if (context.lastFireTime() == null) {
                return Optional.of(context.now().plus(name.equals("nanos") ? Duration.ofNanos(1) : Duration.ofSeconds(10)));
            }
            return switch (name) {
                case "overflow" -> throw new StackOverflowError("deep recursion in plugin code");
                case "linkage" -> throw new NoClassDefFoundError("com/example/Gone");
                case "same" -> Optional.of(context.lastFireTime());
                case "earlier" -> Optional.of(context.lastFireTime().minusSeconds(1));
                case "nanos" -> Optional.of(context.lastFireTime().plusNanos(1));
                default -> throw new IllegalStateException(name);
            };
        }

        @Override
        public String spec() {
            return "test:" + name;
        }
    }

    static final TriggerProvider PROVIDER = new TriggerProvider() {
        @Override
        public String type() {
            return "test";
        }

        @Override
        public Trigger parse(String body, TriggerParser nested) {
            return new TestTrigger(body);
        }
    };

    private void startWith(UnaryOperator<SchedulerBuilder> more) {
        start(more.apply(builder().triggerProvider(PROVIDER).task("work", runs::add)));
    }

    private void addHealthyJob() {
        scheduler.add(JobDefinition.of("healthy", "work", Triggers.interval(Duration.ofSeconds(10))));
    }

    private void assertIsolatedOnce(String jobId, Class<? extends Throwable> cause) {
        assertThat(events.of(JobEvent.TriggerFailed.class)).singleElement().satisfies(f -> {
            assertThat(f.jobId()).isEqualTo(jobId);
            assertThat(f.task()).isEqualTo("work");
            assertThat(f.scheduledFireTime()).isEqualTo(T0.plusSeconds(10));
            if (cause != null) {
                assertThat(f.error()).hasCauseInstanceOf(cause);
            }
        });
        JobInfo info = scheduler.job(jobId).orElseThrow();
        assertThat(info.nextFireTime()).as("left in the store without a next fire time").isEmpty();
        assertThat(store.get(jobId).orElseThrow().claimedFireTime()).as("its claim was ended").isNull();
        assertThat(runs).extracting(JobContext::jobId).doesNotContain(jobId);
        // The healthy job fired at every one of its fire times meanwhile.
        assertThat(runs).extracting(JobContext::scheduledFireTime)
                .containsExactly(T0.plusSeconds(10), T0.plusSeconds(20), T0.plusSeconds(30), T0.plusSeconds(40),
                        T0.plusSeconds(50), T0.plusSeconds(60));
    }

    @Test
    void aTriggerThrowingStackOverflowErrorIsReportedOnceAndTheOtherJobsGoOn() {
        startWith(b -> b);
        addHealthyJob();
        scheduler.add(JobDefinition.of("faulty", "work", new TestTrigger("overflow")));
        clock.advance(Duration.ofMinutes(1));
        assertIsolatedOnce("faulty", StackOverflowError.class);
    }

    @Test
    void aTriggerThrowingLinkageErrorIsReportedOnceAndTheOtherJobsGoOn() {
        startWith(b -> b);
        addHealthyJob();
        scheduler.add(JobDefinition.of("faulty", "work", new TestTrigger("linkage")));
        clock.advance(Duration.ofMinutes(1));
        assertIsolatedOnce("faulty", NoClassDefFoundError.class);
    }

    @Test
    void aTriggerAnsweringItsLastFireTimeAgainIsFaultyInsteadOfSpinning() {
        startWith(b -> b);
        addHealthyJob();
        scheduler.add(JobDefinition.of("faulty", "work", new TestTrigger("same")));
        clock.advance(Duration.ofMinutes(1));
        assertIsolatedOnce("faulty", null);
        assertThat(events.of(JobEvent.TriggerFailed.class).get(0).error()).hasMessageContaining("must be strictly later");
    }

    @Test
    void aTriggerAnsweringAnEarlierTimeWithoutCoalescingIsFaultyInsteadOfGrowingAList() {
        startWith(b -> b);
        addHealthyJob();
        scheduler.add(JobDefinition.builder("faulty").task("work").trigger(new TestTrigger("earlier"))
                .options(JobOptions.builder().coalesce(false).unlimitedMisfireGrace().build()).build());
        clock.advance(Duration.ofMinutes(1));
        assertIsolatedOnce("faulty", null);
    }

    @Test
    void aFaultyFixedDelayStyleAnswerAfterARunTakesTheJobOutOfTheSchedule() {
        startWith(b -> b);
        scheduler.add(JobDefinition.of("delay", "work", Triggers.fixedDelay(Duration.ofSeconds(10))));
        scheduler.add(JobDefinition.of("faulty", "work", new TestTrigger("overflow")));
        clock.advance(Duration.ofSeconds(35));
        assertThat(events.of(JobEvent.TriggerFailed.class)).extracting(JobEvent.TriggerFailed::jobId).containsExactly("faulty");
        assertThat(runs).extracting(JobContext::jobId).containsExactly("delay", "delay", "delay");
    }

    @Test
    void withoutCoalescingABacklogBeyondTheCapRunsTheFirstThousandAndTheLatestNotEveryOne() {
        startWith(b -> b);
        // A fire time every nanosecond: a second's backlog is a billion fire times.
        scheduler.add(JobDefinition.builder("fine").task("work").trigger(new TestTrigger("nanos"))
                .options(JobOptions.builder().coalesce(false).unlimitedMisfireGrace().build()).build());
        scheduler.pause();
        clock.advance(Duration.ofSeconds(1));
        scheduler.resume();
        clock.runDue();

        assertThat(runs).hasSize(1_001);
        assertThat(runs.get(0).scheduledFireTime()).isEqualTo(T0.plusNanos(1));
        assertThat(runs.get(999).scheduledFireTime()).isEqualTo(T0.plusNanos(1_000));
        assertThat(runs.get(1_000).scheduledFireTime()).as("the latest due fire time").isEqualTo(T0.plusSeconds(1));
        assertThat(scheduler.job("fine").orElseThrow().nextFireTime()).contains(T0.plusSeconds(1).plusNanos(1));
        assertThat(events.of(JobEvent.TriggerFailed.class)).isEmpty();
    }
}
