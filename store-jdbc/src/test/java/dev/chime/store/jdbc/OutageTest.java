package dev.chime.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.chime.JobDefinition;
import dev.chime.JobOptions;
import dev.chime.Scheduler;
import dev.chime.Triggers;
import java.io.File;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The database goes away, in pieces (connections failing at random) or whole (a real restart):
 * afterwards nothing stays claimed and every fire time the misfire options keep has run once.
 */
class OutageTest {

    private static final JobOptions KEEP_EVERY_FIRE = JobOptions.builder().coalesce(false)
            .misfireGraceTime(Duration.ofMinutes(5)).maxInstances(5).build();
    private static final int ONE_SHOTS = 300;
    private static final int RECURRING = 5;

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void connectionsFailingAtRandomLoseNothingAndLeaveNothingClaimed(TestDatabase db) throws Exception {
        List<FlakyDataSource> flaky = new CopyOnWriteArrayList<>();
        try (Cluster cluster = new Cluster(db)) {
            cluster.timeout = Duration.ofSeconds(3);
            cluster.wrap = ds -> {
                FlakyDataSource f = new FlakyDataSource(ds, 0.05);
                flaky.add(f);
                return f;
            };
            Cluster.Node n1 = cluster.start("n1", 4);
            cluster.start("n2", 4);
            Instant start = schedule(cluster, n1);

            flaky.forEach(FlakyDataSource::startFailing);
            await().pollDelay(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(9)).until(() -> true);
            flaky.forEach(FlakyDataSource::heal);

            verifyAfterRecovery(cluster, start, Instant.now());
            assertThat(flaky.stream().mapToLong(f -> f.onConnect.get()).sum()).isPositive();
            assertThat(flaky.stream().mapToLong(f -> f.beforeCommit.get()).sum()).isPositive();
            assertThat(flaky.stream().mapToLong(f -> f.afterCommit.get()).sum()).isPositive();
        }
    }

    @Test
    void aRealPostgresRestartLosesNothingAndLeavesNothingClaimed() throws Exception {
        File clusters = new File("/etc/postgresql");
        String[] versions = clusters.list();
        Assumptions.assumeTrue(new File("/usr/bin/pg_ctlcluster").canExecute() && versions != null && versions.length == 1
                && "root".equals(System.getProperty("user.name")) && !TestDatabase.POSTGRESQL.embedded(),
                "needs the machine's own PostgreSQL and root to restart it");
        try (Cluster cluster = new Cluster(TestDatabase.POSTGRESQL)) {
            cluster.timeout = Duration.ofSeconds(3);
            Cluster.Node n1 = cluster.start("n1", 4);
            cluster.start("n2", 4);
            Instant start = schedule(cluster, n1);
            await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);

            Process restart = new ProcessBuilder("pg_ctlcluster", "--skip-systemctl-redirect", versions[0], "main", "restart")
                    // Not inheritIO: the test JVM's stdin is Surefire's command channel.
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            assertThat(restart.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(restart.exitValue()).isZero();

            verifyAfterRecovery(cluster, start, Instant.now());
        }
    }

    /** One-shots spread over six seconds and jobs firing every second, from a whole second on. */
    private static Instant schedule(Cluster cluster, Cluster.Node node) {
        Instant start = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
        for (int i = 0; i < RECURRING; i++) {
            node.scheduler().add(JobDefinition.builder("recurring-" + i).task("sink")
                    .trigger(Triggers.interval(Duration.ofSeconds(1), start, null, null)).options(KEEP_EVERY_FIRE).build());
        }
        for (int i = 0; i < ONE_SHOTS; i++) {
            node.scheduler().add(JobDefinition.builder(String.format("once-%03d", i)).task("sink")
                    .trigger(Triggers.once(start.plusMillis(20L * i))).options(KEEP_EVERY_FIRE).build());
        }
        return start;
    }

    @Test
    @Timeout(60) // without the limit the add would retry for ever
    void anApplicationsWriteGivesUpAfterTheWriteRetryLimitWithAClearErrorAndAddsNothing() throws Exception {
        TestDatabase db = TestDatabase.H2;
        String prefix = TestDatabase.freshPrefix();
        FlakyDataSource down = new FlakyDataSource(db.dataSource(), 1.0);
        try (JdbcJobStore store = JdbcJobStore.builder(down).tablePrefix(prefix).createSchema(true)
                .writeRetryLimit(Duration.ofMillis(500)).build();
             Scheduler scheduler = Scheduler.builder().store(store).build()) {
            JobDefinition job = JobDefinition.of("while-down", "sink", Triggers.interval(Duration.ofMinutes(1)));
            down.startFailing();
            assertThatThrownBy(() -> scheduler.add(job)).isInstanceOf(JdbcStoreException.class)
                    .hasMessageStartingWith("could not add job 'while-down': connection refused (injected)");
            assertThatThrownBy(() -> scheduler.addOrReplace(job)).isInstanceOf(JdbcStoreException.class)
                    .hasMessageStartingWith("could not ").hasMessageContaining("job 'while-down': connection refused (injected)");
            down.heal();
            assertThat(scheduler.job("while-down")).as("nothing half-added").isEmpty();
            scheduler.add(job);
            assertThat(scheduler.job("while-down")).isPresent();
        } finally {
            TestDatabase.drop(db.dataSource(), prefix);
        }
    }

    private static void verifyAfterRecovery(Cluster cluster, Instant start, Instant healed) throws Exception {
        Instant until = healed.plusSeconds(3).truncatedTo(ChronoUnit.SECONDS);
        List<Long> expected = LongStream.range(0, Duration.between(start, until).toSeconds())
                .map(s -> start.plusSeconds(s).toEpochMilli()).boxed().toList();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Map<String, List<Long>> fired = cluster.fireTimes();
            long oneShots = fired.keySet().stream().filter(k -> k.startsWith("once-")).count();
            return oneShots == ONE_SHOTS && fired.entrySet().stream().filter(e -> e.getKey().startsWith("recurring-"))
                    .allMatch(e -> e.getValue().stream().filter(t -> t < until.toEpochMilli()).count() >= expected.size())
                    && fired.keySet().stream().filter(k -> k.startsWith("recurring-")).count() == RECURRING;
        });
        for (Cluster.Node node : cluster.nodes) {
            node.scheduler().shutdown(Duration.ofSeconds(10));
        }
        assertThat(cluster.duplicates).isEmpty();
        cluster.fireTimes().forEach((job, times) -> {
            if (job.startsWith("recurring-")) {
                assertThat(times.stream().filter(t -> t < until.toEpochMilli()).toList()).as(job).isEqualTo(expected);
            } else {
                assertThat(times).as(job).hasSize(1);
            }
        });
        assertThat(cluster.count("SELECT COUNT(*) FROM " + cluster.prefix + "jobs")).isEqualTo(RECURRING);
        assertThat(cluster.count("SELECT COUNT(*) FROM " + cluster.prefix + "jobs WHERE claimed_by IS NOT NULL")).isZero();
        assertThat(cluster.count("SELECT COUNT(*) FROM " + cluster.prefix + "jobs WHERE next_fire_time IS NULL")).isZero();
        assertThat(cluster.count("SELECT COUNT(*) FROM " + cluster.prefix + "executions WHERE state = 'RUNNING'")).isZero();
    }
}
