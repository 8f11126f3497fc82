package dev.chime.internal;

import dev.chime.spi.ProviderContext;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The {@link ProviderContext} the builder hands to store and listener providers. */
public record SimpleProviderContext(Clock clock, Map<String, String> properties, List<Object> components)
        implements ProviderContext {

    public SimpleProviderContext {
        properties = Map.copyOf(properties);
        components = List.copyOf(components);
    }

    @Override
    public <T> Optional<T> component(Class<T> type) {
        return components.stream().filter(type::isInstance).map(type::cast).findFirst();
    }
}
