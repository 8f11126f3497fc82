package dev.chime.store.jdbc.internal;

import dev.chime.HistoryPage;
import dev.chime.HistoryQuery;
import dev.chime.Outcome;
import dev.chime.RunRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The run history table: the rows every run's end appends (in the transaction that records the
 * end, through {@link #bind}), its pages, and its pruning, one node at a time.
 *
 * <p>One node at a time: a lease row ({@code <prefix>leases}, name {@value #PRUNE_LEASE}) claimed
 * with one conditional UPDATE judged by its row count, on the database's clock, held for a node
 * timeout and renewed by its holder at every call. Chosen over a row lock held while deleting
 * ({@code FOR UPDATE NOWAIT/SKIP LOCKED}): H2 has neither, and a lock held through the delete is a
 * lock; the lease's UPDATE is a single auto-committed statement (a concurrent one waits only for
 * that statement's commit, then finds the lease taken and answers 0), and the delete that follows
 * holds locks only on the history rows it deletes, which no claim or run ever waits for. The lease
 * outlives the call, so a node that died holding it leaves pruning to the others after one node
 * timeout, as its runs are. Thread-safe.
 */
final class RunHistory {

    static final String PRUNE_LEASE = "history-prune";

    private final Database db;
    private final Sql sql;
    private final String nodeId;
    private final long leaseMillis;

    RunHistory(Database db, Sql sql, String nodeId, Duration lease) {
        this.db = db;
        this.sql = sql;
        this.nodeId = nodeId;
        this.leaseMillis = Math.max(1, lease.toMillis());
    }

    /**
     * Binds {@link Sql#insertHistory} for {@code run}, its node this store's node id. Error and
     * stack trace are cleaned of what a database refuses (a NUL character) and cut to their bounds;
     * an enqueued task's data and options are written as given (they were a stored job's texts).
     */
    static void bind(PreparedStatement ps, RunRecord run, String nodeId) throws SQLException {
        ps.setString(1, run.jobId());
        ps.setString(2, run.task());
        ps.setLong(3, Sql.nanos(run.fireTime()));
        ps.setInt(4, run.attempts());
        ps.setString(5, nodeId);
        Sql.setLong(ps, 6, Sql.nanos(run.startedAt()));
        ps.setLong(7, Sql.nanos(run.finishedAt()));
        ps.setLong(8, run.duration().toNanos() / 1_000L);
        ps.setString(9, run.outcome().name());
        Sql.setText(ps, 10, ErrorText.clean(run.error()));
        Sql.setText(ps, 11, ErrorText.clean(run.stackTrace(), RunRecord.MAX_STACK_TRACE));
        // An enqueued task's data and options, kept whole (a requeue needs them as they were).
        Sql.setText(ps, 12, run.dataJson());
        Sql.setText(ps, 13, run.optionsJson());
    }

    /** Appends {@code run} in the open transaction. */
    void insert(Connection c, RunRecord run) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.insertHistory)) {
            bind(ps, run, nodeId);
            ps.executeUpdate();
        }
    }

    /** Whether this node already appended {@code run} (an earlier attempt whose answer was lost). */
    boolean recorded(Connection c, RunRecord run) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.historyRecorded)) {
            ps.setString(1, run.jobId());
            ps.setLong(2, Sql.nanos(run.finishedAt()));
            ps.setLong(3, Sql.nanos(run.fireTime()));
            ps.setString(4, nodeId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getLong(1) > 0;
            }
        }
    }

    HistoryPage page(HistoryQuery query) throws SQLException {
        List<Outcome> outcomes = List.copyOf(query.outcomes());
        String select = sql.selectHistory(query.jobId() != null, query.task() != null, outcomes.size(),
                query.finishedFrom() != null, query.finishedBefore() != null, query.after() != null);
        return db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(select)) {
                int i = 1;
                if (query.jobId() != null) {
                    ps.setString(i++, query.jobId());
                }
                if (query.task() != null) {
                    ps.setString(i++, query.task());
                }
                for (Outcome o : outcomes) {
                    ps.setString(i++, o.name());
                }
                if (query.finishedFrom() != null) {
                    ps.setLong(i++, Sql.nanos(query.finishedFrom()));
                }
                if (query.finishedBefore() != null) {
                    ps.setLong(i++, Sql.nanos(query.finishedBefore()));
                }
                if (query.after() != null) {
                    long at = Sql.nanos(query.after().finishedAt());
                    ps.setLong(i++, at);
                    ps.setLong(i++, at);
                    ps.setLong(i++, query.after().id());
                }
                ps.setInt(i, query.limit() + 1);
                // The page ends at the limit-th row read, readable or not: a row this version cannot
                // read (a newer node's outcome) is left out of the page but still counts as a place
                // in the order, or it would pass for the extra row and end the paging early.
                List<RunRecord> runs = new ArrayList<>(query.limit());
                HistoryQuery.Cursor last = null;
                int read = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (++read > query.limit()) {
                            return new HistoryPage(runs, Optional.of(query.after(last)));
                        }
                        last = new HistoryQuery.Cursor(Sql.instant(rs, "finished_at"), rs.getLong("id"));
                        RunRecord run = read(rs);
                        if (run != null) {
                            runs.add(run);
                        }
                    }
                }
                return new HistoryPage(runs, Optional.empty());
            }
        });
    }

    /** A row as a record; null for an outcome this version does not know (reported once per value). */
    private static RunRecord read(ResultSet rs) throws SQLException {
        String jobId = rs.getString("job_id");
        Outcome outcome = Sql.outcome(rs.getString("outcome"), jobId);
        if (outcome == null) {
            return null;
        }
        return new RunRecord(rs.getLong("id"), jobId, rs.getString("task"), Sql.instant(rs, "fire_time"),
                rs.getInt("attempts"), rs.getString("node"), Sql.instant(rs, "started_at"), Sql.instant(rs, "finished_at"),
                Duration.ofNanos(rs.getLong("duration_us") * 1_000L), outcome, rs.getString("error"),
                rs.getString("stack_trace"), rs.getString("data_json"), rs.getString("options_json"));
    }

    /**
     * Deletes up to {@code limit} runs that finished before {@code finishedBefore}, then, within the
     * same limit, those beyond their job's newest {@code keepPerJob}; 0 without deleting while
     * another node holds the pruning lease.
     */
    int prune(java.time.Instant finishedBefore, int keepPerJob, int limit) throws SQLException {
        if (limit <= 0 || !holdPruneLease()) {
            return 0;
        }
        return db.transaction(c -> {
            List<Long> ids = ids(c, sql.historyBefore, Sql.nanos(finishedBefore), limit);
            int deleted = delete(c, ids);
            if (deleted < limit) {
                deleted += delete(c, ids(c, sql.historyBeyondPerJob, keepPerJob, limit - deleted));
            }
            return deleted;
        });
    }

    private static List<Long> ids(Connection c, String query, long bound, int limit) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(query)) {
            ps.setLong(1, bound);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
        }
        return ids;
    }

    private int delete(Connection c, List<Long> ids) throws SQLException {
        if (ids.isEmpty()) {
            return 0;
        }
        try (PreparedStatement ps = c.prepareStatement(sql.deleteHistory)) {
            for (long id : ids) {
                ps.setLong(1, id);
                ps.addBatch();
            }
            int deleted = 0;
            for (int n : Database.rowCounts(ps)) {
                deleted += n;
            }
            return deleted;
        }
    }

    /** Takes or renews the pruning lease; false while another node holds it. */
    boolean holdPruneLease() throws SQLException {
        return db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.renewLease)) {
                ps.setString(1, nodeId);
                ps.setLong(2, leaseMillis);
                ps.setString(3, PRUNE_LEASE);
                ps.setString(4, nodeId);
                if (ps.executeUpdate() == 1) {
                    return true;
                }
            }
            try (PreparedStatement ps = c.prepareStatement(sql.insertLease)) {
                ps.setString(1, PRUNE_LEASE);
                ps.setString(2, nodeId);
                ps.setLong(3, leaseMillis);
                return ps.executeUpdate() == 1;
            } catch (SQLException e) {
                if (Database.isDuplicateKey(e)) {
                    return false; // the lease row exists and another node holds it
                }
                throw e;
            }
        });
    }
}
