package dev.chime.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chime.JobDefinition;
import dev.chime.JobOptions;
import dev.chime.RetryPolicy;
import dev.chime.Scheduler;
import dev.chime.Triggers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 16's proof, with two scheduler JVMs ({@link NodeProcess}) on PostgreSQL: a job whose
 * attempt 1 fails and attempt 2 succeeds, retried after 6 s. The node that ran attempt 1 is killed
 * (SIGKILL) or stopped cleanly while the retry waits: the other node runs attempt 2, exactly once,
 * although the job is not recoverable, and the history has one entry, SUCCESS after 2 attempts.
 */
class DurableRetryCrashTest {

    private static final String JOB = "flaky-1";

    private final String prefix = TestDatabase.freshPrefix();
    private final List<Process> processes = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final List<Writer> stdins = new ArrayList<>();
    private DataSource ds;

    @AfterEach
    void tearDown() throws Exception {
        processes.forEach(Process::destroyForcibly);
        if (ds != null) {
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                for (String t : List.of("sink", "starts", "dups", "notrun", "attempts")) {
                    s.execute("DROP TABLE IF EXISTS " + prefix + t);
                }
            }
            TestDatabase.drop(ds, prefix);
        }
    }

    @Test
    void aCrashDuringARetrysBackoffRunsTheRetryOnAnotherNodeExactlyOnce() throws Exception {
        int victim = startTwoNodesAndAwaitTheFirstAttempt();
        processes.get(victim).destroyForcibly();
        assertThat(processes.get(victim).waitFor(10, TimeUnit.SECONDS)).isTrue();

        assertTheRetryRanOnceOn(1 - victim);
    }

    @Test
    void aGracefulShutdownDuringARetrysBackoffLeavesTheRetryToAnotherNode() throws Exception {
        int leaving = startTwoNodesAndAwaitTheFirstAttempt();
        stop(leaving);

        assertTheRetryRanOnceOn(1 - leaving);
    }

    /** Adds the job, starts p1 and p2, and answers the index of the node that ran attempt 1. */
    private int startTwoNodesAndAwaitTheFirstAttempt() throws Exception {
        TestDatabase db = TestDatabase.POSTGRESQL;
        ds = db.dataSource();
        try (JdbcJobStore setup = JdbcJobStore.builder(ds).tablePrefix(prefix).createSchema(true).build()) {
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE " + prefix + "sink (job_id VARCHAR(200) NOT NULL, fire_time BIGINT NOT NULL, "
                        + "node VARCHAR(200) NOT NULL, recovery BOOLEAN NOT NULL, PRIMARY KEY (job_id, fire_time))");
                s.execute("CREATE TABLE " + prefix + "dups (job_id VARCHAR(200), fire_time BIGINT, node VARCHAR(200))");
                s.execute("CREATE TABLE " + prefix + "attempts (job_id VARCHAR(200) NOT NULL, attempt INT NOT NULL, "
                        + "node VARCHAR(200) NOT NULL)");
                s.execute("CREATE TABLE " + prefix + "notrun (job_id VARCHAR(200) NOT NULL, fire_time BIGINT NOT NULL, "
                        + "node VARCHAR(200) NOT NULL, kind VARCHAR(20) NOT NULL)");
            }
            Scheduler adder = Scheduler.builder().store(setup).build();
            // Not recoverable: the retry is pending work, not an interrupted body, and runs anyway.
            adder.add(JobDefinition.builder(JOB).task("flaky")
                    .trigger(Triggers.once(Instant.now().plusSeconds(4).truncatedTo(ChronoUnit.SECONDS)))
                    .options(JobOptions.builder().retry(RetryPolicy.fixed(1, Duration.ofSeconds(6))).build()).build());
            adder.close();
        }
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        for (String name : List.of("p1", "p2")) {
            Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", NodeProcess.class.getName(), db.url(), prefix, name)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            processes.add(p);
            names.add(name);
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).as("node %s started", name).startsWith("READY ");
            stdins.add(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
        }
        // The backoff begins once the retry is stored with its run: a node that dies between the
        // failure and that write leaves a run whose attempt was cut off (reported missed here).
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> count("SELECT COUNT(*) FROM " + prefix + "runs WHERE retry_at IS NOT NULL AND attempts_made = 1 "
                        + "AND ended_at_ms IS NULL") == 1);
        String first = strings("SELECT node FROM " + prefix + "attempts WHERE attempt = 1").get(0);
        // The retry is due 6 s after attempt 1: the node goes well within its backoff.
        assertThat(strings("SELECT node FROM " + prefix + "attempts WHERE attempt = 2")).isEmpty();
        return names.indexOf(first);
    }

    private void assertTheRetryRanOnceOn(int survivor) throws Exception {
        String other = names.get(1 - survivor);
        String taker = names.get(survivor);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> count("SELECT COUNT(*) FROM " + prefix + "history WHERE job_id = '" + JOB + "'") > 0
                        && count("SELECT COUNT(*) FROM " + prefix + "runs WHERE ended_at_ms IS NULL") == 0);
        stop(survivor);

        assertThat(strings("SELECT attempt || '@' || node FROM " + prefix + "attempts ORDER BY attempt"))
                .as("attempt 1 on the node that went, attempt 2 once on the other")
                .containsExactly("1@" + other, "2@" + taker);
        assertThat(strings("SELECT node || ':' || recovery FROM " + prefix + "sink")).as("not a re-run")
                .containsExactly(taker + ":false");
        assertThat(count("SELECT COUNT(*) FROM " + prefix + "dups")).isZero();
        assertThat(count("SELECT COUNT(*) FROM " + prefix + "notrun")).as("nothing missed or skipped").isZero();
        assertThat(strings("SELECT outcome || ':' || attempts || ':' || node FROM " + prefix + "history WHERE job_id = '"
                + JOB + "'")).as("one history entry").singleElement().satisfies(e -> assertThat(e).startsWith("SUCCESS:2:" + taker));
    }

    private void stop(int node) throws Exception {
        stdins.get(node).write("stop\n");
        stdins.get(node).flush();
        assertThat(processes.get(node).waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    private long count(String sql) throws Exception {
        return TestDatabase.count(ds, sql);
    }

    private List<String> strings(String sql) throws Exception {
        return TestDatabase.strings(ds, sql);
    }
}
