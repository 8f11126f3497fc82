package dev.chime.store.jdbc.internal;

import dev.chime.store.jdbc.JdbcStoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections and transactions on the user's {@link DataSource}, and the retry rule: a call that
 * failed because the database is unreachable or a transaction lost a race (SQLState classes 08, 40,
 * 53 and 57, a transient exception, or on MariaDB one of the vendor codes in
 * {@link #TRANSIENT_VENDOR_CODES} behind the generic SQLState HY000) may be retried; anything else
 * is a bug or bad data and is not, since retrying it would fail the same way for ever.
 *
 * <p>Every statement runs at READ COMMITTED, whatever the pool's default: the claim protocol
 * relies on {@code SKIP LOCKED} seeing rows other nodes committed since the transaction began
 * (REPEATABLE READ fails such claims with "could not serialize access" on PostgreSQL and takes gap
 * locks on InnoDB). The pool's own level is read once, from the first connection, and restored on
 * every connection handed back.
 *
 * <p>Batch row counts are read through {@link #rowCounts}, which refuses {@code SUCCESS_NO_INFO}:
 * fencing and max instances are decided by those counts, so an unknown count must never pass for 1.
 */
public final class Database {

    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(50);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Set<String> TRANSIENT_CLASSES = Set.of("08", "40", "53", "57");
    /**
     * MariaDB/MySQL error codes that mean "try again" although their SQLState is the generic HY000
     * (or 70100, or none): lock wait timeout (1205), deadlock (1213), too many connections (1040),
     * server shutting down or connection lost or killed (1053, 1077, 1152, 1158-1161, 1927, 2002,
     * 2003, 2006, 2013, 4031), commit or transaction aborted by the engine (1180, 1637), read-only
     * during a fail-over (1290, 1836), query interrupted or past max_statement_time (1317, 1969,
     * SQLState 70100). Every other HY000 (data too long 1406, incorrect value 1366,
     * no default 1364, ...) is permanent.
     */
    static final Set<Integer> TRANSIENT_VENDOR_CODES = Set.of(1205, 1213, 1040, 1053, 1077, 1152, 1158, 1159,
            1160, 1161, 1927, 2002, 2003, 2006, 2013, 4031, 1180, 1637, 1290, 1836, 1317, 1969);
    /** SQLState of {@link #rowCounts} refusing an unknown count: permanent, a setting of the driver to change. */
    static final String UNKNOWN_COUNT_STATE = "0A000";
    private static final int UNKNOWN_ISOLATION = -1;
    /** PostgreSQL's idle_in_transaction_session_timeout: the transaction was aborted, so it may run again. */
    static final String IDLE_TRANSACTION_TIMEOUT_STATE = "25P03";

    /** Work done on a connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;
    private final Dialect dialect;
    /** Set on every transaction: the server aborts it when this node sends nothing for that long inside it. */
    private final String idleTransactionTimeout;
    private final String resetIdleTransactionTimeout;
    /** Set when the server does not know the setting (MySQL: error 1193): the timeout is then left out. */
    private volatile boolean idleTimeoutUnknown;
    private static final int UNKNOWN_SYSTEM_VARIABLE = 1193;
    private final CountDownLatch closed = new CountDownLatch(1);
    /** The pool's isolation level, read from the first connection; restored on every connection after use. */
    private volatile int poolIsolation = UNKNOWN_ISOLATION;

    public Database(DataSource dataSource, Dialect dialect) {
        this(dataSource, dialect, null);
    }

    /**
     * @param idleTransactionTimeout how long the server lets a transaction of this store sit idle
     *                               (the node frozen, or cut off, in the middle of it) before it
     *                               aborts it and releases its locks; null for the server's default
     */
    public Database(DataSource dataSource, Dialect dialect, Duration idleTransactionTimeout) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.idleTransactionTimeout = idleTransactionTimeout == null ? null : dialect.idleTransactionTimeout(idleTransactionTimeout);
        this.resetIdleTransactionTimeout = this.idleTransactionTimeout == null ? null : dialect.resetIdleTransactionTimeout();
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

    /** Runs {@code work} in one transaction at READ COMMITTED: committed if it returns, rolled back if it throws. */
    public <T> T transaction(Work<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            int isolation = readCommitted(c);
            try {
                limitIdleTime(c);
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            } finally {
                restore(c, autoCommit, isolation);
                restoreIdleTime(c);
            }
        }
    }

    /** Runs {@code work} on a connection in auto-commit mode, each statement at READ COMMITTED. */
    public <T> T autoCommit(Work<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            if (!autoCommit) {
                c.setAutoCommit(true);
            }
            // A single statement at REPEATABLE READ fails on a row updated concurrently as well.
            int isolation = readCommitted(c);
            try {
                return work.run(c);
            } finally {
                restore(c, autoCommit, isolation);
            }
        }
    }

    /**
     * Bounds how long the transaction on {@code c} may sit idle on the server: a node frozen inside
     * it (SIGSTOP, a pause past its timeout) must not keep the rows it locked, its own node row
     * among them, from the nodes taking it over. The server aborts such a transaction, drops the
     * connection, and the node finds out (a connection error, retried) when it resumes.
     */
    private void limitIdleTime(Connection c) throws SQLException {
        if (idleTransactionTimeout != null && !idleTimeoutUnknown) {
            try (Statement s = c.createStatement()) {
                s.execute(idleTransactionTimeout);
            } catch (SQLException e) {
                if (e.getErrorCode() != UNKNOWN_SYSTEM_VARIABLE) {
                    throw e;
                }
                // MySQL (served by the MariaDB dialect) has no idle transaction timeout.
                idleTimeoutUnknown = true;
                LOG.warn("this database has no idle transaction timeout ({}): a node frozen inside a transaction keeps "
                        + "its locks, and the others' takeover of it waits, until the server's lock wait timeout", e.getMessage());
            }
        }
    }

    private void restoreIdleTime(Connection c) {
        if (resetIdleTransactionTimeout != null && !idleTimeoutUnknown) {
            try (Statement s = c.createStatement()) {
                s.execute(resetIdleTransactionTimeout);
            } catch (SQLException e) {
                LOG.debug("could not restore a connection's idle transaction timeout; the pool will discard it", e);
            }
        }
    }

    /**
     * Sets READ COMMITTED on {@code c} unless the pool's level already is; answers the level to
     * restore. The level is read once per store (on PostgreSQL each read is a round trip).
     */
    private int readCommitted(Connection c) throws SQLException {
        int isolation = poolIsolation;
        if (isolation == UNKNOWN_ISOLATION) {
            isolation = c.getTransactionIsolation();
            poolIsolation = isolation;
        }
        if (isolation != Connection.TRANSACTION_READ_COMMITTED) {
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        }
        return isolation;
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

    /**
     * Whether a failure says the database was unreachable or a transaction lost a race, not that
     * the call was wrong. The SQLState decides where it is specific; where it is the generic HY000
     * (MariaDB uses it for many errors, transient and permanent alike) the vendor code decides.
     */
    public static boolean isTransient(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // MariaDB Connector/J makes every SQLState of a class it does not know (45000 of a
            // SIGNAL, 01000 of a strict truncation) a SQLTransientConnectionException: that class
            // says nothing where there is a state to go by (HikariCP's pool timeout has none).
            boolean catchAll = t instanceof java.sql.SQLTransientConnectionException sql && sql.getSQLState() != null
                    && !sql.getSQLState().isEmpty();
            if (!catchAll && (t instanceof java.sql.SQLTransientException || t instanceof java.sql.SQLRecoverableException
                    || t instanceof java.sql.SQLNonTransientConnectionException)) {
                return true;
            }
            if (t instanceof SQLException sql && isTransientState(sql.getSQLState(), sql.getErrorCode())) {
                return true;
            }
            if (t instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }

    private static boolean isTransientState(String state, int vendorCode) {
        // Vendor codes are MariaDB's, and only read behind its generic states (HY000, and 70100 for
        // a killed query): other databases number their errors differently.
        boolean generic = state == null || state.equals("HY000") || state.startsWith("70");
        if (generic && TRANSIENT_VENDOR_CODES.contains(vendorCode)) {
            return true;
        }
        if (state == null || state.length() < 2) {
            return false;
        }
        if (state.equals(IDLE_TRANSACTION_TIMEOUT_STATE)) {
            return true; // the server aborted a transaction left idle too long (limitIdleTime): run it again
        }
        // HYT00/HYT01: a timeout expired (H2's lock timeout, a driver's query or login timeout).
        return TRANSIENT_CLASSES.contains(state.substring(0, 2)) || state.startsWith("HYT");
    }

    /**
     * Executes the batch of {@code ps} and answers its row counts, each a real count. A driver that
     * answers {@link Statement#SUCCESS_NO_INFO} (MariaDB Connector/J with {@code useBulkStmts=true})
     * or {@link Statement#EXECUTE_FAILED} does not say whether a conditional statement matched, so
     * the call fails rather than guess: a guessed 1 would switch fencing and max instances off.
     * Every batch whose counts decide anything goes through here.
     */
    public static int[] rowCounts(PreparedStatement ps) throws SQLException {
        int[] counts = ps.executeBatch();
        for (int count : counts) {
            if (count < 0) {
                throw unknownCount(counts);
            }
        }
        return counts;
    }

    private static SQLException unknownCount(int[] counts) {
        return new SQLException("the JDBC driver answered the row counts " + Arrays.toString(counts) + " for a batch "
                + "(-2 = SUCCESS_NO_INFO, -3 = EXECUTE_FAILED): the JDBC store decides fencing and max instances from "
                + "these counts and cannot run without them. On MariaDB Connector/J remove useBulkStmts=true from "
                + "the JDBC URL or data source properties (useBulkStmts=false)", UNKNOWN_COUNT_STATE);
    }

    /**
     * Checks at start that the driver reports true row counts for batches: an UPDATE batch on this
     * node's own row (matches 1 row) and on an id no node has (matches 0), rolled back, must answer
     * exactly [1, 0]. Fails with the setting to change otherwise.
     */
    public void checkBatchCounts(Sql sql, String nodeId) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(sql.checkBatchCounts)) {
                ps.setString(1, nodeId);
                ps.addBatch();
                ps.setString(1, nodeId + "#absent");
                ps.addBatch();
                int[] counts = rowCounts(ps);
                if (counts.length != 2 || counts[0] != 1 || counts[1] != 0) {
                    throw new SQLException("the JDBC driver answered the row counts " + Arrays.toString(counts) + " for a "
                            + "batch whose true counts are [1, 0]: the JDBC store decides fencing and max instances from "
                            + "these counts and cannot run on this driver's settings", UNKNOWN_COUNT_STATE);
                }
            } finally {
                rollbackQuietly(c, null);
                c.setAutoCommit(autoCommit);
            }
        }
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
            if (cause != null) {
                cause.addSuppressed(rollback);
            }
        }
    }

    private static void restore(Connection c, boolean autoCommit, int isolation) {
        try {
            if (isolation != Connection.TRANSACTION_READ_COMMITTED) {
                c.setTransactionIsolation(isolation);
            }
            if (c.getAutoCommit() != autoCommit) {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            LOG.debug("could not restore a connection's settings; the pool will discard it", e);
        }
    }
}
