package dev.chime.schedules;

import dev.chime.Trigger;
import dev.chime.TriggerContext;
import dev.chime.schedules.internal.WallClock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Fires every N days, weeks, months or years at a wall-clock time in a zone (Quartz's
 * {@code CalendarIntervalTrigger}, without its drift). Each fire date is computed from the start
 * date, never from the previous fire: a daily 09:00 job stays at 09:00 local across DST, and a
 * monthly job started on the 31st fires on the last day of shorter months and returns to the 31st
 * ({@link MonthEnd#LAST_DAY}, the default), or skips those months ({@link MonthEnd#SKIP}).
 * DST: a time in a spring-forward gap fires at the first instant after the gap; in an overlap, at
 * the first occurrence.
 *
 * <p>Spec: {@code calendar-interval:P1M;at=09:00;zone=Europe/Berlin;start=2026-01-31;month-end=last}
 * with the period {@code P<n>D}, {@code P<n>W}, {@code P<n>M} or {@code P<n>Y}. Without a start, the
 * date (and without {@code at}, the time) the job is added. Immutable.
 */
public record CalendarIntervalTrigger(int amount, ChronoUnit unit, LocalTime at, ZoneId zone, LocalDate start,
                                      MonthEnd monthEnd) implements Trigger {

    public static final String TYPE = "calendar-interval";

    public CalendarIntervalTrigger {
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(monthEnd, "monthEnd");
        if (amount < 1) {
            throw new IllegalArgumentException("period: " + amount + " must be at least 1");
        }
        if (unit != ChronoUnit.DAYS && unit != ChronoUnit.WEEKS && unit != ChronoUnit.MONTHS && unit != ChronoUnit.YEARS) {
            throw new IllegalArgumentException("period: the unit must be days, weeks, months or years, not " + unit);
        }
    }

    @Override
    public Optional<Instant> nextFireTime(TriggerContext context) {
        Instant after = context.lastFireTime() != null ? context.lastFireTime() : context.now().minusNanos(1);
        LocalDate origin = start != null ? start : LocalDate.ofInstant(context.now(), zone);
        LocalTime time = at != null ? at : LocalTime.ofInstant(context.now(), zone).truncatedTo(ChronoUnit.SECONDS);
        LocalDate afterDate = LocalDate.ofInstant(after, zone);
        long k = Math.max(0, unit.between(origin, afterDate) / amount - 1);
        // SKIP may pass over several periods (Feb 29 is valid one year in four): bound the walk.
        for (int i = 0; i < 2000; i++, k++) {
            LocalDate date = origin.plus(k * amount, unit);
            if (monthEnd == MonthEnd.SKIP && date.getDayOfMonth() != origin.getDayOfMonth()) {
                continue;
            }
            Instant fire = WallClock.toInstant(LocalDateTime.of(date, time), zone);
            if (fire.isAfter(after)) {
                return Optional.of(fire);
            }
        }
        return Optional.empty();
    }

    @Override
    public Trigger anchoredAt(Instant now) {
        if (start != null && at != null) {
            return this;
        }
        return new CalendarIntervalTrigger(amount, unit, at != null ? at : LocalTime.ofInstant(now, zone).truncatedTo(ChronoUnit.SECONDS),
                zone, start != null ? start : LocalDate.ofInstant(now, zone), monthEnd);
    }

    @Override
    public String spec() {
        StringBuilder sb = new StringBuilder(TYPE).append(":P").append(amount).append(unitLetter());
        if (at != null) {
            sb.append(";at=").append(at);
        }
        sb.append(";zone=").append(zone.getId());
        if (start != null) {
            sb.append(";start=").append(start);
        }
        if (monthEnd != MonthEnd.LAST_DAY) {
            sb.append(";month-end=").append(monthEnd.name().toLowerCase(Locale.ROOT).replace("_day", ""));
        }
        return sb.toString();
    }

    private char unitLetter() {
        switch (unit) {
            case DAYS:
                return 'D';
            case WEEKS:
                return 'W';
            case MONTHS:
                return 'M';
            default:
                return 'Y';
        }
    }

    /**
     * {@code "every month at 09:00 (Europe/Berlin), counting from 2026-01-31, on the last day of
     * shorter months"}; without {@code at} or a start, the time or date the job was added.
     */
    @Override
    public String describe() {
        String unitName = unit.name().toLowerCase(Locale.ROOT);
        unitName = unitName.substring(0, unitName.length() - 1);
        StringBuilder sb = new StringBuilder("every ").append(amount == 1 ? unitName : amount + " " + unitName + "s");
        sb.append(at != null ? " at " + at : " at the time of day it was added").append(" (").append(zone.getId()).append(')');
        sb.append(start != null ? ", counting from " + start : ", counting from the day it was added");
        if (unit == ChronoUnit.MONTHS || unit == ChronoUnit.YEARS) {
            sb.append(monthEnd == MonthEnd.SKIP ? ", skipping months without that day" : ", on the last day of shorter months");
        }
        return sb.toString();
    }
}
