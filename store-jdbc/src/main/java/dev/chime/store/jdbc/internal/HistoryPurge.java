package dev.chime.store.jdbc.internal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Deletes ended executions past the retention, one node of the cluster at a time and a bounded
 * batch per call. The node that cleans holds the {@code purge} row of the leases table: taken by a
 * conditional update (free, expired, or already this node's) that is its own short transaction, and
 * renewed by every call, so no lock is ever held across the batches; another node answers 0 while
 * the lease is fresh, and takes over the cleaning once its holder stops renewing it.
 */
final class HistoryPurge {

    /** How long a cleaning node keeps the lease without renewing it (the engine calls again well within it). */
    static final Duration LEASE = Duration.ofMinutes(2);

    private final Database db;
    private final Sql sql;
    private final String nodeId;

    HistoryPurge(Database db, Sql sql, String nodeId) {
        this.db = db;
        this.sql = sql;
        this.nodeId = nodeId;
    }

    /**
     * Deletes at most {@code limit} ended executions that ended before {@code endedBefore} or have
     * at least {@code keepPerJob} newer ended ones of their job (of their task, for tasks). Answers
     * how many went; 0 while another node holds the cleaning.
     */
    int purge(Instant endedBefore, int keepPerJob, int limit) throws SQLException {
        if (limit <= 0 || !takeLease()) {
            return 0;
        }
        Set<String> doomed = new LinkedHashSet<>();
        db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.endedBefore)) {
                ps.setLong(1, Sql.nanos(endedBefore));
                ps.setInt(2, limit);
                collect(ps, doomed, limit);
            }
            collectPastNewest(c, sql.overfullJobs, false, keepPerJob, limit, doomed);
            collectPastNewest(c, sql.overfullTasks, true, keepPerJob, limit, doomed);
            return null;
        });
        if (doomed.isEmpty()) {
            return 0;
        }
        int[] counts = db.retrying("deleting " + doomed.size() + " ended execution(s)", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.deleteExecution)) {
                for (String id : doomed) {
                    ps.setString(1, id);
                    ps.addBatch();
                }
                return Database.rowCounts(ps);
            }
        }, () -> true);
        int deleted = 0;
        for (int count : counts) {
            deleted += count;
        }
        return deleted;
    }

    /** The owners (jobs, or tasks) with more than {@code keep} ended executions, and their ended ones past the newest {@code keep}. */
    private void collectPastNewest(java.sql.Connection c, String owners, boolean tasks, int keep, int limit, Set<String> into)
            throws SQLException {
        if (into.size() >= limit) {
            return;
        }
        List<String> overfull = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(owners)) {
            ps.setInt(1, keep);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    overfull.add(rs.getString(1));
                }
            }
        }
        for (String owner : overfull) {
            if (into.size() >= limit) {
                return;
            }
            try (PreparedStatement ps = c.prepareStatement(sql.endedPastNewest(tasks))) {
                ps.setString(1, owner);
                ps.setInt(2, limit - into.size());
                ps.setInt(3, keep);
                collect(ps, into, limit);
            }
        }
    }

    private static void collect(PreparedStatement ps, Set<String> into, int limit) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next() && into.size() < limit) {
                into.add(rs.getString(1));
            }
        }
    }

    /** Takes or renews the cleaning lease: true when this node holds it now. */
    private boolean takeLease() throws SQLException {
        return db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.takePurgeLease)) {
                ps.setString(1, nodeId);
                ps.setLong(2, LEASE.toMillis());
                ps.setString(3, nodeId);
                return ps.executeUpdate() == 1;
            }
        });
    }
}
