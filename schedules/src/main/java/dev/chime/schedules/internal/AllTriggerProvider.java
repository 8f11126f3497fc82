package dev.chime.schedules.internal;

import dev.chime.Trigger;
import dev.chime.schedules.AllTrigger;
import dev.chime.spi.TriggerParser;
import dev.chime.spi.TriggerProvider;

/** The {@code all} type: {@code all:(<spec>)(<spec>)...}. */
public final class AllTriggerProvider implements TriggerProvider {

    @Override
    public String type() {
        return AllTrigger.TYPE;
    }

    @Override
    public Trigger parse(String body, TriggerParser nested) {
        NestedSpecs specs = NestedSpecs.parse(body);
        if (!specs.params().isEmpty()) {
            throw new IllegalArgumentException("all takes no parameters, found ';" + specs.params() + "'");
        }
        return new AllTrigger(specs.parts().stream().map(nested::parse).toList());
    }
}
