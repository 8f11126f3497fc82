package dev.chime.cron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.InvalidTriggerSpecException;
import dev.chime.JobDefinition;
import dev.chime.JobEvent;
import dev.chime.Scheduler;
import dev.chime.TestClock;
import dev.chime.Trigger;
import dev.chime.TriggerContext;
import dev.chime.Triggers;
import dev.chime.spi.NaiveJobStore;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The 'cron' trigger type as users meet it: through the production registry and a scheduler. */
class CronTriggerTest {

    @Test
    void cronSpecsWorkOnceTheModuleIsOnTheClasspath() {
        Trigger trigger = Triggers.parse("cron:0 */5 * * * *");
        assertThat(trigger).isInstanceOf(CronTrigger.class);
        assertThat(((CronTrigger) trigger).expression().dialect()).isEqualTo(CronDialect.SPRING);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "cron:0 */5 * * * *",
            "cron:0 9 * * MON-FRI;zone=Europe/Berlin",
            "cron:0 0 12 ? * 6L 2030",
            "cron:0 0 12 ? * 6L;dialect=quartz",
            "cron:@daily;zone=America/New_York",
            "cron:0 0 0 L * *"})
    void specsRoundTrip(String spec) {
        Trigger trigger = Triggers.parse(spec);
        assertThat(trigger.spec()).isEqualTo(spec);
        assertThat(Triggers.parse(trigger.spec())).isEqualTo(trigger);
    }

    @Test
    void dialectFollowsTheFieldCountUnlessNamed() {
        assertThat(CronTrigger.defaultDialect("0 9 * * *")).isEqualTo(CronDialect.UNIX);
        assertThat(CronTrigger.defaultDialect("0 0 9 * * *")).isEqualTo(CronDialect.SPRING);
        assertThat(CronTrigger.defaultDialect("0 0 9 ? * * 2030")).isEqualTo(CronDialect.QUARTZ);
        CronTrigger quartz = (CronTrigger) Triggers.parse("cron:0 0 9 ? * 2;dialect=QUARTZ");
        // Quartz day 2 is Monday.
        assertThat(quartz.expression().describe()).isEqualTo("at 09:00, on Monday");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "cron:61 * * * *|minute: 61 is outside 0-59 in \"61 * * * *\"",
            "cron:0 9 * * *;zone=Mars/Olympus|zone: 'Mars/Olympus' is not a time zone id",
            "cron:0 9 * * *;dialect=vixie|dialect: 'vixie' is not one of unix, spring, quartz",
            "cron:0 9 * * *;tz=UTC|unknown parameter 'tz'"})
    void badSpecsNameWhatIsWrong(String spec, String message) {
        assertThatThrownBy(() -> Triggers.parse(spec)).isInstanceOf(InvalidTriggerSpecException.class)
                .hasMessageContaining(message);
    }

    @Test
    void firstFireMayBeNowAndLaterOnesAreStrictlyAfter() {
        Trigger trigger = Triggers.parse("cron:0 9 * * *");
        Instant nine = Instant.parse("2026-03-02T09:00:00Z");
        assertThat(trigger.nextFireTime(TriggerContext.first(nine))).contains(nine);
        assertThat(trigger.nextFireTime(TriggerContext.after(nine, nine))).contains(nine.plus(Duration.ofDays(1)));
    }

    @Test
    void schedulerRunsACronJobInItsZone() {
        TestClock clock = TestClock.at(Instant.parse("2026-03-06T00:00:00Z"));
        List<Instant> fired = new CopyOnWriteArrayList<>();
        try (Scheduler scheduler = Scheduler.builder().clock(clock).store(new NaiveJobStore())
                .task("report", ctx -> fired.add(ctx.scheduledFireTime())).build()) {
            scheduler.add(JobDefinition.of("weekday-report", "report", Triggers.parse("cron:0 9 * * MON-FRI;zone=Europe/Berlin")));
            scheduler.start();
            clock.advance(Duration.ofDays(7));
        }
        // Friday the 6th, then Monday to Thursday, at 09:00 Berlin time (08:00 UTC in March before DST).
        assertThat(fired).containsExactly(Instant.parse("2026-03-06T08:00:00Z"), Instant.parse("2026-03-09T08:00:00Z"),
                Instant.parse("2026-03-10T08:00:00Z"), Instant.parse("2026-03-11T08:00:00Z"), Instant.parse("2026-03-12T08:00:00Z"));
    }

    @Test
    void describeNamesTheZone() {
        assertThat(CronTrigger.of("0 9 * * MON-FRI", CronDialect.UNIX, ZoneId.of("Europe/Berlin")).describe())
                .isEqualTo("at 09:00, Monday through Friday (Europe/Berlin)");
    }

    @Test
    void jobEventsCarryTheCronFireTimes() {
        TestClock clock = TestClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        List<JobEvent.Executed> executed = new CopyOnWriteArrayList<>();
        try (Scheduler scheduler = Scheduler.builder().clock(clock).store(new NaiveJobStore()).task("t", ctx -> { })
                .listener(e -> {
                    if (e instanceof JobEvent.Executed x) {
                        executed.add(x);
                    }
                }).build()) {
            scheduler.add(JobDefinition.of("every-15s", "t", Triggers.parse("cron:*/15 * * * * *")));
            scheduler.start();
            clock.advance(Duration.ofMinutes(1));
        }
        assertThat(executed).extracting(JobEvent.Executed::scheduledFireTime).containsExactly(
                Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:00:15Z"),
                Instant.parse("2026-01-01T00:00:30Z"), Instant.parse("2026-01-01T00:00:45Z"),
                Instant.parse("2026-01-01T00:01:00Z"));
    }
}
