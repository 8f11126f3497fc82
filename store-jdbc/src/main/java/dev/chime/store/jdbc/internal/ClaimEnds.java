package dev.chime.store.jdbc.internal;

import dev.chime.ExecutionState;
import dev.chime.LastRun;
import dev.chime.spi.Claim;
import dev.chime.spi.ClaimEnd;
import dev.chime.spi.ClaimResult;
import dev.chime.spi.RunStart;
import dev.chime.spi.RunTicket;
import dev.chime.spi.ScheduleChange;
import dev.chime.spi.StoredExecution;
import dev.chime.spi.StoredJob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out {@code endClaims}: a batch of the engine's decisions about claims, in one transaction
 * (the commit is paid once per batch, not once per firing). The order inside the transaction is the
 * protocol: this node's liveness first; then, claim by claim in job id order (rows are locked in the
 * order run ends lock them), the claimed row is locked at its claimed version (else LOST, nothing
 * written), the job's running executions are counted under the job row's lock (max instances across
 * the cluster), and only then is the run recorded, the schedule changed and the execution put back
 * or failed. A run is recorded only for a claim this very transaction still held.
 */
final class ClaimEnds {

    private static final Logger LOG = LoggerFactory.getLogger(ClaimEnds.class);

    private final Database db;
    private final Sql sql;
    private final ClusterNode node;

    ClaimEnds(Database db, Sql sql, ClusterNode node) {
        this.db = db;
        this.sql = sql;
        this.node = node;
    }

    /**
     * The batch in one transaction, retried through outages; a retry first asks whether the lost
     * attempt committed. When the database refuses the batch for good (a value it will never take),
     * one end at a time, so one bad row cannot hold the others back.
     */
    List<ClaimResult> end(List<ClaimEnd> ends) throws SQLException {
        try {
            return endRetrying(ends);
        } catch (SQLException e) {
            if (db.isTransient(e) || ends.size() == 1) {
                throw e;
            }
            LOG.warn("ending {} claims together failed ({}); ending them one at a time", ends.size(), e.getMessage());
            List<ClaimResult> results = new ArrayList<>(ends.size());
            for (ClaimEnd end : ends) {
                results.add(endRetrying(List.of(end)).get(0));
            }
            return results;
        }
    }

    private List<ClaimResult> endRetrying(List<ClaimEnd> ends) throws SQLException {
        return db.retrying("ending " + ends.size() + " claim(s)", c -> endAll(c, ends),
                (c, computed) -> computed != null && committedEarlier(c, ends, computed) ? computed : null, () -> false);
    }

    private List<ClaimResult> endAll(Connection c, List<ClaimEnd> ends) throws SQLException {
        int n = ends.size();
        ClaimResult[] results = new ClaimResult[n];
        if (!node.stillAlive(c)) {
            LOG.warn("node '{}': its heartbeat is older than the node timeout, so it may have been taken over; {} claim(s) "
                    + "not ended (whoever takes this node over puts them back)", node.id(), n);
            java.util.Arrays.fill(results, ClaimResult.LOST);
            return List.of(results);
        }
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        order.sort(Comparator.comparing(i -> Objects.requireNonNullElse(ends.get(i).claim().jobId(), "\uffff")));
        for (int i : order) {
            results[i] = endOne(c, ends.get(i));
        }
        return List.of(results);
    }

    private ClaimResult endOne(Connection c, ClaimEnd end) throws SQLException {
        Claim claim = end.claim();
        StoredExecution execution = null;
        if (!(claim instanceof Claim.FireTime)) {
            execution = lockClaimedExecution(c, ClusterNode.executionOf(claim).id(), claim.version());
            boolean state = execution != null && (claim instanceof Claim.Recovery ? execution.state() == ExecutionState.RUNNING
                    : execution.isWaiting());
            if (!state) {
                return ClaimResult.LOST;
            }
        }
        StoredJob job = null;
        if (claim.jobId() != null) {
            job = lockJob(c, claim.jobId());
        }
        boolean jobClaimHeld = claim.holdsJobClaim() && job != null && job.version() == claim.heldJob().version()
                && job.claimedFireTime() != null;
        if (claim instanceof Claim.FireTime && !jobClaimHeld) {
            return ClaimResult.LOST;
        }
        if (!(claim instanceof Claim.FireTime) && claim.holdsJobClaim() && !jobClaimHeld) {
            // The job changed since (a reschedule, a replace): the execution no longer holds its claim.
            unclaim(c, execution.id());
            return ClaimResult.LOST;
        }
        RunTicket ticket = null;
        RunStart start = end.start();
        boolean keeps = end.schedule() != null && end.schedule().kind() == ScheduleChange.Kind.KEEP_WITH_EXECUTION;
        if (start != null) {
            if (claim.jobId() != null && !(claim instanceof Claim.Recovery) && job != null
                    && SqlJobStore.readLong(c, sql.countRunning, claim.jobId()) >= start.maxInstances()) {
                return ClaimResult.AT_MAX_INSTANCES;
            }
            long token = nextToken(c, claim.jobId(), job, execution);
            Long kept = keeps ? job.version() : null;
            if (execution == null) {
                insertRun(c, claim, start, token, kept);
            } else {
                startExecution(c, execution, start, token, kept);
            }
            ticket = new RunTicket(start.executionId(), claim.jobId(), claim.task(),
                    execution == null ? start.fireTime() : execution.fireTime(), start.attempt(), token);
        } else if (end.waitUntil() != null) {
            ExecutionState state = execution.state() == ExecutionState.RUNNING
                    ? (execution.attempts() > 0 ? ExecutionState.WAITING_FOR_RETRY : ExecutionState.SCHEDULED)
                    : execution.state();
            try (PreparedStatement ps = c.prepareStatement(sql.waitExecution)) {
                ps.setString(1, state.name());
                ps.setLong(2, Sql.nanos(end.waitUntil()));
                ps.setLong(3, Sql.nanos(end.waitUntil()));
                Sql.setLong(ps, 4, keeps ? job.version() : null);
                ps.setString(5, execution.id());
                ps.executeUpdate();
            }
        } else if (end.failure() != null) {
            try (PreparedStatement ps = c.prepareStatement(sql.failExecution)) {
                ps.setLong(1, Sql.nanos(end.decidedAt()));
                Sql.setText(ps, 2, ErrorText.clean(end.failure()));
                ps.setString(3, execution.id());
                ps.executeUpdate();
            }
        }
        if (end.schedule() != null) {
            job = changeSchedule(c, job, end.schedule());
        }
        if (end.lastRun() != null && job != null) {
            recordLastRun(c, job.id(), end.lastRun());
        }
        return ClaimResult.ended(ticket);
    }

    /** The claimed execution, locked, if this node's claim of it at {@code version} still holds; else null. */
    private StoredExecution lockClaimedExecution(Connection c, String id, long version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.lockExecutionClaim)) {
            ps.setString(1, id);
            ps.setLong(2, version);
            ps.setString(3, node.id());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Sql.readExecution(rs) : null;
            }
        }
    }

    private StoredJob lockJob(Connection c, String jobId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.lockJob)) {
            ps.setString(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Sql.readJob(rs) : null;
            }
        }
    }

    private void unclaim(Connection c, String executionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.unclaimExecution)) {
            ps.setString(1, executionId);
            ps.setString(2, node.id());
            ps.executeUpdate();
        }
    }

    /**
     * The run's fencing token: the job's next (its row is locked), else one past every token its
     * executions had (a job that left the store, so a job id added again counts on), else, for a
     * task, one past its execution's.
     */
    private long nextToken(Connection c, String jobId, StoredJob job, StoredExecution execution) throws SQLException {
        return Tokens.next(c, sql, jobId, job != null, execution == null ? 0 : execution.fencingToken());
    }

    private void insertRun(Connection c, Claim claim, RunStart start, long token, Long kept) throws SQLException {
        StoredExecution run = new StoredExecution(start.executionId(), claim.jobId(), claim.task(), start.dataJson(),
                start.optionsJson(), start.fireTime(), ExecutionState.RUNNING, start.attempt(), null, node.id(),
                start.startedAt(), start.startedAt(), null, null, null, null, token, start.recoverable(), start.queued(),
                false, kept != null, 0);
        try (PreparedStatement ps = c.prepareStatement(sql.insertExecution)) {
            Sql.bindExecution(ps, run, kept);
            ps.executeUpdate();
        }
    }

    private void startExecution(Connection c, StoredExecution e, RunStart start, long token, Long kept) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.startExecution)) {
            int i = 1;
            ps.setInt(i++, start.attempt());
            ps.setString(i++, node.id());
            ps.setLong(i++, Sql.nanos(start.startedAt()));
            ps.setLong(i++, token);
            ps.setBoolean(i++, start.recoverable());
            Sql.setText(ps, i++, Sql.encodeFireTimes(start.queued()));
            Sql.setLong(ps, i++, kept);
            Sql.setText(ps, i++, start.dataJson());
            Sql.setText(ps, i++, start.optionsJson());
            ps.setString(i, e.id());
            ps.executeUpdate();
        }
    }

    /** Ends the held job claim as asked; answers the job as it now is (null once removed). */
    private StoredJob changeSchedule(Connection c, StoredJob job, ScheduleChange change) throws SQLException {
        switch (change.kind()) {
            case RELEASE -> {
                try (PreparedStatement ps = c.prepareStatement(sql.releaseKept)) {
                    Sql.setLong(ps, 1, Sql.nanos(change.nextFireTime()));
                    ps.setString(2, job.id());
                    ps.setLong(3, job.version());
                    ps.executeUpdate();
                }
                return job.withClaim(null).withNextFireTime(change.nextFireTime()).withVersion(job.version() + 1);
            }
            case REMOVE -> {
                try (PreparedStatement ps = c.prepareStatement(sql.deleteKept)) {
                    ps.setString(1, job.id());
                    ps.setLong(2, job.version());
                    ps.executeUpdate();
                }
                return null;
            }
            default -> {
                // Kept by the execution, not by this node: a takeover finds it through the execution.
                try (PreparedStatement ps = c.prepareStatement(sql.passClaimToExecution)) {
                    ps.setString(1, job.id());
                    ps.setLong(2, job.version());
                    ps.executeUpdate();
                }
                return job;
            }
        }
    }

    private void recordLastRun(Connection c, String jobId, LastRun lastRun) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.recordOutcome)) {
            int i = Sql.bindLastRun(ps, 1, lastRun);
            ps.setString(i, jobId);
            ps.executeUpdate();
        }
    }

    /**
     * After a failed attempt: did its commit go through although the answer was lost? The first
     * end it carried out tells: its run's row, or its claimed row moved past the claimed version.
     */
    private boolean committedEarlier(Connection c, List<ClaimEnd> ends, List<ClaimResult> results) throws SQLException {
        for (int i = 0; i < ends.size(); i++) {
            if (results.get(i).status() != ClaimResult.Status.ENDED) {
                continue;
            }
            ClaimEnd end = ends.get(i);
            Claim claim = end.claim();
            if (claim instanceof Claim.FireTime) {
                if (end.start() != null) {
                    return SqlJobStore.exists(c, sql.executionExists, end.start().executionId());
                }
                StoredJob now = sql.findJob(c, claim.jobId());
                return now == null || now.version() != claim.version() || now.claimedFireTime() == null;
            }
            try (PreparedStatement ps = c.prepareStatement(sql.selectExecution)) {
                ps.setString(1, ClusterNode.executionOf(claim).id());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && rs.getLong("version") != claim.version();
                }
            }
        }
        return false;
    }
}
