package dev.chime.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.chime.ExecutionState;
import dev.chime.spi.Claim;
import dev.chime.spi.ClaimEnd;
import dev.chime.spi.ClaimResult;
import dev.chime.spi.RunEnd;
import dev.chime.spi.RunEndResult;
import dev.chime.spi.RunStart;
import dev.chime.spi.RunTicket;
import dev.chime.spi.ScheduleChange;
import dev.chime.spi.StoredJob;
import dev.chime.store.jdbc.FlakyDataSource;
import dev.chime.store.jdbc.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The cluster protocol, one interleaving at a time. Nodes are built by hand with an hour-long
 * heartbeat interval, so none beats, takes over or sweeps but when the test says so: a node
 * "stalls" simply by not beating, and the database's clock decides when it counts as dead.
 */
class ClusterProtocolTest {

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
        Database database = new Database(shared, Database.detect(shared));
        Schema.migrate(database, new Sql(prefix, database.dialect()));
    }

    /** A node that never beats on its own; {@code timeout} is how long it waits before it takes others over. */
    private SqlJobStore node(String name, Duration timeout) throws SQLException {
        return node(shared, name, timeout);
    }

    private SqlJobStore node(DataSource ds, String name, Duration timeout) throws SQLException {
        Database db = new Database(ds, Database.detect(shared));
        Sql sql = new Sql(prefix, db.dialect());
        ClusterNode node = new ClusterNode(db, sql, name, LONG, timeout);
        node.start();
        SqlJobStore store = new SqlJobStore(db, sql, node, Duration.ofSeconds(30));
        nodes.add(store);
        return store;
    }

    private static StoredJob job(String id, Instant next) {
        return new StoredJob(id, "task", "interval:PT1S", "{}", null, false, next, null, null, 0);
    }

    private static ClaimResult start(SqlJobStore store, Claim claim, int maxInstances, boolean recoverable) {
        String id = claim instanceof Claim.FireTime ? UUID.randomUUID().toString() : ClusterNode.executionOf(claim).id();
        RunStart start = new RunStart(id, claim.fireTime(), 1, maxInstances, recoverable, List.of(), null, null, T0);
        return store.endClaims(List.of(ClaimEnd.start(claim, start,
                claim.holdsJobClaim() ? ScheduleChange.release(T0.plusSeconds(60)) : null))).get(0);
    }

    private static RunEndResult succeed(SqlJobStore store, RunTicket ticket) throws Exception {
        return store.endRuns(List.of(new RunEnd(ticket, ExecutionState.SUCCEEDED, T0.plusSeconds(1), null, null, null, null,
                null, null, null))).toCompletableFuture().get(30, TimeUnit.SECONDS).get(0);
    }

    private long count(String query) throws SQLException {
        try (Connection c = shared.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private long running() throws SQLException {
        return count("SELECT COUNT(*) FROM " + prefix + "executions WHERE state = 'RUNNING'");
    }

    /** Waits until the database's clock says {@code node}'s heartbeat is older than {@code age}. */
    private void awaitStale(SqlJobStore node, Duration age) {
        Sql sql = node.node().sql();
        await().atMost(Duration.ofSeconds(20)).until(() -> count("SELECT COUNT(*) FROM " + sql.nodes + " WHERE node_id = '"
                + node.node().id() + "' AND heartbeat_at_ms < " + sql.now + " - " + age.toMillis()) == 1);
    }

    private static void awaitTakeover(SqlJobStore taker) {
        long before = taker.node().takeovers();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            taker.node().takeOverDeadNodes();
            return taker.node().takeovers() > before;
        });
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void jobRemovedAndAddedAgainHandsOutHigherFencingTokensThanBefore(TestDatabase db) throws Exception {
        setUp(db);
        SqlJobStore a = node("a", LONG);
        a.add(job("j", T0));
        RunTicket first = start(a, a.claim(T0, 10, null).get(0), 1, false).ticket();
        assertThat(succeed(a, first).recorded()).isTrue();

        // A writer fenced with the first run's token must reject a stale one from the new row.
        assertThat(a.remove("j")).isTrue();
        a.add(job("j", T0));
        RunTicket second = start(a, a.claim(T0, 10, null).get(0), 1, false).ticket();

        assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
    }

    // ---- a run only for a claim still held ----

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void staleClaimEndAfterTakeoverDoesNotRun(TestDatabase db) throws Exception {
        setUp(db);
        SqlJobStore a = node("a", LONG);
        SqlJobStore b = node("b", SHORT);
        a.add(job("j", T0));
        Claim claimedByA = a.claim(T0, 10, null).get(0);

        // A stalls; B takes it over, claims the same fire time and runs it.
        awaitTakeover(b);
        b.node().heartbeat();
        Claim claimedByB = b.claim(T0, 10, null).get(0);
        assertThat(claimedByB.fireTime()).isEqualTo(claimedByA.fireTime());
        assertThat(start(b, claimedByB, 5, false).ticket()).isNotNull();

        // A wakes up and ends its stale claim: nothing is recorded, and there is no ticket to run.
        a.node().heartbeat();
        assertThat(start(a, claimedByA, 5, false)).isEqualTo(ClaimResult.LOST);
        assertThat(running()).isOne();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void claimEndByANodeStalePastItsTimeoutRecordsNothing(TestDatabase db) throws Exception {
        setUp(db);
        SqlJobStore a = node("a", SHORT);
        a.add(job("j", T0));
        Claim claimed = a.claim(T0, 10, null).get(0);

        // Nobody took A over yet, but anyone may at any moment: the end must not count on its claim.
        awaitStale(a, SHORT);
        assertThat(start(a, claimed, 5, false)).isEqualTo(ClaimResult.LOST);

        assertThat(running()).isZero();
        assertThat(a.get("j").orElseThrow().claimedFireTime()).as("left for the takeover to put back").isEqualTo(T0);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void runTakenOverWhileItsNodeWasPausedIsNoLongerHeldAndItsEndWritesNothing(TestDatabase db) throws Exception {
        setUp(db);
        SqlJobStore a = node("a", LONG);
        SqlJobStore b = node("b", SHORT);
        a.add(job("j", T0));
        RunTicket ticket = start(a, a.claim(T0, 10, null).get(0), 1, true).ticket();
        assertThat(a.holdsRun(ticket)).isTrue();

        // A stalls past its timeout, B takes the run over.
        awaitTakeover(b);
        a.node().heartbeat(); // A wakes, finds itself taken over and joins again

        assertThat(a.holdsRun(ticket)).as("the run must not start on A").isFalse();
        assertThat(succeed(a, ticket)).isEqualTo(RunEndResult.TAKEN_OVER);
        assertThat(a.execution(ticket.executionId()).orElseThrow().state()).isEqualTo(ExecutionState.RUNNING);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aNodePastItsTimeoutCannotVouchForItsRunBeforeItBeatsAgain(TestDatabase db) throws Exception {
        setUp(db);
        SqlJobStore a = node("a", SHORT);
        a.add(job("j", T0));
        RunTicket ticket = start(a, a.claim(T0, 10, null).get(0), 1, true).ticket();

        awaitStale(a, SHORT);
        assertThatThrownBy(() -> a.holdsRun(ticket)).hasMessageContaining("past its timeout");

        a.node().heartbeat();
        assertThat(a.holdsRun(ticket)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRecoveryGetsAHigherFencingTokenThanTheRunItReplacesAndEndsOnce(TestDatabase db) throws Exception {
        setUp(db);
        SqlJobStore a = node("a", LONG);
        a.add(job("j", T0));
        a.add(job("once", T0));
        Map<String, Long> replaced = new HashMap<>();
        for (Claim claim : a.claim(T0, 10, null)) {
            boolean leaves = claim.jobId().equals("once");
            RunStart start = new RunStart(UUID.randomUUID().toString(), claim.fireTime(), 1, 1, true, List.of(),
                    leaves ? "{\"kept\":true}" : null, leaves ? "{\"recoverable\":true}" : null, T0);
            RunTicket ticket = a.endClaims(List.of(ClaimEnd.start(claim, start,
                    leaves ? ScheduleChange.remove() : ScheduleChange.release(T0.plusSeconds(60))))).get(0).ticket();
            replaced.put(claim.jobId(), ticket.fencingToken());
        }
        SqlJobStore b = node("b", SHORT);
        awaitTakeover(b);
        b.node().heartbeat();

        List<Claim> recovered = b.claim(T0, 10, null);

        assertThat(recovered).hasSize(2).allMatch(c -> c instanceof Claim.Recovery);
        Claim.Recovery once = (Claim.Recovery) recovered.stream().filter(c -> c.jobId().equals("once")).findFirst()
                .orElseThrow();
        assertThat(once.job()).as("the job left the store").isNull();
        assertThat(once.execution().dataJson()).as("its data kept with the execution").isEqualTo("{\"kept\":true}");
        for (Claim r : recovered) {
            RunTicket again = start(b, r, 1, true).ticket();
            assertThat(again.fencingToken()).as(r.jobId()).isGreaterThan(replaced.get(r.jobId()));
            assertThat(succeed(b, again)).isEqualTo(RunEndResult.RECORDED);
        }
        assertThat(running()).isZero();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aClaimOfADueExecutionEndsOnceAndACancelWinsOverIt(TestDatabase db) throws Exception {
        setUp(db);
        SqlJobStore a = node("a", LONG);
        SqlJobStore b = node("b", LONG);
        a.enqueue(List.of(dev.chime.spi.StoredExecution.scheduled("e1", null, "task", "{}", null, T0, true, T0),
                dev.chime.spi.StoredExecution.scheduled("e2", null, "task", "{}", null, T0, true, T0)));

        List<Claim> byA = a.claim(T0, 10, null);
        assertThat(byA).hasSize(2).allMatch(c -> c instanceof Claim.Due);
        assertThat(b.claim(T0, 10, null)).as("claimed work is not handed out twice").isEmpty();

        Claim e1 = byA.stream().filter(c -> ClusterNode.executionOf(c).id().equals("e1")).findFirst().orElseThrow();
        Claim e2 = byA.stream().filter(c -> ClusterNode.executionOf(c).id().equals("e2")).findFirst().orElseThrow();
        assertThat(b.cancel("e2", T0)).isEqualTo(dev.chime.spi.JobStore.CancelOutcome.CANCELLED);
        assertThat(start(a, e2, 1, true)).isEqualTo(ClaimResult.LOST);

        RunTicket ticket = start(a, e1, 1, true).ticket();
        assertThat(ticket.fencingToken()).isEqualTo(1);
        assertThat(start(a, e1, 1, true)).as("ended already").isEqualTo(ClaimResult.LOST);
        assertThat(succeed(a, ticket)).isEqualTo(RunEndResult.RECORDED);
        assertThat(succeed(a, ticket)).as("written again").isEqualTo(RunEndResult.RECORDED);
        assertThat(a.execution("e1").orElseThrow().state()).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(a.execution("e2").orElseThrow().state()).isEqualTo(ExecutionState.CANCELLED);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void onlyOneNodeAtATimeCleansTheHistory(TestDatabase db) throws Exception {
        setUp(db);
        SqlJobStore a = node("a", LONG);
        SqlJobStore b = node("b", LONG);
        List<dev.chime.spi.StoredExecution> waiting = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            waiting.add(dev.chime.spi.StoredExecution.scheduled("t" + i, null, "task", "{}", null, T0, true,
                    T0.plusSeconds(i)));
        }
        a.enqueue(waiting);
        for (int i = 0; i < 5; i++) {
            assertThat(a.cancel("t" + i, T0.plusSeconds(i))).isEqualTo(dev.chime.spi.JobStore.CancelOutcome.CANCELLED);
        }

        assertThat(a.purgeExecutions(T0.plusSeconds(2), 1_000, 10)).as("ended before the cutoff").isEqualTo(2);
        assertThat(b.purgeExecutions(T0.plusSeconds(10), 1_000, 10)).as("a holds the cleaning").isZero();
        assertThat(a.purgeExecutions(T0, 2, 10)).as("past the newest two of the task").isEqualTo(1);
        assertThat(a.executions(dev.chime.ExecutionQuery.newest())).extracting(dev.chime.spi.StoredExecution::id)
                .containsExactly("t4", "t3");
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void claimOfADueExecutionWhoseCommitAnswerWasLostIsAdoptedByTheNextClaim(TestDatabase db) throws Exception {
        setUp(db);
        FlakyDataSource flaky = new FlakyDataSource(shared, 0);
        SqlJobStore a = node(flaky, "a", LONG);
        a.add(job("j", T0.plusSeconds(3600)));
        a.enqueue(List.of(dev.chime.spi.StoredExecution.scheduled("retry", null, "task", "{}", null, T0, true, T0)));

        flaky.loseAnswerOfNextCommit();
        assertThatThrownBy(() -> a.claim(T0, 10, null)).hasMessageContaining("claim due work");
        assertThat(count("SELECT COUNT(*) FROM " + prefix + "executions WHERE id = 'retry' AND claimed_by = 'a'"))
                .as("the claim went through").isOne();

        List<Claim> again = a.claim(T0, 10, null);
        assertThat(again).singleElement().isInstanceOf(Claim.Due.class);
        RunTicket ticket = start(a, again.get(0), 1, true).ticket();
        assertThat(ticket.executionId()).isEqualTo("retry");
        assertThat(a.claim(T0.plusSeconds(1), 10, null)).as("adopted once").isEmpty();
    }
}
