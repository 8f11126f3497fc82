package dev.chime.spi;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * What a provider gets when the scheduler asks it to create a store or a listener: the clock,
 * string settings, and objects handed to the builder (a {@code DataSource}, a {@code MeterRegistry}).
 */
public interface ProviderContext {

    Clock clock();

    /** Settings given with {@code SchedulerBuilder.property(key, value)}. */
    Map<String, String> properties();

    default Optional<String> property(String key) {
        return Optional.ofNullable(properties().get(key));
    }

    /** The object of that type given with {@code SchedulerBuilder.component(...)}, if any. */
    <T> Optional<T> component(Class<T> type);
}
