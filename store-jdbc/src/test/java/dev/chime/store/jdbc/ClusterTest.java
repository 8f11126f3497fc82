package dev.chime.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chime.JobDefinition;
import dev.chime.JobEvent;
import dev.chime.JobOptions;
import dev.chime.Outcome;
import dev.chime.Scheduler;
import dev.chime.Triggers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Several nodes on one database: each firing runs once, and max instances holds across them. */
class ClusterTest {

    /**
     * Exclusivity is what these tests check, not max instances: on a loaded machine a node can start a
     * fire a second late while the job's previous fire still runs elsewhere, which max instances 1
     * would rightly skip.
     */
    private static final JobOptions EVERY_FIRE_RUNS = JobOptions.builder().coalesce(false)
            .misfireGraceTime(Duration.ofMinutes(5)).maxInstances(20).build();

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void threeNodesRunTenThousandDueOneShotsExactlyOnce(TestDatabase db) throws Exception {
        try (Cluster cluster = new Cluster(db)) {
            Cluster.Node first = cluster.start("n1", 8);
            first.scheduler().pause();
            Instant due = Instant.now().minusSeconds(1);
            ExecutorService adders = Executors.newFixedThreadPool(8);
            for (int t = 0; t < 8; t++) {
                int slice = t;
                adders.execute(() -> {
                    for (int i = slice; i < 10_000; i += 8) {
                        first.scheduler().add(JobDefinition.builder(String.format("one-%05d", i)).task("sink")
                                .trigger(Triggers.once(due)).options(EVERY_FIRE_RUNS).build());
                    }
                });
            }
            adders.shutdown();
            assertThat(adders.awaitTermination(5, TimeUnit.MINUTES)).isTrue();
            assertThat(first.store().counts().total()).isEqualTo(10_000);

            cluster.start("n2", 8);
            cluster.start("n3", 8);
            first.scheduler().resume();

            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                    .until(() -> cluster.sinkCount() >= 10_000 && first.store().counts().total() == 0);
            assertThat(cluster.notRun).as("firings that did not run").isEmpty();
            assertThat(cluster.duplicates).isEmpty();
            assertThat(cluster.sinkCount()).isEqualTo(10_000);
            assertThat(cluster.count("SELECT COUNT(DISTINCT node) FROM " + cluster.sink())).isGreaterThan(1);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> cluster.count("SELECT COUNT(*) FROM " + cluster.prefix + "executions WHERE state = 'RUNNING'") == 0);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    @Execution(ExecutionMode.CONCURRENT) // a minute each: the three databases at once
    void recurringJobsOnThreeNodesFireEveryScheduledTimeExactlyOnce(TestDatabase db) throws Exception {
        int seconds = Integer.getInteger("chime.test.recurring-seconds", 60);
        try (Cluster cluster = new Cluster(db)) {
            List<Cluster.Node> nodes = List.of(cluster.start("n1", 8), cluster.start("n2", 8), cluster.start("n3", 8));
            Instant start = Instant.now().plusSeconds(3).truncatedTo(ChronoUnit.SECONDS);
            Instant end = start.plusSeconds(seconds);
            for (int i = 0; i < 100; i++) {
                nodes.get(i % 3).scheduler().add(JobDefinition.builder(String.format("every-second-%03d", i)).task("sink")
                        .trigger(Triggers.interval(Duration.ofSeconds(1), start, null, null)).options(EVERY_FIRE_RUNS).build());
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(seconds + 120).toNanos();
            while (cluster.count("SELECT COUNT(*) FROM " + cluster.sink() + " WHERE fire_time < " + end.toEpochMilli())
                    < 100L * seconds && cluster.notRun.isEmpty() && System.nanoTime() < deadline) {
                new CountDownLatch(1).await(1, TimeUnit.SECONDS);
            }
            for (Cluster.Node node : nodes) {
                node.scheduler().shutdown(Duration.ofSeconds(10));
            }

            assertThat(cluster.notRun).as("firings that did not run").isEmpty();
            assertThat(cluster.duplicates).isEmpty();
            List<Long> expected = LongStream.range(0, seconds).map(s -> start.plusSeconds(s).toEpochMilli()).boxed().toList();
            Map<String, List<Long>> fired = cluster.fireTimes();
            assertThat(fired).hasSize(100);
            fired.forEach((job, times) -> assertThat(times.stream().filter(t -> t < end.toEpochMilli()).toList())
                    .as(job).isEqualTo(expected));
            assertThat(cluster.count("SELECT COUNT(DISTINCT node) FROM " + cluster.sink())).isEqualTo(3);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void maxInstancesHoldsAcrossTheCluster(TestDatabase db) throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        AtomicInteger runs = new AtomicInteger();
        List<JobEvent.Skipped> skipped = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch enough = new CountDownLatch(3);
        try (Cluster cluster = new Cluster(db)) {
            List<Cluster.Node> nodes = new ArrayList<>();
            for (String name : List.of("n1", "n2", "n3")) {
                nodes.add(cluster.start(name, 4, null, b -> b.task("slow", ctx -> {
                    peak.accumulateAndGet(running.incrementAndGet(), Math::max);
                    try {
                        new CountDownLatch(1).await(1500, TimeUnit.MILLISECONDS);
                    } finally {
                        running.decrementAndGet();
                        runs.incrementAndGet();
                        enough.countDown();
                    }
                }).listener(e -> {
                    if (e instanceof JobEvent.Skipped s) {
                        skipped.add(s);
                    }
                })));
            }
            // Fires every 500 ms on whichever node, runs 1.5 s: most fires find it running elsewhere.
            nodes.get(0).scheduler().add(JobDefinition.builder("slow").task("slow")
                    .trigger(Triggers.interval(Duration.ofMillis(500))).build());
            assertThat(enough.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(peak).hasValue(1);
            assertThat(skipped).isNotEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void skewedNodeClocksCauseNeitherTakeoversNorDoubleFires(TestDatabase db) throws Exception {
        try (Cluster cluster = new Cluster(db)) {
            Cluster.Node ahead = cluster.start("ahead", 4, Clock.offset(Clock.systemUTC(), Duration.ofSeconds(45)), b -> { });
            Cluster.Node behind = cluster.start("behind", 4, Clock.offset(Clock.systemUTC(), Duration.ofSeconds(-45)), b -> { });
            Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            for (int i = 0; i < 20; i++) {
                ahead.scheduler().add(JobDefinition.builder("skew-" + i).task("sink")
                        .trigger(Triggers.interval(Duration.ofSeconds(1), start, null, null)).options(EVERY_FIRE_RUNS).build());
            }
            // Several node timeouts long: a clock-judged lease would have been taken over by now.
            await().atMost(Duration.ofSeconds(60)).until(() -> cluster.sinkCount() >= 20 * 15);
            assertThat(cluster.duplicates).isEmpty();
            assertThat(ahead.store().takeovers()).isZero();
            assertThat(behind.store().takeovers()).isZero();
            assertThat(cluster.count("SELECT COUNT(*) FROM " + cluster.sink() + " WHERE recovery = TRUE")).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aNodeThatLostItsLeaseDoesNotRecordItsOutcome(TestDatabase db) throws Exception {
        CountDownLatch staleRunning = new CountDownLatch(1);
        CountDownLatch releaseStale = new CountDownLatch(1);
        CountDownLatch recovered = new CountDownLatch(1);
        try (Cluster cluster = new Cluster(db)) {
            // The stale node beats once at start, then never again: as if paused for an hour.
            cluster.heartbeat = Duration.ofHours(1);
            cluster.timeout = Duration.ofHours(3);
            Cluster.Node stale = cluster.start("stale", 2, null, b -> b.task("work", ctx -> {
                staleRunning.countDown();
                releaseStale.await();
                throw new IllegalStateException("stale node's outcome");
            }));
            stale.scheduler().add(JobDefinition.builder("work").task("work").trigger(Triggers.once(Instant.now()))
                    .options(JobOptions.builder().recoverable(true).build()).build());
            assertThat(staleRunning.await(20, TimeUnit.SECONDS)).isTrue();

            cluster.heartbeat = Duration.ofMillis(200);
            cluster.timeout = Duration.ofSeconds(1);
            List<Boolean> recoveryFlags = new java.util.concurrent.CopyOnWriteArrayList<>();
            Cluster.Node live = cluster.start("live", 2, null, b -> b.task("work", ctx -> {
                recoveryFlags.add(ctx.isRecovery());
                recovered.countDown();
            }));
            assertThat(recovered.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(recoveryFlags).containsExactly(true);
            assertThat(live.store().takeovers()).isEqualTo(1);

            // The stale node wakes up and finishes: its failure must not be recorded.
            releaseStale.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> cluster.count("SELECT COUNT(*) FROM " + cluster.prefix + "executions WHERE state = 'RUNNING'") == 0);
            assertThat(cluster.count("SELECT COUNT(*) FROM " + cluster.prefix + "jobs")).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRecurringJobsOutcomeComesFromTheNodeThatTookItOver(TestDatabase db) throws Exception {
        CountDownLatch staleRunning = new CountDownLatch(1);
        CountDownLatch releaseStale = new CountDownLatch(1);
        try (Cluster cluster = new Cluster(db)) {
            cluster.heartbeat = Duration.ofHours(1);
            cluster.timeout = Duration.ofHours(3);
            Cluster.Node stale = cluster.start("stale", 2, null, b -> b.task("work", ctx -> {
                staleRunning.countDown();
                releaseStale.await();
                throw new IllegalStateException("stale node's outcome");
            }));
            stale.scheduler().add(JobDefinition.builder("work").task("work").trigger(Triggers.interval(Duration.ofHours(1)))
                    .options(JobOptions.builder().recoverable(true).build()).build());
            stale.scheduler().runNow("work");
            assertThat(staleRunning.await(20, TimeUnit.SECONDS)).isTrue();
            stale.scheduler().pause();

            cluster.heartbeat = Duration.ofMillis(200);
            cluster.timeout = Duration.ofSeconds(1);
            Cluster.Node live = cluster.start("live", 2, null, b -> b.task("work", ctx -> { }));
            await().atMost(Duration.ofSeconds(20)).until(() -> live.scheduler().job("work").orElseThrow().lastRun()
                    .map(r -> r.outcome() == Outcome.SUCCESS).orElse(false));
            releaseStale.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> cluster.count("SELECT COUNT(*) FROM " + cluster.prefix + "executions WHERE state = 'RUNNING'") == 0);
            Scheduler reader = live.scheduler();
            assertThat(reader.job("work").orElseThrow().lastRun().orElseThrow().outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(cluster.count("SELECT running FROM " + cluster.prefix + "jobs WHERE id = 'work'")).isZero();
        }
    }
}
