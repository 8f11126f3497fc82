package dev.chime.store.jdbc.internal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;

/**
 * The database's clock as seen from this node: read at each heartbeat (the midpoint of the round
 * trip stands for the instant the database read it) and carried forward between readings on the
 * monotonic clock. Nodes of a cluster then judge due-ness by one clock, whatever their own say: a
 * node 45 s fast neither fires 45 s early nor sees every fire time as missed. Thread-safe.
 */
final class DatabaseClock {

    /** One reading: the database's time in millis, and {@link System#nanoTime()} when it was read. */
    private record Reading(long databaseMillis, long nanos) {
    }

    private final Database db;
    private final Sql sql;
    private volatile Reading reading;

    DatabaseClock(Database db, Sql sql) {
        this.db = db;
        this.sql = sql;
    }

    /** Reads the database's clock once. */
    void measure() throws SQLException {
        long sent = System.nanoTime();
        long millis = db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + sql.now); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
        long received = System.nanoTime();
        reading = new Reading(millis, sent + (received - sent) / 2);
    }

    /** The database's time now, or null before the first reading. */
    Instant now() {
        Reading r = reading;
        return r == null ? null : Instant.ofEpochMilli(r.databaseMillis()).plusNanos(System.nanoTime() - r.nanos());
    }

    /** A clock that tells the database's time, or {@code local}'s until the first reading. */
    Clock clock(Clock local) {
        return new Corrected(local);
    }

    private final class Corrected extends Clock {
        private final Clock local;

        Corrected(Clock local) {
            this.local = local;
        }

        @Override
        public ZoneId getZone() {
            return local.getZone();
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return new Corrected(local.withZone(zone));
        }

        @Override
        public Instant instant() {
            Instant database = now();
            return database == null ? local.instant() : database;
        }

        @Override
        public String toString() {
            return "DatabaseClock[until the first reading: " + local + "]";
        }
    }
}
