package dev.chime.schedules;

import dev.chime.Trigger;
import dev.chime.TriggerContext;
import dev.chime.schedules.internal.NestedSpecs;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.MonthDay;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Instants on which a job must not fire (Quartz's calendars): fixed dates, an annual holiday list,
 * weekends, the fire times of another trigger (a cron expression), or a union of these. Attach one
 * with {@link Schedules#excluding}. Each has a spec text, so it is stored with the job's trigger.
 * Immutable.
 */
public sealed interface ExclusionCalendar {

    /** Whether {@code instant} is excluded, judged by the wall clock of {@code zone}. */
    boolean excludes(Instant instant, ZoneId zone);

    String spec();

    /** The excluded instants in English, e.g. {@code "on weekends"}, {@code "on 12-25 each year"}. */
    String describe();

    static ExclusionCalendar dates(Set<LocalDate> dates) {
        return new Dates(dates);
    }

    static ExclusionCalendar annual(Set<MonthDay> days) {
        return new Annual(days);
    }

    static ExclusionCalendar weekends() {
        return new Weekends();
    }

    /** Excludes the instants (to the second) at which {@code trigger} fires, e.g. a cron expression. */
    static ExclusionCalendar firesOf(Trigger trigger) {
        return new FiresOf(trigger);
    }

    static ExclusionCalendar union(List<ExclusionCalendar> calendars) {
        return new Union(calendars);
    }

    /** Whole dates. Spec: {@code dates:2026-12-25,2027-01-01}. */
    record Dates(Set<LocalDate> dates) implements ExclusionCalendar {
        public Dates {
            dates = Set.copyOf(dates);
        }

        @Override
        public boolean excludes(Instant instant, ZoneId zone) {
            return dates.contains(LocalDate.ofInstant(instant, zone));
        }

        @Override
        public String spec() {
            return "dates:" + new TreeSet<>(dates).stream().map(LocalDate::toString).collect(Collectors.joining(","));
        }

        @Override
        public String describe() {
            return "on " + new TreeSet<>(dates).stream().map(LocalDate::toString).collect(Collectors.joining(", "));
        }
    }

    /** The same days every year. Spec: {@code annual:12-25,01-01}. */
    record Annual(Set<MonthDay> days) implements ExclusionCalendar {
        public Annual {
            days = Set.copyOf(days);
        }

        @Override
        public boolean excludes(Instant instant, ZoneId zone) {
            return days.contains(MonthDay.from(LocalDate.ofInstant(instant, zone)));
        }

        @Override
        public String spec() {
            return "annual:" + new TreeSet<>(days).stream().map(d -> d.toString().substring(2)).collect(Collectors.joining(","));
        }

        @Override
        public String describe() {
            return "on " + new TreeSet<>(days).stream().map(d -> d.toString().substring(2)).collect(Collectors.joining(", "))
                    + " each year";
        }
    }

    /** Saturdays and Sundays. Spec: {@code weekends}. */
    record Weekends() implements ExclusionCalendar {
        @Override
        public boolean excludes(Instant instant, ZoneId zone) {
            DayOfWeek day = LocalDate.ofInstant(instant, zone).getDayOfWeek();
            return day == DayOfWeek.SATURDAY || day == DayOfWeek.SUNDAY;
        }

        @Override
        public String spec() {
            return "weekends";
        }

        @Override
        public String describe() {
            return "on weekends";
        }
    }

    /** The fire times of a trigger, to the second. Spec: the trigger's own, e.g. {@code cron:* * 0-7 * * *}. */
    record FiresOf(Trigger trigger) implements ExclusionCalendar {
        @Override
        public boolean excludes(Instant instant, ZoneId zone) {
            Instant second = instant.truncatedTo(ChronoUnit.SECONDS);
            return trigger.nextFireTime(TriggerContext.after(second, second.minusNanos(1)))
                    .map(second::equals).orElse(false);
        }

        @Override
        public String spec() {
            return trigger.spec();
        }

        @Override
        public String describe() {
            return "the instants " + trigger.describe();
        }
    }

    /** Excluded by any of its parts. Spec: {@code union:(<calendar>)(<calendar>)}. */
    record Union(List<ExclusionCalendar> calendars) implements ExclusionCalendar {
        public Union {
            calendars = List.copyOf(calendars);
            if (calendars.isEmpty()) {
                throw new IllegalArgumentException("union: needs at least one calendar");
            }
        }

        @Override
        public boolean excludes(Instant instant, ZoneId zone) {
            return calendars.stream().anyMatch(c -> c.excludes(instant, zone));
        }

        @Override
        public String spec() {
            return "union:" + NestedSpecs.wrap(calendars.stream().map(ExclusionCalendar::spec).toList());
        }

        @Override
        public String describe() {
            return calendars.stream().map(ExclusionCalendar::describe).collect(Collectors.joining(" or "));
        }
    }
}
