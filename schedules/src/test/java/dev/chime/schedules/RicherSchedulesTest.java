package dev.chime.schedules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.InvalidTriggerSpecException;
import dev.chime.JobDefinition;
import dev.chime.Scheduler;
import dev.chime.TestClock;
import dev.chime.Trigger;
import dev.chime.TriggerContext;
import dev.chime.Triggers;
import dev.chime.spi.NaiveJobStore;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RicherSchedulesTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    /** The next {@code count} fire times from {@code from}, as local date-times in {@code zone}. */
    private static List<String> fires(Trigger trigger, String fromUtc, ZoneId zone, int count) {
        Instant now = Instant.parse(fromUtc);
        List<String> result = new ArrayList<>();
        Instant last = null;
        for (int i = 0; i < count; i++) {
            last = trigger.nextFireTime(new TriggerContext(now, last, null)).orElseThrow();
            result.add(last.atZone(zone).toLocalDateTime().toString());
        }
        return result;
    }

    // --- any / all ------------------------------------------------------------------------------

    @Test
    void anyFiresAtTheEarliestNextTimeOfItsParts() {
        Trigger t = Triggers.parse("any:(cron:0 9 * * *)(cron:30 17 * * *)");
        assertThat(fires(t, "2026-03-02T10:00:00Z", ZoneOffset.UTC, 3))
                .containsExactly("2026-03-02T17:30", "2026-03-03T09:00", "2026-03-03T17:30");
    }

    @Test
    void allFiresOnlyWhenEveryPartAgrees() {
        // Friday the 13th.
        Trigger t = Triggers.parse("all:(cron:0 0 * * FRI)(cron:0 0 13 * *)");
        assertThat(fires(t, "2026-01-01T00:00:00Z", ZoneOffset.UTC, 3))
                .containsExactly("2026-02-13T00:00", "2026-03-13T00:00", "2026-11-13T00:00");
    }

    @Test
    void allWhosePartsNeverAgreeIsAClearErrorAtAddTime() {
        Trigger never = Triggers.parse("all:(cron:0 * * * * *)(cron:30 * * * * *)");
        assertThatThrownBy(() -> never.nextFireTime(TriggerContext.first(Instant.parse("2026-01-01T00:00:00Z"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("did not fire at the same instant within 10000 candidate times");
        try (Scheduler scheduler = Scheduler.builder().clock(TestClock.create()).store(new NaiveJobStore()).build()) {
            assertThatThrownBy(() -> scheduler.add(JobDefinition.of("never", "t", never)))
                    .hasMessageContaining("may never agree");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "any:(cron:0 9 * * MON-FRI)(once:2026-12-24T09:00:00Z)",
            "all:(cron:0 0 * * FRI)(any:(cron:0 0 13 * *)(cron:0 0 14 * *))",
            "any:(all:(interval:PT1H;start=2026-01-01T00:00:00Z)(cron:0 * * * MON))(delay:PT5M)",
            "calendar-interval:P1M;at=09:00;zone=Europe/Berlin;start=2026-01-31",
            "calendar-interval:P2W;at=08:30;zone=UTC;start=2026-01-05;month-end=skip",
            "daily-window:PT15M;from=09:00;to=17:00;days=MON,TUE,WED,THU,FRI;zone=Europe/Berlin",
            "excluding:(cron:0 9 * * *)(union:(weekends)(annual:01-01,12-25));name=holidays;zone=Europe/Berlin",
            "excluding:(interval:PT30M;start=2026-01-01T00:00:00Z)(cron:* * 0-7 * * *)",
            "excluding:(cron:0 9 * * *)(dates:2026-04-03,2026-04-06)"})
    void specsRoundTripNested(String spec) {
        Trigger t = Triggers.parse(spec);
        assertThat(t.spec()).isEqualTo(spec);
        assertThat(Triggers.parse(t.spec())).isEqualTo(t);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "any:(cron:0 9 * * *|unbalanced '('",
            "any:(cron:0 9 * * *);zone=UTC|any takes no parameters",
            "all:(cron:0 9 * * *)|all: needs at least two parts",
            "all:(cron:61 * * * *)(cron:0 9 * * *)|minute: 61 is outside 0-59",
            "calendar-interval:P1Q;at=09:00|period: 'P1Q' is not one of P<n>D, P<n>W, P<n>M, P<n>Y",
            "calendar-interval:P1M;at=9am|at: '9am' is not a time of day",
            "calendar-interval:P1M;month-end=first|month-end: 'first' is not 'last' or 'skip'",
            "daily-window:PT15M;from=09:00|to: missing",
            "daily-window:PT15M;from=17:00;to=09:00|to: 09:00 is before from 17:00",
            "daily-window:PT15M;from=09:00;to=17:00;days=MON-FUN|days: 'FUN' is not one of MON",
            "excluding:(cron:0 9 * * *)|excluding needs (trigger)(calendar), found 1",
            "excluding:(cron:0 9 * * *)(annual:13-45)|annual: '13-45' is not a month and day",
            "excluding:(cron:0 9 * * *)(holidays)|calendar: 'holidays' is not weekends"})
    void badSpecsNameWhatIsWrong(String spec, String message) {
        assertThatThrownBy(() -> Triggers.parse(spec)).isInstanceOf(InvalidTriggerSpecException.class)
                .hasMessageContaining(message);
    }

    // --- calendar interval ----------------------------------------------------------------------

    @Test
    void monthlyFromThe31stFiresOnTheLastDayOfShortMonthsAndReturns() {
        Trigger t = Schedules.calendarInterval(1, ChronoUnit.MONTHS, LocalTime.of(9, 0), ZoneOffset.UTC,
                LocalDate.of(2026, 1, 31), MonthEnd.LAST_DAY);
        assertThat(fires(t, "2026-01-01T00:00:00Z", ZoneOffset.UTC, 5)).containsExactly("2026-01-31T09:00", "2026-02-28T09:00",
                "2026-03-31T09:00", "2026-04-30T09:00", "2026-05-31T09:00");
    }

    @Test
    void monthlyFromThe31stCanSkipShortMonths() {
        Trigger t = Schedules.calendarInterval(1, ChronoUnit.MONTHS, LocalTime.of(9, 0), ZoneOffset.UTC,
                LocalDate.of(2026, 1, 31), MonthEnd.SKIP);
        assertThat(fires(t, "2026-01-01T00:00:00Z", ZoneOffset.UTC, 5)).containsExactly("2026-01-31T09:00", "2026-03-31T09:00",
                "2026-05-31T09:00", "2026-07-31T09:00", "2026-08-31T09:00");
    }

    @Test
    void yearlyFromFebruary29th() {
        Trigger last = Schedules.calendarInterval(1, ChronoUnit.YEARS, LocalTime.NOON, ZoneOffset.UTC, LocalDate.of(2028, 2, 29),
                MonthEnd.LAST_DAY);
        assertThat(fires(last, "2028-01-01T00:00:00Z", ZoneOffset.UTC, 5)).containsExactly("2028-02-29T12:00",
                "2029-02-28T12:00", "2030-02-28T12:00", "2031-02-28T12:00", "2032-02-29T12:00");
        Trigger skip = Schedules.calendarInterval(1, ChronoUnit.YEARS, LocalTime.NOON, ZoneOffset.UTC, LocalDate.of(2028, 2, 29),
                MonthEnd.SKIP);
        assertThat(fires(skip, "2028-01-01T00:00:00Z", ZoneOffset.UTC, 3))
                .containsExactly("2028-02-29T12:00", "2032-02-29T12:00", "2036-02-29T12:00");
    }

    @Test
    void dailyJobKeepsItsWallClockTimeAcrossDst() {
        Trigger t = Schedules.calendarInterval(1, ChronoUnit.DAYS, LocalTime.of(9, 0), BERLIN, LocalDate.of(2026, 3, 27),
                MonthEnd.LAST_DAY);
        List<Instant> instants = new ArrayList<>();
        Instant last = null;
        for (int i = 0; i < 4; i++) {
            last = t.nextFireTime(new TriggerContext(Instant.parse("2026-03-27T00:00:00Z"), last, null)).orElseThrow();
            instants.add(last);
        }
        // 09:00 in Berlin is 08:00 UTC before the change on 29 March and 07:00 UTC after.
        assertThat(instants).containsExactly(Instant.parse("2026-03-27T08:00:00Z"), Instant.parse("2026-03-28T08:00:00Z"),
                Instant.parse("2026-03-29T07:00:00Z"), Instant.parse("2026-03-30T07:00:00Z"));
    }

    @Test
    void dailyTimeInTheGapFiresAtTheEndOfTheGap() {
        ZoneId newYork = ZoneId.of("America/New_York");
        Trigger t = Schedules.calendarInterval(1, ChronoUnit.DAYS, LocalTime.of(2, 30), newYork, LocalDate.of(2026, 3, 7),
                MonthEnd.LAST_DAY);
        assertThat(fires(t, "2026-03-07T00:00:00Z", newYork, 3))
                .containsExactly("2026-03-07T02:30", "2026-03-08T03:00", "2026-03-09T02:30");
    }

    @Test
    void everyTwoWeeks() {
        Trigger t = Triggers.parse("calendar-interval:P2W;at=08:30;zone=UTC;start=2026-01-05");
        assertThat(fires(t, "2026-01-10T00:00:00Z", ZoneOffset.UTC, 2)).containsExactly("2026-01-19T08:30", "2026-02-02T08:30");
    }

    @Test
    void withoutAStartTheDayTheJobIsAddedCounts() {
        Trigger anchored = Triggers.parse("calendar-interval:P1D;at=09:00;zone=UTC").anchoredAt(Instant.parse("2026-05-05T12:00:00Z"));
        assertThat(anchored.spec()).isEqualTo("calendar-interval:P1D;at=09:00;zone=UTC;start=2026-05-05");
    }

    // --- daily window ---------------------------------------------------------------------------

    @Test
    void dailyWindowFiresInsideTheWindowOnChosenDays() {
        Trigger t = Schedules.dailyWindow(Duration.ofMinutes(15), LocalTime.of(9, 0), LocalTime.of(17, 0),
                EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), ZoneOffset.UTC);
        // Friday 6 March 2026, 16:40: 16:45, 17:00 (the end is included), then Monday 09:00.
        assertThat(fires(t, "2026-03-06T16:40:00Z", ZoneOffset.UTC, 4))
                .containsExactly("2026-03-06T16:45", "2026-03-06T17:00", "2026-03-09T09:00", "2026-03-09T09:15");
    }

    @Test
    void dailyWindowRestartsAtTheStartEachDay() {
        Trigger t = Triggers.parse("daily-window:PT25M;from=09:00;to=10:00");
        assertThat(fires(t, "2026-03-02T08:00:00Z", ZoneOffset.UTC, 4))
                .containsExactly("2026-03-02T09:00", "2026-03-02T09:25", "2026-03-02T09:50", "2026-03-03T09:00");
    }

    // --- exclusion calendars ----------------------------------------------------------------------

    @Test
    void excludedFiresAreSkippedAndTheNextValidOneIsFound() {
        Trigger t = Triggers.parse("excluding:(cron:0 9 * * *)(union:(weekends)(annual:12-25));name=holidays");
        // Thu 24 Dec 2026, then Fri 25 is a holiday, the weekend follows: Monday the 28th.
        assertThat(fires(t, "2026-12-24T00:00:00Z", ZoneOffset.UTC, 2)).containsExactly("2026-12-24T09:00", "2026-12-28T09:00");
    }

    @Test
    void datesCalendarExcludesWholeDays() {
        Trigger t = Triggers.parse("excluding:(cron:0 9 * * *)(dates:2026-04-03,2026-04-06)");
        assertThat(fires(t, "2026-04-02T10:00:00Z", ZoneOffset.UTC, 2)).containsExactly("2026-04-04T09:00", "2026-04-05T09:00");
    }

    @Test
    void cronCalendarExcludesTheTimesItMatches() {
        Trigger t = Triggers.parse("excluding:(interval:PT2H;start=2026-01-01T00:00:00Z)(cron:* * 0-7 * * *)");
        assertThat(fires(t, "2026-01-01T00:00:00Z", ZoneOffset.UTC, 3))
                .containsExactly("2026-01-01T08:00", "2026-01-01T10:00", "2026-01-01T12:00");
    }

    @Test
    void calendarsJudgeDatesInTheirZone() {
        // 23:30 UTC on the 24th is already the 25th in Berlin.
        Trigger t = Schedules.excluding(Triggers.parse("cron:30 23 * * *"), ExclusionCalendar.annual(java.util.Set.of(
                java.time.MonthDay.of(12, 25))), "christmas", BERLIN);
        assertThat(fires(t, "2026-12-23T00:00:00Z", ZoneOffset.UTC, 2)).containsExactly("2026-12-23T23:30", "2026-12-25T23:30");
    }

    @Test
    void aCalendarThatExcludesEverythingIsAClearError() {
        Trigger t = Triggers.parse("excluding:(interval:PT1S;start=2026-01-01T00:00:00Z)(cron:* * * * * *)");
        assertThatThrownBy(() -> t.nextFireTime(TriggerContext.first(Instant.parse("2026-01-01T00:00:00Z"))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("are excluded by cron:* * * * * *");
    }

    // --- with a scheduler: stored with the job, driven by the test clock ----------------------------

    @Test
    void calendarIsStoredWithTheJobAndTheSchedulerSkipsExcludedDays() {
        TestClock clock = TestClock.at(Instant.parse("2026-12-23T00:00:00Z"));
        NaiveJobStore store = new NaiveJobStore();
        List<Instant> fired = new CopyOnWriteArrayList<>();
        try (Scheduler scheduler = Scheduler.builder().clock(clock).store(store).task("report", ctx -> fired.add(ctx.scheduledFireTime()))
                .build()) {
            scheduler.add(JobDefinition.of("daily-report", "report",
                    Triggers.parse("excluding:(cron:0 9 * * *)(union:(weekends)(annual:12-25,01-01));name=holidays")));
            assertThat(store.get("daily-report").orElseThrow().triggerSpec()).contains("annual:01-01,12-25");
            scheduler.start();
            clock.advance(Duration.ofDays(14));
        }
        assertThat(fired).extracting(i -> LocalDate.ofInstant(i, ZoneOffset.UTC).toString()).containsExactly(
                "2026-12-23", "2026-12-24", "2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31", "2027-01-04", "2027-01-05");
    }

    @Test
    void monthlyJobRunsThroughALeapYearWithTheTestClock() {
        TestClock clock = TestClock.at(Instant.parse("2028-01-01T00:00:00Z"));
        List<Instant> fired = new CopyOnWriteArrayList<>();
        try (Scheduler scheduler = Scheduler.builder().clock(clock).store(new NaiveJobStore())
                .task("bill", ctx -> fired.add(ctx.scheduledFireTime())).build()) {
            scheduler.add(JobDefinition.of("billing", "bill", Triggers.parse("calendar-interval:P1M;at=06:00;zone=UTC;start=2028-01-31")));
            scheduler.start();
            clock.advance(Duration.ofDays(100));
        }
        assertThat(fired).extracting(i -> LocalDate.ofInstant(i, ZoneOffset.UTC).toString())
                .containsExactly("2028-01-31", "2028-02-29", "2028-03-31");
    }

    // --- a custom trigger, loaded through ServiceLoader from this test module --------------------

    @Test
    void customTriggerFromTheTestModuleIsFoundThroughServiceLoader() {
        Trigger t = Triggers.parse("weekdays-at:09:00;zone=Europe/Berlin");
        assertThat(t).isEqualTo(new WeekdaysAtTrigger(LocalTime.of(9, 0), BERLIN));
        // Friday 6 March 2026 after 09:00 Berlin: next is Monday the 9th, 08:00 UTC.
        assertThat(fires(t, "2026-03-06T10:00:00Z", ZoneOffset.UTC, 1)).containsExactly("2026-03-09T08:00");
        assertThat(Triggers.parse("any:(weekdays-at:09:00)(cron:0 12 * * SAT)")).isInstanceOf(AnyTrigger.class);
    }
}
