package dev.chime.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.store.jdbc.TestDatabase;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The database's clock as a node estimates it: never ahead of the database, however slow the round trip. */
class DatabaseClockTest {

    /** How long the way to the database takes, on purpose: the database reads its clock only after it. */
    private static final long SLOW_REQUEST_MS = 300;

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void theEstimateNeverRunsAheadOfTheDatabaseWhenTheRequestWasSlowToArrive(TestDatabase tdb) throws Exception {
        DataSource shared = tdb.dataSource();
        Dialect dialect = Database.detect(shared);
        Sql sql = new Sql(TestDatabase.freshPrefix(), dialect);
        DatabaseClock clock = new DatabaseClock(new Database(slowRequests(shared), dialect), sql);

        clock.measure();
        Instant estimate = clock.now();
        long databaseNow = databaseMillis(shared, sql);

        // A midpoint of the round trip put the reading SLOW_REQUEST_MS / 2 too early, so the
        // estimate ran ahead of the database by that much and jobs fired early.
        assertThat(estimate.toEpochMilli()).isLessThanOrEqualTo(databaseNow);
    }

    /** This JVM's monotonic clock at the first reading of the tests below. */
    private static final long T0 = 1_000_000_000L;
    private static final long FIVE_SECONDS = 5_000_000_000L;

    @Test
    void aReadingThatLagsMoreThanTheKeptOneLessItsDriftAllowanceDoesNotReplaceIt() {
        DatabaseClock clock = new DatabaseClock(null, null);
        clock.record(10_000, T0);
        // Five seconds on, an answer that waited 30 ms for a core: the kept reading, carried
        // forward less 500 ppm of its five seconds (2.5 ms), is the later lower bound.
        clock.record(15_000 - 30, T0 + FIVE_SECONDS);

        assertThat(clock.at(T0 + FIVE_SECONDS)).isEqualTo(Instant.ofEpochMilli(15_000).minusNanos(2_500_000));
        assertThat(clock.at(T0 + FIVE_SECONDS + 1_000_000)).isEqualTo(Instant.ofEpochMilli(15_001).minusNanos(2_500_000));
    }

    @Test
    void aReadingLaterThanTheKeptOneCarriedForwardReplacesIt() {
        DatabaseClock clock = new DatabaseClock(null, null);
        clock.record(10_000, T0);
        clock.record(15_000 - 1, T0 + FIVE_SECONDS);

        assertThat(clock.at(T0 + FIVE_SECONDS)).isEqualTo(Instant.ofEpochMilli(14_999));
    }

    @Test
    void aReadingFarBehindTheKeptOneIsTakenAsTheDatabasesClockSteppedBack() {
        DatabaseClock clock = new DatabaseClock(null, null);
        clock.record(10_000, T0);
        clock.record(15_000 - 2_000, T0 + FIVE_SECONDS);

        assertThat(clock.at(T0 + FIVE_SECONDS)).isEqualTo(Instant.ofEpochMilli(13_000));
    }

    private static long databaseMillis(DataSource ds, Sql sql) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT " + sql.now);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Connections whose queries reach the database only after {@link #SLOW_REQUEST_MS}. */
    private static DataSource slowRequests(DataSource target) {
        return (DataSource) Proxy.newProxyInstance(DatabaseClockTest.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    Object result = invoke(target, method, args);
                    return result instanceof Connection c ? slowConnection(c) : result;
                });
    }

    private static Connection slowConnection(Connection real) {
        return (Connection) Proxy.newProxyInstance(DatabaseClockTest.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    Object result = invoke(real, method, args);
                    if (result instanceof PreparedStatement ps) {
                        return Proxy.newProxyInstance(DatabaseClockTest.class.getClassLoader(),
                                new Class<?>[] {PreparedStatement.class}, (p, m, a) -> {
                                    if (m.getName().equals("executeQuery")) {
                                        // The injected fault: a request held up on its way.
                                        boolean unreachable = new CountDownLatch(1).await(SLOW_REQUEST_MS, TimeUnit.MILLISECONDS);
                                        assertThat(unreachable).isFalse();
                                    }
                                    return invoke(ps, m, a);
                                });
                    }
                    return result;
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
