package dev.chime.spring.boot;

import dev.chime.Scheduler;
import dev.chime.SchedulerBuilder;
import dev.chime.SchedulerListener;
import dev.chime.spi.JobStore;
import dev.chime.spi.JobStoreProvider;
import dev.chime.spi.ListenerProvider;
import dev.chime.spi.TriggerProvider;
import dev.chime.spring.boot.internal.BeanTasks;
import dev.chime.spring.boot.internal.ChimeLifecycle;
import dev.chime.store.jdbc.JdbcJobStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;

/**
 * Chime for Spring Boot: a {@link Scheduler} bean built from the classpath's plugins and the
 * application's beans, started once the context is refreshed and stopped gracefully on shutdown.
 *
 * <ul>
 *   <li>Store: a {@link JobStore} bean if there is one; else as {@code chime.store} says; else
 *       {@code jdbc} on the application's {@link DataSource} when there is one, {@code memory} otherwise.</li>
 *   <li>Tasks: {@code @ScheduledJob} / {@code @ChimeTask} beans and {@code Job} beans (by bean name),
 *       taken from the context on every run.</li>
 *   <li>Plugins declared as beans ({@link TriggerProvider}, {@link ListenerProvider},
 *       {@link JobStoreProvider}, {@link SchedulerListener}) are used alongside those
 *       {@code ServiceLoader} finds; {@link SchedulerBuilderCustomizer} beans do the rest.</li>
 *   <li>Metrics go to the application's {@link MeterRegistry} (Actuator's) when there is one.</li>
 * </ul>
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration"})
@EnableConfigurationProperties(ChimeProperties.class)
public class ChimeAutoConfiguration {

    /** The jdbc store on the application's DataSource, unless another store is chosen. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean(DataSource.class)
    @ConditionalOnMissingBean(JobStore.class)
    @ConditionalOnProperty(prefix = "chime", name = "store", havingValue = "jdbc", matchIfMissing = true)
    static class JdbcStoreConfiguration {

        @Bean
        JdbcJobStore chimeJobStore(DataSource dataSource, ChimeProperties properties) {
            JdbcJobStore.Builder store = JdbcJobStore.builder(dataSource)
                    .tablePrefix(properties.getTablePrefix())
                    .createSchema(properties.isCreateSchema())
                    .heartbeatInterval(properties.getHeartbeatInterval())
                    .nodeTimeout(properties.getNodeTimeout());
            if (properties.getNodeName() != null && !properties.getNodeName().isBlank()) {
                store.nodeName(properties.getNodeName());
            }
            return store.build();
        }
    }

    @Bean
    @ConditionalOnMissingBean
    BeanTasks chimeBeanTasks(ConfigurableListableBeanFactory beans) {
        return new BeanTasks(beans);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    Scheduler chimeScheduler(ChimeProperties properties, BeanTasks tasks, ObjectProvider<JobStore> stores,
                             ObjectProvider<DataSource> dataSources, ObjectProvider<MeterRegistry> meterRegistries,
                             ObjectProvider<TriggerProvider> triggerProviders, ObjectProvider<ListenerProvider> listenerProviders,
                             ObjectProvider<JobStoreProvider> storeProviders, ObjectProvider<SchedulerListener> listeners,
                             ObjectProvider<SchedulerBuilderCustomizer> customizers) {
        SchedulerBuilder builder = Scheduler.builder().jobFactory(tasks)
                .threads(properties.getThreads())
                .pollInterval(properties.getPollInterval())
                .historyRetention(properties.getHistory().getMaxAge(), properties.getHistory().getMaxPerJob())
                .property("chime.metrics.job-tag", Boolean.toString(properties.isMetricsJobTag()));
        // getIfUnique: the only JobStore bean, or the @Primary one of several.
        JobStore storeBean = stores.getIfUnique();
        List<JobStore> storeBeans = stores.orderedStream().toList();
        if (storeBean == null && !storeBeans.isEmpty()) {
            throw new IllegalStateException("Chime found " + storeBeans.size() + " JobStore beans " + storeBeans
                    + "; declare one, or make one @Primary");
        }
        if (storeBean != null) {
            builder.store(storeBean);
        } else {
            String store = properties.getStore() != null && !properties.getStore().isBlank() ? properties.getStore() : "memory";
            // With a DataSource, JdbcStoreConfiguration made the jdbc store; here there is none.
            if (store.equals("jdbc") && dataSources.getIfUnique() == null) {
                throw new IllegalStateException("chime.store=jdbc needs a DataSource bean, and the application context has none:"
                        + " configure one (spring.datasource.url, with spring-boot-starter-jdbc and a JDBC driver), or set chime.store=memory");
            }
            builder.store(store);
            dataSources.ifUnique(builder::component);
        }
        meterRegistries.ifUnique(builder::component);
        triggerProviders.orderedStream().forEach(builder::triggerProvider);
        listenerProviders.orderedStream().forEach(builder::listenerProvider);
        storeProviders.orderedStream().forEach(builder::storeProvider);
        listeners.orderedStream().forEach(builder::listener);
        customizers.orderedStream().forEach(c -> c.customize(builder));
        return builder.build();
    }

    @Bean
    @ConditionalOnMissingBean
    ChimeLifecycle chimeLifecycle(Scheduler scheduler, BeanTasks tasks, ResourceLoader resources, ChimeProperties properties) {
        ChimeProperties.DeclarationsProperties d = properties.getDeclarations();
        String group = d.getGroup() != null && !d.getGroup().isBlank() ? d.getGroup() : "default";
        return new ChimeLifecycle(scheduler, tasks, resources, new ChimeLifecycle.Settings(properties.isAutoStartup(),
                properties.getShutdownGracePeriod(), properties.getScheduleFile(), group, d.getVersion(), d.getStaleJobs()));
    }
}
