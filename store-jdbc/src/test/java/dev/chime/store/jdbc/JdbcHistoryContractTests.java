package dev.chime.store.jdbc;

import dev.chime.spi.HistoryContract;
import dev.chime.spi.JobStore;
import org.junit.jupiter.api.Nested;

/** The core's run history contract, on each database. */
class JdbcHistoryContractTests {

    abstract static class OnDatabase extends HistoryContract {

        private String prefix;

        abstract TestDatabase database();

        @Override
        protected JobStore createStore() {
            prefix = TestDatabase.freshPrefix();
            return JdbcJobStore.builder(database().dataSource()).tablePrefix(prefix).createSchema(true).build();
        }

        @Override
        protected void destroyStore(JobStore store) throws Exception {
            store.close();
            TestDatabase.drop(database().dataSource(), prefix);
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
