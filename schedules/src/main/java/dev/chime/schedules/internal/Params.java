package dev.chime.schedules.internal;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Parsing of the parameter values the schedule specs share, with errors that name the key. */
final class Params {

    private static final String[] DAYS = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};

    private Params() {
    }

    static ZoneId zone(String key, String id) {
        try {
            return ZoneId.of(id);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException(key + ": '" + id + "' is not a time zone id such as Europe/Berlin or UTC");
        }
    }

    static LocalTime time(String key, String text) {
        try {
            return LocalTime.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(key + ": '" + text + "' is not a time of day such as 09:00 or 17:30:00");
        }
    }

    static LocalDate date(String key, String text) {
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(key + ": '" + text + "' is not a date such as 2026-01-31");
        }
    }

    /** {@code MON-FRI}, {@code MON,WED,FRI}, {@code SAT-SUN} or a mix. */
    static Set<DayOfWeek> days(String key, String text) {
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        for (String item : text.toUpperCase(Locale.ROOT).split(",")) {
            String[] range = item.trim().split("-");
            if (range.length > 2) {
                throw new IllegalArgumentException(key + ": '" + item + "' is not a day or a range of days");
            }
            int from = day(key, range[0]);
            int to = range.length == 2 ? day(key, range[1]) : from;
            for (int d = from; ; d = d % 7 + 1) {
                days.add(DayOfWeek.of(d));
                if (d == to) {
                    break;
                }
            }
        }
        return days;
    }

    private static int day(String key, String name) {
        for (int i = 0; i < DAYS.length; i++) {
            if (DAYS[i].equals(name.trim())) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException(key + ": '" + name + "' is not one of MON TUE WED THU FRI SAT SUN");
    }
}
