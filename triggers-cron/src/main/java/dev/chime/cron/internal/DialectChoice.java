package dev.chime.cron.internal;

import dev.chime.cron.CronDialect;
import java.util.Optional;

/**
 * Whether a 6-field expression means the same in Spring and Quartz. Both dialects take 6 fields,
 * but their day-of-week numbers differ (2 is Tuesday in Spring, Monday in Quartz) and so do
 * {@code L} and {@code nL} there: reading a Quartz expression as Spring's would run it on another
 * day without a word. The answer compares what the two readings fire on, not the text, so names
 * ({@code MON-FRI}) and {@code *} stay accepted without a dialect.
 */
public final class DialectChoice {

    /** Every (month length, first weekday) pair occurs in a 28-year run of years. */
    private static final int FIRST_YEAR = 2000;
    private static final int YEARS = 28;

    private DialectChoice() {
    }

    /**
     * Empty when {@code expression} (6 fields, no dialect named) means the same under both
     * dialects, or is not valid Quartz; otherwise an error message giving both readings.
     */
    public static Optional<String> ambiguity(String expression) {
        CronParser.Parsed spring;
        CronParser.Parsed quartz;
        try {
            quartz = CronParser.parse(expression, CronDialect.QUARTZ);
        } catch (IllegalArgumentException notQuartz) {
            return Optional.empty();
        }
        try {
            spring = CronParser.parse(expression, CronDialect.SPRING);
        } catch (IllegalArgumentException notSpring) {
            return Optional.of("'" + expression + "' is a QUARTZ expression (" + CronDescriber.describe(quartz.schedule())
                    + ") but not a SPRING one (" + notSpring.getMessage() + "); add ;dialect=quartz");
        }
        if (sameFireTimes(spring.schedule(), quartz.schedule())) {
            return Optional.empty();
        }
        String[] fields = spring.normalized().split(" ");
        String fix = "; add ;dialect=quartz or ;dialect=spring";
        String quartzReading = CronDescriber.describe(quartz.schedule());
        String springReading = CronDescriber.describe(spring.schedule());
        if (quartzReading.equals(springReading) && fields[3].toUpperCase(java.util.Locale.ROOT).contains("W")) {
            return Optional.of("'" + expression + "': day-of-month " + fields[3] + " differs when that day is a Sunday ending"
                    + " the month: Quartz fires on the Friday before, Spring not in that month" + fix);
        }
        return Optional.of("'" + expression + "': day-of-week " + fields[5] + " means \"" + quartzReading + "\" in Quartz and \""
                + springReading + "\" in Spring" + fix);
    }

    private static boolean sameFireTimes(CronSchedule a, CronSchedule b) {
        if (a.seconds() != b.seconds() || a.minutes() != b.minutes() || a.hours() != b.hours() || a.months() != b.months()) {
            return false;
        }
        for (int year = FIRST_YEAR; year < FIRST_YEAR + YEARS; year++) {
            for (int month = 1; month <= 12; month++) {
                if (a.days().daysOf(year, month) != b.days().daysOf(year, month)) {
                    return false;
                }
            }
        }
        return true;
    }
}
