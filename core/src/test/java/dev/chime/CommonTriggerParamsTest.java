package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** start, end and jitter on every trigger type, applied in one place by the trigger registry. */
class CommonTriggerParamsTest extends SchedulerTestSupport {

    private final List<Instant> fired = new CopyOnWriteArrayList<>();

    @ParameterizedTest
    @ValueSource(strings = {
            "once:2026-01-01T09:00:00Z;jitter=PT30S",
            "once:2026-01-01T09:00:00Z;start=2026-01-01T00:00:00Z;end=2026-01-02T00:00:00Z",
            "delay:PT30S;end=2026-01-02T00:00:00Z;jitter=PT5S",
            "delay:PT30S;start=2026-01-01T00:00:00Z;end=2026-01-02T00:00:00Z",
            "interval:PT1H;start=2026-01-01T00:00:00Z;end=2026-02-01T00:00:00Z;jitter=PT5M"})
    void commonParametersRoundTripThroughTheSpec(String spec) {
        Trigger trigger = Triggers.parse(spec);
        assertThat(trigger.spec()).isEqualTo(spec);
        assertThat(Triggers.parse(trigger.spec())).isEqualTo(trigger);
    }

    @Test
    void parametersInAnyOrderAreWrittenBackInOneOrder() {
        assertThat(Triggers.parse("once:2026-01-01T09:00:00Z;jitter=PT30S;end=2026-01-02T00:00:00Z").spec())
                .isEqualTo("once:2026-01-01T09:00:00Z;end=2026-01-02T00:00:00Z;jitter=PT30S");
    }

    @Test
    void onceBeforeItsStartNeverFires() {
        Trigger t = Triggers.parse("once:2026-01-01T09:00:00Z;start=2026-01-01T10:00:00Z");
        assertThat(t.nextFireTime(TriggerContext.first(T0))).isEmpty();
    }

    @Test
    void onceAfterItsEndNeverFires() {
        Trigger t = Triggers.parse("once:2026-01-01T09:00:00Z;end=2026-01-01T08:00:00Z");
        assertThat(t.nextFireTime(TriggerContext.first(T0))).isEmpty();
    }

    @Test
    void fixedDelayStopsAtItsEnd() {
        Trigger t = Triggers.parse("delay:PT30S;end=2026-01-01T00:01:00Z");
        assertThat(t.nextFireTime(new TriggerContext(T0, T0.plusSeconds(30), T0.plusSeconds(30)))).contains(T0.plusSeconds(60));
        assertThat(t.nextFireTime(new TriggerContext(T0, T0.plusSeconds(60), T0.plusSeconds(31)))).isEmpty();
    }

    @Test
    void jitterIsTheSameForTheSameJobOnEveryNodeAndDiffersBetweenJobs() {
        String spec = "once:2026-01-01T09:00:00Z;jitter=PT30M";
        Instant onNodeA = firstFireOnAFreshScheduler("report", spec);
        Instant onNodeB = firstFireOnAFreshScheduler("report", spec);
        Instant otherJob = firstFireOnAFreshScheduler("invoices", spec);
        Instant nominal = Instant.parse("2026-01-01T09:00:00Z");

        assertThat(onNodeA).isEqualTo(onNodeB).isBetween(nominal, nominal.plus(Duration.ofMinutes(30)));
        assertThat(otherJob).isNotEqualTo(onNodeA).isBetween(nominal, nominal.plus(Duration.ofMinutes(30)));
    }

    private Instant firstFireOnAFreshScheduler(String jobId, String spec) {
        try (Scheduler node = Scheduler.builder().clock(TestClock.at(T0)).store(new dev.chime.spi.NaiveJobStore())
                .task("t", ctx -> { }).build()) {
            return node.add(JobDefinition.of(jobId, "t", node.parseTrigger(spec))).nextFireTime().orElseThrow();
        }
    }

    @Test
    void jitteredIntervalRunsEveryNominalFireOnceAndInOrder() {
        start(builder().task("tick", ctx -> fired.add(ctx.scheduledFireTime())));
        scheduler.add(JobDefinition.of("j", "tick", scheduler.parseTrigger("interval:PT1M;start=2026-01-01T00:01:00Z;jitter=PT50S")));
        clock.advance(Duration.ofMinutes(10).plusSeconds(59));

        assertThat(fired).hasSize(10);
        for (int i = 0; i < fired.size(); i++) {
            Instant nominal = T0.plus(Duration.ofMinutes(i + 1));
            assertThat(fired.get(i)).isBetween(nominal, nominal.plusSeconds(50));
        }
        assertThat(new ArrayList<>(fired)).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void jitterNeverRepeatsTheFireJustMade() {
        Trigger t = Triggers.parse("once:2026-01-01T00:00:10Z;jitter=PT1H");
        Instant first = t.nextFireTime(TriggerContext.first(T0)).orElseThrow();
        assertThat(t.nextFireTime(TriggerContext.after(T0, first))).isEmpty();
    }

    @Test
    void onceWithJitterFiresOnceThroughTheScheduler() {
        start(builder().task("tick", ctx -> fired.add(ctx.scheduledFireTime())));
        JobInfo info = scheduler.add(JobDefinition.of("j", "tick", scheduler.parseTrigger("once:2026-01-01T00:01:00Z;jitter=PT30S")));
        clock.advance(Duration.ofMinutes(5));
        assertThat(fired).containsExactly(info.nextFireTime().orElseThrow());
    }

    @Test
    void fixedDelayRunsUntilItsEndThroughTheScheduler() {
        start(builder().task("tick", ctx -> fired.add(ctx.scheduledFireTime())));
        JobInfo info = scheduler.add(JobDefinition.of("j", "tick",
                scheduler.parseTrigger("delay:PT10S;end=2026-01-01T00:00:35Z")));
        assertThat(info.nextFireTime()).contains(T0.plusSeconds(10));
        clock.advance(Duration.ofMinutes(1));
        assertThat(fired).containsExactly(T0.plusSeconds(10), T0.plusSeconds(20), T0.plusSeconds(30));
    }

    @Test
    void badCommonParametersAreRejectedNamingTheParameter() {
        assertThatThrownBy(() -> Triggers.parse("once:2026-01-01T09:00:00Z;jitter=PT1H;jitter=PT2H"))
                .isInstanceOf(InvalidTriggerSpecException.class).hasMessageContaining("parameter 'jitter' is given twice");
        assertThatThrownBy(() -> Triggers.parse("once:2026-01-01T09:00:00Z;jitter=PT-1S"))
                .isInstanceOf(InvalidTriggerSpecException.class).hasMessageContaining("jitter: PT-1S must not be negative");
        assertThatThrownBy(() -> Triggers.parse("once:2026-01-01T09:00:00Z;start=2026-01-02T00:00:00Z;end=2026-01-01T00:00:00Z"))
                .isInstanceOf(InvalidTriggerSpecException.class).hasMessageContaining("end: 2026-01-01T00:00:00Z is before start");
    }
}
