package dev.chime.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two demo nodes on one PostgreSQL database (the machine's, {@code CHIME_TEST_POSTGRESQL_URL}, or an embedded one):
 * one set of jobs, seen and changed through either node, each firing run by one of them.
 */
class ClusterModeTest {

    /** The machine's PostgreSQL, CHIME_TEST_POSTGRESQL_URL, or an embedded one when neither answers. */
    private static String url() {
        // Asked only once a test runs: CHIME_TEST_DATABASES may leave PostgreSQL out.
        return dev.chime.store.jdbc.TestDatabase.POSTGRESQL.url();
    }

    private final List<DemoServer> nodes = new ArrayList<>();

    @BeforeEach
    void freshTables() throws Exception {
        // Runs with the store-jdbc tests' database selection: CHIME_TEST_DATABASES=h2 leaves PostgreSQL out.
        String only = System.getenv("CHIME_TEST_DATABASES");
        Assumptions.assumeTrue(only == null || only.toLowerCase(java.util.Locale.ROOT).contains("postgresql"),
                "CHIME_TEST_DATABASES leaves PostgreSQL out");
        dropTables();
    }

    @AfterEach
    void tearDown() throws Exception {
        nodes.forEach(DemoServer::close);
        if (!nodes.isEmpty()) {
            dropTables();
        }
    }

    private static void dropTables() throws Exception {
        try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement()) {
            for (String table : List.of("chime_runs", "chime_jobs", "chime_nodes")) {
                s.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    @Test
    void twoNodesShareTheJobsAndRunEachFiringOnce() {
        for (int i = 0; i < 2; i++) {
            nodes.add(DemoServer.start(new DemoSettings(0, url(), null, "tok"), Duration.ofSeconds(10)));
        }
        Api a = new Api(nodes.get(0).port(), "tok");
        Api b = new Api(nodes.get(1).port(), "tok");
        assertThat(a.get("/health").json().path("node").asText()).isNotEqualTo(b.get("/health").json().path("node").asText());
        assertThat(b.get("/jobs").json()).as("declared once, by whichever node came first").hasSize(3);

        assertThat(a.call("POST", "/jobs", "{\"id\": \"tick\", \"task\": \"echo\", \"trigger\": \"interval:PT0.5S\"}").status())
                .isEqualTo(201);
        assertThat(b.get("/jobs/tick").status()).as("added on one node, seen on the other").isEqualTo(200);

        await().atMost(Duration.ofSeconds(30)).until(() -> executedTicks().size() >= 10);
        assertThat(b.call("POST", "/jobs/tick/pause", null).status()).isEqualTo(200);
        assertThat(a.get("/jobs/tick").json().path("paused").asBoolean()).isTrue();

        List<String> runs = executedTicks();
        Set<String> distinct = new HashSet<>(runs);
        assertThat(distinct).as("each fire time ran on one node only").hasSameSizeAs(runs);
    }

    private List<String> executedTicks() {
        List<String> fireTimes = new ArrayList<>();
        for (DemoServer node : nodes) {
            for (JsonNode e : node.injector().getInstance(EventLog.class).recent(EventLog.CAPACITY, "Executed", "tick")) {
                fireTimes.add(e.path("scheduledFireTime").asText());
            }
        }
        return fireTimes;
    }
}
