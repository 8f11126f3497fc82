package dev.chime.schedules.internal;

import dev.chime.Trigger;
import dev.chime.schedules.AnyTrigger;
import dev.chime.spi.TriggerParser;
import dev.chime.spi.TriggerProvider;

/** The {@code any} type: {@code any:(<spec>)(<spec>)...}. */
public final class AnyTriggerProvider implements TriggerProvider {

    @Override
    public String type() {
        return AnyTrigger.TYPE;
    }

    @Override
    public Trigger parse(String body, TriggerParser nested) {
        return new AnyTrigger(NestedSpecs.triggers(type(), body, nested));
    }
}
