package dev.chime.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.spi.Firing;
import dev.chime.spi.StoredJob;
import dev.chime.store.jdbc.FlakyDataSource;
import dev.chime.store.jdbc.TestDatabase;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Where a job row's versions start: above every version an earlier row under its id had (the
 * store-wide case, a stale claim of a removed job, is in the store contract), and how {@code add}
 * still tells its own row from another's after a lost answer.
 */
class JobVersionsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final String prefix = TestDatabase.freshPrefix();
    private final List<SqlJobStore> stores = new ArrayList<>();
    private DataSource shared;

    @AfterEach
    void closeStores() throws SQLException {
        stores.forEach(SqlJobStore::close);
        if (shared != null) {
            TestDatabase.drop(shared, prefix);
        }
    }

    private SqlJobStore store(TestDatabase db, DataSource ds) throws SQLException {
        if (shared == null) {
            shared = db.dataSource();
            Schema.create(new Database(shared, Database.detect(shared)), prefix);
        }
        Database database = new Database(ds, Database.detect(shared));
        Sql sql = new Sql(prefix, database.dialect());
        ClusterNode node = new ClusterNode(database, sql, "n", Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1));
        node.start();
        SqlJobStore store = new SqlJobStore(database, sql, node, Duration.ofSeconds(30));
        stores.add(store);
        return store;
    }

    private static StoredJob job(String task) {
        return new StoredJob("a", task, "interval:PT1S", "{}", null, false, T0, null, null, 0);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aJobAddedAgainStartsAboveEveryVersionItsRemovedRowReached(TestDatabase db) throws SQLException {
        SqlJobStore store = store(db, db.dataSource());
        store.add(job("old"));
        for (int i = 0; i < 20; i++) {
            long before = store.get("a").orElseThrow().version();
            Firing f = store.claimDue(T0, 10).get(0);
            assertThat(f.job().version()).as("a claim bumps the version by one").isEqualTo(before + 1);
            assertThat(store.release(f, T0)).isTrue();
            assertThat(store.get("a").orElseThrow().version()).as("so does a release").isEqualTo(before + 2);
        }
        long last = store.get("a").orElseThrow().version();
        store.remove("a");

        store.add(job("new"));
        long first = store.get("a").orElseThrow().version();
        assertThat(first).isGreaterThan(last);
        Firing claim = store.claimDue(T0, 10).get(0);
        assertThat(claim.job().version()).isEqualTo(first + 1);
        assertThat(store.get("a").orElseThrow().version()).isEqualTo(first + 1);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void addRetriedAfterItsInsertsAnswerWasLostSaysAdded(TestDatabase db) throws SQLException {
        FlakyDataSource flaky = new FlakyDataSource(db.dataSource(), 0);
        SqlJobStore store = store(db, flaky);

        flaky.loseAnswerOfNextStatement("INSERT INTO " + prefix + "jobs");
        assertThat(store.add(job("mine"))).as("the retry finds its own row").isTrue();
        assertThat(store.get("a").orElseThrow().task()).isEqualTo("mine");
        assertThat(store.add(job("mine"))).as("a second add of the same job is another call: the id is taken").isFalse();
    }
}
