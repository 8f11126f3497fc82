package dev.chime.schedules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.InvalidTriggerSpecException;
import dev.chime.Trigger;
import dev.chime.TriggerContext;
import dev.chime.Triggers;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The common start, end and jitter on chime-schedules types, which implement none of them. */
class SchedulesCommonParamsTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "daily-window:PT15M;from=09:00;to=17:00;days=MON,TUE,WED,THU,FRI,SAT,SUN;zone=Europe/Berlin;start=2026-03-02T00:00:00Z;end=2026-03-03T00:00:00Z;jitter=PT1M",
            "any:(cron:0 9 * * *)(cron:30 17 * * *);end=2026-04-01T00:00:00Z;jitter=PT10S",
            "any:(cron:0 9 * * *;start=2026-03-01T00:00:00Z)(once:2026-12-24T09:00:00Z)",
            "calendar-interval:P1M;at=09:00;zone=Z;start=2026-01-31;end=2026-06-01T00:00:00Z;jitter=PT5M"})
    void specsWithCommonParametersRoundTrip(String spec) {
        Trigger trigger = Triggers.parse(spec);
        assertThat(trigger.spec()).isEqualTo(spec);
        assertThat(Triggers.parse(trigger.spec())).isEqualTo(trigger);
    }

    @Test
    void dailyWindowRunsFromStartToEndWithinItsJitter() {
        Trigger t = Triggers.parse("daily-window:PT4H;from=08:00;to=16:00;start=2026-03-02T09:00:00Z;end=2026-03-02T23:00:00Z;jitter=PT1M");
        Instant now = Instant.parse("2026-03-01T00:00:00Z");
        Instant first = t.nextFireTime(TriggerContext.first(now)).orElseThrow();
        Instant second = t.nextFireTime(TriggerContext.after(now, first)).orElseThrow();

        // 08:00 is before start; 12:00 and 16:00 are the fires of the 2nd; the 3rd is after end.
        assertThat(first).isBetween(Instant.parse("2026-03-02T12:00:00Z"), Instant.parse("2026-03-02T12:01:00Z"));
        assertThat(second).isBetween(Instant.parse("2026-03-02T16:00:00Z"), Instant.parse("2026-03-02T16:01:00Z"));
        assertThat(t.nextFireTime(TriggerContext.after(now, second))).isEmpty();
    }

    @Test
    void calendarIntervalKeepsItsOwnDateStart() {
        // start is calendar-interval's own parameter (a date); the common start is an instant.
        Trigger t = Triggers.parse("calendar-interval:P1D;at=09:00;start=2026-03-05");
        assertThat(t).isInstanceOf(CalendarIntervalTrigger.class);
        assertThat(t.nextFireTime(TriggerContext.first(Instant.parse("2026-03-01T00:00:00Z"))))
                .contains(Instant.parse("2026-03-05T09:00:00Z"));
    }

    @Test
    void jitterInsideANestedSpecIsRejectedNamingTheFix() {
        assertThatThrownBy(() -> Triggers.parse("any:(cron:0 9 * * *;jitter=PT1M)(cron:0 17 * * *)"))
                .isInstanceOf(InvalidTriggerSpecException.class)
                .hasMessageContaining("jitter is allowed on the outermost trigger of a spec only");
    }
}
