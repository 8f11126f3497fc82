package dev.chime.store.jdbc;

import static org.awaitility.Awaitility.await;

import dev.chime.spi.Firing;
import dev.chime.spi.JobStore;
import dev.chime.spi.JobStoreContract;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Nested;

/** The core's store contract, on each database. */
class JdbcStoreContractTests {

    abstract static class OnDatabase extends JobStoreContract {

        private String prefix;

        abstract TestDatabase database();

        @Override
        protected JobStore createStore() {
            prefix = TestDatabase.freshPrefix();
            // A heartbeat that does not come again during a case: the takeover cases mark the node dead.
            return JdbcJobStore.builder(database().dataSource()).tablePrefix(prefix).createSchema(true)
                    .nodeName("contract-a").heartbeatInterval(Duration.ofHours(1)).nodeTimeout(Duration.ofHours(3)).build();
        }

        /** Node "contract-a" looks dead to a second node, which takes it over and hands out its runs. */
        @Override
        protected List<Firing> takeOverThisNode() throws Exception {
            DataSource ds = database().dataSource();
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE " + prefix + "nodes SET heartbeat_at_ms = 0 WHERE node_id LIKE 'contract-a-%'");
            }
            try (JdbcJobStore taker = JdbcJobStore.builder(ds).tablePrefix(prefix).nodeName("contract-b")
                    .heartbeatInterval(Duration.ofMillis(200)).nodeTimeout(Duration.ofSeconds(3)).build()) {
                List<Firing> recovered = new ArrayList<>();
                await().atMost(Duration.ofSeconds(20)).until(() -> {
                    taker.claimDue(T0, 10).stream().filter(Firing::recovery).forEach(recovered::add);
                    return !recovered.isEmpty();
                });
                return recovered;
            }
        }

        @Override
        protected void destroyStore(JobStore store) throws Exception {
            store.close();
            DataSource ds = database().dataSource();
            TestDatabase.drop(ds, prefix);
        }
    }

    @Nested
    class H2 extends OnDatabase {
        @Override
        TestDatabase database() {
            return TestDatabase.H2;
        }
    }

    @Nested
    class PostgreSql extends OnDatabase {
        @Override
        TestDatabase database() {
            return TestDatabase.POSTGRESQL;
        }
    }

    @Nested
    class MariaDb extends OnDatabase {
        @Override
        TestDatabase database() {
            return TestDatabase.MARIADB;
        }
    }
}
