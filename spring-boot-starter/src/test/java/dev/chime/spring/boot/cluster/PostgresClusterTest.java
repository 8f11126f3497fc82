package dev.chime.spring.boot.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chime.JobEvent;
import dev.chime.JobInfo;
import dev.chime.Scheduler;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Two Spring Boot application contexts as two cluster nodes on the machine's PostgreSQL
 * ({@code CHIME_TEST_POSTGRESQL_URL} elsewhere; left out when {@code CHIME_TEST_DATABASES} does not
 * list {@code postgresql}), sharing fresh tables.
 */
class PostgresClusterTest {

    private static final String URL = System.getenv().getOrDefault("CHIME_TEST_POSTGRESQL_URL",
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

    private final String prefix = "t" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36) + "_";
    private final List<ConfigurableApplicationContext> nodes = new ArrayList<>();

    @BeforeEach
    void createSink() throws Exception {
        String list = System.getenv("CHIME_TEST_DATABASES");
        Assumptions.assumeTrue(list == null || Arrays.asList(list.split(",")).contains("postgresql"),
                "postgresql is not in CHIME_TEST_DATABASES=" + list);
        sql("CREATE TABLE " + prefix + "sink (fire_time VARCHAR(64) PRIMARY KEY, node VARCHAR(64) NOT NULL)");
    }

    @AfterEach
    void dropTables() throws Exception {
        nodes.forEach(ConfigurableApplicationContext::close);
        for (String table : List.of("sink", "jobs", "runs", "nodes")) {
            sql("DROP TABLE IF EXISTS " + prefix + table);
        }
    }

    private static void sql(String statement) throws Exception {
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private ConfigurableApplicationContext node(String name, String version, Class<?>... more) {
        Class<?>[] sources = new Class<?>[more.length + 1];
        sources[0] = ClusterApp.class;
        System.arraycopy(more, 0, sources, 1, more.length);
        ConfigurableApplicationContext ctx = new SpringApplicationBuilder(sources).web(WebApplicationType.NONE)
                .properties("spring.datasource.url=" + URL, "chime.table-prefix=" + prefix, "chime.node-name=" + name,
                        "chime.poll-interval=100ms", "chime.declarations.version=" + version, "sink.table=" + prefix + "sink",
                        "spring.main.banner-mode=off")
                .run();
        nodes.add(ctx);
        return ctx;
    }

    @Test
    void twoApplicationContextsShareTheJobsAndRunEachFiringOnce() {
        ConfigurableApplicationContext a = node("node-a", "1");
        ConfigurableApplicationContext b = node("node-b", "1");
        JdbcTemplate jdbc = a.getBean(JdbcTemplate.class);

        await().atMost(Duration.ofSeconds(60)).until(() -> jdbc.queryForObject("SELECT COUNT(*) FROM " + prefix + "sink", Integer.class) >= 12);
        a.getBean(Scheduler.class).pause();
        b.getBean(Scheduler.class).pause();
        // Outcomes are written after the sink row; wait until every run so far has reported.
        await().atMost(Duration.ofSeconds(20)).until(() -> executed(a) + executed(b) + failed(a) + failed(b)
                >= jdbc.queryForObject("SELECT COUNT(*) FROM " + prefix + "sink", Integer.class));

        int rows = jdbc.queryForObject("SELECT COUNT(*) FROM " + prefix + "sink", Integer.class);
        assertThat(failed(a) + failed(b)).as("a second run of a firing would break the sink's key and fail").isZero();
        assertThat(executed(a) + executed(b)).as("one run per firing, each in the sink").isEqualTo(rows);
        assertThat(a.getBean(Scheduler.class).jobs()).extracting(JobInfo::id).containsExactly("tick");
    }

    @Test
    void inARollingDeployTheNewerCodesDeclarationsWinWhicheverNodeStartsLast() {
        node("old-1", "1.0.0", RollingDeploy.OldCode.class);
        ConfigurableApplicationContext upgraded = node("new-1", "1.1.0", RollingDeploy.NewCode.class);
        Scheduler scheduler = upgraded.getBean(Scheduler.class);
        assertThat(scheduler.jobs()).extracting(JobInfo::id).containsExactly("export-v2", "tick");

        // A node still on the old code restarts while the roll is under way: it changes nothing.
        node("old-2", "1.0.0", RollingDeploy.OldCode.class);
        assertThat(scheduler.jobs()).extracting(JobInfo::id).containsExactly("export-v2", "tick");
        assertThat(scheduler.job("tick").orElseThrow().definition().origin().orElseThrow().version()).isEqualTo("1.1.0");
    }

    private static long executed(ConfigurableApplicationContext node) {
        return node.getBean(ClusterApp.Events.class).heard.stream().filter(e -> e instanceof JobEvent.Executed).count();
    }

    private static long failed(ConfigurableApplicationContext node) {
        return node.getBean(ClusterApp.Events.class).heard.stream().filter(e -> e instanceof JobEvent.Failed).count();
    }
}
