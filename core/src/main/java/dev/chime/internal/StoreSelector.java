package dev.chime.internal;

import dev.chime.SchedulerConfigurationException;
import dev.chime.spi.JobStoreProvider;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Chooses the store provider. Missing or ambiguous is a start-up error, never a silent fallback to
 * memory, which would lose jobs that the user expected to persist.
 */
public final class StoreSelector {

    private static final String HOW_TO_ADD = "add dev.chime:chime-store-memory (in-memory) or dev.chime:chime-store-jdbc "
            + "(persistent, clustered) to the classpath, or pass a store with Scheduler.builder().store(...)";

    private StoreSelector() {
    }

    public static JobStoreProvider select(Map<String, JobStoreProvider> providers, String chosenName) {
        if (chosenName != null) {
            JobStoreProvider chosen = providers.get(chosenName);
            if (chosen == null) {
                throw new SchedulerConfigurationException("no job store named '" + chosenName + "'; available: "
                        + (providers.isEmpty() ? "none" : providers.keySet()) + ". To get one, " + HOW_TO_ADD);
            }
            return chosen;
        }
        if (providers.isEmpty()) {
            throw new SchedulerConfigurationException("no job store found: " + HOW_TO_ADD);
        }
        if (providers.size() > 1) {
            String found = providers.values().stream().map(p -> "'" + p.name() + "' from " + PluginLoader.describe(p))
                    .collect(Collectors.joining(", "));
            String choices = providers.keySet().stream().sorted().map(name -> "Scheduler.builder().store(\"" + name + "\")")
                    .collect(Collectors.joining(" or "));
            throw new SchedulerConfigurationException("several job stores found (" + found
                    + "); choose one with " + choices + " (with chime-store-jdbc: .store(\"jdbc\").component(dataSource)),"
                    + " or pass a store instance with .store(store)");
        }
        return providers.values().iterator().next();
    }
}
