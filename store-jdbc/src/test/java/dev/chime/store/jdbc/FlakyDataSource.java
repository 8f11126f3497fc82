package dev.chime.store.jdbc;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source whose connections fail at random, the ways a network and a database fail: on
 * connect, before a commit (nothing happens), and after a commit (it happened, but the answer is
 * lost). Statements in auto-commit mode fail before or after running, likewise.
 */
public final class FlakyDataSource implements DataSource {

    private static final Set<String> EXECUTE = Set.of("execute", "executeQuery", "executeUpdate", "executeBatch",
            "executeLargeUpdate");

    private final DataSource target;
    private final double failureRate;
    private volatile boolean healthy = true;
    private final java.util.concurrent.atomic.AtomicReference<String> nextLostStatement = new java.util.concurrent.atomic.AtomicReference<>();
    public final AtomicLong onConnect = new AtomicLong();
    public final AtomicLong beforeCommit = new AtomicLong();
    public final AtomicLong afterCommit = new AtomicLong();

    /** One commit to fail on purpose: after committing (the answer is lost) or after rolling back, then {@code meanwhile}. */
    private record CommitFault(boolean commits, Runnable meanwhile) {
    }

    private final java.util.concurrent.atomic.AtomicReference<CommitFault> nextCommit =
            new java.util.concurrent.atomic.AtomicReference<>();

    public FlakyDataSource(DataSource target, double failureRate) {
        this.target = target;
        this.failureRate = failureRate;
    }

    public void heal() {
        healthy = true;
    }

    public void startFailing() {
        healthy = false;
    }

    /** The next commit goes through, but its answer is lost: the caller sees a broken connection. */
    public void loseAnswerOfNextCommit() {
        nextCommit.set(new CommitFault(true, () -> { }));
    }

    /** The next commit is rolled back instead, then {@code meanwhile} runs, then the caller sees a broken connection. */
    public void rollBackNextCommit(Runnable meanwhile) {
        nextCommit.set(new CommitFault(false, meanwhile));
    }

    /** The next auto-committed statement whose SQL starts with {@code sqlStart} runs, but its answer is lost. */
    public void loseAnswerOfNextStatement(String sqlStart) {
        nextLostStatement.set(sqlStart);
    }

    private boolean fail() {
        return !healthy && ThreadLocalRandom.current().nextDouble() < failureRate;
    }

    private static SQLException lost(String what) {
        return new SQLException("connection lost " + what + " (injected)", "08006");
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (fail()) {
            onConnect.incrementAndGet();
            throw new SQLException("connection refused (injected)", "08001");
        }
        Connection real = target.getConnection();
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                new ConnectionHandler(real));
    }

    private final class ConnectionHandler implements InvocationHandler {
        private final Connection real;

        ConnectionHandler(Connection real) {
            this.real = real;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            CommitFault fault = method.getName().equals("commit") ? nextCommit.getAndSet(null) : null;
            if (fault != null) {
                if (fault.commits()) {
                    real.commit();
                } else {
                    real.rollback();
                }
                fault.meanwhile().run();
                throw lost(fault.commits() ? "after commit (on purpose)" : "before commit (on purpose)");
            }
            if (method.getName().equals("commit") && fail()) {
                if (ThreadLocalRandom.current().nextBoolean()) {
                    beforeCommit.incrementAndGet();
                    real.rollback();
                    throw lost("before commit");
                }
                afterCommit.incrementAndGet();
                real.commit();
                throw lost("after commit");
            }
            Object result = call(real, method, args);
            if (result instanceof Statement statement) {
                Class<?> type = method.getName().equals("prepareStatement") ? java.sql.PreparedStatement.class : Statement.class;
                String text = method.getName().equals("prepareStatement") ? (String) args[0] : null;
                return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type},
                        new StatementHandler(statement, real, text));
            }
            return result;
        }
    }

    private final class StatementHandler implements InvocationHandler {
        private final Statement real;
        private final Connection connection;

        private final String text;

        StatementHandler(Statement real, Connection connection, String text) {
            this.real = real;
            this.connection = connection;
            this.text = text;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String lose = nextLostStatement.get();
            if (EXECUTE.contains(method.getName()) && connection.getAutoCommit() && lose != null && text != null
                    && text.startsWith(lose) && nextLostStatement.compareAndSet(lose, null)) {
                call(real, method, args);
                throw lost("after an auto-committed statement (on purpose)");
            }
            if (EXECUTE.contains(method.getName()) && connection.getAutoCommit() && fail()) {
                if (ThreadLocalRandom.current().nextBoolean()) {
                    beforeCommit.incrementAndGet();
                    throw lost("before running a statement");
                }
                call(real, method, args);
                afterCommit.incrementAndGet();
                throw lost("after an auto-committed statement");
            }
            return call(real, method, args);
        }
    }

    private static Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return target.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        target.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        target.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return target.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() {
        return Logger.getLogger("flaky");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return false;
    }
}
