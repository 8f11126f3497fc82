package dev.chime.store.jdbc.internal;

import dev.chime.spi.Dispatch;
import dev.chime.spi.RunTicket;
import dev.chime.spi.StoredJob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the engine's decisions about a batch of claimed firings in one transaction, each
 * kind of statement sent as one JDBC batch: the commit (a disk flush on most databases) is paid
 * once per batch, not once per firing. The order inside the transaction is the protocol: this
 * node's liveness first, then the rows are locked in id order, then instance slots are reserved
 * for the claims still held, then those claims end, then runs are recorded for them. A run
 * refused at max instances keeps its claim ({@link Dispatch.Result#refusedClaimKept()}).
 */
final class RunDispatches {

    private static final Logger LOG = LoggerFactory.getLogger(RunDispatches.class);

    private final Database db;
    private final Sql sql;
    private final ClusterNode node;

    RunDispatches(Database db, Sql sql, ClusterNode node) {
        this.db = db;
        this.sql = sql;
        this.node = node;
    }

    /**
     * The batch in one transaction; when the database refuses it for good (a value it will never
     * take), one dispatch at a time, so one bad row cannot hold the others back. A dispatch whose
     * run the database refuses on its own ends its claim without the run (the firing is then
     * reported skipped) rather than coming back for ever.
     */
    List<Dispatch.Result> dispatch(List<Dispatch> dispatches) throws SQLException {
        try {
            return dispatchRetrying(dispatches);
        } catch (SQLException e) {
            if (db.isTransient(e)) {
                throw e;
            }
            if (dispatches.size() == 1) {
                Dispatch d = dispatches.get(0);
                if (d.run() == null) {
                    throw e;
                }
                LOG.error("job '{}': the database refused the run of its fire time {} ({}); the firing does not run",
                        d.firing().jobId(), d.firing().fireTime(), e.getMessage());
                return dispatchRetrying(List.of(new Dispatch(d.firing(), null, d.nextFireTime())));
            }
            LOG.warn("dispatching {} firings together failed ({}); dispatching them one at a time", dispatches.size(),
                    e.getMessage());
            List<Dispatch.Result> results = new ArrayList<>(dispatches.size());
            for (Dispatch d : dispatches) {
                try {
                    results.add(dispatch(List.of(d)).get(0));
                } catch (SQLException alone) {
                    if (db.isTransient(alone)) {
                        throw alone;
                    }
                    LOG.error("job '{}': could not dispatch its fire time {} ({}); its claim stays until this node's "
                            + "orphan sweep puts it back", d.firing().jobId(), d.firing().fireTime(), alone.getMessage());
                    results.add(new Dispatch.Result(null, false));
                }
            }
            return results;
        }
    }

    /** A batch in one transaction, retried through outages; a retry first checks whether the lost attempt committed. */
    private List<Dispatch.Result> dispatchRetrying(List<Dispatch> dispatches) throws SQLException {
        String[] runIds = new String[dispatches.size()];
        for (int i = 0; i < runIds.length; i++) {
            runIds[i] = dispatches.get(i).run() == null ? null : UUID.randomUUID().toString();
        }
        return db.retrying("dispatching " + dispatches.size() + " firing(s)", c -> dispatchAll(c, dispatches, runIds),
                (c, computed) -> computed != null && committedEarlier(c, dispatches, runIds, computed) ? computed : null,
                () -> false);
    }

    /**
     * One attempt of a dispatch batch. A run is recorded only for a claim that this very
     * transaction ended: the claims end first (version-checked), and only those that ended get an
     * instance slot and a run row. Before anything, this node checks it is still alive by the
     * database's clock: a node paused past its timeout may be taken over at any moment, and its
     * claims then belong to whoever takes it over, so the whole dispatch records nothing.
     */
    private List<Dispatch.Result> dispatchAll(Connection c, List<Dispatch> dispatches, String[] runIds) throws SQLException {
        int n = dispatches.size();
        if (!node.stillAlive(c)) {
            LOG.warn("node '{}': its heartbeat is older than the node timeout, so it may have been taken over; "
                    + "{} claimed firing(s) not dispatched (whoever takes this node over puts them back)", node.id(), n);
            List<Dispatch.Result> none = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                none.add(new Dispatch.Result(null, false));
            }
            return none;
        }
        // Rows are locked in id order, as run completions lock them, so the two cannot deadlock.
        List<Integer> byJob = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byJob.add(i);
        }
        byJob.sort(Comparator.comparing(i -> dispatches.get(i).firing().jobId()));
        Map<String, Long> fences = new HashMap<>();
        Map<String, Long> running = new HashMap<>();
        // Slots, releases and deletes go in separate batches, so lock every row first, in id
        // order; this also reads the fencing tokens of the jobs about to leave the store.
        lockAndReadFences(c, dispatches, byJob, fences, running);
        // Slots first, for the runs of jobs that stay, and only while the claim is still held. A
        // run refused at max instances keeps its claim: the engine reports the skip, then puts
        // the job back, so a node dying in between leaves the claim to its taker.
        boolean[] asked = new boolean[n];
        boolean[] runs = reserveInstances(c, dispatches, byJob, asked, fences);
        boolean[] kept = new boolean[n];
        for (int i : byJob) {
            if (asked[i] && !runs[i]) {
                kept[i] = stillClaimed(c, dispatches.get(i).firing());
            }
        }
        boolean[] ended = new boolean[n];
        boolean[] skip = new boolean[n];
        for (int i = 0; i < n; i++) {
            skip[i] = asked[i] && !runs[i];
        }
        endClaims(c, dispatches, byJob, false, ended, skip);
        endClaims(c, dispatches, byJob, true, ended, skip);
        for (int i = 0; i < n; i++) {
            Dispatch d = dispatches.get(i);
            if (d.run() != null && d.removesJob()) {
                // A job that leaves the store has no later firing to limit, but its last run still
                // waits for max instances: runs of its earlier firings may go on on other nodes
                // (running, read under the row lock before the delete).
                runs[i] = ended[i] && running.getOrDefault(d.firing().jobId(), 0L) < d.run().maxInstances();
            }
        }
        long[] tokens = new long[n];
        try (PreparedStatement ps = c.prepareStatement(sql.insertRun)) {
            boolean any = false;
            for (int i : byJob) {
                if (runs[i]) {
                    Dispatch d = dispatches.get(i);
                    // A job that left the store keeps counting on from its last token in the run row.
                    tokens[i] = d.removesJob() ? fences.getOrDefault(d.firing().jobId(), 0L) + 1 : fences.get(d.firing().jobId());
                    Sql.bindRun(ps, d.run(), runIds[i], node.id(), tokens[i]);
                    ps.addBatch();
                    any = true;
                }
            }
            if (any) {
                ps.executeBatch();
            }
        }
        List<Dispatch.Result> results = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Dispatch d = dispatches.get(i);
            RunTicket ticket = runs[i] ? new RunTicket(d.run().jobId(), d.run().fireTime(), runIds[i], tokens[i]) : null;
            results.add(new Dispatch.Result(ticket, ended[i], kept[i]));
        }
        return results;
    }

    /** Whether this node's claim of the firing is still held (its version unchanged), locking the row. */
    private boolean stillClaimed(Connection c, dev.chime.spi.Firing firing) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.lockClaim)) {
            ps.setString(1, firing.jobId());
            ps.setLong(2, firing.job().version());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private void lockAndReadFences(Connection c, List<Dispatch> dispatches, List<Integer> byJob, Map<String, Long> fences,
                                   Map<String, Long> running) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.lockFencesAndRunning(byJob.size()))) {
            int p = 1;
            for (int i : byJob) {
                ps.setString(p++, dispatches.get(i).firing().jobId());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    fences.put(rs.getString(1), rs.getLong(2));
                    running.put(rs.getString(1), rs.getLong(3));
                }
            }
        }
    }

    /**
     * Max instances across the cluster: a slot is reserved on the job's row, only while this
     * node's claim is still held (its version unchanged, under the row's lock), and the job's
     * fencing token goes up with it. Jobs that leave the store are not asked ({@code asked} says
     * which were). Returns which dispatches got a slot; {@code fences} gets the new tokens.
     */
    private boolean[] reserveInstances(Connection c, List<Dispatch> dispatches, List<Integer> byJob, boolean[] asked,
                                       Map<String, Long> fences) throws SQLException {
        boolean[] runs = new boolean[dispatches.size()];
        List<Integer> asking = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.reserveInstance + " AND version = ? AND claimed_fire_time IS NOT NULL")) {
            for (int i : byJob) {
                Dispatch d = dispatches.get(i);
                if (d.run() == null || d.removesJob()) {
                    continue;
                }
                ps.setString(1, d.run().jobId());
                ps.setInt(2, d.run().maxInstances());
                ps.setLong(3, d.firing().job().version());
                ps.addBatch();
                asking.add(i);
                asked[i] = true;
            }
            if (asking.isEmpty()) {
                return runs;
            }
            int[] counts = Database.rowCounts(ps);
            for (int k = 0; k < counts.length; k++) {
                // No row updated: max instances, or the claim was lost (the caller tells which).
                runs[asking.get(k)] = counts[k] != 0;
            }
        }
        try (PreparedStatement ps = c.prepareStatement(sql.fences(asking.size()))) {
            int p = 1;
            for (int i : asking) {
                ps.setString(p++, dispatches.get(i).firing().jobId());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    fences.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return runs;
    }

    /** Releases (or, with {@code removing}, deletes) the claimed jobs of the dispatches of that kind, in id order. */
    private void endClaims(Connection c, List<Dispatch> dispatches, List<Integer> byJob, boolean removing, boolean[] ended,
                           boolean[] skip) throws SQLException {
        List<Integer> batch = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(removing ? sql.deleteClaimed : sql.release)) {
            for (int i : byJob) {
                Dispatch d = dispatches.get(i);
                if (d.removesJob() != removing || skip[i]) {
                    continue;
                }
                int p = 1;
                if (!removing) {
                    Sql.setLong(ps, p++, Sql.nanos(d.nextFireTime()));
                }
                ps.setString(p++, d.firing().jobId());
                ps.setLong(p, d.firing().job().version());
                ps.addBatch();
                batch.add(i);
            }
            if (batch.isEmpty()) {
                return;
            }
            int[] counts = Database.rowCounts(ps);
            for (int k = 0; k < counts.length; k++) {
                ended[batch.get(k)] = counts[k] == 1;
            }
        }
    }

    /**
     * After a failed attempt: did its commit go through although the answer was lost? Its first
     * run row, or else its first released job, tells.
     */
    private boolean committedEarlier(Connection c, List<Dispatch> dispatches, String[] runIds,
                                     List<Dispatch.Result> results) throws SQLException {
        for (int i = 0; i < runIds.length; i++) {
            if (results.get(i).ticket() != null) {
                return SqlJobStore.exists(c, sql.runExists, runIds[i]);
            }
        }
        for (int i = 0; i < dispatches.size(); i++) {
            Dispatch d = dispatches.get(i);
            if (results.get(i).claimEnded()) {
                StoredJob now = sql.findJob(c, d.firing().jobId());
                return d.removesJob() ? now == null
                        : now != null && now.version() == d.firing().job().version() + 1 && now.claimedFireTime() == null;
            }
        }
        return false;
    }
}
