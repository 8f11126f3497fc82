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
 *
 * <p>Each reading is a lower bound, so the latest of them is the best: a new reading that lags more
 * than the one kept (its answer waited for a core on a loaded machine) does not replace it. The kept
 * reading is carried forward less a drift allowance ({@link #MAX_DRIFT_PPM} of its age), so that it
 * stays a lower bound while the database's clock is slewed against this JVM's monotonic clock. One
 * reading replaced at every heartbeat kept a node 32 ms behind the database for the 5 s to the next,
 * and every firing on that node started 32 ms late. A reading more than {@link #STEP} behind the kept
 * one is taken as the database's clock stepped back, and replaces it.
 */
final class DatabaseClock {

    /** How fast the database's clock may drift from this JVM's monotonic one: NTP slews by at most 500 ppm. */
    static final long MAX_DRIFT_PPM = 500;
    /** A new reading this far behind the kept one is a step of the database's clock, not a slow answer. */
    static final long STEP = 1_000_000_000L;

    /** One reading: the database's time in epoch nanoseconds, and {@link System#nanoTime()} when it was read. */
    private record Reading(long databaseNanos, long nanos) {
        long at(long nanoTime) {
            return databaseNanos + (nanoTime - nanos);
        }
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
        keep(db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + sql.now); ResultSet rs = ps.executeQuery()) {
                rs.next();
                // Less one millisecond: PostgreSQL's expression rounds to the nearest one rather
                // than down. Stamped on arrival: the database read its clock before, never after.
                long millis = rs.getLong(1) - 1;
                return new Reading(millis * 1_000_000, System.nanoTime());
            }
        }));
    }

    /**
     * Takes a reading: the database's time in milliseconds, and this JVM's {@link System#nanoTime()}
     * when its answer arrived. Kept unless the reading in hand, carried forward less its drift
     * allowance, is later (and not by a step).
     */
    void record(long databaseMillis, long nanoTime) {
        keep(new Reading(databaseMillis * 1_000_000, nanoTime));
    }

    private synchronized void keep(Reading fresh) {
        Reading kept = reading;
        if (kept != null) {
            long age = Math.max(0, fresh.nanos() - kept.nanos());
            long carried = kept.at(fresh.nanos()) - age / 1_000_000 * MAX_DRIFT_PPM;
            long ahead = carried - fresh.databaseNanos();
            if (ahead > 0 && ahead < STEP) {
                reading = new Reading(carried, fresh.nanos());
                return;
            }
        }
        reading = fresh;
    }

    /** The database's time now, or null before the first reading. */
    Instant now() {
        return at(System.nanoTime());
    }

    /** The database's time at this JVM's {@code nanoTime}, or null before the first reading. */
    Instant at(long nanoTime) {
        Reading r = reading;
        if (r == null) {
            return null;
        }
        long epochNanos = r.at(nanoTime);
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L));
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
