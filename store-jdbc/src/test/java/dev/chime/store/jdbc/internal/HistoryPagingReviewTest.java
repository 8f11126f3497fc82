package dev.chime.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.HistoryPage;
import dev.chime.HistoryQuery;
import dev.chime.LastRun;
import dev.chime.Outcome;
import dev.chime.RunRecord;
import dev.chime.spi.RunEnds;
import dev.chime.store.jdbc.TestDatabase;
import java.sql.Connection;
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

/** Review of the history's pages on a database: rows this version cannot read must not end the paging early. */
class HistoryPagingReviewTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final String prefix = TestDatabase.freshPrefix();
    private DataSource shared;
    private SqlJobStore store;

    @AfterEach
    void tearDown() throws SQLException {
        if (store != null) {
            store.close();
        }
        if (shared != null) {
            TestDatabase.drop(shared, prefix);
        }
    }

    private SqlJobStore open(TestDatabase db) throws SQLException {
        shared = db.dataSource();
        Database database = new Database(shared, Database.detect(shared));
        Schema.create(database, prefix);
        Sql sql = new Sql(prefix, database.dialect());
        ClusterNode node = new ClusterNode(database, sql, "a", Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1));
        node.start();
        store = new SqlJobStore(database, sql, node, Duration.ofSeconds(30));
        return store;
    }

    private void record(int second) {
        store.recordOutcome(RunEnds.of("j", new LastRun(Outcome.SUCCESS, T0, T0.plusSeconds(second), Duration.ZERO, null)));
    }

    // A newer node of a rolling upgrade may write an outcome this version cannot read: the row is
    // left out, but once counted as the page's extra row, and every older run was unreachable.
    @ParameterizedTest
    @EnumSource(value = TestDatabase.class, names = {"H2", "POSTGRESQL"})
    void aRowOfAnOutcomeThisVersionDoesNotKnowDoesNotEndThePaging(TestDatabase db) throws Exception {
        open(db);
        record(1);
        record(2);
        record(4);
        try (Connection c = shared.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE " + prefix + "history SET outcome = 'SUPERSEDED' WHERE finished_at = "
                    + Sql.nanos(T0.plusSeconds(2)));
        }
        List<Instant> seen = new ArrayList<>();
        HistoryQuery query = HistoryQuery.forJob("j").limit(1);
        for (int i = 0; i < 5 && query != null; i++) {
            HistoryPage page = store.history(query);
            page.runs().stream().map(RunRecord::finishedAt).forEach(seen::add);
            query = page.next().orElse(null);
        }
        assertThat(seen).containsExactly(T0.plusSeconds(4), T0.plusSeconds(1));
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.class, names = {"H2", "POSTGRESQL"})
    void pagesOfOneAtAnEqualFinishTimeWalkEveryRunOnce(TestDatabase db) throws Exception {
        open(db);
        for (int i = 0; i < 5; i++) {
            record(7);
        }
        record(3);
        List<Long> ids = new ArrayList<>();
        HistoryQuery query = HistoryQuery.all().outcomes(Outcome.SUCCESS).finished(T0, T0.plusSeconds(8)).limit(1);
        for (int i = 0; i < 10 && query != null; i++) {
            HistoryPage page = store.history(query);
            page.runs().forEach(r -> ids.add(r.id()));
            query = page.next().orElse(null);
        }
        assertThat(ids).hasSize(6).doesNotHaveDuplicates();
        assertThat(ids.subList(0, 5)).isSortedAccordingTo(java.util.Comparator.reverseOrder());
    }
}
