package dev.chime.cron.internal;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

/**
 * A compiled cron expression: one bit set per field, and the search for the next fire time. The
 * search jumps field by field (to the next matching month, day, hour, minute, second), never
 * walking minute by minute, and gives up after {@value #SEARCH_YEARS} years, which covers every
 * calendar pattern (the Gregorian calendar repeats every 400 years). Immutable and thread-safe.
 *
 * <p>DST rules, defined here once for every dialect:
 * <ul>
 *   <li>a fire time in a spring-forward gap fires once, at the first instant after the gap;</li>
 *   <li>in a fall-back overlap, a fire time fires at its first occurrence only, unless the hour
 *       field is {@code *} or a step: such a job fires in both passes.</li>
 * </ul>
 *
 * @param seconds      bits 0-59
 * @param minutes      bits 0-59
 * @param hours        bits 0-23
 * @param months       bits 1-12
 * @param days         the day-of-month and day-of-week rules
 * @param years        allowed years, or null for any
 * @param hourRepeats  the hour field is {@code *} or a step: fire in both passes of an overlap
 */
public record CronSchedule(long seconds, long minutes, long hours, long months, DayRules days, BitSet years,
                    boolean hourRepeats) {

    static final int SEARCH_YEARS = 400;

    /** The first fire time strictly after {@code after}, in its zone. */
    public Optional<ZonedDateTime> next(ZonedDateTime after) {
        ZoneRules rules = after.getZone().getRules();
        LocalDateTime from = after.toLocalDateTime().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        if (rules.isFixedOffset()) {
            // No DST: local time and instants map one to one.
            LocalDateTime local = nextLocal(from);
            return local == null ? Optional.empty() : Optional.of(ZonedDateTime.ofLocal(local, after.getZone(), after.getOffset()));
        }
        Instant afterInstant = after.toInstant();
        Instant found = null;
        for (int guard = 0; guard < 1000 && found == null; guard++) {
            LocalDateTime candidate = nextLocal(from);
            if (candidate == null) {
                break;
            }
            found = resolve(candidate, rules, afterInstant);
            from = candidate.plusSeconds(1);
        }
        Instant secondPass = hourRepeats ? secondPassOfNextOverlap(rules, after.getOffset(), afterInstant, found) : null;
        if (secondPass != null) {
            found = secondPass;
        }
        return found == null ? Optional.empty() : Optional.of(ZonedDateTime.ofInstant(found, after.getZone()));
    }

    /** The instant a matching local time stands for, if it is after {@code after}; see the DST rules above. */
    private Instant resolve(LocalDateTime local, ZoneRules rules, Instant after) {
        List<ZoneOffset> offsets = rules.getValidOffsets(local);
        if (offsets.size() == 1) {
            Instant instant = local.toInstant(offsets.get(0));
            return instant.isAfter(after) ? instant : null;
        }
        if (offsets.isEmpty()) {
            Instant endOfGap = rules.getTransition(local).getInstant();
            return endOfGap.isAfter(after) ? endOfGap : null;
        }
        Instant a = local.toInstant(offsets.get(0));
        Instant b = local.toInstant(offsets.get(1));
        Instant first = a.isBefore(b) ? a : b;
        Instant second = a.isBefore(b) ? b : a;
        if (first.isAfter(after)) {
            return first;
        }
        return hourRepeats && second.isAfter(after) ? second : null;
    }

    /**
     * Walking local time forward from {@code after} leaves out the second pass of a fall-back
     * overlap that starts later (its local times lie behind us). When the hour field repeats,
     * that pass's first match may come before what the walk found.
     */
    private Instant secondPassOfNextOverlap(ZoneRules rules, ZoneOffset afterOffset, Instant after, Instant found) {
        if (found != null && found.getEpochSecond() - after.getEpochSecond() < 86_400
                && rules.getOffset(found).equals(afterOffset)) {
            // Same offset less than a day apart: no transition lies between (zones shift at most
            // once a day), so no overlap can hide an earlier fire time. Saves the transition lookup.
            return null;
        }
        ZoneOffsetTransition transition = rules.nextTransition(after);
        if (transition == null || !transition.isOverlap()) {
            return null;
        }
        if (found != null && found.isBefore(transition.getInstant())) {
            return null;
        }
        LocalDateTime candidate = nextLocal(transition.getDateTimeAfter());
        if (candidate == null || !candidate.isBefore(transition.getDateTimeBefore())) {
            return null;
        }
        Instant instant = candidate.toInstant(transition.getOffsetAfter());
        return found == null || instant.isBefore(found) ? instant : null;
    }

    /** The first local date-time at or after {@code from} (whole seconds) that matches every field. */
    LocalDateTime nextLocal(LocalDateTime from) {
        int year = from.getYear();
        int month = from.getMonthValue();
        int day = from.getDayOfMonth();
        int hour = from.getHour();
        int minute = from.getMinute();
        int second = from.getSecond();
        int limit = year + SEARCH_YEARS;
        int maskYear = -1;
        int maskMonth = -1;
        long dayMask = 0;
        while (year <= limit) {
            if (years != null && !years.get(year)) {
                year = years.nextSetBit(year + 1);
                if (year < 0) {
                    return null;
                }
                month = 1;
                day = 1;
                hour = minute = second = 0;
                continue;
            }
            int m = nextBit(months, month);
            if (m < 0) {
                year++;
                month = 1;
                day = 1;
                hour = minute = second = 0;
                continue;
            }
            if (m != month) {
                month = m;
                day = 1;
                hour = minute = second = 0;
            }
            if (year != maskYear || month != maskMonth) {
                dayMask = days.daysOf(year, month);
                maskYear = year;
                maskMonth = month;
            }
            int d = nextBit(dayMask, day);
            if (d < 0) {
                month++;
                day = 1;
                hour = minute = second = 0;
                continue;
            }
            if (d != day) {
                day = d;
                hour = minute = second = 0;
            }
            int h = nextBit(hours, hour);
            if (h < 0) {
                day++;
                hour = minute = second = 0;
                continue;
            }
            if (h != hour) {
                hour = h;
                minute = second = 0;
            }
            int mi = nextBit(minutes, minute);
            if (mi < 0) {
                hour++;
                minute = second = 0;
                continue;
            }
            if (mi != minute) {
                minute = mi;
                second = 0;
            }
            int s = nextBit(seconds, second);
            if (s < 0) {
                minute++;
                second = 0;
                continue;
            }
            return LocalDateTime.of(year, month, day, hour, minute, s);
        }
        return null;
    }

    private static int nextBit(long bits, int from) {
        if (from >= 64) {
            return -1;
        }
        long rest = bits & (-1L << from);
        return rest == 0 ? -1 : Long.numberOfTrailingZeros(rest);
    }
}
