package dev.chime.schedules;

import dev.chime.Trigger;
import dev.chime.TriggerContext;
import dev.chime.schedules.internal.WallClock;
import dev.chime.spi.English;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Fires every {@code every} from {@code from} up to and including {@code to}, wall-clock time in a
 * zone, on the chosen days of the week (Quartz's {@code DailyTimeIntervalTrigger}): 09:00, 09:15,
 * ..., 17:00 on weekdays. Each day starts again at {@code from}. Spec:
 * {@code daily-window:PT15M;from=09:00;to=17:00;days=MON-FRI;zone=Europe/Berlin}. Immutable.
 */
public record DailyWindowTrigger(Duration every, LocalTime from, LocalTime to, Set<DayOfWeek> days, ZoneId zone)
        implements Trigger {

    public static final String TYPE = "daily-window";

    public DailyWindowTrigger {
        Objects.requireNonNull(every, "every");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(zone, "zone");
        if (every.isNegative() || every.isZero() || every.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("interval: " + every + " must be positive and at most a day");
        }
        if (to.isBefore(from)) {
            throw new IllegalArgumentException("to: " + to + " is before from " + from + " (a window is within one day)");
        }
        if (days.isEmpty()) {
            throw new IllegalArgumentException("days: at least one day of the week is needed");
        }
        days = Set.copyOf(days);
    }

    @Override
    public Optional<Instant> nextFireTime(TriggerContext context) {
        Instant after = context.lastFireTime() != null ? context.lastFireTime() : context.now().minusNanos(1);
        LocalDate date = LocalDate.ofInstant(after, zone);
        for (int offset = 0; offset <= 8; offset++) {
            LocalDate day = date.plusDays(offset);
            if (!days.contains(day.getDayOfWeek())) {
                continue;
            }
            long k = 0;
            if (offset == 0) {
                Duration intoWindow = Duration.between(from, LocalTime.ofInstant(after, zone));
                k = intoWindow.isNegative() ? 0 : intoWindow.dividedBy(every);
            }
            for (LocalTime t = from.plus(every.multipliedBy(k)); !t.isAfter(to); t = t.plus(every)) {
                Instant fire = WallClock.toInstant(LocalDateTime.of(day, t), zone);
                if (fire.isAfter(after)) {
                    return Optional.of(fire);
                }
                if (t.plus(every).isBefore(t)) {
                    break; // wrapped past midnight
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public String spec() {
        String dayList = EnumSet.copyOf(days).stream().map(d -> d.name().substring(0, 3)).collect(Collectors.joining(","));
        return TYPE + ":" + every + ";from=" + from + ";to=" + to + ";days=" + dayList + ";zone=" + zone.getId();
    }

    /** {@code "every 15 minutes from 09:00 to 17:00, Monday through Friday (Europe/Berlin)"}. */
    @Override
    public String describe() {
        return English.every(every) + " from " + from + " to " + to + ", " + dayText() + " (" + zone.getId() + ")";
    }

    private String dayText() {
        if (days.size() == 7) {
            return "every day";
        }
        if (days.equals(EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY))) {
            return "Monday through Friday";
        }
        return "on " + EnumSet.copyOf(days).stream()
                .map(d -> d.getDisplayName(java.time.format.TextStyle.FULL, Locale.ENGLISH)).collect(Collectors.joining(", "));
    }
}
