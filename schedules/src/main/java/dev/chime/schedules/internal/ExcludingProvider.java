package dev.chime.schedules.internal;

import dev.chime.Trigger;
import dev.chime.schedules.ExcludingTrigger;
import dev.chime.schedules.ExclusionCalendar;
import dev.chime.spi.SpecParams;
import dev.chime.spi.TriggerParser;
import dev.chime.spi.TriggerProvider;
import java.time.DateTimeException;
import java.time.MonthDay;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** The {@code excluding} type, and the one place calendar specs are parsed. */
public final class ExcludingProvider implements TriggerProvider {

    @Override
    public String type() {
        return ExcludingTrigger.TYPE;
    }

    @Override
    public Trigger parse(String body, TriggerParser nested) {
        NestedSpecs specs = NestedSpecs.parse(body);
        if (specs.parts().size() != 2) {
            throw new IllegalArgumentException("excluding needs (trigger)(calendar), found " + specs.parts().size() + " part(s)");
        }
        SpecParams p = SpecParams.parse(specs.paramsBody(), Set.of("name", "zone"));
        return new ExcludingTrigger(nested.parse(specs.parts().get(0)), calendar(specs.parts().get(1), nested),
                p.get("name").orElse(null), p.get("zone").map(v -> Params.zone("zone", v)).orElse(ZoneOffset.UTC));
    }

    static ExclusionCalendar calendar(String spec, TriggerParser nested) {
        String text = spec.trim();
        if (text.equals("weekends")) {
            return ExclusionCalendar.weekends();
        }
        if (text.startsWith("dates:")) {
            return ExclusionCalendar.dates(list(text.substring(6)).stream().map(v -> Params.date("dates", v))
                    .collect(Collectors.toSet()));
        }
        if (text.startsWith("annual:")) {
            Set<MonthDay> days = new TreeSet<>();
            for (String v : list(text.substring(7))) {
                try {
                    days.add(MonthDay.parse("--" + v));
                } catch (DateTimeException e) {
                    throw new IllegalArgumentException("annual: '" + v + "' is not a month and day such as 12-25");
                }
            }
            return ExclusionCalendar.annual(days);
        }
        if (text.startsWith("union:")) {
            NestedSpecs parts = NestedSpecs.parse(text.substring(6));
            return ExclusionCalendar.union(parts.parts().stream().map(s -> calendar(s, nested)).toList());
        }
        if (text.contains(":")) {
            // Any trigger spec: its fire times are excluded (a cron expression, typically).
            return ExclusionCalendar.firesOf(nested.parse(text));
        }
        throw new IllegalArgumentException("calendar: '" + text + "' is not weekends, dates:..., annual:..., union:(..)(..) "
                + "or a trigger spec such as cron:...");
    }

    private static java.util.List<String> list(String csv) {
        java.util.List<String> values = new java.util.ArrayList<>();
        for (String v : csv.split(",")) {
            if (!v.isBlank()) {
                values.add(v.trim());
            }
        }
        if (values.isEmpty()) {
            throw new IllegalArgumentException("calendar: an empty list in '" + csv + "'");
        }
        return values;
    }

}
