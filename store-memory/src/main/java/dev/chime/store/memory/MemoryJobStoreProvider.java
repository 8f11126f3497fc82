package dev.chime.store.memory;

import dev.chime.spi.JobStore;
import dev.chime.spi.JobStoreProvider;
import dev.chime.spi.ProviderContext;

/** Provides the {@code memory} store; registered in {@code META-INF/services}. */
public final class MemoryJobStoreProvider implements JobStoreProvider {

    public static final String NAME = "memory";
    /** The property that sets how many runs the history keeps at most, in all (default 10,000). */
    public static final String HISTORY_CAPACITY = "chime.store.memory.history-capacity";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public JobStore create(ProviderContext context) {
        int capacity = context.property(HISTORY_CAPACITY).map(MemoryJobStoreProvider::capacity)
                .orElse(MemoryJobStore.DEFAULT_HISTORY_CAPACITY);
        return new MemoryJobStore(capacity);
    }

    private static int capacity(String value) {
        try {
            int capacity = Integer.parseInt(value.trim());
            if (capacity >= 1) {
                return capacity;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(HISTORY_CAPACITY + ": '" + value + "' is not a whole number of at least 1");
    }
}
