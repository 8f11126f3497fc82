package dev.chime.cron;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.Trigger;
import dev.chime.TriggerContext;
import dev.chime.Triggers;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** start, end and jitter on a cron spec: applied by core's trigger registry, not by the cron provider. */
class CronCommonParamsTest {

    private static final String SPEC = "cron:0 9 * * *;zone=Europe/Berlin;start=2026-03-01T00:00:00Z;end=2026-03-04T00:00:00Z;jitter=PT30S";

    @Test
    void cronSpecWithStartEndAndJitterRoundTrips() {
        Trigger trigger = Triggers.parse(SPEC);
        assertThat(trigger.spec()).isEqualTo(SPEC);
        assertThat(Triggers.parse(trigger.spec())).isEqualTo(trigger);
    }

    @Test
    void cronFiresFromStartUntilEndEachWithinItsJitter() {
        Trigger trigger = Triggers.parse(SPEC);
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        Instant first = trigger.nextFireTime(TriggerContext.first(now)).orElseThrow();
        Instant second = trigger.nextFireTime(TriggerContext.after(now, first)).orElseThrow();
        Instant third = trigger.nextFireTime(TriggerContext.after(now, second)).orElseThrow();

        // 09:00 in Berlin is 08:00 UTC in March before DST.
        assertThat(first).isBetween(Instant.parse("2026-03-01T08:00:00Z"), Instant.parse("2026-03-01T08:00:30Z"));
        assertThat(second).isBetween(Instant.parse("2026-03-02T08:00:00Z"), Instant.parse("2026-03-02T08:00:30Z"));
        assertThat(third).isBetween(Instant.parse("2026-03-03T08:00:00Z"), Instant.parse("2026-03-03T08:00:30Z"));
        assertThat(trigger.nextFireTime(TriggerContext.after(now, third))).isEmpty();
    }
}
