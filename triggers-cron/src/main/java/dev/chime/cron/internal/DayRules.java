package dev.chime.cron.internal;

import java.time.DayOfWeek;

/**
 * The day fields of a cron expression, compiled: which days of a given month match. Day-of-week
 * values are ISO (1 = Monday ... 7 = Sunday) whatever the dialect wrote. Immutable.
 *
 * @param domAll          day-of-month is {@code *} or {@code ?}
 * @param domDays         plain days of month, bits 1-31
 * @param lastDay         {@code L}
 * @param lastDayOffsets  {@code L-n}: bit n set for each offset
 * @param lastWeekday     {@code LW}
 * @param nearestWeekday  {@code nW}: bit n set for each day
 * @param dowAll          day-of-week is {@code *} or {@code ?}
 * @param dowDays         plain days of week, ISO bits 1-7
 * @param lastDow         {@code nL}: ISO bits of the weekdays whose last occurrence matches
 * @param nthDow          {@code d#n}: for n in 1-5, the ISO bits of weekdays whose n-th occurrence matches
 * @param either          true when a day matching either field is enough (Vixie cron with both restricted)
 * @param nearestStaysInWeek Spring's {@code nW}: a Sunday ending the month does not move back to Friday
 */
record DayRules(boolean domAll, long domDays, boolean lastDay, long lastDayOffsets, boolean lastWeekday,
                long nearestWeekday, boolean dowAll, int dowDays, int lastDow, int[] nthDow, boolean either,
                boolean nearestStaysInWeek) {

    /** The days of {@code month} in {@code year} that match, as bits 1-31. */
    long daysOf(int year, int month) {
        int length = monthLength(year, month);
        long valid = (1L << (length + 1)) - 2;
        int firstDow = firstDayOfWeek(year, month);
        long dom = dayOfMonthMatches(length, firstDow, valid);
        long dow = dayOfWeekMatches(length, firstDow, valid);
        return either ? (dom | dow) : (dom & dow);
    }

    private long dayOfMonthMatches(int length, int firstDow, long valid) {
        if (domAll) {
            return valid;
        }
        long days = domDays & valid;
        if (lastDay) {
            days |= 1L << length;
        }
        for (long offsets = lastDayOffsets; offsets != 0; offsets &= offsets - 1) {
            int day = length - Long.numberOfTrailingZeros(offsets);
            if (day >= 1) {
                days |= 1L << day;
            }
        }
        if (lastWeekday) {
            int dow = dowOf(length, firstDow);
            int day = dow == 6 ? length - 1 : dow == 7 ? length - 2 : length;
            days |= 1L << day;
        }
        for (long targets = nearestWeekday; targets != 0; targets &= targets - 1) {
            int day = Long.numberOfTrailingZeros(targets);
            if (day <= length) {
                int nearest = nearestWeekday(day, length, dowOf(day, firstDow), nearestStaysInWeek);
                if (nearest > 0) {
                    days |= 1L << nearest;
                }
            }
        }
        return days;
    }

    /**
     * Quartz's rule: Saturday moves back to Friday (or, on the 1st, on to Monday the 3rd); Sunday
     * moves on to Monday (or, on the last day, back to Friday). Spring's {@code CronExpression}
     * never moves a Sunday backwards: a Sunday that ends the month has its Monday in the next
     * month, so that month has no fire ({@code staysInWeek}, answer 0).
     */
    private static int nearestWeekday(int day, int length, int dow, boolean staysInWeek) {
        if (dow == DayOfWeek.SATURDAY.getValue()) {
            return day == 1 ? 3 : day - 1;
        }
        if (dow == DayOfWeek.SUNDAY.getValue()) {
            if (day == length) {
                return staysInWeek ? 0 : day - 2;
            }
            return day + 1;
        }
        return day;
    }

    private long dayOfWeekMatches(int length, int firstDow, long valid) {
        if (dowAll) {
            return valid;
        }
        long days = 0;
        // Only the weekdays some rule names; each bit is an ISO weekday.
        for (int wanted = dowDays | lastDow | nthAny(); wanted != 0; wanted &= wanted - 1) {
            int dow = Integer.numberOfTrailingZeros(wanted);
            int bit = 1 << dow;
            int first = 1 + Math.floorMod(dow - firstDow, 7);
            if ((dowDays & bit) != 0) {
                days |= WEEKLY_FROM[first];
            }
            if ((lastDow & bit) != 0) {
                days |= 1L << (first + 7 * ((length - first) / 7));
            }
            for (int n = 1; n < nthDow.length; n++) {
                int day = first + 7 * (n - 1);
                if ((nthDow[n] & bit) != 0 && day <= length) {
                    days |= 1L << day;
                }
            }
        }
        return days & valid;
    }

    private int nthAny() {
        int any = 0;
        for (int bits : nthDow) {
            any |= bits;
        }
        return any;
    }

    /** WEEKLY_FROM[d]: bits d, d+7, d+14, ... up to 31. */
    private static final long[] WEEKLY_FROM = new long[8];

    static {
        for (int first = 1; first <= 7; first++) {
            for (int day = first; day <= 31; day += 7) {
                WEEKLY_FROM[first] |= 1L << day;
            }
        }
    }

    private static final int[] MONTH_OFFSETS = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};

    /** The ISO day of week (Monday = 1) of the 1st of a month, by Sakamoto's method: no allocation. */
    static int firstDayOfWeek(int year, int month) {
        int y = month < 3 ? year - 1 : year;
        int sundayBased = (y + Math.floorDiv(y, 4) - Math.floorDiv(y, 100) + Math.floorDiv(y, 400) + MONTH_OFFSETS[month - 1] + 1) % 7;
        int fromSunday = sundayBased < 0 ? sundayBased + 7 : sundayBased;
        return fromSunday == 0 ? 7 : fromSunday;
    }

    private static int dowOf(int day, int firstDow) {
        return (firstDow - 1 + day - 1) % 7 + 1;
    }

    static int monthLength(int year, int month) {
        switch (month) {
            case 2:
                return isLeap(year) ? 29 : 28;
            case 4:
            case 6:
            case 9:
            case 11:
                return 30;
            default:
                return 31;
        }
    }

    private static boolean isLeap(int year) {
        return (year & 3) == 0 && (year % 100 != 0 || year % 400 == 0);
    }
}
