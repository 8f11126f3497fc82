package dev.chime.metrics.internal;

import dev.chime.SchedulerListener;
import dev.chime.metrics.ChimeMetrics;
import dev.chime.spi.ListenerProvider;
import dev.chime.spi.ProviderContext;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.util.Locale;

/**
 * Gives every scheduler a {@link ChimeMetrics} listener: into the {@code MeterRegistry} component
 * if the builder has one, else into the global registry. Property {@code chime.metrics.job-tag}
 * ({@code true}/{@code false}) switches the {@code job} tag.
 */
public final class MetricsListenerProvider implements ListenerProvider {

    public static final String JOB_TAG_PROPERTY = "chime.metrics.job-tag";

    @Override
    public String id() {
        return "micrometer";
    }

    @Override
    public SchedulerListener create(ProviderContext context) {
        MeterRegistry registry = context.component(MeterRegistry.class).orElse(Metrics.globalRegistry);
        boolean jobTag = context.property(JOB_TAG_PROPERTY).map(MetricsListenerProvider::parseBoolean).orElse(true);
        return ChimeMetrics.builder().registry(registry).jobTag(jobTag).build();
    }

    private static boolean parseBoolean(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(JOB_TAG_PROPERTY + ": '" + value + "' is not true or false");
        }
        return Boolean.parseBoolean(v);
    }
}
