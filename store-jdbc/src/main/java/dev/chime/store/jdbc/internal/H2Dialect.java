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
    public String toString() {
        return name();
    }
}
