package dev.chime.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The database goes away under the running app and comes back: on a PostgreSQL database of its
 * own, whose sessions are terminated and whose new connections are refused for a while. Meanwhile
 * the API answers 503 naming the problem; afterwards everything is there.
 */
class DatabaseOutageTest {

    /** The machine's PostgreSQL, CHIME_TEST_POSTGRESQL_URL, or an embedded one when neither answers. */
    private static String adminUrl() {
        // Asked only once a test runs: CHIME_TEST_DATABASES may leave PostgreSQL out.
        return dev.chime.store.jdbc.TestDatabase.POSTGRESQL.url();
    }
    private static final String DATABASE = "chime_demo_outage";

    private DemoServer app;

    @BeforeEach
    void createDatabase() throws Exception {
        String only = System.getenv("CHIME_TEST_DATABASES");
        Assumptions.assumeTrue(only == null || only.toLowerCase(java.util.Locale.ROOT).contains("postgresql"),
                "CHIME_TEST_DATABASES leaves PostgreSQL out");
        admin("DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
        admin("CREATE DATABASE " + DATABASE);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (app != null) {
            app.close();
            admin("ALTER DATABASE " + DATABASE + " WITH ALLOW_CONNECTIONS true");
            admin("DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
        }
    }

    private static void admin(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(adminUrl()); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Test
    void whileTheDatabaseIsAwayTheApiSays503AndAfterwardsEverythingIsThere() throws Exception {
        String url = adminUrl().replaceFirst("/[^/?]+(\\?|$)", "/" + DATABASE + "$1");
        app = DemoServer.start(new DemoSettings(0, url, null, "tok"), Duration.ofSeconds(5));
        Api api = new Api(app.port(), "tok");
        assertThat(api.call("POST", "/jobs", "{\"id\": \"kept\", \"task\": \"echo\", \"trigger\": \"interval:PT1H\"}").status())
                .isEqualTo(201);

        admin("ALTER DATABASE " + DATABASE + " WITH ALLOW_CONNECTIONS false");
        admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + DATABASE + "'");
        await().atMost(Duration.ofSeconds(30)).until(() -> api.get("/health").status() == 503);
        Api.Reply health = api.get("/health");
        assertThat(health.json().path("status").asText()).isEqualTo("DOWN");
        assertThat(health.json().path("error").asText()).startsWith("job store unreachable: could not count jobs");
        Api.Reply jobs = api.get("/jobs");
        assertThat(jobs.status()).isEqualTo(503);
        assertThat(jobs.error()).startsWith("could not list jobs");
        Api.Reply add = api.call("POST", "/jobs", "{\"id\": \"during\", \"task\": \"echo\", \"trigger\": \"interval:PT1H\"}");
        assertThat(add.status()).as("after the store's 10 s write retry limit").isEqualTo(503);
        assertThat(add.error()).startsWith("could not add job 'during': ");

        admin("ALTER DATABASE " + DATABASE + " WITH ALLOW_CONNECTIONS true");
        await().atMost(Duration.ofSeconds(30)).until(() -> api.get("/health").status() == 200);
        assertThat(api.get("/jobs/kept").status()).isEqualTo(200);
        assertThat(api.get("/jobs/during").status()).as("refused, so not added").isEqualTo(404);
        assertThat(api.get("/jobs").json()).hasSize(4);
        assertThat(api.call("POST", "/jobs/kept/run", null).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                "SUCCESS".equals(api.get("/jobs/kept").json().path("lastRun").path("outcome").asText()));
    }
}
