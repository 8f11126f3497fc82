package dev.chime.store.jdbc.fault;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * What the store's own tables say once every node has stopped: unfinished run rows, claims still
 * held, {@code running} counts. Read from the schema as it is; {@link #unfinishedRunsWhere} is the
 * one place that knows what "unfinished" means for a run row.
 */
final class StoreState {

    /** One thing left behind: the job it is about, and what. */
    record Problem(String jobId, String text) {
    }

    /** What is left behind, and every job row as text (for the report file: the schedule after the stop). */
    record Snapshot(List<Problem> problems, List<String> jobRows) {
    }

    private StoreState() {
    }

    static Snapshot read(DataSource dataSource, String prefix) throws SQLException {
        List<Problem> problems = new ArrayList<>();
        List<String> jobRows = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            String unfinished = "SELECT job_id, fire_time, node_id FROM " + prefix + "runs WHERE " + unfinishedRunsWhere(c, prefix);
            try (ResultSet rs = s.executeQuery(unfinished)) {
                while (rs.next()) {
                    problems.add(new Problem(rs.getString(1), "unfinished run row: " + rs.getString(1) + "@" + rs.getLong(2) / 1_000_000
                            + " on " + rs.getString(3)));
                }
            }
            // A job whose run waits for a retry left in the store at the stop keeps that run (its
            // running count) and a claim the run keeps (fixed delay): a next node takes them over.
            String waiting = waitingRetriesWhere(c, prefix);
            String notWaiting = waiting == null ? "" : " AND NOT EXISTS (SELECT 1 FROM " + prefix + "runs r WHERE r.job_id = "
                    + prefix + "jobs.id AND r.ended_at_ms IS NULL AND " + waiting + ")";
            String running = waiting == null ? "running <> 0" : "running <> (SELECT COUNT(*) FROM " + prefix + "runs r WHERE "
                    + "r.job_id = " + prefix + "jobs.id AND r.ended_at_ms IS NULL AND " + waiting + ")";
            try (ResultSet rs = s.executeQuery("SELECT id, claimed_by, claimed_fire_time, running FROM " + prefix
                    + "jobs WHERE ((claimed_by IS NOT NULL OR claimed_fire_time IS NOT NULL)" + notWaiting + ") OR " + running
                    + " ORDER BY id")) {
                while (rs.next()) {
                    long claimedNanos = rs.getLong(3);
                    String claimed = rs.wasNull() ? "null" : Long.toString(claimedNanos / 1_000_000);
                    problems.add(new Problem(rs.getString(1), "job " + rs.getString(1) + " left claimed_by=" + rs.getString(2)
                            + " claimed_fire_time(ms)=" + claimed + " running=" + rs.getInt(4)));
                }
            }
            // Each fire time ends once: a run fenced off, or retried after a lost answer, adds no second row.
            try (ResultSet rs = s.executeQuery("SELECT job_id, fire_time, COUNT(*) FROM " + prefix
                    + "history GROUP BY job_id, fire_time HAVING COUNT(*) > 1 ORDER BY job_id, fire_time")) {
                while (rs.next()) {
                    problems.add(new Problem(rs.getString(1), "the run history has " + rs.getInt(3) + " rows for "
                            + rs.getString(1) + "@" + rs.getLong(2) / 1_000_000));
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT * FROM " + prefix + "jobs ORDER BY id")) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    StringBuilder row = new StringBuilder();
                    for (int i = 1; i <= columns; i++) {
                        String name = rs.getMetaData().getColumnName(i).toLowerCase(Locale.ROOT);
                        if (!name.startsWith("trigger") && !name.startsWith("options") && !name.startsWith("data") && !name.equals("task")) {
                            row.append(name).append('=').append(rs.getString(i)).append(' ');
                        }
                    }
                    jobRows.add(row.toString().trim());
                }
            }
        }
        return new Snapshot(problems, jobRows);
    }

    /**
     * The condition of a run row still in progress. Today a run row exists only while its run is in
     * progress; a schema that keeps ended runs marks them with {@code ended_at_ms}.
     */
    static String unfinishedRunsWhere(Connection c, String prefix) throws SQLException {
        String unfinished = hasColumn(c, prefix + "runs", "ended_at_ms") ? "ended_at_ms IS NULL" : "1 = 1";
        String waiting = waitingRetriesWhere(c, prefix);
        // A run waiting for its retry (JobStore.deferRun) is left in the store at shutdown by design.
        return waiting == null ? unfinished : unfinished + " AND NOT (" + waiting + ")";
    }

    /** The condition of a run row waiting for a retry; null for a schema without deferred retries. */
    private static String waitingRetriesWhere(Connection c, String prefix) throws SQLException {
        return hasColumn(c, prefix + "runs", "retry_at") ? "retry_at IS NOT NULL" : null;
    }

    private static boolean hasColumn(Connection c, String table, String column) throws SQLException {
        for (String t : List.of(table, table.toUpperCase(Locale.ROOT), table.toLowerCase(Locale.ROOT))) {
            try (ResultSet rs = c.getMetaData().getColumns(c.getCatalog(), null, t, null)) {
                while (rs.next()) {
                    if (rs.getString("COLUMN_NAME").equalsIgnoreCase(column)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
