package dev.chime.guice;

import dev.chime.SchedulerBuilder;

/**
 * Settings for the scheduler that need injected objects (a store on the application's
 * {@code DataSource}, a {@code MeterRegistry} as a component...). Bind any number with
 * {@link ChimeModule#configurers}; each is built by the injector and applied before the scheduler is.
 */
@FunctionalInterface
public interface SchedulerConfigurer {

    void configure(SchedulerBuilder builder);
}
