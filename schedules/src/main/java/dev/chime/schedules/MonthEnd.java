package dev.chime.schedules;

/** What a calendar interval does when its day does not exist in a month (the 31st in April, Feb 29). */
public enum MonthEnd {
    /** Fire on the last day of that month, then return to the original day: 31, 30, 31, 28, 31 ... */
    LAST_DAY,
    /** Skip that month (or year) altogether: 31 Jan, 31 Mar, 31 May ... */
    SKIP
}
