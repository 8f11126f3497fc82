package dev.chime.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chime.Execution;
import dev.chime.HistoryQuery;
import dev.chime.JobOptions;
import dev.chime.Outcome;
import dev.chime.RetryPolicy;
import dev.chime.RunRecord;
import dev.chime.Scheduler;
import dev.chime.TaskRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Review of issue 16 (retries that survive their node) with real nodes on one database. */
class DurableRetryClusterTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private Cluster cluster;

    @AfterEach
    void tearDown() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static List<RunRecord> history(Scheduler s, String id) {
        return s.history(HistoryQuery.forJob(id).limit(HistoryQuery.MAX_LIMIT)).runs();
    }

    /** A node with a task "flaky" that always fails, counting its attempts. */
    private Cluster.Node flakyNode(String name, List<Integer> attempts) {
        return cluster.start(name, 2, null, b -> b.task("flaky", ctx -> {
            attempts.add(ctx.attempt());
            throw new IllegalStateException("fails");
        }));
    }

    /** Stops a node gracefully: its waiting retry is left in the store, the node marked gone. */
    private void stop(Cluster.Node node) {
        cluster.nodes.remove(node);
        node.scheduler().close();
        node.store().close();
        node.pool().close();
    }

    /**
     * A task's retry waits in the store with no node (its node stopped); cancel, asked on another
     * node, answers true. The node that then takes the run over must not run the retry's body:
     * the task ends CANCELLED with one entry.
     */
    @ParameterizedTest
    @EnumSource(value = TestDatabase.class, names = {"H2"})
    void aTaskCancelledWhileItsStoredRetryWaitsWithNoNodeDoesNotRunOnTheTaker(TestDatabase db) throws Exception {
        cluster = new Cluster(db);
        List<Integer> onA = new CopyOnWriteArrayList<>();
        Cluster.Node a = flakyNode("a", onA);
        String id = a.scheduler().enqueue(TaskRequest.builder("flaky")
                .options(JobOptions.builder().retry(RetryPolicy.fixed(1, Duration.ofSeconds(2))).build()).build());
        await().atMost(WAIT).until(() -> cluster.count("SELECT COUNT(*) FROM " + cluster.prefix
                + "runs WHERE retry_at IS NOT NULL AND ended_at_ms IS NULL") == 1);
        stop(a);
        assertThat(onA).containsExactly(1);
        // Its retry is due by the time a node takes the run over (as after a crash and nodeTimeout).
        long retryAtNanos = cluster.count("SELECT MAX(retry_at) FROM " + cluster.prefix + "runs");
        await().atMost(WAIT).until(() -> java.time.Clock.systemUTC().millis() * 1_000_000L > retryAtNanos + 200_000_000L);

        // A node that does not beat during the test: it takes nothing over, it only cancels.
        cluster.heartbeat = Duration.ofHours(1);
        cluster.timeout = Duration.ofHours(3);
        Cluster.Node c = cluster.start("c", 1);
        assertThat(c.scheduler().cancel(id)).as("the run is marked").isTrue();

        cluster.heartbeat = Duration.ofMillis(200);
        cluster.timeout = Duration.ofSeconds(2);
        List<Integer> onB = new CopyOnWriteArrayList<>();
        Cluster.Node b = flakyNode("b", onB);
        await().atMost(WAIT).until(() -> b.store().takeovers() == 1);
        await().atMost(WAIT).until(() -> b.scheduler().execution(id).map(Execution::isFinal).orElse(false));

        assertThat(onB).as("cancel said yes before the retry started").isEmpty();
        assertThat(history(b.scheduler(), id)).singleElement()
                .satisfies(r -> assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED));
    }

    /** A node with a task "flaky" whose first attempt of a run fails and later ones succeed. */
    private Cluster.Node onceFlakyNode(String name, List<Integer> attempts) {
        return cluster.start(name, 2, null, b -> b.task("flaky", ctx -> {
            attempts.add(ctx.attempt());
            if (ctx.attempt() == 1) {
                throw new IllegalStateException("fails");
            }
        }));
    }

    /**
     * A takeover of a takeover: the node that took the waiting retry over stops before it is due;
     * a third node runs it once, attempt 2, and the task ends with one entry. While the retry waits
     * with no node, execution(id) still finds the task, not ended.
     */
    @ParameterizedTest
    @EnumSource(value = TestDatabase.class, names = {"H2"})
    void aStoredRetryTakenOverTwiceRunsOnceOnTheLastTaker(TestDatabase db) throws Exception {
        cluster = new Cluster(db);
        List<Integer> onA = new CopyOnWriteArrayList<>();
        Cluster.Node a = onceFlakyNode("a", onA);
        String id = a.scheduler().enqueue(TaskRequest.builder("flaky")
                .options(JobOptions.builder().retry(RetryPolicy.fixed(2, Duration.ofSeconds(8))).build()).build());
        await().atMost(WAIT).until(() -> cluster.count("SELECT COUNT(*) FROM " + cluster.prefix
                + "runs WHERE retry_at IS NOT NULL AND ended_at_ms IS NULL") == 1);
        stop(a);

        cluster.heartbeat = Duration.ofHours(1);
        cluster.timeout = Duration.ofHours(3);
        Cluster.Node watcher = cluster.start("w", 1);
        java.util.Optional<Execution> waiting = watcher.scheduler().execution(id);
        assertThat(waiting).as("a task whose retry waits in the store").isPresent();
        assertThat(waiting.get().isFinal()).isFalse();

        cluster.heartbeat = Duration.ofMillis(200);
        cluster.timeout = Duration.ofSeconds(2);
        List<Integer> onB = new CopyOnWriteArrayList<>();
        Cluster.Node b = onceFlakyNode("b", onB);
        await().atMost(WAIT).until(() -> b.store().takeovers() == 1);
        await().atMost(WAIT).until(() -> b.scheduler().execution(id).orElseThrow().state()
                == Execution.State.WAITING_FOR_RETRY);
        assertThat(b.scheduler().execution(id).orElseThrow().attempts()).isEqualTo(1);
        stop(b);

        List<Integer> onC = new CopyOnWriteArrayList<>();
        Cluster.Node c = onceFlakyNode("c", onC);
        await().atMost(WAIT).until(() -> c.scheduler().execution(id).map(Execution::isFinal).orElse(false));

        assertThat(onA).containsExactly(1);
        assertThat(onB).isEmpty();
        assertThat(onC).containsExactly(2);
        assertThat(history(c.scheduler(), id)).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(r.attempts()).isEqualTo(2);
        });
    }

    /**
     * A fixed-delay job (its claim kept through the run) whose retry waits when its node stops:
     * the taker gets the claim with the run, runs attempt 2 once, then puts the job back a delay
     * after that run's end, claimed by nobody.
     */
    @ParameterizedTest
    @EnumSource(value = TestDatabase.class, names = {"H2"})
    void aFixedDelayJobsStoredRetryRunsOnTheTakerWhichThenPutsTheJobBack(TestDatabase db) throws Exception {
        cluster = new Cluster(db);
        List<Integer> onA = new CopyOnWriteArrayList<>();
        Cluster.Node a = onceFlakyNode("a", onA);
        a.scheduler().add(dev.chime.JobDefinition.builder("fd").task("flaky")
                .trigger(dev.chime.Triggers.fixedDelay(Duration.ofHours(1), java.time.Clock.systemUTC().instant()))
                .options(JobOptions.builder().retry(RetryPolicy.fixed(1, Duration.ofSeconds(3))).build()).build());
        await().atMost(WAIT).until(() -> cluster.count("SELECT COUNT(*) FROM " + cluster.prefix
                + "runs WHERE retry_at IS NOT NULL AND ended_at_ms IS NULL") == 1);
        stop(a);
        assertThat(cluster.count("SELECT COUNT(*) FROM " + cluster.prefix + "jobs WHERE id = 'fd' AND claimed_by IS NOT NULL"))
                .as("the claim stays with the run").isEqualTo(1);

        List<Integer> onB = new CopyOnWriteArrayList<>();
        Cluster.Node b = onceFlakyNode("b", onB);
        await().atMost(WAIT).until(() -> history(b.scheduler(), "fd").size() == 1);
        await().atMost(WAIT).until(() -> cluster.count("SELECT COUNT(*) FROM " + cluster.prefix
                + "jobs WHERE id = 'fd' AND claimed_by IS NULL AND next_fire_time IS NOT NULL") == 1);

        assertThat(onA).containsExactly(1);
        assertThat(onB).containsExactly(2);
        assertThat(history(b.scheduler(), "fd")).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(r.attempts()).isEqualTo(2);
        });
        assertThat(cluster.count("SELECT COUNT(*) FROM " + cluster.prefix + "runs WHERE ended_at_ms IS NULL")).isZero();
    }
}
