package dev.chime.schedules.internal;

import dev.chime.Trigger;
import dev.chime.schedules.CalendarIntervalTrigger;
import dev.chime.schedules.MonthEnd;
import dev.chime.spi.SpecParams;
import dev.chime.spi.TriggerParser;
import dev.chime.spi.TriggerProvider;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code calendar-interval} type. */
public final class CalendarIntervalProvider implements TriggerProvider {

    private static final Pattern PERIOD = Pattern.compile("P(\\d{1,6})([DWMY])");

    @Override
    public String type() {
        return CalendarIntervalTrigger.TYPE;
    }

    /** Its start is a date, the first day of its calendar: it keeps that meaning; end and jitter are the common ones. */
    @Override
    public Set<String> ownParameters() {
        return Set.of("start");
    }

    @Override
    public Trigger parse(String body, TriggerParser nested) {
        SpecParams p = SpecParams.parse(body, Set.of("at", "zone", "start", "month-end"));
        Matcher m = PERIOD.matcher(p.main());
        if (!m.matches()) {
            throw new IllegalArgumentException("period: '" + p.main() + "' is not one of P<n>D, P<n>W, P<n>M, P<n>Y (e.g. P1M)");
        }
        ChronoUnit unit = switch (m.group(2)) {
            case "D" -> ChronoUnit.DAYS;
            case "W" -> ChronoUnit.WEEKS;
            case "M" -> ChronoUnit.MONTHS;
            default -> ChronoUnit.YEARS;
        };
        MonthEnd monthEnd = p.get("month-end").map(v -> switch (v) {
            case "last" -> MonthEnd.LAST_DAY;
            case "skip" -> MonthEnd.SKIP;
            default -> throw new IllegalArgumentException("month-end: '" + v + "' is not 'last' or 'skip'");
        }).orElse(MonthEnd.LAST_DAY);
        return new CalendarIntervalTrigger(Integer.parseInt(m.group(1)), unit,
                p.get("at").map(v -> Params.time("at", v)).orElse(null),
                p.get("zone").map(v -> Params.zone("zone", v)).orElse(ZoneOffset.UTC),
                p.get("start").map(v -> Params.date("start", v)).orElse(null), monthEnd);
    }
}
