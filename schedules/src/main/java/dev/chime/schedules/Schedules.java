package dev.chime.schedules;

import dev.chime.Trigger;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Set;

/** Factory methods for the richer schedules; every result round-trips through its spec text. */
public final class Schedules {

    private Schedules() {
    }

    /** Fires whenever any part fires. */
    public static Trigger any(Trigger... parts) {
        return new AnyTrigger(Arrays.asList(parts));
    }

    /** Fires only when every part fires at the same instant. */
    public static Trigger all(Trigger... parts) {
        return new AllTrigger(Arrays.asList(parts));
    }

    /**
     * Every {@code amount} {@code unit}s (days, weeks, months, years) at {@code at} in {@code zone},
     * counted from {@code start} (null: the day the job is added), month ends by {@code monthEnd}.
     */
    public static Trigger calendarInterval(int amount, ChronoUnit unit, LocalTime at, ZoneId zone, LocalDate start,
                                           MonthEnd monthEnd) {
        return new CalendarIntervalTrigger(amount, unit, at, zone, start, monthEnd);
    }

    /** Every {@code every} from {@code from} through {@code to} on {@code days}, wall-clock time in {@code zone}. */
    public static Trigger dailyWindow(Duration every, LocalTime from, LocalTime to, Set<DayOfWeek> days, ZoneId zone) {
        return new DailyWindowTrigger(every, from, to, days, zone);
    }

    /** {@code trigger} without the fire times {@code calendar} excludes, judged in {@code zone}. */
    public static Trigger excluding(Trigger trigger, ExclusionCalendar calendar, String name, ZoneId zone) {
        return new ExcludingTrigger(trigger, calendar, name, zone);
    }

    /** {@code trigger} without the fire times {@code calendar} excludes, judged in UTC. */
    public static Trigger excluding(Trigger trigger, ExclusionCalendar calendar) {
        return new ExcludingTrigger(trigger, calendar, null, ZoneOffset.UTC);
    }
}
