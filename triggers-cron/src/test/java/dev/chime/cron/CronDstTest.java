package dev.chime.cron;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The DST rules: a fire time in a spring-forward gap fires once, at the first instant after the gap;
 * in a fall-back overlap a fixed-time job fires at the first occurrence only, while a job whose hour
 * field is '*' or a step fires in both passes.
 */
class CronDstTest {

    private static List<String> fires(String expression, CronDialect dialect, String zone, String fromLocal, int count) {
        CronExpression cron = CronExpression.parse(expression, dialect);
        ZonedDateTime t = ZonedDateTime.of(java.time.LocalDateTime.parse(fromLocal), ZoneId.of(zone));
        List<String> result = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            t = cron.next(t).orElseThrow();
            result.add(t.toOffsetDateTime().toString());
        }
        return result;
    }

    // --- New York: 2026-03-08 02:00 -> 03:00, 2026-11-01 02:00 -> 01:00 -----------------------------

    @Test
    void newYorkDailyJobInTheGapRunsAtTheEndOfTheGap() {
        assertThat(fires("30 2 * * *", CronDialect.UNIX, "America/New_York", "2026-03-07T03:00", 3))
                .containsExactly("2026-03-08T03:00-04:00", "2026-03-09T02:30-04:00", "2026-03-10T02:30-04:00");
    }

    @Test
    void newYorkJobsInsideTheGapCollapseIntoOneFire() {
        assertThat(fires("0 */15 * * * *", CronDialect.SPRING, "America/New_York", "2026-03-08T01:40", 4))
                .containsExactly("2026-03-08T01:45-05:00", "2026-03-08T03:00-04:00", "2026-03-08T03:15-04:00",
                        "2026-03-08T03:30-04:00");
    }

    @Test
    void newYorkFixedTimeJobRunsOnceInTheOverlap() {
        assertThat(fires("30 1 * * *", CronDialect.UNIX, "America/New_York", "2026-10-31T12:00", 2))
                .containsExactly("2026-11-01T01:30-04:00", "2026-11-02T01:30-05:00");
    }

    @Test
    void newYorkHourlyJobRunsInBothPassesOfTheOverlap() {
        assertThat(fires("0 * * * *", CronDialect.UNIX, "America/New_York", "2026-11-01T00:30", 4))
                .containsExactly("2026-11-01T01:00-04:00", "2026-11-01T01:00-05:00", "2026-11-01T02:00-05:00",
                        "2026-11-01T03:00-05:00");
    }

    @Test
    void newYorkSteppedHourJobRunsInBothPasses() {
        assertThat(fires("0 30 */1 * * *", CronDialect.SPRING, "America/New_York", "2026-11-01T00:45", 3))
                .containsExactly("2026-11-01T01:30-04:00", "2026-11-01T01:30-05:00", "2026-11-01T02:30-05:00");
    }

    @Test
    void newYorkEveryFifteenMinutesCoversBothPasses() {
        assertThat(fires("*/15 * * * *", CronDialect.UNIX, "America/New_York", "2026-11-01T01:40", 6))
                .containsExactly("2026-11-01T01:45-04:00", "2026-11-01T01:00-05:00", "2026-11-01T01:15-05:00",
                        "2026-11-01T01:30-05:00", "2026-11-01T01:45-05:00", "2026-11-01T02:00-05:00");
    }

    // --- Berlin: 2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00 ------------------------------

    @Test
    void berlinDailyJobInTheGapRunsAtThree() {
        assertThat(fires("0 30 2 * * *", CronDialect.SPRING, "Europe/Berlin", "2026-03-28T12:00", 2))
                .containsExactly("2026-03-29T03:00+02:00", "2026-03-30T02:30+02:00");
    }

    @Test
    void berlinFixedTimeJobInTheOverlapRunsAtTheFirstOccurrence() {
        assertThat(fires("0 30 2 ? * *", CronDialect.QUARTZ, "Europe/Berlin", "2026-10-24T12:00", 2))
                .containsExactly("2026-10-25T02:30+02:00", "2026-10-26T02:30+01:00");
    }

    @Test
    void berlinEveryHalfHourRunsInBothPasses() {
        assertThat(fires("*/30 * * * *", CronDialect.UNIX, "Europe/Berlin", "2026-10-25T01:45", 5))
                .containsExactly("2026-10-25T02:00+02:00", "2026-10-25T02:30+02:00", "2026-10-25T02:00+01:00",
                        "2026-10-25T02:30+01:00", "2026-10-25T03:00+01:00");
    }

    // --- Lord Howe: a 30-minute shift. 2026-04-05 02:00 -> 01:30, 2026-10-04 02:00 -> 02:30 --------

    @Test
    void lordHoweGapOfThirtyMinutes() {
        assertThat(fires("15 2 * * *", CronDialect.UNIX, "Australia/Lord_Howe", "2026-10-03T12:00", 2))
                .containsExactly("2026-10-04T02:30+11:00", "2026-10-05T02:15+11:00");
    }

    @Test
    void lordHoweOverlapOfThirtyMinutes() {
        assertThat(fires("45 1 * * *", CronDialect.UNIX, "Australia/Lord_Howe", "2026-04-04T12:00", 2))
                .containsExactly("2026-04-05T01:45+11:00", "2026-04-06T01:45+10:30");
        assertThat(fires("*/20 * * * *", CronDialect.UNIX, "Australia/Lord_Howe", "2026-04-05T01:30", 4))
                .containsExactly("2026-04-05T01:40+11:00", "2026-04-05T01:40+10:30", "2026-04-05T02:00+10:30",
                        "2026-04-05T02:20+10:30");
    }

    // --- Santiago: the shift is at midnight. 2026-04-05 00:00 -> 04-04 23:00, 2026-09-06 00:00 -> 01:00

    @Test
    void santiagoMidnightInTheGapRunsAtOne() {
        assertThat(fires("0 0 * * *", CronDialect.UNIX, "America/Santiago", "2026-09-05T12:00", 2))
                .containsExactly("2026-09-06T01:00-03:00", "2026-09-07T00:00-03:00");
    }

    @Test
    void santiagoLateEveningJobInTheOverlapRunsOnce() {
        assertThat(fires("30 23 * * *", CronDialect.UNIX, "America/Santiago", "2026-04-04T12:00", 2))
                .containsExactly("2026-04-04T23:30-03:00", "2026-04-05T23:30-04:00");
    }

    @Test
    void santiagoHourlyJobRepeatsTheOverlapHour() {
        assertThat(fires("0 * * * *", CronDialect.UNIX, "America/Santiago", "2026-04-04T22:30", 4))
                .containsExactly("2026-04-04T23:00-03:00", "2026-04-04T23:00-04:00", "2026-04-05T00:00-04:00",
                        "2026-04-05T01:00-04:00");
    }
}
