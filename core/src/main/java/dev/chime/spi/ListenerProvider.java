package dev.chime.spi;

import dev.chime.SchedulerListener;

/**
 * Makes a {@link SchedulerListener} that every scheduler gets once the provider is on the
 * classpath (metrics, audit logs). Found with {@link java.util.ServiceLoader}; any number may be.
 */
public interface ListenerProvider {

    /** A unique id, used in logs and to tell providers apart. */
    String id();

    SchedulerListener create(ProviderContext context);
}
