package dev.chime.store.memory;

import dev.chime.spi.JobStore;
import dev.chime.spi.JobStoreProvider;
import dev.chime.spi.ProviderContext;

/** Provides the {@code memory} store; registered in {@code META-INF/services}. */
public final class MemoryJobStoreProvider implements JobStoreProvider {

    public static final String NAME = "memory";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public JobStore create(ProviderContext context) {
        return new MemoryJobStore();
    }
}
