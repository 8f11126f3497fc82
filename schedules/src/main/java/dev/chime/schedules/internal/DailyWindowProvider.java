package dev.chime.schedules.internal;

import dev.chime.Trigger;
import dev.chime.schedules.DailyWindowTrigger;
import dev.chime.spi.SpecParams;
import dev.chime.spi.TriggerParser;
import dev.chime.spi.TriggerProvider;
import java.time.DayOfWeek;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.Set;

/** The {@code daily-window} type. */
public final class DailyWindowProvider implements TriggerProvider {

    @Override
    public String type() {
        return DailyWindowTrigger.TYPE;
    }

    @Override
    public Trigger parse(String body, TriggerParser nested) {
        SpecParams p = SpecParams.parse(body, Set.of("from", "to", "days", "zone"));
        return new DailyWindowTrigger(SpecParams.parseDuration("interval", p.main()),
                Params.time("from", p.get("from").orElseThrow(() -> new IllegalArgumentException("from: missing, e.g. from=09:00"))),
                Params.time("to", p.get("to").orElseThrow(() -> new IllegalArgumentException("to: missing, e.g. to=17:00"))),
                p.get("days").map(v -> Params.days("days", v)).orElse(EnumSet.allOf(DayOfWeek.class)),
                p.get("zone").map(v -> Params.zone("zone", v)).orElse(ZoneOffset.UTC));
    }
}
