package dev.chime.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chime.JobDefinition;
import dev.chime.JobOptions;
import dev.chime.Scheduler;
import dev.chime.Triggers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three scheduler JVMs on PostgreSQL; one is killed with SIGKILL while it runs slow recoverable
 * firings. The survivors take it over within the node timeout, the firings it had in flight run
 * exactly once more, and every other scheduled fire time runs exactly once.
 */
class CrashTest {

    private final String prefix = TestDatabase.freshPrefix();
    private final List<Process> processes = new ArrayList<>();
    private DataSource ds;

    @AfterEach
    void tearDown() throws Exception {
        processes.forEach(Process::destroyForcibly);
        if (ds != null) {
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                for (String t : List.of("sink", "starts", "dups", "notrun")) {
                    s.execute("DROP TABLE IF EXISTS " + prefix + t);
                }
            }
            TestDatabase.drop(ds, prefix);
        }
    }

    @Test
    void aKilledNodesWorkIsTakenOverAndItsInFlightFiringsRunExactlyOnceMore() throws Exception {
        TestDatabase db = TestDatabase.POSTGRESQL;
        ds = db.dataSource();
        try (JdbcJobStore setup = JdbcJobStore.builder(ds).tablePrefix(prefix).createSchema(true).build()) {
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE " + prefix + "sink (job_id VARCHAR(200) NOT NULL, fire_time BIGINT NOT NULL, "
                        + "node VARCHAR(200) NOT NULL, recovery BOOLEAN NOT NULL, PRIMARY KEY (job_id, fire_time))");
                s.execute("CREATE TABLE " + prefix + "starts (job_id VARCHAR(200) NOT NULL, fire_time BIGINT NOT NULL, "
                        + "node VARCHAR(200) NOT NULL, recovery BOOLEAN NOT NULL, at_ms BIGINT DEFAULT "
                        + "(CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)))");
                s.execute("CREATE TABLE " + prefix + "dups (job_id VARCHAR(200), fire_time BIGINT, node VARCHAR(200))");
                s.execute("CREATE TABLE " + prefix + "notrun (job_id VARCHAR(200) NOT NULL, fire_time BIGINT NOT NULL, "
                        + "node VARCHAR(200) NOT NULL, kind VARCHAR(20) NOT NULL, PRIMARY KEY (job_id, fire_time))");
            }
            Scheduler adder = Scheduler.builder().store(setup).build();
            Instant start = Instant.now().plusSeconds(5).truncatedTo(ChronoUnit.SECONDS);
            // Instances enough that a run the dead node holds until the takeover never makes the
            // job's next fires skip: every fire time is accounted for below.
            JobOptions keepEvery = JobOptions.builder().coalesce(false).misfireGraceTime(Duration.ofMinutes(5)).maxInstances(10)
                    .build();
            for (int i = 0; i < 30; i++) {
                adder.add(JobDefinition.builder("quick-" + i).task("quick")
                        .trigger(Triggers.interval(Duration.ofSeconds(1), start, null, null)).options(keepEvery).build());
            }
            for (int i = 0; i < 12; i++) {
                adder.add(JobDefinition.builder("slow-" + i).task("slow")
                        .trigger(Triggers.interval(Duration.ofSeconds(2), start, null, null))
                        .options(keepEvery.toBuilder().recoverable(true).build()).build());
            }
            adder.close();
        }

        List<String> nodeIds = new ArrayList<>();
        List<Writer> stdins = new ArrayList<>();
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        for (String name : List.of("p1", "p2", "p3")) {
            Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", NodeProcess.class.getName(), db.url(), prefix, name)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            processes.add(p);
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertThat(ready).as("node %s started", name).startsWith("READY ");
            nodeIds.add(ready.substring(6));
            stdins.add(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
        }

        // Kill p1 at a moment it has slow firings in flight.
        String victim = "p1";
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> count(
                "SELECT COUNT(*) FROM " + prefix + "starts s WHERE s.node = '" + victim + "' AND s.job_id LIKE 'slow-%' AND s.fire_time >= "
                        + "(SELECT COALESCE(MIN(fire_time), 0) FROM " + prefix + "sink) AND NOT EXISTS (SELECT 1 FROM "
                        + prefix + "sink k WHERE k.job_id = s.job_id AND k.fire_time = s.fire_time)") > 0
                && count("SELECT COUNT(DISTINCT node) FROM " + prefix + "sink") == 3);
        processes.get(0).destroyForcibly();
        assertThat(processes.get(0).waitFor(10, TimeUnit.SECONDS)).isTrue();
        long killedAt = dbNowMillis();

        // The survivors run on for a while after the takeover, then stop cleanly.
        await().pollDelay(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(11)).until(() -> true);
        long stopAt = dbNowMillis();
        for (int i = 1; i < 3; i++) {
            stdins.get(i).write("stop\n");
            stdins.get(i).flush();
            assertThat(processes.get(i).waitFor(60, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(count("SELECT COUNT(*) FROM " + prefix + "dups")).isZero();
        // The firings in flight on p1 when it died: started there, never finished there.
        List<String> inFlight = strings("SELECT s.job_id || '@' || s.fire_time FROM " + prefix + "starts s WHERE s.node = 'p1' "
                + "AND NOT EXISTS (SELECT 1 FROM " + prefix + "sink k WHERE k.job_id = s.job_id AND k.fire_time = s.fire_time "
                + "AND k.node = 'p1')");
        assertThat(inFlight).anyMatch(f -> f.startsWith("slow-"));
        for (String firing : inFlight) {
            String[] parts = firing.split("@");
            String where = " WHERE job_id = '" + parts[0] + "' AND fire_time = " + parts[1];
            List<String> reruns = strings("SELECT node || ':' || recovery FROM " + prefix + "starts" + where + " AND node <> 'p1'");
            if (parts[0].startsWith("quick-")) {
                // Not recoverable: reported missed by the survivor that took it over, not run again.
                assertThat(reruns).as(firing).isEmpty();
                continue;
            }
            // Recoverable: ran exactly once more, as a recovery, on a survivor, soon after the timeout.
            assertThat(reruns).as(firing).singleElement().satisfies(s -> assertThat(s).endsWith(":true"));
            assertThat(count("SELECT MIN(at_ms) FROM " + prefix + "starts" + where + " AND node <> 'p1'") - killedAt)
                    .as("takeover delay of %s", firing).isLessThan(8_000);
            assertThat(count("SELECT COUNT(*) FROM " + prefix + "sink" + where + " AND recovery = TRUE")).as(firing).isOne();
        }
        // Every scheduled fire time up to the stop ran exactly once (the sink's key) or was reported
        // missed, and only for the reason the crash gives: a quick firing in flight on p1 (begun
        // there, perhaps before its task wrote anything) is reported missed by the survivor that
        // takes it over. Its task may even have finished on p1 just before the kill, unrecorded.
        Map<String, Map<Long, String>> ran = byJobAndFireTime("SELECT job_id, fire_time, node FROM " + prefix + "sink");
        Map<String, Map<Long, String>> notRun = byJobAndFireTime("SELECT job_id, fire_time, node || ':' || kind FROM " + prefix + "notrun");
        notRun.forEach((job, reasons) -> reasons.forEach((t, reason) -> {
            String firing = job + "@" + t + " " + reason;
            assertThat(job).as(firing).startsWith("quick-");
            assertThat(reason).as(firing).isIn("p2:missed", "p3:missed");
            assertThat(t).as("%s in flight at the kill at %d", firing, killedAt).isBetween(killedAt - 3_000, killedAt);
            assertThat(ran.getOrDefault(job, Map.of()).getOrDefault(t, "p1")).as(firing).isEqualTo("p1");
        }));
        assertThat(ran).hasSize(42);
        long horizon = stopAt - 4_000;
        ran.forEach((job, times) -> {
            long step = job.startsWith("slow") ? 2_000 : 1_000;
            long first = times.keySet().iterator().next();
            for (long t = first; t < horizon; t += step) {
                assertThat(times.containsKey(t) || notRun.getOrDefault(job, Map.of()).containsKey(t))
                        .as("%s@%d neither ran nor was reported missed", job, t).isTrue();
            }
            assertThat(times.keySet()).as(job).allMatch(t -> (t - first) % step == 0);
        });
        assertThat(ran.values().stream().mapToLong(t -> t.keySet().iterator().next()).distinct().count())
                .as("first fire times").isOne();
        assertThat(count("SELECT COUNT(*) FROM " + prefix + "runs WHERE ended_at_ms IS NULL")).isZero();
        assertThat(count("SELECT COUNT(*) FROM " + prefix + "jobs WHERE claimed_by IS NOT NULL")).isZero();
    }

    private long dbNowMillis() throws Exception {
        return count("SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)");
    }

    private long count(String sql) throws Exception {
        return TestDatabase.count(ds, sql);
    }

    private List<String> strings(String sql) throws Exception {
        return TestDatabase.strings(ds, sql);
    }

    /** Rows of (job id, fire time, value), by job id and then by fire time, both sorted. */
    private Map<String, Map<Long, String>> byJobAndFireTime(String sql) throws Exception {
        Map<String, Map<Long, String>> byJob = new TreeMap<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                byJob.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getLong(2), rs.getString(3));
            }
        }
        return byJob;
    }
}
