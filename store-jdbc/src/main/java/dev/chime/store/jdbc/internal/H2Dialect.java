package dev.chime.store.jdbc.internal;

/** H2 2.x. It has no SKIP LOCKED: claims rely on their optimistic version check alone. */
final class H2Dialect implements Dialect {

    @Override
    public String name() {
        return "h2";
    }

    @Override
    public String nowMillis() {
        return "CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP(3)) * 1000 AS BIGINT)";
    }

    @Override
    public String skipLockedClause() {
        return "";
    }

    @Override
    public String nowMicros() {
        return "CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP(6)) * 1000000 AS BIGINT)";
    }

    /** H2 has no shared row lock; its nodes share one JVM, so none can be frozen apart. */
    @Override
    public String sharedRowLock() {
        return " FOR UPDATE";
    }

    @Override
    public String toString() {
        return name();
    }
}
