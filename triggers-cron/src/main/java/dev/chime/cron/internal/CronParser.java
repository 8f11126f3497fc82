package dev.chime.cron.internal;

import dev.chime.cron.CronDialect;
import java.util.BitSet;
import java.util.Locale;
import java.util.Map;

/**
 * Cron field parsing for all three dialects, in one place. Errors name the field and the token:
 * {@code minute: 61 is outside 0-59 in "61 * * * *"}.
 */
public final class CronParser {

    private static final Map<String, String> MACROS = Map.of(
            "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *", "@weekly", "0 0 * * 0",
            "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");
    private static final String[] MONTH_NAMES = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    /** Sunday first, so the index is the Unix and (minus one) the Quartz number. */
    private static final String[] DAY_NAMES_FROM_SUNDAY = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

    /** The compiled schedule and the expression with runs of white space made single. */
    public record Parsed(CronSchedule schedule, String normalized) {
    }

    private final String expression;
    private final CronDialect dialect;

    private CronParser(String expression, CronDialect dialect) {
        this.expression = expression;
        this.dialect = dialect;
    }

    public static Parsed parse(String expression, CronDialect dialect) {
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("cron expression must not be blank");
        }
        return new CronParser(expression.trim(), dialect).parse();
    }

    private Parsed parse() {
        String text = expression;
        if (text.startsWith("@")) {
            if (dialect == CronDialect.QUARTZ) {
                throw error("macro", text + " is not supported by the QUARTZ dialect");
            }
            String macro = MACROS.get(text.toLowerCase(Locale.ROOT));
            if (macro == null) {
                throw error("macro", text + " is unknown; known: @yearly @annually @monthly @weekly @daily @midnight @hourly");
            }
            text = dialect == CronDialect.SPRING ? "0 " + macro : macro;
        }
        String[] f = text.split("\\s+");
        String[] six;
        String yearField = null;
        switch (dialect) {
            case UNIX:
                if (f.length != 5) {
                    throw new IllegalArgumentException(count(5, f.length) + " (minute hour day-of-month month day-of-week)");
                }
                six = new String[] {"0", f[0], f[1], f[2], f[3], f[4]};
                break;
            case SPRING:
                if (f.length != 6) {
                    throw new IllegalArgumentException(count(6, f.length) + " (second minute hour day-of-month month day-of-week)");
                }
                six = f;
                break;
            default:
                if (f.length != 6 && f.length != 7) {
                    throw new IllegalArgumentException(count(6, f.length).replace("6 fields", "6 or 7 fields")
                            + " (second minute hour day-of-month month day-of-week [year])");
                }
                six = new String[] {f[0], f[1], f[2], f[3], f[4], f[5]};
                yearField = f.length == 7 ? f[6] : null;
        }
        long seconds = plainField("second", six[0], 0, 59, null);
        long minutes = plainField("minute", six[1], 0, 59, null);
        long hours = plainField("hour", six[2], 0, 23, null);
        long months = plainField("month", six[4].toUpperCase(Locale.ROOT), 1, 12, MONTH_NAMES);
        DayRules days = dayRules(six[3], six[5]);
        BitSet years = yearField == null || yearField.equals("*") ? null : years(yearField);
        String hourField = six[2];
        boolean hourRepeats = hourField.equals("*") || hourField.contains("/");
        CronSchedule schedule = new CronSchedule(seconds, minutes, hours, months, days, years, hourRepeats);
        checkCanFire(schedule, six[3], months);
        return new Parsed(schedule, String.join(" ", expression.split("\\s+")));
    }

    private String count(int expected, int found) {
        return "a " + dialect + " cron expression has " + expected + " fields, found " + found + " in \"" + expression + "\"";
    }

    // --- plain fields: lists of values, ranges and steps ------------------------------------------

    /**
     * Parses a list of {@code *}, {@code n}, {@code a-b}, each with an optional {@code /step}.
     * {@code names}, when given, are accepted for values ({@code JAN} = min).
     */
    private long plainField(String field, String text, int min, int max, String[] names) {
        long bits = 0;
        for (String item : items(field, text)) {
            bits |= plainItem(field, item, min, max, names);
        }
        return bits;
    }

    private long plainItem(String field, String item, int min, int max, String[] names) {
        int slash = item.indexOf('/');
        String range = slash < 0 ? item : item.substring(0, slash);
        int step = 1;
        if (slash >= 0) {
            step = number(field, item.substring(slash + 1), item);
            if (step <= 0) {
                throw error(field, "step " + step + " in '" + item + "' must be at least 1");
            }
        }
        int from;
        int to;
        if (range.equals("*") || (range.equals("?") && isDayField(field))) {
            from = min;
            to = max;
        } else {
            int dash = range.indexOf('-', 1);
            from = value(field, dash < 0 ? range : range.substring(0, dash), min, max, names);
            if (dash < 0) {
                // "a/n" means from a to the end of the field, in every dialect that allows it.
                to = slash >= 0 ? max : from;
            } else {
                to = value(field, range.substring(dash + 1), min, max, names);
            }
        }
        return setRange(field, item, from, to, step, min, max);
    }

    private long setRange(String field, String item, int from, int to, int step, int min, int max) {
        long bits = 0;
        if (to < from) {
            if (dialect != CronDialect.QUARTZ) {
                throw error(field, "range '" + item + "' runs backwards (" + from + " > " + to + ")");
            }
            // Quartz wraps around: 22-2 in hours is 22, 23, 0, 1, 2.
            int span = max - min + 1;
            for (int v = from; v <= to + span; v += step) {
                int wrapped = v > max ? v - span : v;
                bits |= 1L << wrapped;
            }
            return bits;
        }
        for (int v = from; v <= to; v += step) {
            bits |= 1L << v;
        }
        return bits;
    }

    private int value(String field, String token, int min, int max, String[] names) {
        if (names != null) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(token)) {
                    return min + i;
                }
            }
        }
        int v = number(field, token, token);
        if (v < min || v > max) {
            throw error(field, v + " is outside " + min + "-" + max);
        }
        return v;
    }

    private int number(String field, String token, String item) {
        if (token.isEmpty() || token.length() > 9 || !token.chars().allMatch(Character::isDigit)) {
            throw error(field, "'" + token + "'" + (token.equals(item) ? "" : " in '" + item + "'") + " is not a number"
                    + (field.equals("month") || field.equals("day-of-week") ? " or a name" : ""));
        }
        return Integer.parseInt(token);
    }

    private String[] items(String field, String text) {
        String[] items = text.split(",", -1);
        for (String item : items) {
            if (item.isEmpty()) {
                throw error(field, "empty item in '" + text + "'");
            }
        }
        return items;
    }

    private static boolean isDayField(String field) {
        return field.equals("day-of-month") || field.equals("day-of-week");
    }

    // --- the day fields --------------------------------------------------------------------------

    private DayRules dayRules(String domText, String dowTextRaw) {
        String dowText = dowTextRaw.toUpperCase(Locale.ROOT);
        String domUpper = domText.toUpperCase(Locale.ROOT);
        boolean domQuestion = domUpper.equals("?");
        boolean dowQuestion = dowText.equals("?");
        if (dialect == CronDialect.UNIX && (domQuestion || dowQuestion)) {
            throw error(domQuestion ? "day-of-month" : "day-of-week", "'?' is not part of the UNIX dialect; use '*'");
        }
        if (dialect == CronDialect.QUARTZ && domQuestion == dowQuestion) {
            throw error("day-of-month", "the QUARTZ dialect needs '?' in exactly one of day-of-month ('" + domText
                    + "') and day-of-week ('" + dowTextRaw + "')");
        }
        boolean domAll = domUpper.equals("*") || domQuestion;
        boolean dowAll = dowText.equals("*") || dowQuestion;

        long domDays = 0;
        boolean lastDay = false;
        long lastOffsets = 0;
        boolean lastWeekday = false;
        long nearest = 0;
        if (!domAll) {
            String[] items = items("day-of-month", domUpper);
            for (String item : items) {
                if (item.contains("L") || item.contains("W")) {
                    requireQuartzStyle("day-of-month", item);
                    if (dialect == CronDialect.QUARTZ && items.length > 1) {
                        throw error("day-of-month", "'" + item + "' cannot be combined with other days in the QUARTZ dialect");
                    }
                    if (item.equals("L")) {
                        lastDay = true;
                    } else if (item.equals("LW")) {
                        lastWeekday = true;
                    } else if (item.startsWith("L-")) {
                        int offset = number("day-of-month", item.substring(2), item);
                        if (offset < 1 || offset > 30) {
                            throw error("day-of-month", "offset " + offset + " in '" + item + "' is outside 1-30");
                        }
                        lastOffsets |= 1L << offset;
                    } else if (item.endsWith("W") && item.length() > 1) {
                        nearest |= 1L << value("day-of-month", item.substring(0, item.length() - 1), 1, 31, null);
                    } else {
                        throw error("day-of-month", "'" + item + "' is not L, LW, L-n or nW");
                    }
                } else {
                    domDays |= plainItem("day-of-month", item, 1, 31, null);
                }
            }
        }

        int dowDays = 0;
        int lastDow = 0;
        int[] nth = new int[6];
        if (!dowAll) {
            String[] items = items("day-of-week", dowText);
            for (String item : items) {
                if (item.contains("L") || item.contains("#")) {
                    requireQuartzStyle("day-of-week", item);
                    if (dialect == CronDialect.QUARTZ && items.length > 1) {
                        throw error("day-of-week", "'" + item + "' cannot be combined with other days in the QUARTZ dialect");
                    }
                    if (item.equals("L")) {
                        if (dialect == CronDialect.SPRING) {
                            throw error("day-of-week", "'L' needs a day before it, such as 5L or FRIL");
                        }
                        dowDays |= 1 << 6; // Quartz: L alone is the last day of the week, Saturday
                    } else if (item.endsWith("L")) {
                        lastDow |= 1 << singleDow(item.substring(0, item.length() - 1), item);
                    } else {
                        int hash = item.indexOf('#');
                        int dow = singleDow(item.substring(0, hash), item);
                        int n = number("day-of-week", item.substring(hash + 1), item);
                        if (n < 1 || n > 5) {
                            throw error("day-of-week", "occurrence " + n + " in '" + item + "' is outside 1-5");
                        }
                        nth[n] |= 1 << dow;
                    }
                } else {
                    dowDays |= dowItem(item);
                }
            }
        }
        // Vixie cron: when neither day field starts with '*', a day matching either one fires.
        boolean either = dialect == CronDialect.UNIX && !domUpper.startsWith("*") && !dowText.startsWith("*");
        return new DayRules(domAll, domDays, lastDay, lastOffsets, lastWeekday, nearest, dowAll, dowDays, lastDow, nth, either,
                dialect == CronDialect.SPRING);
    }

    private void requireQuartzStyle(String field, String item) {
        if (dialect == CronDialect.UNIX) {
            throw error(field, "'" + item + "' uses L, W or #, which the UNIX dialect does not have; use SPRING or QUARTZ");
        }
    }

    /** One plain day-of-week item (value, range, step) as ISO bits (Monday = 1 ... Sunday = 7). */
    private int dowItem(String item) {
        long raw;
        if (dialect == CronDialect.QUARTZ) {
            raw = plainItem("day-of-week", item, 1, 7, quartzDayNames());
            int iso = 0;
            for (int q = 1; q <= 7; q++) {
                if ((raw & (1L << q)) != 0) {
                    iso |= 1 << (q == 1 ? 7 : q - 1);
                }
            }
            return iso;
        }
        if (dialect == CronDialect.SPRING) {
            // Spring: '*' is 1-7 (Monday-Sunday); 0 is Sunday; a range starting at 7 starts at 0.
            String text = spring(item);
            int slash = text.indexOf('/');
            String range = slash < 0 ? text : text.substring(0, slash);
            if (range.equals("*")) {
                raw = plainItem("day-of-week", "1-7" + (slash < 0 ? "" : text.substring(slash)), 0, 7, null);
            } else {
                if (range.startsWith("7-")) {
                    text = "0" + text.substring(1);
                }
                raw = plainItem("day-of-week", text, 0, 7, null);
            }
        } else {
            raw = plainItem("day-of-week", item, 0, 7, DAY_NAMES_FROM_SUNDAY);
        }
        int iso = 0;
        for (int v = 0; v <= 7; v++) {
            if ((raw & (1L << v)) != 0) {
                iso |= 1 << (v == 0 ? 7 : v);
            }
        }
        return iso;
    }

    /** A single weekday, for nL and d#n, as its ISO number. */
    private int singleDow(String token, String item) {
        if (token.isEmpty()) {
            throw error("day-of-week", "no day before 'L' or '#' in '" + item + "'");
        }
        int bits = dowItem(token);
        if (Integer.bitCount(bits) != 1) {
            throw error("day-of-week", "'" + token + "' in '" + item + "' must be a single day");
        }
        return Integer.numberOfTrailingZeros(bits);
    }

    /** Spring replaces MON..SUN with 1..7 before parsing numbers. */
    private static String spring(String item) {
        String[] iso = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};
        String text = item;
        for (int i = 0; i < iso.length; i++) {
            text = text.replace(iso[i], Integer.toString(i + 1));
        }
        return text;
    }

    private static String[] quartzDayNames() {
        return DAY_NAMES_FROM_SUNDAY;
    }

    private BitSet years(String text) {
        BitSet years = new BitSet();
        for (String item : items("year", text)) {
            int slash = item.indexOf('/');
            String range = slash < 0 ? item : item.substring(0, slash);
            int step = slash < 0 ? 1 : number("year", item.substring(slash + 1), item);
            if (step <= 0) {
                throw error("year", "step " + step + " in '" + item + "' must be at least 1");
            }
            int from;
            int to;
            if (range.equals("*")) {
                from = 1970;
                to = 2099;
            } else {
                int dash = range.indexOf('-');
                from = value("year", dash < 0 ? range : range.substring(0, dash), 1970, 2099, null);
                to = dash >= 0 ? value("year", range.substring(dash + 1), 1970, 2099, null) : slash >= 0 ? 2099 : from;
                if (to < from) {
                    throw error("year", "range '" + item + "' runs backwards");
                }
            }
            for (int y = from; y <= to; y += step) {
                years.set(y);
            }
        }
        return years;
    }

    // --- can it ever fire? --------------------------------------------------------------------------

    private void checkCanFire(CronSchedule schedule, String domText, long months) {
        if (schedule.nextLocal(java.time.LocalDateTime.of(1970, 1, 1, 0, 0)) != null) {
            return;
        }
        int smallestDay = Long.numberOfTrailingZeros(schedule.days().domDays());
        if (!schedule.days().domAll() && smallestDay < 64) {
            int longest = 0;
            StringBuilder monthNames = new StringBuilder();
            for (int m = 1; m <= 12; m++) {
                if ((months & (1L << m)) != 0) {
                    longest = Math.max(longest, DayRules.monthLength(2000, m));
                    monthNames.append(monthNames.length() == 0 ? "" : ", ").append(java.time.Month.of(m)
                            .getDisplayName(java.time.format.TextStyle.FULL, Locale.ENGLISH));
                }
            }
            if (smallestDay > longest) {
                throw error("day-of-month", domText + " never occurs in " + monthNames + "; the expression can never fire");
            }
        }
        throw new IllegalArgumentException("\"" + expression + "\" can never fire: no date matches all of its fields");
    }

    private IllegalArgumentException error(String field, String problem) {
        return new IllegalArgumentException(field + ": " + problem + " in \"" + expression + "\"");
    }
}
