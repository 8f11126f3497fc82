package dev.chime.schedules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.Triggers;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every chime-schedules trigger type says in English when it fires, embedding its parts' descriptions. */
class ScheduleDescriptionTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "calendar-interval:P1M;at=09:00;zone=Europe/Berlin;start=2026-01-31"
                    + " | every month at 09:00 (Europe/Berlin), counting from 2026-01-31, on the last day of shorter months",
            "calendar-interval:P2W;at=07:30;zone=UTC;start=2026-01-05 | every 2 weeks at 07:30 (UTC), counting from 2026-01-05",
            "calendar-interval:P1Y;at=00:00;zone=UTC;start=2024-02-29;month-end=skip"
                    + " | every year at 00:00 (UTC), counting from 2024-02-29, skipping months without that day",
            "calendar-interval:P3D;zone=UTC | every 3 days at the time of day it was added (UTC), counting from the day it was added",
            "daily-window:PT15M;from=09:00;to=17:00;days=MON-FRI;zone=Europe/Berlin"
                    + " | every 15 minutes from 09:00 to 17:00, Monday through Friday (Europe/Berlin)",
            "daily-window:PT1H;from=08:00;to=10:00;days=SAT,SUN;zone=UTC | every hour from 08:00 to 10:00, on Saturday, Sunday (UTC)",
            "daily-window:PT30M;from=00:00;to=23:30;days=MON-SUN;zone=UTC | every 30 minutes from 00:00 to 23:30, every day (UTC)",
            "any:(interval:PT1H)(once:2026-12-24T09:00:00Z) | whenever any of these fires: (every hour); (once, at 2026-12-24T09:00:00Z)",
            "all:(cron:0 0 * * FRI)(cron:0 0 13 * *)"
                    + " | when all of these fire at the same instant: (at 00:00, on Friday (UTC)); (at 00:00, on day 13 of the month (UTC))",
            "excluding:(interval:PT1H)(weekends) | every hour, except on weekends",
            "excluding:(interval:PT1H)(union:(annual:12-25,01-01)(dates:2026-05-01));zone=Europe/Berlin"
                    + " | every hour, except on 01-01, 12-25 each year or on 2026-05-01 (Europe/Berlin)",
            "excluding:(cron:0 9 * * *)(cron:0 9 * * MON);name=mondays | at 09:00 (UTC), except mondays"})
    void everyTypeDescribesItself(String spec, String english) {
        assertThat(Triggers.parse(spec).describe()).isEqualTo(english);
    }

    @Test
    void aWrappedTriggerWithoutItsOwnDescriptionFallsBackToItsSpec() {
        WeekdaysAtTrigger custom = new WeekdaysAtTrigger(LocalTime.of(9, 0), ZoneId.of("UTC"));
        assertThat(Schedules.excluding(custom, ExclusionCalendar.weekends()).describe())
                .isEqualTo("on the schedule " + custom.spec() + ", except on weekends");
        assertThat(Schedules.dailyWindow(java.time.Duration.ofHours(2), LocalTime.of(8, 0), LocalTime.of(12, 0),
                java.util.EnumSet.of(DayOfWeek.WEDNESDAY), ZoneId.of("UTC")).describe())
                .isEqualTo("every 2 hours from 08:00 to 12:00, on Wednesday (UTC)");
    }
}
