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
        NestedSpecs specs = NestedSpecs.parse(body);
        if (!specs.params().isEmpty()) {
            throw new IllegalArgumentException("any takes no parameters, found ';" + specs.params() + "'");
        }
        return new AnyTrigger(specs.parts().stream().map(nested::parse).toList());
    }
}
