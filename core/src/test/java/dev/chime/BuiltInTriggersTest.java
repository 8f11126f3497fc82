package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BuiltInTriggersTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @ParameterizedTest
    @ValueSource(strings = {
            "once:2026-01-01T09:00:00Z",
            "interval:PT10S",
            "interval:PT10S;start=2026-01-01T00:00:00Z",
            "interval:PT1H;start=2026-01-01T00:00:00Z;end=2026-02-01T00:00:00Z;jitter=PT5M",
            "delay:PT30S",
            "delay:PT30S;start=2026-01-01T00:00:00Z"})
    void specsRoundTrip(String spec) {
        Trigger trigger = Triggers.parse(spec);
        assertThat(trigger.spec()).isEqualTo(spec);
        assertThat(Triggers.parse(trigger.spec()).spec()).isEqualTo(spec);
    }

    @Test
    void factoryTriggersRoundTripThroughTheirSpecs() {
        assertThat(Triggers.parse(Triggers.once(T0).spec())).isEqualTo(Triggers.once(T0));
        assertThat(Triggers.parse(Triggers.interval(Duration.ofSeconds(10)).spec())).isEqualTo(Triggers.interval(Duration.ofSeconds(10)));
        assertThat(Triggers.parse(Triggers.fixedDelay(Duration.ofMinutes(1)).spec())).isEqualTo(Triggers.fixedDelay(Duration.ofMinutes(1)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "interval:10s|interval: '10s' is not an ISO-8601 duration",
            "interval:PT-10S|interval: PT-10S is outside PT0.001S (1 ms) to PT876600H (100 years)",
            "interval:PT0.000000001S|interval: PT0.000000001S is outside PT0.001S (1 ms) to PT876600H (100 years)",
            "interval:PT1000000H|interval: PT1000000H is outside PT0.001S (1 ms) to PT876600H (100 years)",
            "interval:PT10S;every=2|unknown parameter 'every'",
            "interval:PT10S;jitter=PT20S|jitter: PT20S must be at least zero and shorter than the interval PT10S",
            "interval:PT10S;start=yesterday|start: 'yesterday' is not an ISO-8601 instant",
            "interval:PT10S;start|parameter 'start' is not of the form key=value",
            "interval:PT10S;start=2026-01-02T00:00:00Z;end=2026-01-01T00:00:00Z|end: 2026-01-01T00:00:00Z is before start",
            "once:tomorrow|instant: 'tomorrow' is not an ISO-8601 instant",
            "delay:PT0S|delay: PT0S is outside PT0.001S (1 ms) to PT876600H (100 years)",
            "delay:PT0.0005S|delay: PT0.0005S is outside PT0.001S (1 ms)",
            "weekly:monday|unknown trigger type 'weekly' (known types: delay, interval, once",
            "PT10S|missing the type before ':'"})
    void badSpecsAreRejectedNamingTheBadPart(String spec, String message) {
        assertThatThrownBy(() -> Triggers.parse(spec))
                .isInstanceOf(InvalidTriggerSpecException.class)
                .hasMessageContaining("\"" + spec + "\"")
                .hasMessageContaining(message);
    }

    @Test
    void blankSpecIsRejected() {
        assertThatThrownBy(() -> Triggers.parse("  ")).isInstanceOf(InvalidTriggerSpecException.class);
        assertThatThrownBy(() -> Triggers.parse(null)).isInstanceOf(InvalidTriggerSpecException.class);
    }

    @Test
    void oneShotFiresOnceEvenWhenItsInstantIsPast() {
        Trigger once = Triggers.once(T0);
        assertThat(once.nextFireTime(TriggerContext.first(T0.plusSeconds(60)))).contains(T0);
        assertThat(once.nextFireTime(TriggerContext.after(T0.plusSeconds(60), T0))).isEmpty();
        assertThat(once.nextFireTime(TriggerContext.after(T0, T0.minusSeconds(1)))).contains(T0);
    }

    @Test
    void intervalStaysOnTheGridOfItsStart() {
        Trigger t = Triggers.interval(Duration.ofSeconds(10), T0, null, null);
        assertThat(t.nextFireTime(TriggerContext.first(T0.minusSeconds(100)))).contains(T0);
        assertThat(t.nextFireTime(TriggerContext.first(T0.plusSeconds(25)))).contains(T0.plusSeconds(30));
        assertThat(t.nextFireTime(TriggerContext.first(T0.plusSeconds(30)))).contains(T0.plusSeconds(30));
        assertThat(t.nextFireTime(TriggerContext.after(T0, T0.plusSeconds(10)))).contains(T0.plusSeconds(20));
        assertThat(t.nextFireTime(TriggerContext.after(T0, T0.plusMillis(10_500)))).contains(T0.plusSeconds(20));
        assertThat(t.nextFireTime(TriggerContext.after(T0, T0.minusSeconds(5)))).contains(T0);
    }

    @Test
    void intervalKeepsItsGridOverSpansTooLongForNanoseconds() {
        // 400 years of 7-hour steps: past a long of nanoseconds, so the exact (slow) path must agree.
        Instant start = Instant.parse("1700-01-01T00:00:00Z");
        Trigger t = Triggers.interval(Duration.ofHours(7), start, null, null);
        Instant now = Instant.parse("2100-06-15T12:34:56Z");
        long steps = Duration.between(start, now).dividedBy(Duration.ofHours(7));
        Instant expected = start.plus(Duration.ofHours(7).multipliedBy(steps + 1));
        assertThat(t.nextFireTime(TriggerContext.first(now))).contains(expected);
        assertThat(t.nextFireTime(TriggerContext.after(now, now))).contains(expected);
    }

    @Test
    void intervalGridHoldsToTheNanosecond() {
        Trigger t = Triggers.interval(Duration.ofNanos(333_333_333), T0, null, null);
        assertThat(t.nextFireTime(TriggerContext.after(T0, T0.plusSeconds(1))))
                .contains(T0.plusNanos(4 * 333_333_333L));
        assertThat(t.nextFireTime(TriggerContext.first(T0.plusNanos(666_666_666)))).contains(T0.plusNanos(666_666_666));
        assertThat(t.nextFireTime(TriggerContext.first(T0.plusNanos(666_666_667)))).contains(T0.plusNanos(999_999_999));
    }

    @Test
    void intervalEndsAfterItsEnd() {
        Trigger t = Triggers.interval(Duration.ofSeconds(10), T0, T0.plusSeconds(20), null);
        assertThat(t.nextFireTime(TriggerContext.after(T0, T0.plusSeconds(10)))).contains(T0.plusSeconds(20));
        assertThat(t.nextFireTime(TriggerContext.after(T0, T0.plusSeconds(20)))).isEmpty();
    }

    @Test
    void jitterDelaysEachFireWithinItsBoundAndNeverDrifts() {
        Trigger t = Triggers.interval(Duration.ofSeconds(10), T0, null, Duration.ofSeconds(2));
        Instant last = t.nextFireTime(TriggerContext.first(T0)).orElseThrow();
        assertThat(last).isBetween(T0, T0.plusSeconds(2));
        boolean sawJitter = false;
        for (int i = 1; i <= 1000; i++) {
            Instant next = t.nextFireTime(TriggerContext.after(T0, last)).orElseThrow();
            Instant nominal = T0.plusSeconds(10L * i);
            assertThat(next).isBetween(nominal, nominal.plusSeconds(2));
            sawJitter |= !next.equals(nominal);
            last = next;
        }
        assertThat(sawJitter).isTrue();
    }

    @Test
    void fixedDelayCountsFromTheLastCompletion() {
        Trigger t = Triggers.fixedDelay(Duration.ofSeconds(30));
        assertThat(t.dependsOnCompletion()).isTrue();
        assertThat(t.nextFireTime(TriggerContext.first(T0))).contains(T0.plusSeconds(30));
        assertThat(t.nextFireTime(new TriggerContext(T0, T0.plusSeconds(30), T0.plusSeconds(95)))).contains(T0.plusSeconds(125));
        assertThat(Triggers.fixedDelay(Duration.ofSeconds(30), T0.plusSeconds(5)).nextFireTime(TriggerContext.first(T0)))
                .contains(T0.plusSeconds(5));
    }

    @Test
    void intervalAnchorsToTheWholeSecondSoJobsAddedTogetherShareAGrid() {
        Trigger a = Triggers.interval(Duration.ofMinutes(1)).anchoredAt(T0.plusMillis(120));
        Trigger b = Triggers.interval(Duration.ofMinutes(1)).anchoredAt(T0.plusMillis(870));
        assertThat(a.spec()).isEqualTo(b.spec()).isEqualTo("interval:PT1M;start=2026-01-01T00:01:00Z");
    }

    @Test
    void intervalWithoutStartAnchorsOneIntervalAfterNow() {
        Trigger anchored = Triggers.interval(Duration.ofMinutes(1)).anchoredAt(T0);
        assertThat(anchored.spec()).isEqualTo("interval:PT1M;start=2026-01-01T00:01:00Z");
        Trigger explicit = Triggers.interval(Duration.ofMinutes(1), T0, null, null);
        assertThat(explicit.anchoredAt(T0.plusSeconds(99))).isSameAs(explicit);
    }
}
