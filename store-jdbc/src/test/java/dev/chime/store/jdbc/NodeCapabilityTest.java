package dev.chime.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chime.JobDefinition;
import dev.chime.JobOptions;
import dev.chime.Triggers;
import dev.chime.store.jdbc.internal.Database;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a node may take on in a cluster: only the tasks it can run, and only what is due by the
 * database's clock, whatever its own clock says.
 */
class NodeCapabilityTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aNodeClaimsOnlyJobsWhoseTaskItCanRun(TestDatabase db) throws Exception {
        List<String> alphaRuns = new CopyOnWriteArrayList<>();
        List<String> betaRuns = new CopyOnWriteArrayList<>();
        try (Cluster cluster = new Cluster(db)) {
            Cluster.Node alpha = cluster.start("alpha", 2, null, b -> b.task("alpha", ctx -> alphaRuns.add(ctx.jobId())));
            alpha.scheduler().add(JobDefinition.builder("beta-job").task("beta").trigger(Triggers.interval(Duration.ofMillis(200)))
                    .build());
            alpha.scheduler().add(JobDefinition.builder("alpha-job").task("alpha").trigger(Triggers.interval(Duration.ofMillis(200)))
                    .build());

            // Passes enough for the alpha node to have claimed the beta job many times over.
            await().atMost(Duration.ofSeconds(20)).until(() -> alphaRuns.size() >= 5);
            assertThat(alphaRuns).containsOnly("alpha-job");
            assertThat(alpha.scheduler().job("beta-job").orElseThrow().lastRun()).as("beta job's last run").isEmpty();
            assertThat(cluster.notRun).as("firings that did not run").noneMatch(e -> e.contains("Failed"));

            cluster.start("beta", 2, null, b -> b.task("beta", ctx -> betaRuns.add(ctx.jobId())));
            await().atMost(Duration.ofSeconds(20)).until(() -> betaRuns.size() >= 3);
            assertThat(betaRuns).containsOnly("beta-job");
            assertThat(alphaRuns).containsOnly("alpha-job");
            assertThat(cluster.notRun).as("firings that did not run").noneMatch(e -> e.contains("Failed"));
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aNodeWhoseClockIsFastFiresOnTheDatabasesTime(TestDatabase db) throws Exception {
        firesOnTheDatabasesTime(db, Duration.ofSeconds(45));
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aNodeWhoseClockIsSlowFiresOnTheDatabasesTime(TestDatabase db) throws Exception {
        firesOnTheDatabasesTime(db, Duration.ofSeconds(-45));
    }

    /** A start as the body saw it: the scheduled fire time and the database's time when the body began. */
    private record Start(Instant scheduled, Instant databaseTime) {
    }

    private static void firesOnTheDatabasesTime(TestDatabase db, Duration skew) throws Exception {
        List<Start> starts = new CopyOnWriteArrayList<>();
        String databaseNow = "SELECT " + Database.detect(db.dataSource()).nowMillis();
        try (Cluster cluster = new Cluster(db)) {
            Cluster.Node node = cluster.start("skewed", 2, Clock.offset(Clock.systemUTC(), skew),
                    b -> b.task("clocked", ctx -> starts.add(new Start(ctx.scheduledFireTime(),
                            Instant.ofEpochMilli(cluster.count(databaseNow))))));
            Instant start = Instant.ofEpochMilli(cluster.count(databaseNow)).plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
            node.scheduler().add(JobDefinition.builder("clocked").task("clocked")
                    .trigger(Triggers.interval(Duration.ofSeconds(1), start, null, null))
                    .options(JobOptions.builder().misfireGraceTime(Duration.ofSeconds(5)).build()).build());

            await().atMost(Duration.ofSeconds(20)).until(() -> starts.size() >= 3);
            assertThat(cluster.notRun).as("firings reported missed or failed").isEmpty();
            for (Start s : starts) {
                Duration late = Duration.between(s.scheduled(), s.databaseTime());
                // The database's clock reads in milliseconds: a start in the fire time's millisecond is on time.
                assertThat(late).as("%s started at %s by the database's clock", s.scheduled(), s.databaseTime())
                        .isBetween(Duration.ofMillis(-1), Duration.ofSeconds(3));
            }
        }
    }
}
