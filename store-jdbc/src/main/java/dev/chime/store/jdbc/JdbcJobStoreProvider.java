package dev.chime.store.jdbc;

import dev.chime.SchedulerConfigurationException;
import dev.chime.spi.JobStore;
import dev.chime.spi.JobStoreProvider;
import dev.chime.spi.ProviderContext;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import javax.sql.DataSource;

/**
 * Makes the {@code jdbc} store from the {@link DataSource} handed to the scheduler builder
 * ({@code component(dataSource)}) and these properties:
 * <ul>
 *   <li>{@code chime.jdbc.table-prefix} (default {@code chime_})</li>
 *   <li>{@code chime.jdbc.create-schema} ({@code true}/{@code false}, default false)</li>
 *   <li>{@code chime.jdbc.node-name} (default: the host name)</li>
 *   <li>{@code chime.jdbc.heartbeat-interval} (ISO-8601 duration, default {@code PT5S})</li>
 *   <li>{@code chime.jdbc.node-timeout} (ISO-8601 duration, default {@code PT30S})</li>
 *   <li>{@code chime.jdbc.write-retry-limit} (ISO-8601 duration, default {@code PT30S})</li>
 * </ul>
 */
public final class JdbcJobStoreProvider implements JobStoreProvider {

    @Override
    public String name() {
        return "jdbc";
    }

    @Override
    public JobStore create(ProviderContext context) {
        DataSource dataSource = context.component(DataSource.class).orElseThrow(() -> new SchedulerConfigurationException(
                "the 'jdbc' store needs a javax.sql.DataSource: pass one with SchedulerBuilder.component(dataSource)"));
        JdbcJobStore.Builder builder = JdbcJobStore.builder(dataSource);
        try {
            context.property("chime.jdbc.table-prefix").ifPresent(builder::tablePrefix);
        } catch (IllegalArgumentException e) {
            throw new SchedulerConfigurationException("chime.jdbc.table-prefix: " + e.getMessage());
        }
        context.property("chime.jdbc.create-schema").map(v -> bool("chime.jdbc.create-schema", v)).ifPresent(builder::createSchema);
        context.property("chime.jdbc.node-name").ifPresent(builder::nodeName);
        context.property("chime.jdbc.heartbeat-interval").map(v -> duration("chime.jdbc.heartbeat-interval", v))
                .ifPresent(builder::heartbeatInterval);
        context.property("chime.jdbc.node-timeout").map(v -> duration("chime.jdbc.node-timeout", v))
                .ifPresent(builder::nodeTimeout);
        context.property("chime.jdbc.write-retry-limit").map(v -> duration("chime.jdbc.write-retry-limit", v))
                .ifPresent(builder::writeRetryLimit);
        return builder.build();
    }

    private static boolean bool(String key, String value) {
        if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(value);
        }
        throw new SchedulerConfigurationException(key + ": '" + value + "' is not true or false");
    }

    private static Duration duration(String key, String value) {
        try {
            Duration d = Duration.parse(value);
            if (d.isNegative() || d.isZero()) {
                throw new SchedulerConfigurationException(key + ": '" + value + "' must be positive");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new SchedulerConfigurationException(key + ": '" + value + "' is not an ISO-8601 duration such as PT5S");
        }
    }
}
