package dev.chime.spring.boot;

import dev.chime.SchedulerBuilder;

/**
 * Settings for the auto-configured scheduler that properties do not cover (a clock, an executor,
 * a name...). Declare any number as beans; they are applied in their {@code @Order}, after the
 * properties and the plugin beans.
 */
@FunctionalInterface
public interface SchedulerBuilderCustomizer {

    void customize(SchedulerBuilder builder);
}
