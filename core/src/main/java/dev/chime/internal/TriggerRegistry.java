package dev.chime.internal;

import dev.chime.ChimeException;
import dev.chime.InvalidTriggerSpecException;
import dev.chime.Trigger;
import dev.chime.internal.trigger.CommonParams;
import dev.chime.internal.trigger.CommonParamsTrigger;
import dev.chime.spi.TriggerParser;
import dev.chime.spi.TriggerProvider;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Every trigger type a scheduler knows, by type name; parses specs. The one place where the common
 * parameters {@code start}, {@code end} and {@code jitter} are read for every type
 * ({@link CommonParams}, applied by {@link CommonParamsTrigger}). Immutable and thread-safe.
 */
public final class TriggerRegistry implements TriggerParser {

    private static volatile TriggerRegistry discovered;

    private final Map<String, TriggerProvider> byType;
    /** Parses the specs nested inside another (any:(..)(..)): jitter only goes on the outermost one. */
    private final TriggerParser nested = this::parseNested;

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
            CommonParams common = CommonParams.split(trimmed.substring(colon + 1), provider.ownParameters());
            return common.applyTo(provider.parse(common.body(), nested));
        } catch (InvalidTriggerSpecException e) {
            throw e;
        } catch (IllegalArgumentException | ChimeException e) {
            throw new InvalidTriggerSpecException(spec, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new InvalidTriggerSpecException(spec, "the '" + type + "' provider failed: " + e, e);
        }
    }

    private Trigger parseNested(String spec) {
        Trigger trigger = parse(spec);
        if (trigger instanceof CommonParamsTrigger common && common.jitter() != null) {
            // The jitter's seed, the job id, is bound to the outermost trigger only.
            throw new InvalidTriggerSpecException(spec, "jitter is allowed on the outermost trigger of a spec only;"
                    + " put ;jitter=... after the whole combined spec");
        }
        return trigger;
    }

    public String knownTypes() {
        return String.join(", ", new TreeSet<>(byType.keySet()));
    }
}
