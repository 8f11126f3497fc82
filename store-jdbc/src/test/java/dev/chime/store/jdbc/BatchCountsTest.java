package dev.chime.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * Defect 9: MariaDB Connector/J with {@code useBulkStmts=true} answers SUCCESS_NO_INFO (-2) for
 * every statement of a batch, which fencing and max instances would read as success. The store
 * refuses such a driver at start, naming the setting, and leaves nothing behind.
 */
class BatchCountsTest {

    @Test
    void aMariaDbPoolWithBulkStatementsIsRefusedAtStartNamingTheSetting() throws Exception {
        TestDatabase.MARIADB.assumeEnabled();
        String prefix = TestDatabase.freshPrefix();
        String url = TestDatabase.MARIADB.url();
        try (HikariDataSource bulk = new HikariDataSource()) {
            bulk.setJdbcUrl(url + (url.contains("?") ? "&" : "?") + "useBulkStmts=true");
            bulk.setMaximumPoolSize(2);

            assertThatThrownBy(() -> JdbcJobStore.builder(bulk).tablePrefix(prefix).createSchema(true).nodeName("bulk").build())
                    .isInstanceOf(JdbcStoreException.class)
                    .hasMessageContaining("[-2, -2]")
                    .hasMessageContaining("useBulkStmts=true");

            try (Connection c = bulk.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + prefix + "nodes")) {
                rs.next();
                assertThat(rs.getLong(1)).as("the refused node left the cluster").isZero();
            }
        } finally {
            TestDatabase.drop(TestDatabase.MARIADB.dataSource(), prefix);
        }
    }

    @Test
    void theSameMariaDbWithoutBulkStatementsStarts() throws Exception {
        TestDatabase.MARIADB.assumeEnabled();
        String prefix = TestDatabase.freshPrefix();
        try (JdbcJobStore store = JdbcJobStore.builder(TestDatabase.MARIADB.dataSource()).tablePrefix(prefix)
                .createSchema(true).nodeName("plain").build()) {
            assertThat(store.database()).isEqualTo("mariadb");
        } finally {
            TestDatabase.drop(TestDatabase.MARIADB.dataSource(), prefix);
        }
    }
}
