package dev.chime.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Concurrent dispatches share one transaction: what firings parked until the same instant do. */
class GroupCommitTest {

    private final List<List<String>> groups = new CopyOnWriteArrayList<>();
    private final CountDownLatch firstGroupMayEnd = new CountDownLatch(1);
    private final ExecutorService callers = Executors.newFixedThreadPool(3);

    @AfterEach
    void stopCallers() {
        firstGroupMayEnd.countDown();
        callers.shutdownNow();
    }

    /** The work: notes each group, holds the first one until told, and answers each item in capitals. */
    private List<String> write(List<String> items) throws SQLException {
        groups.add(List.copyOf(items));
        if (groups.size() == 1) {
            try {
                assertThat(firstGroupMayEnd.await(30, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
        if (items.contains("refused")) {
            throw new SQLException("could not serialize access", "40001");
        }
        return items.stream().map(String::toUpperCase).toList();
    }

    @Test
    void aLoneCallerWritesAtOnceInATransactionOfItsOwn() throws Exception {
        firstGroupMayEnd.countDown();
        GroupCommit<String, String> commits = new GroupCommit<>(this::write);

        assertThat(commits.run(List.of("a", "b"))).containsExactly("A", "B");
        assertThat(groups).containsExactly(List.of("a", "b"));
    }

    @Test
    void callersArrivingWhileAGroupIsWrittenShareTheNextTransactionAndEachGetsItsOwnAnswers() throws Exception {
        GroupCommit<String, String> commits = new GroupCommit<>(this::write);
        Future<List<String>> first = callers.submit(() -> commits.run(List.of("a")));
        await().atMost(Duration.ofSeconds(30)).until(() -> groups.size() == 1);
        Future<List<String>> second = callers.submit(() -> commits.run(List.of("b")));
        await().atMost(Duration.ofSeconds(30)).until(() -> commits.queuedCallers() == 1);
        Future<List<String>> third = callers.submit(() -> commits.run(List.of("c1", "c2")));
        await().atMost(Duration.ofSeconds(30)).until(() -> commits.queuedCallers() == 2);

        firstGroupMayEnd.countDown();

        assertThat(first.get(30, TimeUnit.SECONDS)).containsExactly("A");
        assertThat(second.get(30, TimeUnit.SECONDS)).containsExactly("B");
        assertThat(third.get(30, TimeUnit.SECONDS)).containsExactly("C1", "C2");
        assertThat(groups).containsExactly(List.of("a"), List.of("b", "c1", "c2"));
    }

    @Test
    void aGroupsFailureReachesEveryCallerInItWithItsSqlState() throws Exception {
        GroupCommit<String, String> commits = new GroupCommit<>(this::write);
        Future<List<String>> first = callers.submit(() -> commits.run(List.of("a")));
        await().atMost(Duration.ofSeconds(30)).until(() -> groups.size() == 1);
        Future<List<String>> refused = callers.submit(() -> commits.run(List.of("refused")));
        await().atMost(Duration.ofSeconds(30)).until(() -> commits.queuedCallers() == 1);
        Future<List<String>> sharing = callers.submit(() -> commits.run(List.of("b")));
        await().atMost(Duration.ofSeconds(30)).until(() -> commits.queuedCallers() == 2);

        firstGroupMayEnd.countDown();

        assertThat(first.get(30, TimeUnit.SECONDS)).containsExactly("A");
        for (Future<List<String>> f : List.of(refused, sharing)) {
            assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(SQLException.class).hasMessage("could not serialize access")
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("40001"));
        }
        assertThat(groups).containsExactly(List.of("a"), List.of("refused", "b"));
        // The next caller starts a group of its own.
        assertThat(CompletableFuture.supplyAsync(() -> {
            try {
                return commits.run(List.of("d"));
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }, callers).get(30, TimeUnit.SECONDS)).containsExactly("D");
    }
}
