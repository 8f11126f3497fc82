package dev.chime.store.jdbc.internal;

import dev.chime.store.jdbc.JdbcStoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections and transactions on the user's {@link DataSource}, and the retry rule: a call that
 * failed because the database is unreachable or a transaction lost a race (SQLState classes 08, 40
 * and 57, or a transient exception) may be retried; anything else is a bug or bad data and is not.
 */
public final class Database {

    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(50);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Set<String> TRANSIENT_CLASSES = Set.of("08", "40", "53", "57", "HY");

    /** Work done on a connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;
    private final Dialect dialect;
    private final CountDownLatch closed = new CountDownLatch(1);

    public Database(DataSource dataSource, Dialect dialect) {
        this.dataSource = dataSource;
        this.dialect = dialect;
    }

    /** Reads the dialect off a connection of the data source. */
    public static Dialect detect(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            return Dialect.of(c.getMetaData());
        } catch (SQLException e) {
            throw new JdbcStoreException("the JDBC store could not open a connection to find out the database: "
                    + e.getMessage(), e);
        }
    }

    public Dialect dialect() {
        return dialect;
    }

    /** Runs {@code work} in one transaction: committed if it returns, rolled back if it throws. */
    public <T> T transaction(Work<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            int isolation = c.getTransactionIsolation();
            c.setAutoCommit(false);
            if (dialect == Dialect.MARIADB && isolation != Connection.TRANSACTION_READ_COMMITTED) {
                // InnoDB's default REPEATABLE READ takes gap locks that make claims block each other.
                c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            }
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            } finally {
                restore(c, autoCommit, isolation);
            }
        }
    }

    /** Runs {@code work} on a connection in auto-commit mode. */
    public <T> T autoCommit(Work<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            return work.run(c);
        }
    }

    /**
     * Runs {@code call} until it succeeds, retrying transient failures with backoff (50 ms doubling
     * to 5 s) while {@code giveUp} says no. Completions go through here: an outcome or a released
     * claim must reach the database once it is back, or the job would stay claimed.
     */
    public <T> T retrying(String what, Work<T> call, BooleanSupplier giveUp) throws SQLException {
        return retrying(what, call, giveUp, true);
    }

    /** {@link #retrying} for a call of one statement, which needs no transaction of its own. */
    public <T> T retryingOneStatement(String what, Work<T> call) throws SQLException {
        return retrying(what, call, () -> false, false);
    }

    /** {@link #retryingOneStatement} that stops retrying once {@code giveUp} says so. */
    public <T> T retryingOneStatement(String what, Work<T> call, BooleanSupplier giveUp) throws SQLException {
        return retrying(what, call, giveUp, false);
    }

    private <T> T retrying(String what, Work<T> call, BooleanSupplier giveUp, boolean transaction) throws SQLException {
        Duration backoff = FIRST_BACKOFF;
        while (true) {
            try {
                return transaction ? transaction(call) : autoCommit(call);
            } catch (SQLException e) {
                if (!isTransient(e) || giveUp.getAsBoolean() || isClosed()) {
                    throw e;
                }
                LOG.warn("{} failed ({}); retrying in {} ms", what, e.getMessage(), backoff.toMillis());
                if (!pause(backoff)) {
                    throw e;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /** Whether a failure says the database was unreachable or a transaction lost a race, not that the call was wrong. */
    public static boolean isTransient(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLTransientException || t instanceof java.sql.SQLRecoverableException
                    || t instanceof java.sql.SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state != null && state.length() >= 2 && TRANSIENT_CLASSES.contains(state.substring(0, 2))) {
                    return true;
                }
            }
            if (t instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }

    /** Whether a failure is a unique-key violation (SQLState class 23 with a duplicate). */
    public static boolean isDuplicateKey(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.equals("23505") || (state.startsWith("23") && e.getErrorCode() == 1062));
    }

    /** Waits out a backoff; false when the store closed meanwhile or the thread was interrupted. */
    private boolean pause(Duration backoff) {
        try {
            return !closed.await(backoff.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops retries in progress: they fail with their last error. */
    public void close() {
        closed.countDown();
    }

    public boolean isClosed() {
        return closed.getCount() == 0;
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException rollback) {
            cause.addSuppressed(rollback);
        }
    }

    private static void restore(Connection c, boolean autoCommit, int isolation) {
        try {
            if (c.getTransactionIsolation() != isolation) {
                c.setTransactionIsolation(isolation);
            }
            c.setAutoCommit(autoCommit);
        } catch (SQLException e) {
            LOG.debug("could not restore a connection's settings; the pool will discard it", e);
        }
    }
}
