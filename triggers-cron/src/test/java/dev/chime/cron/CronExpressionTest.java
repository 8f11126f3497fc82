package dev.chime.cron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class CronExpressionTest {

    private static ZonedDateTime utc(String localDateTime) {
        return ZonedDateTime.parse(localDateTime + "Z").withZoneSameInstant(ZoneOffset.UTC);
    }

    private static List<String> fires(String expression, CronDialect dialect, String from, int count) {
        CronExpression cron = CronExpression.parse(expression, dialect);
        List<String> result = new ArrayList<>();
        ZonedDateTime t = utc(from);
        for (int i = 0; i < count; i++) {
            t = cron.next(t).orElseThrow();
            result.add(t.toLocalDateTime().toString());
        }
        return result;
    }

    @Test
    void nextIsStrictlyAfterAndInTheArgumentsZone() {
        CronExpression cron = CronExpression.parse("0 9 * * *", CronDialect.UNIX);
        ZonedDateTime nine = ZonedDateTime.parse("2026-03-02T09:00:00Z");
        assertThat(cron.next(nine)).contains(ZonedDateTime.parse("2026-03-03T09:00:00Z"));
        assertThat(cron.next(nine.minusNanos(1))).contains(nine);
        ZonedDateTime tokyo = ZonedDateTime.parse("2026-03-02T10:00:00+09:00[Asia/Tokyo]");
        assertThat(cron.next(tokyo).orElseThrow().getZone()).isEqualTo(tokyo.getZone());
        assertThat(cron.next(tokyo).orElseThrow().toLocalDateTime().toString()).isEqualTo("2026-03-03T09:00");
    }

    @Test
    void unixNamesRangesStepsAndLists() {
        assertThat(fires("*/20 9-10 * JAN mon-wed", CronDialect.UNIX, "2026-01-01T00:00:00", 4))
                .containsExactly("2026-01-05T09:00", "2026-01-05T09:20", "2026-01-05T09:40", "2026-01-05T10:00");
        assertThat(fires("0 0 1,15 * *", CronDialect.UNIX, "2026-01-01T00:00:00", 3))
                .containsExactly("2026-01-15T00:00", "2026-02-01T00:00", "2026-02-15T00:00");
    }

    @Test
    void unixSundayIsZeroAndSeven() {
        assertThat(fires("0 0 * * 0", CronDialect.UNIX, "2026-03-01T12:00:00", 1)).containsExactly("2026-03-08T00:00");
        assertThat(fires("0 0 * * 7", CronDialect.UNIX, "2026-03-01T12:00:00", 1)).containsExactly("2026-03-08T00:00");
        assertThat(fires("0 0 * * 5-7", CronDialect.UNIX, "2026-03-01T12:00:00", 3))
                .containsExactly("2026-03-06T00:00", "2026-03-07T00:00", "2026-03-08T00:00");
    }

    @Test
    void unixDayFieldsMatchEitherWhenBothAreRestricted() {
        // Vixie cron: the 13th of the month OR any Friday.
        assertThat(fires("0 0 13 * 5", CronDialect.UNIX, "2026-03-01T00:00:00", 4))
                .containsExactly("2026-03-06T00:00", "2026-03-13T00:00", "2026-03-20T00:00", "2026-03-27T00:00");
        assertThat(fires("0 0 13 * 5", CronDialect.UNIX, "2026-04-01T00:00:00", 3))
                .containsExactly("2026-04-03T00:00", "2026-04-10T00:00", "2026-04-13T00:00");
    }

    @Test
    void unixFieldStartingWithStarMakesTheDayFieldsMatchBoth() {
        // "*/2" starts with '*': Vixie ANDs the fields, so odd days that are also Mondays.
        assertThat(fires("0 0 */2 * 1", CronDialect.UNIX, "2026-03-01T00:00:00", 3))
                .containsExactly("2026-03-09T00:00", "2026-03-23T00:00", "2026-04-13T00:00");
    }

    @ParameterizedTest
    @CsvSource({
            "@yearly,2027-01-01T00:00", "@annually,2027-01-01T00:00", "@monthly,2026-04-01T00:00",
            "@weekly,2026-03-08T00:00", "@daily,2026-03-03T00:00", "@midnight,2026-03-03T00:00", "@hourly,2026-03-02T11:00"})
    void macros(String macro, String expected) {
        assertThat(fires(macro, CronDialect.UNIX, "2026-03-02T10:30:00", 1)).containsExactly(expected);
        assertThat(fires(macro, CronDialect.SPRING, "2026-03-02T10:30:00", 1)).containsExactly(expected);
    }

    @Test
    void springDayFieldsMustBothMatch() {
        // Friday the 13th only.
        assertThat(fires("0 0 0 13 * FRI", CronDialect.SPRING, "2026-01-01T00:00:00", 2))
                .containsExactly("2026-02-13T00:00", "2026-03-13T00:00");
    }

    @Test
    void springSpecialDays() {
        assertThat(fires("0 0 0 L * *", CronDialect.SPRING, "2026-02-01T00:00:00", 2)).containsExactly("2026-02-28T00:00", "2026-03-31T00:00");
        assertThat(fires("0 0 0 L-3 * *", CronDialect.SPRING, "2026-02-01T00:00:00", 1)).containsExactly("2026-02-25T00:00");
        assertThat(fires("0 0 0 LW * *", CronDialect.SPRING, "2026-05-01T00:00:00", 1)).containsExactly("2026-05-29T00:00");
        assertThat(fires("0 0 0 1W * *", CronDialect.SPRING, "2026-08-01T00:00:00", 1)).containsExactly("2026-08-03T00:00");
        assertThat(fires("0 0 0 15W * *", CronDialect.SPRING, "2026-08-01T00:00:00", 1)).containsExactly("2026-08-14T00:00");
        assertThat(fires("0 0 0 * * 5L", CronDialect.SPRING, "2026-03-01T00:00:00", 1)).containsExactly("2026-03-27T00:00");
        assertThat(fires("0 0 0 * * THUL", CronDialect.SPRING, "2026-03-01T00:00:00", 1)).containsExactly("2026-03-26T00:00");
        assertThat(fires("0 0 0 ? * MON#1", CronDialect.SPRING, "2026-03-01T00:00:00", 1)).containsExactly("2026-03-02T00:00");
        assertThat(fires("0 0 0 ? * 5#2", CronDialect.SPRING, "2026-03-01T00:00:00", 1)).containsExactly("2026-03-13T00:00");
    }

    @Test
    void quartzSundayIsOneAndLastDayOfWeekIsSaturday() {
        assertThat(fires("0 0 12 ? * 1", CronDialect.QUARTZ, "2026-03-02T00:00:00", 1)).containsExactly("2026-03-08T12:00");
        assertThat(fires("0 0 12 ? * L", CronDialect.QUARTZ, "2026-03-02T00:00:00", 1)).containsExactly("2026-03-07T12:00");
        assertThat(fires("0 0 12 ? * 6L", CronDialect.QUARTZ, "2026-03-02T00:00:00", 1)).containsExactly("2026-03-27T12:00");
        assertThat(fires("0 0 12 ? * 6#3", CronDialect.QUARTZ, "2026-03-02T00:00:00", 1)).containsExactly("2026-03-20T12:00");
    }

    @Test
    void quartzYearFieldAndWrappingRanges() {
        assertThat(fires("0 0 0 1 1 ? 2028-2030", CronDialect.QUARTZ, "2026-03-02T00:00:00", 3))
                .containsExactly("2028-01-01T00:00", "2029-01-01T00:00", "2030-01-01T00:00");
        assertThat(CronExpression.parse("0 0 0 1 1 ? 2028", CronDialect.QUARTZ).next(utc("2028-06-01T00:00:00"))).isEmpty();
        assertThat(fires("0 0 22-1 ? * *", CronDialect.QUARTZ, "2026-03-02T12:00:00", 4))
                .containsExactly("2026-03-02T22:00", "2026-03-02T23:00", "2026-03-03T00:00", "2026-03-03T01:00");
        assertThat(fires("0 0 0 ? * FRI-MON", CronDialect.QUARTZ, "2026-03-04T12:00:00", 4))
                .containsExactly("2026-03-06T00:00", "2026-03-07T00:00", "2026-03-08T00:00", "2026-03-09T00:00");
    }

    @Test
    void secondsPrecisionIgnoresFractionsOfTheStart() {
        CronExpression everySecond = CronExpression.parse("* * * * * *", CronDialect.SPRING);
        assertThat(everySecond.next(ZonedDateTime.parse("2026-03-02T10:00:00.500Z")))
                .contains(ZonedDateTime.parse("2026-03-02T10:00:01Z"));
    }

    @Test
    void leapDayFiresEveryFourYears() {
        assertThat(fires("0 0 29 2 *", CronDialect.UNIX, "2026-03-02T00:00:00", 2))
                .containsExactly("2028-02-29T00:00", "2032-02-29T00:00");
        // Feb 29 on a Monday: years apart, still found by jumping, not scanning.
        assertThat(fires("0 0 0 29 2 MON", CronDialect.SPRING, "2026-03-02T00:00:00", 1)).containsExactly("2044-02-29T00:00");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "61 * * * *|UNIX|minute: 61 is outside 0-59 in \"61 * * * *\"",
            "* 24 * * *|UNIX|hour: 24 is outside 0-23",
            "* * 0 * *|UNIX|day-of-month: 0 is outside 1-31",
            "* * * 13 *|UNIX|month: 13 is outside 1-12",
            "* * * * 8|UNIX|day-of-week: 8 is outside 0-7",
            "* * * FOO *|UNIX|month: 'FOO' is not a number or a name",
            "*/0 * * * *|UNIX|minute: step 0 in '*/0' must be at least 1",
            "5-3 * * * *|UNIX|minute: range '5-3' runs backwards",
            "* * * * * *|UNIX|a UNIX cron expression has 5 fields, found 6",
            "* * * *|UNIX|has 5 fields, found 4",
            "0 0 L * *|UNIX|day-of-month: 'L' uses L, W or #, which the UNIX dialect does not have",
            "0 0 ? * *|UNIX|'?' is not part of the UNIX dialect",
            "@reboot|UNIX|macro: @reboot is unknown",
            "0 0 0 * * *|QUARTZ|needs '?' in exactly one of day-of-month",
            "0 0 0 ? * ?|QUARTZ|needs '?' in exactly one of day-of-month",
            "0 0 0 ? * 8|QUARTZ|day-of-week: 8 is outside 1-7",
            "0 0 0 ? * 6#6|QUARTZ|day-of-week: occurrence 6 in '6#6' is outside 1-5",
            "0 0 0 L,15 * ?|QUARTZ|day-of-month: 'L' cannot be combined with other days",
            "0 0 0 1 1 ? 1969|QUARTZ|year: 1969 is outside 1970-2099",
            "0 0 0 * * L|SPRING|day-of-week: 'L' needs a day before it",
            "0 0 0 L-0 * *|SPRING|day-of-month: offset 0 in 'L-0' is outside 1-30",
            "0 0 0 * * *|UNIX|has 5 fields, found 6",
            "0 0 30 2 *|UNIX|day-of-month: 30 never occurs in February; the expression can never fire",
            "0 0 31 4,6 *|UNIX|day-of-month: 31 never occurs in April, June",
            "0 0 0 30 2 ?|QUARTZ|day-of-month: 30 never occurs in February"})
    void badExpressionsNameTheFieldAndTheToken(String expression, CronDialect dialect, String message) {
        assertThatThrownBy(() -> CronExpression.parse(expression, dialect))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void anExpressionThatCanNeverFireForOtherReasonsIsRejectedToo() {
        assertThatThrownBy(() -> CronExpression.parse("0 0 0 31 2 ? 2030", CronDialect.QUARTZ))
                .hasMessageContaining("never");
        assertThatThrownBy(() -> CronExpression.parse("0 0 0 ? 2 5#5 2026", CronDialect.QUARTZ))
                .hasMessageContaining("can never fire");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0 9 * * MON-FRI|UNIX|at 09:00, Monday through Friday",
            "30 6,19 * * *|UNIX|at 06:30 and 19:30",
            "*/5 * * * *|UNIX|every 5 minutes",
            "0 9-17 * * *|UNIX|at minute 0, between 09:00 and 17:59",
            "0 0 1 1 *|UNIX|at 00:00, on day 1 of the month, in January",
            "0 0 0 L * *|SPRING|at 00:00, on the last day of the month",
            "0 0 0 ? * 6#3|QUARTZ|at 00:00, on the third Friday of the month",
            "0 0 0 ? * 6L|QUARTZ|at 00:00, on the last Friday of the month",
            "0 0 13 * 5|UNIX|at 00:00, on day 13 of the month or on Friday",
            "*/10 * * * * *|SPRING|every 10 seconds",
            "0 0 12 LW * ?|QUARTZ|at 12:00, on the last weekday of the month",
            "15 10 * * 1,3|UNIX|at 10:15, on Monday and Wednesday"})
    void describesInEnglish(String expression, CronDialect dialect, String english) {
        assertThat(CronExpression.parse(expression, dialect).describe()).isEqualTo(english);
    }

    @Test
    void equalExpressionsAreEqual() {
        assertThat(CronExpression.parse("0  9 * * *", CronDialect.UNIX)).isEqualTo(CronExpression.parse("0 9 * * *", CronDialect.UNIX));
        assertThat(CronExpression.parse("0 9 * * *", CronDialect.UNIX).expression()).isEqualTo("0 9 * * *");
    }
}
