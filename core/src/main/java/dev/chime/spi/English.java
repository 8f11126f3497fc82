package dev.chime.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Phrases for {@link dev.chime.Trigger#describe()}: durations as people say them
 * ({@code "every 15 seconds"}, {@code "every hour"}, {@code "every 1 hour and 30 minutes"}).
 * Stateless and thread-safe.
 */
public final class English {

    private English() {
    }

    /** {@code "15 seconds"}, {@code "1 hour"}, {@code "1 day and 2 hours"}, {@code "250 milliseconds"}. */
    public static String duration(Duration d) {
        if (d.isZero()) {
            return "0 seconds";
        }
        List<String> parts = new ArrayList<>();
        add(parts, d.toDaysPart(), "day");
        add(parts, d.toHoursPart(), "hour");
        add(parts, d.toMinutesPart(), "minute");
        add(parts, d.toSecondsPart(), "second");
        int nanos = d.toNanosPart();
        if (nanos % 1_000_000 == 0) {
            add(parts, nanos / 1_000_000, "millisecond");
        } else {
            add(parts, nanos, "nanosecond");
        }
        if (parts.size() == 1) {
            return parts.get(0);
        }
        return String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.get(parts.size() - 1);
    }

    /** {@code "every hour"} for one whole unit, else {@code "every 15 seconds"}. */
    public static String every(Duration d) {
        String text = duration(d);
        return "every " + (text.startsWith("1 ") && !text.contains(" and ") ? text.substring(2) : text);
    }

    private static void add(List<String> parts, long amount, String unit) {
        if (amount != 0) {
            parts.add(amount + " " + unit + (amount == 1 ? "" : "s"));
        }
    }
}
