package dev.chime.store.jdbc.fault;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * The database's clock as a node's job bodies stamp their start and end with: read from the
 * database once, at the node's start (the best of several round trips), then carried forward on
 * the monotonic clock. A body is stamped at the instant its code begins or returns, not when its
 * witness row reaches the database: a row may wait for a connection, and its node may be frozen
 * (SIGSTOP) while it waits, so a stamp written by the database would judge the witness's queueing,
 * not what the engine did.
 *
 * <p>A reading was taken by the database somewhere between the query's send and its answer, so
 * each stamp is known to within that round trip (the best one is kept, well under a millisecond on
 * an idle moment). Starts are stamped at the latest the database's clock can have read then (the
 * reading carried forward from the send), ends at the earliest (carried forward from the answer):
 * so a body is never made to look as though it started earlier, or ended later, than it did by
 * more than the database's own rounding, and the invariants judge the engine, not the estimate.
 * The drift of the monotonic clock against the database's over a scenario (seconds) is negligible.
 *
 * <p>Thread-safe (immutable after construction).
 */
final class WitnessClock {

    private static final int READINGS = 20;

    private final long readingMs;
    private final long sentNanos;
    private final long answeredNanos;

    WitnessClock(DataSource dataSource, String nowMillis) throws SQLException {
        long bestReading = 0;
        long bestSent = 0;
        long bestAnswered = 0;
        long bestTrip = Long.MAX_VALUE;
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (int i = 0; i < READINGS; i++) {
                long sent = System.nanoTime();
                long reading;
                try (ResultSet rs = s.executeQuery("SELECT " + nowMillis)) {
                    rs.next();
                    reading = rs.getLong(1);
                }
                long answered = System.nanoTime();
                if (answered - sent < bestTrip) {
                    bestTrip = answered - sent;
                    bestReading = reading;
                    bestSent = sent;
                    bestAnswered = answered;
                }
            }
        }
        this.readingMs = bestReading;
        this.sentNanos = bestSent;
        this.answeredNanos = bestAnswered;
    }

    /** The latest the database's clock can read now (a start stamp), in ms. */
    long latestMillis() {
        // The reading is truncated to whole ms: the clock may have been up to 1 ms past it.
        return readingMs + 1 + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentNanos);
    }

    /** The earliest the database's clock can read now (an end stamp), in ms. */
    long earliestMillis() {
        return readingMs + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answeredNanos);
    }

    /** How far apart the two bounds are, in ms: what a stamp may be off by. */
    long uncertaintyMillis() {
        return 1 + TimeUnit.NANOSECONDS.toMillis(answeredNanos - sentNanos);
    }
}
