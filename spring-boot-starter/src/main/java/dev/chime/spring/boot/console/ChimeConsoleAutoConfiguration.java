package dev.chime.spring.boot.console;

import dev.chime.Scheduler;
import dev.chime.console.Authenticator;
import dev.chime.console.Console;
import dev.chime.console.ConsoleServlet;
import dev.chime.spi.JobStore;
import dev.chime.spring.boot.ChimeAutoConfiguration;
import dev.chime.spring.boot.internal.BeanTasks;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;

/**
 * Mounts Chime's console as a servlet under {@code chime.console.path} (default {@code /chime}) in a
 * servlet web application (Spring MVC or not: the servlet sits beside the DispatcherServlet, so it
 * needs neither MVC nor WebFlux), when {@code chime.console.enabled=true} and {@code chime-console}
 * is on the classpath. Authentication: an {@link Authenticator} bean if the application has one,
 * else {@code chime.console.token} (and optionally {@code read-only-token}); enabling the console
 * without either fails the start.
 */
@AutoConfiguration(after = ChimeAutoConfiguration.class)
@ConditionalOnClass({Console.class, ServletRegistrationBean.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnProperty(prefix = "chime.console", name = "enabled", havingValue = "true")
@ConditionalOnBean(Scheduler.class)
@EnableConfigurationProperties(ChimeConsoleProperties.class)
public class ChimeConsoleAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    Console chimeConsole(Scheduler scheduler, ChimeConsoleProperties properties, ObjectProvider<Authenticator> authenticators,
                         ObjectProvider<JobStore> stores, ObjectProvider<BeanTasks> tasks) {
        Authenticator authenticator = authenticators.getIfUnique();
        if (authenticator == null) {
            if (properties.getToken() == null || properties.getToken().isBlank()) {
                throw new IllegalStateException("chime.console.enabled=true needs chime.console.token (at least 8 characters) "
                        + "or an Authenticator bean: the console is never served without authentication");
            }
            authenticator = Authenticator.bearerTokens(properties.getToken(), properties.getReadOnlyToken());
        }
        Console.Builder console = Console.builder(scheduler).authenticator(authenticator)
                .storeConcurrency(properties.getStoreConcurrency(), properties.getStoreWait());
        stores.ifUnique(console::store);
        tasks.ifUnique(t -> console.tasks(t::names));
        return console.build();
    }

    @Bean
    @ConditionalOnMissingBean(name = "chimeConsoleServlet")
    ServletRegistrationBean<ConsoleServlet> chimeConsoleServlet(Console console, ChimeConsoleProperties properties) {
        String path = properties.getPath();
        if (!path.startsWith("/") || path.equals("/")) {
            throw new IllegalStateException("chime.console.path: '" + path + "' must start with / and not be / itself");
        }
        String base = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        ServletRegistrationBean<ConsoleServlet> registration = new ServletRegistrationBean<>(new ConsoleServlet(console), base + "/*");
        registration.setName("chimeConsoleServlet");
        return registration;
    }
}
