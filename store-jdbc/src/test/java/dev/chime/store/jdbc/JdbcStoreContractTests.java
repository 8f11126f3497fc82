package dev.chime.store.jdbc;

import dev.chime.spi.JobStore;
import dev.chime.spi.JobStoreContract;
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
            return JdbcJobStore.builder(database().dataSource()).tablePrefix(prefix).createSchema(true).build();
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
