package dev.chime.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chime.JobDefinition;
import dev.chime.JobInfo;
import dev.chime.Outcome;
import dev.chime.Scheduler;
import dev.chime.Triggers;
import dev.chime.spring.boot.actuate.ChimeEndpoint;
import dev.chime.spring.boot.actuate.ChimeHealthIndicator;
import dev.chime.spring.boot.sample.BillingApplication;
import dev.chime.spring.boot.sample.InvoiceService;
import dev.chime.store.jdbc.JdbcJobStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The README's sample application with nothing but the starter, H2 and Actuator on the classpath:
 * the jdbc store on the application's (embedded H2) DataSource, jobs as beans with their
 * dependencies, metrics in the application's MeterRegistry, the health indicator and the endpoint.
 */
@SpringBootTest(classes = BillingApplication.class, properties = "management.endpoints.web.exposure.include=health,chime")
class SpringBootSampleTest {

    @Autowired
    Scheduler scheduler;
    @Autowired
    InvoiceService invoices;
    @Autowired
    JdbcJobStore store;
    @Autowired
    MeterRegistry meters;
    @Autowired
    ChimeHealthIndicator health;
    @Autowired
    ChimeEndpoint endpoint;

    @Test
    void annotatedBeanMethodsAndTaskBeansRunWithTheirDependenciesOnTheApplicationsDataSource() {
        assertThat(scheduler.state()).isEqualTo(Scheduler.State.RUNNING);
        assertThat(store.database()).isEqualTo("h2");
        JobInfo declared = scheduler.job("send-invoices").orElseThrow();
        assertThat(declared.definition().trigger().spec()).isEqualTo("cron:0 */5 * * * *;zone=Europe/Berlin");
        assertThat(declared.definition().task()).isEqualTo("dev.chime.spring.boot.sample.InvoiceJobs#sendDue");
        assertThat(declared.definition().origin().orElseThrow().source())
                .isEqualTo("method dev.chime.spring.boot.sample.InvoiceJobs#sendDue");

        scheduler.runNow("send-invoices");
        scheduler.add(JobDefinition.builder("remind-acme").task("send-reminder").trigger(Triggers.once(Instant.EPOCH))
                .options(dev.chime.JobOptions.builder().unlimitedMisfireGrace().build())
                .data(Map.of("customer", "acme")).build());

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(invoices.done())
                .anyMatch(s -> s.startsWith("sent invoices due at")).contains("reminded acme"));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                meters.find("chime.job.execution").tag("job", "send-invoices").tag("outcome", "success").timer())
                .as("recorded in the application's MeterRegistry").isNotNull());
    }

    @Test
    void theReadmeShowsTheSampleAsItIsCompiledHere() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        for (String source : List.of("InvoiceJobs", "SendReminder")) {
            String text = Files.readString(Path.of("src/test/java/dev/chime/spring/boot/sample", source + ".java"));
            assertThat(readme).as("README.md's Spring Boot sample shows %s.java", source)
                    .contains(text.substring(text.indexOf("@Component")).strip());
        }
    }

    @Test
    void theStarterShipsConfigurationMetadataForEverySetting() throws Exception {
        String metadata = new String(getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        for (String property : List.of("chime.store", "chime.threads", "chime.poll-interval", "chime.table-prefix",
                "chime.create-schema", "chime.node-name", "chime.heartbeat-interval", "chime.node-timeout",
                "chime.metrics-job-tag", "chime.schedule-file", "chime.declarations.version", "chime.declarations.stale-jobs",
                "chime.history.max-age", "chime.history.max-per-job")) {
            assertThat(metadata).contains("\"name\": \"" + property + "\"");
        }
    }

    @Test
    void theHealthIndicatorReportsStateStoreAndHeartbeatAndTheEndpointListsTheJobs() {
        Health h = health.health();
        assertThat(h.getStatus()).isEqualTo(Status.UP);
        assertThat(h.getDetails()).containsEntry("state", "RUNNING").containsEntry("store", "reachable")
                .containsEntry("node", store.nodeId()).containsKey("lastHeartbeatAgeMillis");
        assertThat((Long) h.getDetails().get("lastHeartbeatAgeMillis")).isLessThan(store.nodeTimeout().toMillis() / 2);

        scheduler.runNow("send-invoices");
        await().atMost(Duration.ofSeconds(20)).until(() -> scheduler.job("send-invoices").orElseThrow().lastRun().isPresent());

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> jobs = (List<Map<String, Object>>) endpoint.jobs().get("jobs");
        Map<String, Object> job = jobs.stream().filter(j -> j.get("id").equals("send-invoices")).findFirst().orElseThrow();
        assertThat(job.get("nextFireTime")).isNotNull();
        assertThat(job).containsEntry("trigger", "cron:0 */5 * * * *;zone=Europe/Berlin");
        @SuppressWarnings("unchecked")
        Map<String, Object> lastRun = (Map<String, Object>) job.get("lastRun");
        assertThat(lastRun).containsEntry("outcome", Outcome.SUCCESS.name());
        assertThat(endpoint.job("no-such-job")).isNull();
    }
}
