package dev.chime.cron;

/** Which cron syntax and meaning an expression has. */
public enum CronDialect {

    /**
     * Vixie cron: 5 fields (minute hour day-of-month month day-of-week), names, ranges, steps,
     * lists and {@code @yearly}-style macros. Day-of-week 0-7, 0 and 7 are Sunday. When both day
     * fields are restricted (neither starts with {@code *}) a day matches either of them.
     */
    UNIX,

    /**
     * Spring Framework's {@code CronExpression}: 6 fields (second first), day-of-week 0-7 with
     * MON-SUN names, {@code ?}, {@code L}, {@code W}, {@code LW}, {@code L-n}, {@code nL},
     * {@code #}, macros; a day must match day-of-month AND day-of-week.
     */
    SPRING,

    /**
     * Quartz's {@code CronExpression}: 6 or 7 fields (second first, optional year 1970-2099),
     * day-of-week 1-7 with 1 = Sunday, exactly one of the day fields must be {@code ?},
     * {@code L W # LW L-n}, ranges that wrap around ({@code FRI-MON}, {@code 22-2}).
     */
    QUARTZ
}
