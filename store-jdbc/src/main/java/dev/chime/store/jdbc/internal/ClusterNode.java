package dev.chime.store.jdbc.internal;

import dev.chime.spi.Claim;
import dev.chime.spi.StoredExecution;
import dev.chime.spi.StoredJob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership of the cluster sharing the database: its heartbeat, the takeover of nodes
 * that stopped beating, and what it holds (claims handed to the engine, runs in progress).
 *
 * <p>Every time comparison is made by the database, on its own clock ({@link Dialect#nowMillis()}):
 * a node's heartbeat is stale when the database says so, whatever the nodes' clocks say. A node
 * whose heartbeat has not succeeded for half the timeout stops claiming until it beats again, so
 * that it never claims while the others may already consider it dead. A node that was taken over
 * finds out at its next heartbeat (its row is gone) and registers again; the runs it still had are
 * no longer its own, so their ends are not recorded ({@link RunEnds} fences on the node id and token).
 * A dead node's RUNNING executions become this node's {@link Claim.Recovery} claims, handed out by
 * the next claim; the engine runs them again or ends them.
 */
public final class ClusterNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);
    /** How long closing waits for the heartbeat thread, and then for the goodbye to the database. */
    private static final long CLOSE_WAIT_MILLIS = 2_000;

    private final Database db;
    private final Sql sql;
    private final String id;
    private final Duration heartbeatInterval;
    private final Duration timeout;
    private final Map<String, Long> heldClaims = new ConcurrentHashMap<>();
    /** Runs this node holds, each with the registration ({@link Lease#epoch}) it was recorded under. */
    private final Map<String, HeldRun> heldRuns = new ConcurrentHashMap<>();

    /** A run this node holds: its ticket's token, and the registration it was recorded under. */
    private record HeldRun(long token, long epoch) {
    }
    /** Executions this node's claims hold (due executions and recoveries handed to the engine, or queued to be). */
    private final Set<String> heldExecutions = ConcurrentHashMap.newKeySet();
    private final Deque<Claim.Recovery> recoveries = new ConcurrentLinkedDeque<>();
    /** Recoveries built by a takeover whose commit failed, by dead node: adopted if their rows say it went through. */
    private final Map<String, List<Claim.Recovery>> takeoversInDoubt = new ConcurrentHashMap<>();
    private final ScheduledExecutorService beat;
    private final DatabaseClock clock;
    /**
     * This node's registration and its last successful beat, in one value: a reader that sees a
     * beat also sees which registration it belongs to, so a registration made anew after a
     * takeover can never lend its fresh beat to a run of the registration before it.
     */
    private record Lease(long epoch, long beatNanos) {
    }

    private volatile Lease lease = new Lease(0, 0);
    private volatile boolean registered;
    /** Set by a claim that failed (its answer may be lost), cleared by the claim that adopted what it left. */
    private volatile boolean claimInDoubt;
    private volatile long takeovers;

    public ClusterNode(Database db, Sql sql, String id, Duration heartbeatInterval, Duration timeout) {
        this.db = db;
        this.sql = sql;
        this.id = id;
        this.heartbeatInterval = heartbeatInterval;
        this.timeout = timeout;
        this.clock = new DatabaseClock(db, sql);
        this.beat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chime-jdbc-heartbeat-" + id);
            t.setDaemon(true);
            return t;
        });
    }

    public String id() {
        return id;
    }

    /** Time since this node's last successful heartbeat, on the monotonic clock. */
    public Duration sinceLastHeartbeat() {
        return Duration.ofNanos(System.nanoTime() - lease.beatNanos());
    }

    /** How long a node may stay silent before another takes its work over. */
    public Duration timeout() {
        return timeout;
    }

    Sql sql() {
        return sql;
    }

    /** The database's clock, as this node measures it at each heartbeat; {@code local} until the first reading. */
    public java.time.Clock databaseClock(java.time.Clock local) {
        return clock.clock(local);
    }

    /** How many dead nodes this node took over. */
    public long takeovers() {
        return takeovers;
    }

    /** Registers this node and starts beating; fails when the database cannot be reached. */
    public void start() throws SQLException {
        register();
        long period = heartbeatInterval.toMillis();
        beat.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
    }

    private void register() throws SQLException {
        clock.measure();
        long sent = System.nanoTime();
        long epoch = lease.epoch() + 1;
        db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.registerNode)) {
                ps.setString(1, id);
                return ps.executeUpdate();
            }
        });
        lease = new Lease(epoch, sent);
        registered = true;
        LOG.info("node '{}' joined the cluster", id);
    }

    private void tick() {
        try {
            heartbeat();
            clock.measure();
            takeOverDeadNodes();
            resetOwnOrphans();
        } catch (SQLException | RuntimeException e) {
            LOG.warn("node '{}': heartbeat failed ({}); claiming pauses until the database answers", id, e.getMessage());
        }
    }

    /**
     * Beats once; registers again if another node took this one over meanwhile. Synchronized: the
     * heartbeat thread and a claim that finds the lease old may beat at once, and only one of them
     * may find the row gone and register again.
     */
    synchronized void heartbeat() throws SQLException {
        long sent = System.nanoTime();
        int updated = db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.heartbeat)) {
                ps.setString(1, id);
                return ps.executeUpdate();
            }
        });
        if (updated == 1) {
            Lease current = lease;
            if (sent - current.beatNanos() > 0) {
                lease = new Lease(current.epoch(), sent);
            }
            return;
        }
        LOG.warn("node '{}' was presumed dead and taken over by another node; its runs in progress will not record "
                + "outcomes; joining again", id);
        heldClaims.clear();
        heldRuns.clear();
        heldExecutions.clear();
        // Recoveries this node adopted went to whoever took it over, with the rest of its runs.
        recoveries.clear();
        takeoversInDoubt.clear();
        register();
    }

    /**
     * Whether this node may claim: its last heartbeat is recent enough that no other node can
     * consider it dead yet. If not, beats once first.
     */
    boolean mayClaim() {
        if (fresh()) {
            return true;
        }
        try {
            heartbeat();
        } catch (SQLException e) {
            LOG.debug("node '{}': heartbeat before claiming failed", id, e);
        }
        return fresh();
    }

    private boolean fresh() {
        return fresh(lease);
    }

    private boolean fresh(Lease l) {
        return registered && System.nanoTime() - l.beatNanos() < timeout.toNanos() / 2;
    }

    /** The current registration, to tag the runs recorded by a write that starts now ({@link #holdRun}). */
    long epoch() {
        return lease.epoch();
    }

    /**
     * Whether this node may start a run it holds, from memory alone: the run was recorded under
     * the current registration (a registration made anew after a takeover has another epoch) and
     * the lease is fresh on the monotonic clock, so no other node can have taken it over yet.
     * False means "cannot tell from memory", not "taken over".
     */
    boolean holdsFreshly(String runId, long token) {
        Lease l = lease; // one read: the epoch and the beat of the same registration
        HeldRun held = heldRuns.get(runId);
        return held != null && held.token() == token && held.epoch() == l.epoch() && fresh(l);
    }

    /** Holds a claim handed to the engine, until its end is written. */
    void holdClaim(Claim claim) {
        if (claim instanceof Claim.FireTime f) {
            heldClaims.put(f.jobId(), f.version());
        } else {
            heldExecutions.add(executionOf(claim).id());
        }
    }

    /** Forgets a claim whose end was written (or lost). */
    void forgetClaim(Claim claim) {
        if (claim instanceof Claim.FireTime f) {
            heldClaims.remove(f.jobId());
        } else {
            heldExecutions.remove(executionOf(claim).id());
        }
    }

    /** Whether a claim of this execution is held here (handed to the engine, or a queued recovery). */
    boolean holdsExecutionClaim(String executionId) {
        return heldExecutions.contains(executionId);
    }

    void forgetJobClaim(String jobId) {
        heldClaims.remove(jobId);
    }

    static StoredExecution executionOf(Claim claim) {
        return claim instanceof Claim.Due d ? d.execution() : ((Claim.Recovery) claim).execution();
    }

    boolean holdsClaim(String jobId) {
        return heldClaims.containsKey(jobId);
    }

    /** A claim failed: its commit may have gone through with the answer lost. */
    void claimMayHaveCommitted() {
        claimInDoubt = true;
    }

    /** Whether the next claim must first adopt this node's claims that nothing here holds. */
    boolean claimInDoubt() {
        return claimInDoubt;
    }

    void claimReconciled() {
        claimInDoubt = false;
    }

    void forgetClaim(String jobId) {
        heldClaims.remove(jobId);
    }

    /** Holds a run recorded by a write that began under registration {@code epoch} ({@link #epoch()}). */
    void holdRun(String runId, long token, long epoch) {
        heldRuns.put(runId, new HeldRun(token, epoch));
    }

    void forgetRun(String runId, long token) {
        heldRuns.computeIfPresent(runId, (id, held) -> held.token() == token ? null : held);
    }

    boolean hasRecoveries() {
        return !recoveries.isEmpty();
    }

    List<Claim.Recovery> takeRecoveries(int limit) {
        List<Claim.Recovery> taken = new ArrayList<>();
        Claim.Recovery f;
        while (taken.size() < limit && (f = recoveries.poll()) != null) {
            taken.add(f);
        }
        return taken;
    }

    /** Puts recoveries back at the head of the queue, in their order (a claim that failed took them). */
    void requeueRecoveries(List<Claim.Recovery> taken) {
        for (int i = taken.size() - 1; i >= 0; i--) {
            recoveries.addFirst(taken.get(i));
        }
    }

    /**
     * In the open transaction: whether this node is still alive by the database's clock. Its row
     * stays share-locked to the end of the transaction, so a takeover (which deletes the row)
     * either went first, and this answers false, or waits until the transaction ends. The lock is
     * shared so that this node's own transactions do not queue on each other: a node frozen with
     * several in flight holds its row only until the server aborts them, all at once, after the
     * idle transaction timeout ({@link Database}).
     */
    boolean stillAlive(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.stillAlive)) {
            ps.setString(1, id);
            ps.setLong(2, timeout.toMillis());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    // ---- takeover ----

    /** Takes over every node whose heartbeat is older than the timeout, by the database's clock. */
    void takeOverDeadNodes() throws SQLException {
        Set<String> dead = new LinkedHashSet<>();
        db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.deadNodes)) {
                ps.setLong(1, timeout.toMillis());
                ps.setString(2, id);
                collect(ps, dead);
            }
            // Claims and runs of nodes that have no row at all (taken over while they were
            // paused, then claimed before noticing) are orphans: take them over too.
            try (PreparedStatement ps = c.prepareStatement(sql.orphanClaimers)) {
                collect(ps, dead);
            }
            try (PreparedStatement ps = c.prepareStatement(sql.orphanRunners)) {
                collect(ps, dead);
            }
            try (PreparedStatement ps = c.prepareStatement(sql.orphanExecutionClaimers)) {
                collect(ps, dead);
            }
            return null;
        });
        dead.remove(id);
        adoptTakeoversInDoubt();
        for (String node : dead) {
            List<Claim.Recovery> built = new ArrayList<>();
            List<Claim.Recovery> recovered;
            try {
                recovered = db.transaction(c -> {
                    built.clear(); // a retried transaction builds its claims anew
                    List<Claim.Recovery> taken = takeOver(c, node);
                    if (taken != null) {
                        built.addAll(taken);
                    }
                    return taken;
                });
            } catch (SQLException | RuntimeException e) {
                if (!built.isEmpty()) {
                    // The commit may have gone through with its answer lost: the runs are then this
                    // node's rows and nobody else's to recover, so the next tick looks for them.
                    takeoversInDoubt.put(node, List.copyOf(built));
                }
                throw e;
            }
            if (recovered != null) {
                hold(node, recovered);
            }
        }
    }

    private void hold(String dead, List<Claim.Recovery> recovered) {
        takeovers++;
        for (Claim.Recovery r : recovered) {
            heldExecutions.add(r.execution().id());
            recoveries.add(r);
        }
        LOG.warn("node '{}' took over dead node '{}': {} run(s) in flight there handed back to this node", id, dead,
                recovered.size());
    }

    /**
     * Takeovers whose commit failed: the runs they moved to this node are claimed by this node (only
     * a takeover by this node writes that) at the version it built, if the commit went through, and
     * are then recovered here; otherwise the dead node is taken over anew.
     */
    private void adoptTakeoversInDoubt() throws SQLException {
        for (Map.Entry<String, List<Claim.Recovery>> doubt : takeoversInDoubt.entrySet()) {
            List<Claim.Recovery> adopted = new ArrayList<>();
            db.autoCommit(c -> {
                try (PreparedStatement ps = c.prepareStatement(sql.recoveryOfMine)) {
                    for (Claim.Recovery r : doubt.getValue()) {
                        ps.setString(1, r.execution().id());
                        ps.setString(2, id);
                        ps.setString(3, id);
                        ps.setLong(4, r.version());
                        try (ResultSet rs = ps.executeQuery()) {
                            if (rs.next() && rs.getLong(1) == 1) {
                                adopted.add(r);
                            }
                        }
                    }
                }
                return null;
            });
            takeoversInDoubt.remove(doubt.getKey());
            if (!adopted.isEmpty()) {
                hold(doubt.getKey(), adopted);
            }
        }
    }

    private static void collect(PreparedStatement ps, java.util.Collection<String> into) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                into.add(rs.getString(1));
            }
        }
    }

    /**
     * One dead node's takeover, in one transaction; null when another node got there first. Its
     * RUNNING executions become this node's, claimed as recoveries (version bumped, so a late write
     * of the dead node's finds neither its node nor its version); the fire times and executions it
     * had claimed but not started go back to waiting.
     */
    private List<Claim.Recovery> takeOver(Connection c, String dead) throws SQLException {
        boolean deletedRow;
        try (PreparedStatement ps = c.prepareStatement(sql.deleteDeadNode)) {
            ps.setString(1, dead);
            ps.setLong(2, timeout.toMillis());
            deletedRow = ps.executeUpdate() == 1;
            if (!deletedRow && SqlJobStore.exists(c, sql.nodeExists, dead)) {
                return null; // it beat again meanwhile
            }
        }
        List<StoredExecution> runs = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.deadRunsOfNode)) {
            ps.setString(1, dead);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    runs.add(Sql.readExecution(rs));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement(sql.adoptDeadRuns)) {
            ps.setString(1, id);
            ps.setString(2, id);
            ps.setString(3, dead);
            ps.executeUpdate();
        }
        List<String> claimedByDead = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.claimsOfNode)) {
            ps.setString(1, dead);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    claimedByDead.add(rs.getString("id"));
                }
            }
        }
        // Claims the dead node took but never ran: back in the schedule at their fire time, where
        // the misfire options decide; executions it claimed but never started wait again.
        for (String jobId : claimedByDead) {
            try (PreparedStatement ps = c.prepareStatement(sql.putBackClaim)) {
                ps.setString(1, jobId);
                ps.executeUpdate();
            }
        }
        int unclaimed;
        try (PreparedStatement ps = c.prepareStatement(sql.unclaimOfNode)) {
            ps.setString(1, dead);
            unclaimed = ps.executeUpdate();
        }
        if (!deletedRow && runs.isEmpty() && claimedByDead.isEmpty() && unclaimed == 0) {
            return null; // another node took it over first
        }
        List<Claim.Recovery> recovered = new ArrayList<>(runs.size());
        for (StoredExecution run : runs) {
            recovered.add(recovery(c, run));
        }
        return recovered;
    }

    /** The recovery claim of a RUNNING execution this node just claimed (its version one up, its node this one). */
    private Claim.Recovery recovery(Connection c, StoredExecution run) throws SQLException {
        StoredExecution mine = new StoredExecution(run.id(), run.jobId(), run.task(), run.dataJson(), run.optionsJson(),
                run.fireTime(), run.state(), run.attempts(), run.dueAt(), id, run.createdAt(), run.startedAt(), run.endedAt(),
                run.error(), run.stackTrace(), run.resultJson(), run.fencingToken(), run.recoverable(), run.queued(),
                run.stopRequested(), run.holdsJobClaim(), run.version() + 1);
        StoredJob job = run.jobId() == null ? null : sql.findJob(c, run.jobId());
        return new Claim.Recovery(mine, job, run.queued());
    }

    /**
     * Claims and runs this node recorded but does not hold: a commit that went through although
     * its answer was lost. Past a grace period they are put back (claims) or ended (runs), so
     * nothing stays claimed forever.
     */
    void resetOwnOrphans() throws SQLException {
        long graceMillis = Math.max(timeout.toMillis(), 10_000L);
        Map<String, Long> claims = new HashMap<>();
        List<String> runs = new ArrayList<>();
        List<String> executionClaims = new ArrayList<>();
        db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.staleClaims)) {
                ps.setString(1, id);
                ps.setLong(2, graceMillis);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        claims.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(sql.staleOwnRuns)) {
                ps.setString(1, id);
                ps.setLong(2, graceMillis);
                collect(ps, runs);
            }
            try (PreparedStatement ps = c.prepareStatement(sql.staleExecutionClaims)) {
                ps.setString(1, id);
                ps.setLong(2, graceMillis);
                collect(ps, executionClaims);
            }
            return null;
        });
        for (Map.Entry<String, Long> claim : claims.entrySet()) {
            if (heldClaims.containsKey(claim.getKey())) {
                continue;
            }
            int reset = db.transaction(c -> {
                try (PreparedStatement ps = c.prepareStatement(sql.putBackOwnClaim)) {
                    ps.setString(1, claim.getKey());
                    ps.setLong(2, claim.getValue());
                    ps.setString(3, id);
                    return ps.executeUpdate();
                }
            });
            if (reset == 1) {
                LOG.warn("node '{}': job '{}' was claimed by a call whose answer was lost; put back in the schedule", id,
                        claim.getKey());
            }
        }
        // Runs recorded by a call whose answer was lost, and executions claimed by one: a run is
        // recovered here (run again or ended by the engine, as after a takeover), a claim waits again.
        for (String run : runs) {
            if (heldRuns.containsKey(run) || heldExecutions.contains(run)) {
                continue;
            }
            Claim.Recovery recovery = db.transaction(c -> {
                try (PreparedStatement ps = c.prepareStatement(sql.claimOwnRun)) {
                    ps.setString(1, id);
                    ps.setString(2, run);
                    ps.setString(3, id);
                    if (ps.executeUpdate() == 0) {
                        return null;
                    }
                }
                return readRecovery(c, run);
            });
            if (recovery != null) {
                LOG.warn("node '{}': a run of execution '{}' was recorded by a call whose answer was lost; recovered", id, run);
                heldExecutions.add(run);
                recoveries.add(recovery);
            }
        }
        for (String claimed : executionClaims) {
            if (heldExecutions.contains(claimed)) {
                continue;
            }
            Claim.Recovery recovery = db.transaction(c -> {
                try (PreparedStatement ps = c.prepareStatement(sql.unclaimExecution)) {
                    ps.setString(1, claimed);
                    ps.setString(2, id);
                    ps.executeUpdate();
                }
                // A recovery claim whose answer was lost is still this node's RUNNING execution.
                return readRecovery(c, claimed);
            });
            if (recovery != null && !heldExecutions.contains(claimed)) {
                heldExecutions.add(claimed);
                recoveries.add(recovery);
            }
        }
    }

    /** The recovery claim of an execution RUNNING on this node and claimed by it, or null. */
    private Claim.Recovery readRecovery(Connection c, String executionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.selectExecution)) {
            ps.setString(1, executionId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                StoredExecution e = Sql.readExecution(rs);
                if (e.state() != dev.chime.ExecutionState.RUNNING || !id.equals(e.nodeId())
                        || !id.equals(rs.getString("claimed_by"))) {
                    return null;
                }
                StoredJob job = e.jobId() == null ? null : sql.findJob(c, e.jobId());
                return new Claim.Recovery(e, job, e.queued());
            }
        }
    }

    /** Puts this node's claims that the engine does not hold back in the schedule at their fire time. */
    private void putBackUnheldClaims(Connection c) throws SQLException {
        List<StoredJob> unheld = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.claimsOfNode)) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    StoredJob job = Sql.readJob(rs);
                    if (!heldClaims.containsKey(job.id())) {
                        unheld.add(job);
                    }
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement(sql.putBackOwnClaim)) {
            for (StoredJob job : unheld) {
                ps.setString(1, job.id());
                ps.setLong(2, job.version());
                ps.setString(3, id);
                if (ps.executeUpdate() == 1) {
                    LOG.warn("node '{}' leaving: job '{}' was claimed by a call whose answer was lost; put back in the "
                            + "schedule at {}", id, job.id(), job.claimedFireTime());
                }
            }
        }
    }

    /**
     * Stops beating and leaves the cluster, in a bounded time even with the database unreachable:
     * the goodbye gets a few seconds, and without it others take over after the timeout.
     */
    @Override
    public void close() {
        beat.shutdownNow();
        try {
            beat.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!registered) {
            return;
        }
        registered = false;
        Thread leaving = new Thread(this::leave, "chime-jdbc-leave-" + id);
        leaving.setDaemon(true);
        leaving.start();
        try {
            leaving.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (leaving.isAlive()) {
            LOG.warn("node '{}' could not mark itself gone within {} ms; others take over after the timeout", id,
                    CLOSE_WAIT_MILLIS);
        }
    }

    private void leave() {
        // Leaving cleanly: claims this node made but never handed to the engine (a claim whose
        // answer was lost) go back to the schedule, as a takeover would put them back; then a node
        // that holds nothing goes away, and one that still holds runs or claims (a shutdown that
        // gave up on them) is marked gone, so others take them over at once.
        try {
            db.transaction(c -> {
                putBackUnheldClaims(c);
                try (PreparedStatement ps = c.prepareStatement(sql.unclaimOfNode)) {
                    ps.setString(1, id);
                    ps.executeUpdate();
                }
                boolean holds = SqlJobStore.exists(c, sql.nodeHoldsRuns, id) || SqlJobStore.exists(c, sql.nodeHoldsClaims, id);
                try (PreparedStatement ps = c.prepareStatement(holds ? sql.markNodeGone : sql.deleteNode)) {
                    ps.setString(1, id);
                    return ps.executeUpdate();
                }
            });
            LOG.info("node '{}' left the cluster", id);
        } catch (SQLException e) {
            LOG.warn("node '{}' could not mark itself gone; others take over after the timeout", id, e);
        }
    }
}
