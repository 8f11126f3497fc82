package dev.chime.internal;

import dev.chime.SchedulerConfigurationException;
import java.net.URL;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds providers of one SPI with {@link ServiceLoader}. A broken provider is logged and skipped
 * without losing the others; two different classes claiming the same id are an error naming both;
 * a provider registered by hand replaces a discovered one with its id.
 */
public final class PluginLoader {

    private static final Logger LOG = LoggerFactory.getLogger(PluginLoader.class);

    private PluginLoader() {
    }

    public static <P> Map<String, P> load(Class<P> spi, Function<P, String> idOf, List<P> registeredByHand,
                                          boolean discover, ClassLoader classLoader) {
        Map<String, P> byId = new LinkedHashMap<>();
        if (discover) {
            for (P provider : discover(spi, classLoader)) {
                String id = idOf.apply(provider);
                P earlier = byId.putIfAbsent(id, provider);
                if (earlier != null && earlier.getClass() != provider.getClass()) {
                    throw new SchedulerConfigurationException(spi.getSimpleName() + " id '" + id + "' is claimed by both "
                            + describe(earlier) + " and " + describe(provider) + "; remove one of them from the classpath");
                }
            }
        }
        for (P provider : registeredByHand) {
            P replaced = byId.put(idOf.apply(provider), provider);
            if (replaced != null && replaced.getClass() != provider.getClass()) {
                LOG.info("{} '{}' registered by hand ({}) replaces the discovered {}", spi.getSimpleName(),
                        idOf.apply(provider), provider.getClass().getName(), describe(replaced));
            }
        }
        return byId;
    }

    private static <P> List<P> discover(Class<P> spi, ClassLoader classLoader) {
        List<P> found = new ArrayList<>();
        Iterator<P> it = ServiceLoader.load(spi, classLoader).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                P provider = it.next();
                LOG.debug("found {} {}", spi.getSimpleName(), describe(provider));
                found.add(provider);
            } catch (ServiceConfigurationError e) {
                // One broken META-INF/services entry must not hide the healthy providers after it.
                LOG.error("skipping a broken {} provider: {}", spi.getSimpleName(), e.getMessage(), e);
            }
        }
        return found;
    }

    /** A provider's class and the jar it came from, for logs and errors. */
    public static String describe(Object provider) {
        Class<?> type = provider.getClass();
        CodeSource source = type.getProtectionDomain().getCodeSource();
        URL location = source == null ? null : source.getLocation();
        return type.getName() + (location == null ? "" : " (from " + location + ")");
    }
}
