package dev.chime.demo;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.google.inject.multibindings.OptionalBinder;
import dev.chime.SchedulerBuilder;
import dev.chime.guice.ChimeModule;
import dev.chime.guice.SchedulerConfigurer;
import dev.chime.spi.JobStore;
import jakarta.inject.Inject;
import dev.chime.store.jdbc.JdbcJobStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.inject.Singleton;
import java.time.Duration;
import javax.sql.DataSource;

/** The demo's own bindings: the database, the JDBC job store, the Prometheus registry, the event log. */
final class DemoModule extends AbstractModule {

    private final DemoSettings settings;

    DemoModule(DemoSettings settings) {
        this.settings = settings;
    }

    @Override
    protected void configure() {
        bind(DemoSettings.class).toInstance(settings);
        bind(MeterRegistry.class).to(PrometheusMeterRegistry.class);
        ChimeModule.listeners(binder()).addBinding().to(EventLog.class);
        OptionalBinder.newOptionalBinder(binder(), JobStore.class).setBinding().to(JdbcJobStore.class);
        ChimeModule.configurers(binder()).addBinding().to(RegistryAsComponent.class);
    }

    /** The metrics listener (found with ServiceLoader) records into the registry given as a component. */
    static final class RegistryAsComponent implements SchedulerConfigurer {

        private final PrometheusMeterRegistry registry;

        @Inject
        RegistryAsComponent(PrometheusMeterRegistry registry) {
            this.registry = registry;
        }

        @Override
        public void configure(SchedulerBuilder builder) {
            builder.component(registry);
        }
    }

    @Provides
    @Singleton
    HikariDataSource dataSource() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(withoutH2ExitHook(settings.jdbcUrl()));
        config.setPoolName("chime-demo");
        config.setMaximumPoolSize(10);
        // Fail at start with the database's own message when it cannot be reached.
        config.setInitializationFailTimeout(10_000);
        // While the database is away, an API read answers 503 after this long instead of hanging.
        config.setConnectionTimeout(5_000);
        return new HikariDataSource(config);
    }

    /**
     * H2 closes its databases in a JVM shutdown hook of its own, which would pull the database
     * away from jobs still finishing in ours: the app closes the pool itself, last.
     */
    static String withoutH2ExitHook(String url) {
        boolean embedded = url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:h2:tcp:") && !url.startsWith("jdbc:h2:ssl:");
        return embedded && !url.toUpperCase(java.util.Locale.ROOT).contains("DB_CLOSE_ON_EXIT")
                ? url + ";DB_CLOSE_ON_EXIT=FALSE" : url;
    }

    @Provides
    @Singleton
    DataSource plainDataSource(HikariDataSource pool) {
        return pool;
    }

    @Provides
    @Singleton
    JdbcJobStore store(DataSource dataSource) {
        // An API request that adds a job while the database is away answers 503 after this long.
        return JdbcJobStore.builder(dataSource).createSchema(true).writeRetryLimit(Duration.ofSeconds(10)).build();
    }

    @Provides
    @Singleton
    PrometheusMeterRegistry registry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }
}
