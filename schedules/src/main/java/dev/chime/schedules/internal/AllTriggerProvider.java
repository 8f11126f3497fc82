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
        return new AllTrigger(NestedSpecs.triggers(type(), body, nested));
    }
}
