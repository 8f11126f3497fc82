package dev.chime.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.chime.Execution;
import dev.chime.HistoryQuery;
import dev.chime.Outcome;
import dev.chime.RunRecord;
import dev.chime.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Background tasks on a cluster: a client that never starts its scheduler enqueues while three
 * nodes run, and every task's body runs exactly once (the sink's unique key) and ends, succeeded,
 * in the run history with its data.
 */
class EnqueueClusterTest {

    private static final int TASKS = 3_000;

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void tasksEnqueuedWhileThreeNodesRunEachRunExactlyOnceAndEndInTheHistory(TestDatabase db) throws Exception {
        try (Cluster cluster = new Cluster(db);
             HikariDataSource clientPool = db.newPool(12);
             JdbcJobStore clientStore = JdbcJobStore.builder(clientPool).tablePrefix(cluster.prefix).nodeName("client").build()) {
            cluster.start("n1", 8);
            cluster.start("n2", 8);
            cluster.start("n3", 8);
            Scheduler client = Scheduler.builder().name("client").store(clientStore).build();

            // Enqueued by 8 threads of the client, from the nodes' point of view while they claim.
            ConcurrentHashMap<String, Integer> numbers = new ConcurrentHashMap<>();
            ExecutorService callers = Executors.newFixedThreadPool(8);
            for (int t = 0; t < 8; t++) {
                int slice = t;
                callers.execute(() -> {
                    for (int i = slice; i < TASKS; i += 8) {
                        numbers.put(client.enqueue("sink", i), i);
                    }
                });
            }
            callers.shutdown();
            assertThat(callers.awaitTermination(5, TimeUnit.MINUTES)).isTrue();
            assertThat(numbers).hasSize(TASKS);

            String history = cluster.prefix + "history";
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                    .until(() -> cluster.count("SELECT COUNT(*) FROM " + history) >= TASKS);
            assertThat(cluster.duplicates).as("bodies that ran twice").isEmpty();
            assertThat(cluster.notRun).as("tasks that did not run").isEmpty();
            assertThat(cluster.sinkCount()).isEqualTo(TASKS);
            assertThat(cluster.count("SELECT COUNT(DISTINCT node) FROM " + cluster.sink())).isGreaterThan(1);
            assertThat(cluster.count("SELECT COUNT(*) FROM " + history)).isEqualTo(TASKS);
            assertThat(cluster.count("SELECT COUNT(DISTINCT job_id) FROM " + history + " WHERE outcome = 'SUCCESS'"))
                    .isEqualTo(TASKS);
            assertThat(client.jobs()).as("tasks left waiting").isEmpty();

            // Each execution says it succeeded, and its history entry keeps the data it was given.
            List<String> ids = new ArrayList<>(numbers.keySet()).subList(0, 50);
            for (String id : ids) {
                Execution execution = client.execution(id).orElseThrow();
                assertThat(execution.state()).as(id).isEqualTo(Execution.State.SUCCEEDED);
                assertThat(execution.attempts()).isEqualTo(1);
                RunRecord run = client.history(HistoryQuery.forJob(id)).runs().get(0);
                assertThat(run.outcome()).isEqualTo(Outcome.SUCCESS);
                assertThat(run.enqueued()).isTrue();
                assertThat(run.dataJson()).isEqualTo(String.valueOf(numbers.get(id)));
            }
            client.shutdown(Duration.ZERO);
        }
    }
}
