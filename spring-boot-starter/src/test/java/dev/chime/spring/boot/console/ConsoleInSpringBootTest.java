package dev.chime.spring.boot.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.JobDefinition;
import dev.chime.Scheduler;
import dev.chime.Triggers;
import dev.chime.console.Authenticator;
import dev.chime.console.ConsoleUser;
import dev.chime.console.Role;
import dev.chime.spi.JobStore;
import dev.chime.store.memory.MemoryJobStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.ServletWebServerFactoryAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The console mounted by the starter in a real servlet web application (embedded Tomcat) under /chime. */
class ConsoleInSpringBootTest {

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({ServletWebServerFactoryAutoConfiguration.class, dev.chime.spring.boot.ChimeAutoConfiguration.class,
            ChimeConsoleAutoConfiguration.class})
    static class App {
        @Bean
        JobStore store() {
            return new MemoryJobStore();
        }

        /** The task of the test's job: the starter refuses a job naming a task no bean offers. */
        @Bean
        dev.chime.Job t() {
            return ctx -> { };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnAuthenticator {
        @Bean
        Authenticator authenticator() {
            return headers -> "ops".equals(headers.get("X-Proxy-User")) ? Optional.of(new ConsoleUser("ops", Role.READ_ONLY))
                    : Optional.empty();
        }
    }

    private static ConfigurableApplicationContext start(Class<?>[] sources, String... properties) {
        return new SpringApplicationBuilder(sources).web(WebApplicationType.SERVLET)
                .properties("server.port=0", "chime.store=memory").properties(properties).run();
    }

    private static HttpResponse<String> get(ConfigurableApplicationContext ctx, String path, String header, String value) throws Exception {
        int port = ((WebServerApplicationContext) ctx).getWebServer().getPort();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
        if (header != null) {
            request.header(header, value);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theConsoleIsServedUnderChimeWithTheTokenAndTheStoresNodes() throws Exception {
        try (ConfigurableApplicationContext ctx = start(new Class<?>[] {App.class}, "chime.console.enabled=true",
                "chime.console.token=spring-token-1")) {
            ctx.getBean(Scheduler.class).add(JobDefinition.of("reports/daily", "t", Triggers.parse("interval:PT15S")));
            assertThat(get(ctx, "/chime/health", null, null).body()).isEqualTo("{\"status\":\"UP\"}");
            assertThat(get(ctx, "/chime/api/jobs", null, null).statusCode()).isEqualTo(401);
            HttpResponse<String> job = get(ctx, "/chime/api/job?id=reports%2Fdaily", "Authorization", "Bearer spring-token-1");
            assertThat(job.statusCode()).isEqualTo(200);
            // Added by code with Scheduler.add: anchored at the moment it was added, and shown so.
            assertThat(job.body()).contains("\"id\":\"reports/daily\"", "\"description\":\"every 15 seconds, from ");
            assertThat(get(ctx, "/chime/api/nodes", "Authorization", "Bearer spring-token-1").body()).contains("\"self\":true");
            HttpResponse<String> page = get(ctx, "/chime/", null, null);
            assertThat(page.body()).contains("<title>Chime console</title>");
            assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("frame-ancestors 'none'");
        }
    }

    @Test
    void anAuthenticatorBeanIsUsedInsteadOfATokenAndItsReadOnlyUserCannotChange() throws Exception {
        try (ConfigurableApplicationContext ctx = start(new Class<?>[] {App.class, OwnAuthenticator.class}, "chime.console.enabled=true",
                "chime.console.path=/admin/jobs")) {
            assertThat(get(ctx, "/admin/jobs/api/me", "X-Proxy-User", "ops").body()).isEqualTo("{\"name\":\"ops\",\"role\":\"READ_ONLY\"}");
            assertThat(get(ctx, "/admin/jobs/api/me", null, null).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void enablingTheConsoleWithoutATokenOrAuthenticatorFailsTheStart() {
        assertThatThrownBy(() -> start(new Class<?>[] {App.class}, "chime.console.enabled=true").close())
                .hasStackTraceContaining("chime.console.enabled=true needs chime.console.token");
    }

    @Test
    void theConsoleSettingsAreInTheConfigurationMetadata() throws Exception {
        String metadata = new String(getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        for (String property : java.util.List.of("chime.console.enabled", "chime.console.path", "chime.console.token",
                "chime.console.read-only-token", "chime.console.store-concurrency", "chime.console.store-wait")) {
            assertThat(metadata).contains("\"name\": \"" + property + "\"");
        }
    }

    @Test
    void theConsoleIsOffUnlessEnabled() throws Exception {
        try (ConfigurableApplicationContext ctx = start(new Class<?>[] {App.class}, "chime.console.token=spring-token-1")) {
            assertThat(get(ctx, "/chime/health", null, null).statusCode()).isEqualTo(404);
        }
    }
}
