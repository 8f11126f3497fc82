package dev.chime.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.store.jdbc.TestDatabase;
import java.lang.reflect.Proxy;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Defect 8 and 9 in {@link Database}: which failures are retried (MariaDB reports many permanent
 * errors as the generic HY000), and batch counts that do not say how many rows matched.
 */
class DatabaseRetryTest {

    @Test
    void permanentMariaDbErrorsBehindHy000AreNotTransient() {
        assertThat(Database.isTransient(new SQLException("Data too long for column", "HY000", 1406), Dialect.MARIADB)).isFalse();
        assertThat(Database.isTransient(new SQLException("Incorrect string value", "HY000", 1366), Dialect.MARIADB)).isFalse();
        assertThat(Database.isTransient(new SQLException("Field 'task' doesn't have a default value", "HY000", 1364), Dialect.MARIADB)).isFalse();
        assertThat(Database.isTransient(new SQLException("H2 general error", "HY000", 50000), Dialect.H2)).isFalse();
    }

    @Test
    void lockWaitTimeoutsDeadlocksAndLostConnectionsAreTransient() {
        assertThat(Database.isTransient(new SQLException("Lock wait timeout exceeded", "HY000", 1205), Dialect.MARIADB)).isTrue();
        assertThat(Database.isTransient(new SQLException("Deadlock found", "40001", 1213), Dialect.MARIADB)).isTrue();
        assertThat(Database.isTransient(new SQLException("Server shutdown in progress", "HY000", 1053), Dialect.MARIADB)).isTrue();
        assertThat(Database.isTransient(new SQLException("Timeout trying to lock table", "HYT00", 50200), Dialect.H2)).isTrue();
        assertThat(Database.isTransient(new SQLException("connection refused", "08001", 0), Dialect.POSTGRESQL)).isTrue();
        assertThat(Database.isTransient(new SQLException("could not serialize access", "40001", 0), Dialect.POSTGRESQL)).isTrue();
    }

    /**
     * MariaDB Connector/J makes every SQLState of a class it does not know (45000 of a SIGNAL in a
     * trigger a DBA added, 01000 of a strict-mode truncation) a SQLTransientConnectionException;
     * the class must not make such an error retried for ever.
     */
    @ParameterizedTest
    @EnumSource(value = TestDatabase.class, names = "MARIADB")
    void aMariaDbErrorOfAnUnknownSqlStateClassIsNotTransient(TestDatabase tdb) throws SQLException {
        DataSource ds = tdb.dataSource();
        try (java.sql.Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by a trigger'"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("45000");
                        assertThat(Database.isTransient(e, Dialect.MARIADB)).isFalse();
                    });
        }
    }

    @Test
    void interruptedQueriesAndPoolTimeoutsStayTransient() {
        assertThat(Database.isTransient(new java.sql.SQLTransientConnectionException("Query execution was interrupted",
                "70100", 1317), Dialect.MARIADB)).isTrue();
        assertThat(Database.isTransient(new java.sql.SQLTransientConnectionException("Connection is not available, "
                + "request timed out after 30000ms", null, 0), Dialect.MARIADB)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aPermanentErrorIsNotRetried(TestDatabase tdb) throws SQLException {
        DataSource ds = tdb.dataSource();
        String prefix = TestDatabase.freshPrefix();
        Database db = new Database(ds, Database.detect(ds));
        try {
            Schema.migrate(db, new Sql(prefix, db.dialect()));
            AtomicInteger attempts = new AtomicInteger();
            // A row without its NOT NULL columns: MariaDB answers 1364 with SQLState HY000, the
            // others 23502. Without a bound this would be retried for ever; the bound is the test's.
            assertThatThrownBy(() -> db.retryingOneStatement("inserting a bad row", c -> {
                attempts.incrementAndGet();
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate("INSERT INTO " + prefix + "jobs (id) VALUES ('bad')");
                }
            }, () -> attempts.get() >= 3)).isInstanceOfSatisfying(SQLException.class, e -> {
                if (tdb == TestDatabase.MARIADB) {
                    assertThat(e.getSQLState()).isEqualTo("HY000");
                    assertThat(e.getErrorCode()).isEqualTo(1364);
                }
            });
            assertThat(attempts).hasValue(1);
        } finally {
            TestDatabase.drop(ds, prefix);
        }
    }

    @Test
    void aMariaDbLockWaitTimeoutBehindHy000IsRetried() throws SQLException {
        DataSource ds = TestDatabase.MARIADB.dataSource();
        Database db = new Database(ds, Dialect.MARIADB);
        AtomicInteger attempts = new AtomicInteger();

        int answer = db.retryingOneStatement("a statement that times out once", c -> {
            if (attempts.incrementAndGet() == 1) {
                try (Statement s = c.createStatement()) {
                    s.execute("SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = 1205, MESSAGE_TEXT = 'Lock wait timeout exceeded'");
                }
            }
            return 42;
        }, () -> attempts.get() >= 3);

        assertThat(answer).isEqualTo(42);
        assertThat(attempts).hasValue(2);
    }

    @Test
    void batchCountsOfSuccessNoInfoAreRefusedNotCountedAsSuccess() {
        PreparedStatement bulk = (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                    if (method.getName().equals("executeBatch")) {
                        return new int[] {Statement.SUCCESS_NO_INFO, Statement.SUCCESS_NO_INFO, Statement.SUCCESS_NO_INFO};
                    }
                    throw new UnsupportedOperationException(method.getName());
                });

        assertThatThrownBy(() -> Database.rowCounts(bulk))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(Database.isTransient(e, Dialect.MARIADB)).isFalse())
                .hasMessageContaining("[-2, -2, -2]").hasMessageContaining("useBulkStmts");
    }
}
