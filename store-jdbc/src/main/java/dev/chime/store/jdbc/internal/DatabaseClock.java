package dev.chime.store.jdbc.internal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;

/**
 * The database's clock as seen from this node: read at each heartbeat and carried forward between
 * readings on the monotonic clock. Nodes of a cluster then judge due-ness by one clock, whatever
 * their own say: a node 45 s fast neither fires 45 s early nor sees every fire time as missed.
 *
 * <p>A reading is taken as a lower bound: the database read its clock at some instant of the round
 * trip, at the latest when the answer arrived, so this node counts from the arrival (and only the
 * query is timed, not the wait for a pooled connection). The estimate then lags the database by at
 * most the answer's way back, and never runs ahead of it: a job is never fired before its time by
 * the database's clock, however slow the round trip was (the midpoint of a round trip stretched by
 * a loaded machine fired jobs 20 ms early). Thread-safe.
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
        reading = db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.databaseNow); ResultSet rs = ps.executeQuery()) {
                rs.next();
                // Less one millisecond: PostgreSQL's expression rounds to the nearest one rather
                // than down. Stamped on arrival: the database read its clock before, never after.
                long millis = rs.getLong(1) - 1;
                return new Reading(millis, System.nanoTime());
            }
        });
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
