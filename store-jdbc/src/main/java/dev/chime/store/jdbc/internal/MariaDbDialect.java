package dev.chime.store.jdbc.internal;

import java.sql.SQLException;
import java.util.Set;

/** MariaDB 10.6+ and MySQL 8. */
final class MariaDbDialect implements Dialect {

    /**
     * Error codes that mean "try again" although their SQLState is the generic HY000 (or 70100, or
     * none): lock wait timeout (1205), deadlock (1213), too many connections (1040), server shutting
     * down or connection lost or killed (1053, 1077, 1152, 1158-1161, 1927, 2002, 2003, 2006, 2013,
     * 4031), commit or transaction aborted by the engine (1180, 1637), read-only during a fail-over
     * (1290, 1836), query interrupted or past max_statement_time (1317, 1969, SQLState 70100). Every
     * other HY000 (data too long 1406, incorrect value 1366, no default 1364, ...) is permanent.
     */
    static final Set<Integer> TRANSIENT_VENDOR_CODES = Set.of(1205, 1213, 1040, 1053, 1077, 1152, 1158, 1159,
            1160, 1161, 1927, 2002, 2003, 2006, 2013, 4031, 1180, 1637, 1290, 1836, 1317, 1969);
    private static final int DUPLICATE_ENTRY = 1062;

    @Override
    public String name() {
        return "mariadb";
    }

    /** UTC_TIMESTAMP is free of the session's time zone. */
    @Override
    public String nowMillis() {
        return "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000)";
    }

    @Override
    public String skipLockedClause() {
        return " FOR UPDATE SKIP LOCKED";
    }

    /** MariaDB reports many errors, transient and permanent alike, as HY000; 70100 is a killed query. */
    @Override
    public boolean isTransientVendorError(String state, int vendorCode) {
        boolean generic = state == null || state.equals("HY000") || state.startsWith("70");
        return generic && TRANSIENT_VENDOR_CODES.contains(vendorCode);
    }

    @Override
    public boolean isDuplicateKey(SQLException e) {
        String state = e.getSQLState();
        return Dialect.super.isDuplicateKey(e) || state != null && state.startsWith("23") && e.getErrorCode() == DUPLICATE_ENTRY;
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public String nowMicros() {
        return "TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6))";
    }

    @Override
    public String sharedRowLock() {
        return " LOCK IN SHARE MODE";
    }

    /** In whole seconds (at least 1), for the session: {@link #resetIdleTransactionTimeout} restores it. */
    @Override
    public String idleTransactionTimeout(java.time.Duration timeout) {
        long seconds = (timeout.toMillis() + 999) / 1000;
        return "SET SESSION idle_transaction_timeout = " + Math.max(1, seconds);
    }

    @Override
    public String resetIdleTransactionTimeout() {
        return "SET SESSION idle_transaction_timeout = DEFAULT";
    }
}
