package dev.chime.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.chime.spi.Claim;
import dev.chime.spi.StoredJob;
import dev.chime.store.jdbc.JdbcJobStore;
import dev.chime.store.jdbc.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Defect 10: Chime's statements run at READ COMMITTED whatever the pool's isolation. */
class ReadCommittedTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private static HikariDataSource pool(TestDatabase db, String isolation, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.url());
        config.setMaximumPoolSize(size);
        config.setTransactionIsolation(isolation);
        return new HikariDataSource(config);
    }

    private static StoredJob job(String id) {
        return new StoredJob(id, "task", "interval:PT10S", "{}", null, false, T0, null, null, 0);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void transactionsAndSingleStatementsRunAtReadCommittedOnARepeatableReadPool(TestDatabase tdb) throws Exception {
        tdb.assumeEnabled();
        try (HikariDataSource rr = pool(tdb, "TRANSACTION_REPEATABLE_READ", 1)) {
            Database db = new Database(rr, Database.detect(rr));

            assertThat(db.transaction(Connection::getTransactionIsolation)).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
            assertThat(db.autoCommit(Connection::getTransactionIsolation)).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
            try (Connection c = rr.getConnection()) {
                assertThat(c.getTransactionIsolation()).as("the pool's own level, restored")
                        .isEqualTo(Connection.TRANSACTION_REPEATABLE_READ);
                assertThat(c.getAutoCommit()).isTrue();
            }
        }
    }

    /**
     * The interleaving that fails at REPEATABLE READ: this store's claim transaction has its
     * snapshot when another store claims and commits the same rows; locking them then answers
     * "could not serialize access". At READ COMMITTED the claim re-reads them and skips them.
     */
    @Test
    void aClaimAfterAnotherStoreClaimedTheRowsIsNotASerializationFailureOnRepeatableReadPostgreSql() throws Exception {
        TestDatabase.POSTGRESQL.assumeEnabled();
        String prefix = TestDatabase.freshPrefix();
        try (HikariDataSource rr = pool(TestDatabase.POSTGRESQL, "TRANSACTION_REPEATABLE_READ", 4);
             JdbcJobStore other = JdbcJobStore.builder(rr).tablePrefix(prefix).createSchema(true).nodeName("other").build()) {
            other.add(job("a"));
            other.add(job("b"));
            Database db = new Database(rr, Dialect.POSTGRESQL);
            Sql sql = new Sql(prefix, Dialect.POSTGRESQL);

            List<String> lockedHere = db.transaction(c -> {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + sql.jobs)) {
                    rs.next(); // the transaction's snapshot is taken here
                }
                assertThat(other.claim(T0, 10, null)).extracting(Claim::jobId).containsExactly("a", "b");
                List<String> ids = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement(sql.selectDue)) {
                    ps.setLong(1, Sql.nanos(T0));
                    ps.setInt(2, 10);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            ids.add(rs.getString("id"));
                        }
                    }
                }
                return ids;
            });

            assertThat(lockedHere).isEmpty();
        } finally {
            TestDatabase.drop(TestDatabase.POSTGRESQL.dataSource(), prefix);
        }
    }

    @Test
    void twoStoresOnARepeatableReadPostgreSqlPoolClaimConcurrentlyEachJobOnce() throws Exception {
        TestDatabase.POSTGRESQL.assumeEnabled();
        String prefix = TestDatabase.freshPrefix();
        int jobs = 300;
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (HikariDataSource rr = pool(TestDatabase.POSTGRESQL, "TRANSACTION_REPEATABLE_READ", 6);
             JdbcJobStore a = JdbcJobStore.builder(rr).tablePrefix(prefix).createSchema(true).nodeName("a").build();
             JdbcJobStore b = JdbcJobStore.builder(rr).tablePrefix(prefix).nodeName("b").build()) {
            for (int i = 0; i < jobs; i++) {
                a.add(job(String.format(java.util.Locale.ROOT, "job-%04d", i)));
            }
            Future<List<String>> first = threads.submit(() -> claimAll(a, new ArrayList<>()));
            Future<List<String>> second = threads.submit(() -> claimAll(b, new ArrayList<>()));
            List<String> all = new ArrayList<>(first.get());
            all.addAll(second.get());

            assertThat(all).hasSize(jobs).doesNotHaveDuplicates();
        } finally {
            threads.shutdownNow();
            TestDatabase.drop(TestDatabase.POSTGRESQL.dataSource(), prefix);
        }
    }

    /** Claims in small batches until a claim finds nothing; any failure fails the test. */
    private static List<String> claimAll(JdbcJobStore store, List<String> claimed) {
        while (true) {
            List<Claim> batch = store.claim(T0, 3, null);
            if (batch.isEmpty()) {
                return claimed;
            }
            batch.forEach(f -> claimed.add(f.jobId()));
        }
    }
}
