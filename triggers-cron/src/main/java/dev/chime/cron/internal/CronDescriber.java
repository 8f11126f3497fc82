package dev.chime.cron.internal;

import java.time.DayOfWeek;
import java.time.Month;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;

/** Renders a compiled schedule in English: {@code "at 09:00, Monday through Friday"}. */
public final class CronDescriber {

    private static final String[] ORDINALS = {"", "first", "second", "third", "fourth", "fifth"};

    private CronDescriber() {
    }

    public static String describe(CronSchedule s) {
        List<String> parts = new ArrayList<>();
        parts.add(time(s));
        String days = days(s.days());
        if (!days.isEmpty()) {
            parts.add(days);
        }
        String months = months(s.months());
        if (!months.isEmpty()) {
            parts.add(months);
        }
        if (s.years() != null) {
            parts.add("in " + list(toList(s.years()), String::valueOf));
        }
        return String.join(", ", parts);
    }

    // --- time of day -------------------------------------------------------------------------------

    private static String time(CronSchedule s) {
        List<Integer> sec = bits(s.seconds(), 0, 59);
        List<Integer> min = bits(s.minutes(), 0, 59);
        List<Integer> hrs = bits(s.hours(), 0, 23);
        boolean zeroSeconds = sec.size() == 1 && sec.get(0) == 0;
        if (sec.size() == 1 && min.size() == 1 && hrs.size() <= 6) {
            String clock = zeroSeconds ? "%02d:%02d" : "%02d:%02d:%02d";
            return "at " + list(hrs, h -> String.format(Locale.ROOT, clock, h, min.get(0), sec.get(0)));
        }
        List<String> parts = new ArrayList<>();
        if (!zeroSeconds) {
            parts.add(unit(sec, 0, 59, "second"));
        }
        if (!(min.size() == 60 && !zeroSeconds)) {
            parts.add(unit(min, 0, 59, "minute"));
        }
        if (hrs.size() < 24) {
            parts.add(hours(hrs));
        }
        return String.join(", ", parts);
    }

    private static String unit(List<Integer> values, int min, int max, String name) {
        if (values.size() == max - min + 1) {
            return "every " + name;
        }
        int step = step(values, max);
        if (step > 1) {
            String every = "every " + step + " " + name + "s";
            return values.get(0) == min ? every : every + " from " + name + " " + values.get(0);
        }
        if (values.size() == 1) {
            return "at " + name + " " + values.get(0);
        }
        if (isContiguous(values)) {
            return "every " + name + " from " + values.get(0) + " through " + values.get(values.size() - 1);
        }
        return "at " + name + "s " + list(values, Object::toString);
    }

    private static String hours(List<Integer> hrs) {
        int step = step(hrs, 23);
        if (step > 1) {
            String every = "every " + step + " hours";
            return hrs.get(0) == 0 ? every : every + String.format(Locale.ROOT, " from %02d:00", hrs.get(0));
        }
        if (isContiguous(hrs)) {
            return String.format(Locale.ROOT, "between %02d:00 and %02d:59", hrs.get(0), hrs.get(hrs.size() - 1));
        }
        return "during hours " + list(hrs, h -> String.format(Locale.ROOT, "%02d", h));
    }

    // --- days ----------------------------------------------------------------------------------------

    private static String days(DayRules d) {
        List<String> dom = new ArrayList<>();
        if (!d.domAll()) {
            List<Integer> plain = bits(d.domDays(), 1, 31);
            if (!plain.isEmpty()) {
                dom.add(plain.size() == 1 ? "on day " + plain.get(0) + " of the month"
                        : "on days " + list(plain, Object::toString) + " of the month");
            }
            if (d.lastDay()) {
                dom.add("on the last day of the month");
            }
            for (int n : bits(d.lastDayOffsets(), 1, 30)) {
                dom.add(n + (n == 1 ? " day" : " days") + " before the last day of the month");
            }
            if (d.lastWeekday()) {
                dom.add("on the last weekday of the month");
            }
            for (int n : bits(d.nearestWeekday(), 1, 31)) {
                dom.add("on the weekday nearest day " + n + " of the month");
            }
        }
        List<String> dow = new ArrayList<>();
        if (!d.dowAll()) {
            List<Integer> plain = bits(d.dowDays(), 1, 7);
            if (!plain.isEmpty()) {
                dow.add(weekdays(plain));
            }
            for (int day : bits(d.lastDow(), 1, 7)) {
                dow.add("on the last " + dayName(day) + " of the month");
            }
            for (int n = 1; n < d.nthDow().length; n++) {
                for (int day : bits(d.nthDow()[n], 1, 7)) {
                    dow.add("on the " + ORDINALS[n] + " " + dayName(day) + " of the month");
                }
            }
        }
        String domText = String.join(" and ", dom);
        String dowText = String.join(" and ", dow);
        if (domText.isEmpty() || dowText.isEmpty()) {
            return domText + dowText;
        }
        return domText + (d.either() ? " or " : " if it is ") + dowText;
    }

    private static String weekdays(List<Integer> days) {
        if (days.size() >= 3 && isContiguous(days)) {
            return dayName(days.get(0)) + " through " + dayName(days.get(days.size() - 1));
        }
        return "on " + list(days, CronDescriber::dayName);
    }

    private static String dayName(int iso) {
        return DayOfWeek.of(iso).getDisplayName(TextStyle.FULL, Locale.ENGLISH);
    }

    private static String months(long months) {
        List<Integer> list = bits(months, 1, 12);
        if (list.size() == 12) {
            return "";
        }
        IntFunction<String> name = m -> Month.of(m).getDisplayName(TextStyle.FULL, Locale.ENGLISH);
        if (list.size() >= 3 && isContiguous(list)) {
            return "from " + name.apply(list.get(0)) + " through " + name.apply(list.get(list.size() - 1));
        }
        return "in " + list(list, name::apply);
    }

    // --- helpers -------------------------------------------------------------------------------------

    private static List<Integer> bits(long bits, int min, int max) {
        List<Integer> values = new ArrayList<>();
        for (int i = min; i <= max; i++) {
            if ((bits & (1L << i)) != 0) {
                values.add(i);
            }
        }
        return values;
    }

    private static List<Integer> toList(BitSet set) {
        List<Integer> values = new ArrayList<>();
        set.stream().forEach(values::add);
        return values;
    }

    /** The step of an arithmetic run that reaches the end of the field (every n), or 0. */
    private static int step(List<Integer> values, int max) {
        if (values.size() < 2) {
            return 0;
        }
        int step = values.get(1) - values.get(0);
        for (int i = 2; i < values.size(); i++) {
            if (values.get(i) - values.get(i - 1) != step) {
                return 0;
            }
        }
        return values.get(values.size() - 1) + step > max ? step : 0;
    }

    private static boolean isContiguous(List<Integer> values) {
        return values.get(values.size() - 1) - values.get(0) == values.size() - 1;
    }

    private static <T> String list(List<T> values, java.util.function.Function<T, String> show) {
        List<String> shown = new ArrayList<>();
        for (T v : values) {
            shown.add(show.apply(v));
        }
        if (shown.size() == 1) {
            return shown.get(0);
        }
        return String.join(", ", shown.subList(0, shown.size() - 1)) + " and " + shown.get(shown.size() - 1);
    }
}
