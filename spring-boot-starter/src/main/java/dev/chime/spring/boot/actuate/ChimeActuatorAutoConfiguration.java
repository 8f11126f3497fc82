package dev.chime.spring.boot.actuate;

import dev.chime.Scheduler;
import dev.chime.spi.JobStore;
import dev.chime.spring.boot.ChimeAutoConfiguration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** Chime's Actuator parts, when Actuator is on the classpath: the {@code chime} health indicator and endpoint. */
@AutoConfiguration(after = ChimeAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
@ConditionalOnBean(Scheduler.class)
public class ChimeActuatorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "chimeHealthIndicator")
    @ConditionalOnEnabledHealthIndicator("chime")
    ChimeHealthIndicator chimeHealthIndicator(Scheduler scheduler, ObjectProvider<JobStore> store) {
        return new ChimeHealthIndicator(scheduler, store.getIfUnique());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    ChimeEndpoint chimeEndpoint(Scheduler scheduler) {
        return new ChimeEndpoint(scheduler);
    }
}
