package dev.chime.internal;

import dev.chime.ChimeException;
import dev.chime.InvalidTriggerSpecException;
import dev.chime.Trigger;
import dev.chime.spi.TriggerParser;
import dev.chime.spi.TriggerProvider;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Every trigger type a scheduler knows, by type name; parses specs. Immutable and thread-safe. */
public final class TriggerRegistry implements TriggerParser {

    private static volatile TriggerRegistry discovered;

    private final Map<String, TriggerProvider> byType;

    public TriggerRegistry(Map<String, TriggerProvider> byType) {
        this.byType = Map.copyOf(byType);
    }

    /** The registry of every type on the classpath, loaded once. */
    public static TriggerRegistry discovered() {
        TriggerRegistry registry = discovered;
        if (registry == null) {
            registry = new TriggerRegistry(PluginLoader.load(TriggerProvider.class, TriggerProvider::type, List.of(), true,
                    TriggerRegistry.class.getClassLoader()));
            discovered = registry;
        }
        return registry;
    }

    @Override
    public Trigger parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new InvalidTriggerSpecException(String.valueOf(spec), "a spec is 'type:body', e.g. interval:PT10S");
        }
        String trimmed = spec.trim();
        int colon = trimmed.indexOf(':');
        if (colon <= 0) {
            throw new InvalidTriggerSpecException(spec, "missing the type before ':' (known types: " + knownTypes() + ")");
        }
        String type = trimmed.substring(0, colon).trim();
        TriggerProvider provider = byType.get(type);
        if (provider == null) {
            throw new InvalidTriggerSpecException(spec, "unknown trigger type '" + type + "' (known types: " + knownTypes()
                    + "; a type such as 'cron' needs its module on the classpath)");
        }
        try {
            return provider.parse(trimmed.substring(colon + 1), this);
        } catch (InvalidTriggerSpecException e) {
            throw e;
        } catch (IllegalArgumentException | ChimeException e) {
            throw new InvalidTriggerSpecException(spec, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new InvalidTriggerSpecException(spec, "the '" + type + "' provider failed: " + e, e);
        }
    }

    public String knownTypes() {
        return String.join(", ", new TreeSet<>(byType.keySet()));
    }
}
