package dev.chime.store.jdbc.internal;

/** PostgreSQL 14+. */
final class PostgresqlDialect implements Dialect {

    @Override
    public String name() {
        return "postgresql";
    }

    @Override
    public String nowMillis() {
        return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
    }

    @Override
    public String skipLockedClause() {
        return " FOR UPDATE SKIP LOCKED";
    }

    /**
     * PostgreSQL (before 18) reads a whole index or table for DISTINCT; this walks the index from
     * one value to the next (a "loose index scan"), one probe per distinct value.
     */
    @Override
    public String distinctValues(String column, String table) {
        return "WITH RECURSIVE d (v) AS (SELECT MIN(" + column + ") FROM " + table + " UNION ALL SELECT (SELECT MIN("
                + column + ") FROM " + table + " WHERE " + column + " > d.v) FROM d WHERE d.v IS NOT NULL) "
                + "SELECT v AS " + column + " FROM d WHERE v IS NOT NULL";
    }

    @Override
    public String nowMicros() {
        return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)";
    }

    /** In milliseconds, and SET LOCAL: the pool's connection is back to its own setting at the transaction's end. */
    @Override
    public String idleTransactionTimeout(java.time.Duration timeout) {
        return "SET LOCAL idle_in_transaction_session_timeout = " + Math.max(1, timeout.toMillis());
    }

    @Override
    public String toString() {
        return name();
    }
}
