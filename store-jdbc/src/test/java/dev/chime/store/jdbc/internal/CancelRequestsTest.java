package dev.chime.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chime.spi.Dispatch;
import dev.chime.spi.Firing;
import dev.chime.spi.RunRequest;
import dev.chime.spi.RunTicket;
import dev.chime.spi.StoredJob;
import dev.chime.store.jdbc.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code requestCancel} on one node, {@code cancelRequests} on the node holding the run: two nodes
 * on one database, built by hand with an hour-long heartbeat interval so that each beats only when
 * the test says so (as in {@link ClusterProtocolTest}).
 */
class CancelRequestsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration SHORT = Duration.ofSeconds(1);
    private static final Duration LONG = Duration.ofHours(1);

    private final String prefix = TestDatabase.freshPrefix();
    private final List<SqlJobStore> nodes = new ArrayList<>();
    private DataSource shared;

    @AfterEach
    void closeNodes() throws SQLException {
        nodes.forEach(SqlJobStore::close);
        if (shared != null) {
            TestDatabase.drop(shared, prefix);
        }
    }

    private void setUp(TestDatabase db) throws SQLException {
        shared = db.dataSource();
        Schema.create(new Database(shared, Database.detect(shared)), prefix);
    }

    /** A node that never beats on its own; {@code timeout} is how long it waits before it takes others over. */
    private SqlJobStore node(String name, Duration timeout) throws SQLException {
        Database db = new Database(shared, Database.detect(shared));
        ClusterNode node = new ClusterNode(db, new Sql(prefix, db.dialect()), name, LONG, timeout, LONG);
        node.start();
        SqlJobStore store = new SqlJobStore(db, new Sql(prefix, db.dialect()), node, Duration.ofSeconds(30));
        nodes.add(store);
        return store;
    }

    private static RunTicket beginRun(SqlJobStore store, String jobId) {
        store.add(new StoredJob(jobId, "task", "interval:PT1S", "{}", null, false, T0, null, null, 0));
        Firing f = store.claimDue(T0, 10).stream().filter(x -> x.jobId().equals(jobId)).findFirst().orElseThrow();
        return store.dispatch(List.of(new Dispatch(f, new RunRequest(jobId, f.fireTime(), 1, true, null), T0.plusSeconds(60))))
                .get(0).ticket();
    }

    private long count(String query) throws SQLException {
        try (Connection c = shared.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRunMarkedByAnotherNodeIsAnsweredByItsHolderAfterItsNextHeartbeatAndNotBefore(TestDatabase db) throws Exception {
        setUp(db);
        SqlJobStore a = node("a", LONG);
        SqlJobStore b = node("b", LONG);
        beginRun(a, "task-1");
        beginRun(a, "other");

        assertThat(b.requestCancel("task-1")).isTrue();
        assertThat(count("SELECT COUNT(*) FROM " + prefix + "runs WHERE cancel_requested = TRUE")).isEqualTo(1);
        assertThat(a.cancelRequests()).as("from memory: nothing read since the mark").isEmpty();

        a.node().heartbeat();
        assertThat(a.cancelRequests()).containsExactly("task-1");
        assertThat(a.cancelRequests()).as("asked again while the run goes on").containsExactly("task-1");
        assertThat(b.cancelRequests()).as("not b's run").isEmpty();
        b.node().heartbeat();
        assertThat(b.cancelRequests()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aMarkedRunThatEndedIsNoLongerAnswered(TestDatabase db) throws Exception {
        setUp(db);
        SqlJobStore a = node("a", LONG);
        RunTicket ticket = beginRun(a, "task-1");
        assertThat(a.requestCancel("task-1")).as("a node may mark its own run").isTrue();
        a.node().heartbeat();
        assertThat(a.cancelRequests()).containsExactly("task-1");

        assertThat(a.completeRun(ticket, null)).isTrue();

        assertThat(a.cancelRequests()).as("before the next heartbeat").isEmpty();
        assertThat(a.requestCancel("task-1")).as("no run in progress any more").isFalse();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void requestCancelWithNoRunInProgressAnswersFalseAndMarksNothing(TestDatabase db) throws Exception {
        setUp(db);
        SqlJobStore a = node("a", LONG);
        SqlJobStore b = node("b", LONG);
        a.add(new StoredJob("idle", "task", "interval:PT1S", "{}", null, false, T0.plusSeconds(3600), null, null, 0));
        beginRun(a, "busy");

        assertThat(b.requestCancel("idle")).as("a job with no run").isFalse();
        assertThat(b.requestCancel("nobody")).as("no such job").isFalse();
        assertThat(count("SELECT COUNT(*) FROM " + prefix + "runs WHERE cancel_requested = TRUE")).isZero();
        a.node().heartbeat();
        assertThat(a.cancelRequests()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRunTakenOverIsAnsweredByItsTakerNotByTheStaleNode(TestDatabase db) throws Exception {
        setUp(db);
        SqlJobStore a = node("a", SHORT);
        SqlJobStore b = node("b", SHORT);
        beginRun(a, "task-1");
        assertThat(b.requestCancel("task-1")).isTrue();
        a.node().heartbeat();
        assertThat(a.cancelRequests()).containsExactly("task-1");

        // A stalls (it does not beat): past half its timeout it can no longer vouch for its runs,
        // and answers none of them, before any node can take it over.
        await().atMost(Duration.ofSeconds(20)).until(() -> a.cancelRequests().isEmpty());
        long before = b.node().takeovers();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            b.node().heartbeat();
            b.node().takeOverDeadNodes();
            return b.node().takeovers() > before;
        });
        assertThat(a.cancelRequests()).isEmpty();

        a.node().heartbeat(); // A wakes, finds itself taken over and joins again
        assertThat(a.cancelRequests()).as("the run is b's now").isEmpty();
        b.node().heartbeat();
        assertThat(b.cancelRequests()).as("the mark came along with the run").containsExactly("task-1");
    }
}
