package dev.chime.store.jdbc.internal;

import dev.chime.spi.Firing;
import dev.chime.spi.RunTicket;
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
 * no longer its own, so their outcomes are not recorded ({@link #endRun} fences on the node id).
 */
public final class ClusterNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);
    private static final int PURGE_BATCH = 500;
    /** How long closing waits for the heartbeat thread, and then for the goodbye to the database. */
    private static final long CLOSE_WAIT_MILLIS = 2_000;

    private final Database db;
    private final Sql sql;
    private final String id;
    private final Duration heartbeatInterval;
    private final Duration timeout;
    private final Map<String, Long> heldClaims = new ConcurrentHashMap<>();
    /** Runs this node holds, each with the registration ({@link Lease#epoch}) it was recorded under. */
    private final Map<String, Long> heldRuns = new ConcurrentHashMap<>();
    private final Deque<Firing> recoveries = new ConcurrentLinkedDeque<>();
    /** Recoveries built by a takeover whose commit failed, by dead node: adopted if their rows say it went through. */
    private final Map<String, List<Firing>> takeoversInDoubt = new ConcurrentHashMap<>();
    private final ScheduledExecutorService beat;
    private final DatabaseClock clock;
    private final Duration endedRunRetention;
    /**
     * This node's registration and its last successful beat, in one value: a reader that sees a
     * beat also sees which registration it belongs to, so a registration made anew after a
     * takeover can never lend its fresh beat to a run of the registration before it.
     */
    private record Lease(long epoch, long beatNanos) {
    }

    private volatile Lease lease = new Lease(0, 0);
    /** This node's runs marked for cancellation, run id to job id, as the last successful heartbeat read them. */
    private volatile Map<String, String> cancelMarks = Map.of();
    private volatile boolean registered;
    /** Set by a claim that failed (its answer may be lost), cleared by the claim that adopted what it left. */
    private volatile boolean claimInDoubt;
    private volatile long takeovers;

    public ClusterNode(Database db, Sql sql, String id, Duration heartbeatInterval, Duration timeout) {
        this(db, sql, id, heartbeatInterval, timeout, max(timeout.multipliedBy(2), Duration.ofMinutes(1)));
    }

    /**
     * @param endedRunRetention how long a completion marker (an ended run row) is kept: a retried
     *                          completion later than that finds no row and answers "not ours"
     */
    ClusterNode(Database db, Sql sql, String id, Duration heartbeatInterval, Duration timeout, Duration endedRunRetention) {
        this.endedRunRetention = endedRunRetention;
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

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
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
        // The new registration's epoch before its row is written: an insert whose answer is lost
        // may have committed, and the next heartbeat then beats on that row. Under the old epoch
        // it would refresh the lease of the registration that was taken over, and a run held
        // under it (a dispatch answered across the pause) would look fresh again.
        lease = new Lease(epoch, lease.beatNanos());
        db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.nodes
                    + " (node_id, heartbeat_at_ms, started_at_ms) VALUES (?, " + sql.now + ", " + sql.now + ")")) {
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
            purgeEndedRuns();
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
        Map<String, String> marks = new HashMap<>();
        int updated = db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.heartbeat)) {
                ps.setString(1, id);
                if (ps.executeUpdate() != 1) {
                    return 0;
                }
            }
            // Cancel requests ride on the heartbeat: the engine asks for them every second, and
            // this is the round trip the node makes anyway (one index read of its own runs).
            try (PreparedStatement ps = c.prepareStatement(sql.cancelMarksOfNode)) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        marks.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
            return 1;
        });
        if (updated == 1) {
            cancelMarks = Map.copyOf(marks);
            Lease current = lease;
            if (sent - current.beatNanos() > 0) {
                lease = new Lease(current.epoch(), sent);
            }
            return;
        }
        cancelMarks = Map.of();
        LOG.warn("node '{}' was presumed dead and taken over by another node; its runs in progress will not record "
                + "outcomes; joining again", id);
        heldClaims.clear();
        heldRuns.clear();
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
    boolean holdsFreshly(String runId) {
        Lease l = lease; // one read: the epoch and the beat of the same registration
        Long epoch = heldRuns.get(runId);
        return epoch != null && epoch == l.epoch() && fresh(l);
    }

    /**
     * The jobs of the runs the last heartbeat found marked for cancellation, among those this node
     * holds freshly ({@link #holdsFreshly}): a run ended since, or one another node may have taken
     * over (this node's lease is stale, or it re-registered after a takeover), is not answered.
     */
    Set<String> cancelRequests() {
        Set<String> jobs = new java.util.HashSet<>();
        cancelMarks.forEach((runId, jobId) -> {
            if (holdsFreshly(runId)) {
                jobs.add(jobId);
            }
        });
        return Set.copyOf(jobs);
    }

    void holdClaim(Firing firing) {
        heldClaims.put(firing.jobId(), firing.job().version());
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

    /**
     * Forgets the claim {@code firing} ended, and only that one: a stale end of an older claim of
     * the job (one lost to a takeover, ended by a retry that found its run taken over) must not
     * forget the newer claim this node holds now, or the orphan sweep or a claim adopting unheld
     * claims would hand the job out again while its firing runs.
     */
    void forgetClaim(Firing firing) {
        heldClaims.remove(firing.jobId(), firing.job().version());
    }

    /** Holds a run recorded by a write that began under registration {@code epoch} ({@link #epoch()}). */
    void holdRun(String runId, long epoch) {
        heldRuns.put(runId, epoch);
    }

    void forgetRun(String runId) {
        heldRuns.remove(runId);
    }

    boolean hasRecoveries() {
        return !recoveries.isEmpty();
    }

    List<Firing> takeRecoveries(int limit) {
        List<Firing> taken = new ArrayList<>();
        Firing f;
        while (taken.size() < limit && (f = recoveries.poll()) != null) {
            taken.add(f);
        }
        return taken;
    }

    /** Puts recoveries back at the head of the queue, in their order (a claim that failed took them). */
    void requeueRecoveries(List<Firing> taken) {
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

    /** What became of a run's end. */
    enum Ended {
        /** Ended now: its slot freed and its outcome recorded. */
        NOW,
        /** Ended by this node earlier (a retry whose first commit went through): nothing more to do. */
        EARLIER,
        /** Not this node's run any more: another node took it over, or it is gone. */
        NOT_OURS
    }

    /**
     * Ends a run in the open transaction, without an outcome (a run given up or undone): marks it
     * ended if it is still this node's and frees its instance slot. Idempotent: a run this node
     * already ended answers {@link Ended#EARLIER} and changes nothing.
     */
    Ended endRun(Connection c, String runId, String jobId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.endRun)) {
            ps.setString(1, runId);
            ps.setString(2, id);
            if (ps.executeUpdate() == 0) {
                return endedEarlier(c, runId) ? Ended.EARLIER : Ended.NOT_OURS;
            }
        }
        try (PreparedStatement ps = c.prepareStatement(sql.releaseInstance)) {
            ps.setString(1, jobId);
            ps.executeUpdate();
        }
        return Ended.NOW;
    }

    /** Whether the run's row carries this node's completion marker. */
    boolean endedEarlier(Connection c, String runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.runState)) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                String owner = rs.getString(1);
                rs.getLong(2);
                return id.equals(owner) && !rs.wasNull();
            }
        }
    }

    // ---- takeover ----

    /** Takes over every node whose heartbeat is older than the timeout, by the database's clock. */
    void takeOverDeadNodes() throws SQLException {
        Set<String> dead = new LinkedHashSet<>();
        long epoch = epoch();
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
            return null;
        });
        dead.remove(id);
        adoptTakeoversInDoubt(epoch);
        for (String node : dead) {
            List<String> heldAhead = new ArrayList<>();
            Map<String, String> marked = new HashMap<>();
            List<Firing> built = new ArrayList<>();
            List<Firing> recovered;
            try {
                recovered = db.transaction(c -> {
                    built.clear(); // a retried transaction builds its firings anew
                    marked.clear();
                    List<Firing> taken = takeOver(c, node, heldAhead, marked);
                    if (taken != null) {
                        built.addAll(taken);
                    }
                    return taken;
                });
            } catch (SQLException | RuntimeException e) {
                if (!built.isEmpty()) {
                    // The commit may have gone through with its answer lost: the runs are then this
                    // node's rows and nobody else's to recover, so the next tick looks for them.
                    // The claims they keep stay held until then: released now, a claim that did
                    // commit would look lost to this node's next claim, which would fire the job
                    // beside its recovery (a rolled-back one is still the dead node's row, which
                    // no claim of this node's adopts).
                    takeoversInDoubt.put(node, List.copyOf(built));
                } else {
                    heldAhead.forEach(heldClaims::remove);
                }
                throw e;
            }
            if (recovered != null) {
                if (!marked.isEmpty()) {
                    // Known before the runs are handed out (hold), not at the next heartbeat: a
                    // retry taken over may be due now, and a cancel that marked its run while no
                    // node held it said yes already.
                    Map<String, String> marks = new HashMap<>(cancelMarks);
                    marks.putAll(marked);
                    cancelMarks = Map.copyOf(marks);
                }
                hold(node, recovered, epoch);
            }
        }
    }

    private void hold(String dead, List<Firing> recovered, long epoch) {
        takeovers++;
        for (Firing f : recovered) {
            heldRuns.put(f.ticket().runId(), epoch);
            if (f.holdsClaim()) {
                heldClaims.put(f.jobId(), f.job().version());
            }
            recoveries.add(f);
        }
        LOG.warn("node '{}' took over dead node '{}': {} run(s) in flight there handed back to this node", id, dead,
                recovered.size());
    }

    /**
     * Takeovers whose commit failed: the runs they moved to this node are still in flight under
     * this node's id (only a takeover by this node writes that id on another node's run) if the
     * commit went through, and are then recovered here; otherwise the dead node is taken over anew.
     */
    private void adoptTakeoversInDoubt(long epoch) throws SQLException {
        for (Map.Entry<String, List<Firing>> doubt : takeoversInDoubt.entrySet()) {
            List<Firing> adopted = new ArrayList<>();
            db.autoCommit(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + sql.runs
                        + " WHERE run_id = ? AND node_id = ? AND ended_at_ms IS NULL AND fence = ?")) {
                    for (Firing f : doubt.getValue()) {
                        ps.setString(1, f.ticket().runId());
                        ps.setString(2, id);
                        ps.setLong(3, f.ticket().fencingToken());
                        try (ResultSet rs = ps.executeQuery()) {
                            if (rs.next() && rs.getLong(1) == 1) {
                                adopted.add(f);
                            }
                        }
                    }
                }
                return null;
            });
            takeoversInDoubt.remove(doubt.getKey());
            for (Firing f : doubt.getValue()) {
                if (f.holdsClaim() && !adopted.contains(f)) {
                    heldClaims.remove(f.jobId(), f.job().version()); // the takeover rolled back
                }
            }
            if (!adopted.isEmpty()) {
                hold(doubt.getKey(), adopted, epoch);
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

    /** A dead node's run: its fire time in flight and the queued ones after it that had not started. */
    /** A dead node's run; {@code retryAt} (null: none) when it was waiting for attempt {@code attemptsMade + 1}. */
    private record DeadRun(String runId, String jobId, long fireTime, boolean recoverable, StoredJob snapshot, long fence,
                           List<java.time.Instant> queued, int attemptsMade, java.time.Instant retryAt,
                           boolean cancelRequested) {
    }

    /** One dead node's takeover, in one transaction; null when another node got there first. */
    private List<Firing> takeOver(Connection c, String dead, List<String> heldAhead, Map<String, String> marked)
            throws SQLException {
        boolean deletedRow;
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + sql.nodes + " WHERE node_id = ? AND heartbeat_at_ms < "
                + sql.now + " - ?")) {
            ps.setString(1, dead);
            ps.setLong(2, timeout.toMillis());
            deletedRow = ps.executeUpdate() == 1;
            if (!deletedRow && SqlJobStore.exists(c, "SELECT COUNT(*) FROM " + sql.nodes + " WHERE node_id = ?", dead)) {
                return null; // it beat again meanwhile
            }
        }
        List<DeadRun> runs = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.runsOfNode)) {
            ps.setString(1, dead);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String task = rs.getString("snapshot_task");
                    long fire = rs.getLong("fire_time");
                    StoredJob snapshot = task == null ? null : new StoredJob(rs.getString("job_id"), task,
                            rs.getString("snapshot_trigger"), rs.getString("snapshot_options"), rs.getString("snapshot_data"),
                            false, null, null, null, 0);
                    long retryAt = rs.getLong("retry_at");
                    boolean waiting = !rs.wasNull();
                    int attemptsMade = rs.getInt("attempts_made");
                    runs.add(new DeadRun(rs.getString("run_id"), rs.getString("job_id"), fire, rs.getBoolean("recoverable"),
                            snapshot, rs.getLong("fence"), Sql.decodeFireTimesAfter(rs.getString("queued_fire_times"), fire),
                            waiting && attemptsMade > 0 ? attemptsMade : 0, waiting && attemptsMade > 0 ? Sql.fromNanos(retryAt) : null,
                            rs.getBoolean("cancel_requested")));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.runs + " SET node_id = ?, started_at_ms = " + sql.now
                + " WHERE node_id = ? AND ended_at_ms IS NULL")) {
            ps.setString(1, id);
            ps.setString(2, dead);
            ps.executeUpdate();
        }
        Map<String, StoredJob> claimedByDead = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql.claimsOfNode)) {
            ps.setString(1, dead);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    StoredJob job = Sql.readJob(rs);
                    claimedByDead.put(job.id(), job);
                }
            }
        }
        if (!deletedRow && runs.isEmpty() && claimedByDead.isEmpty()) {
            return null; // another node took it over first
        }
        List<Firing> recovered = new ArrayList<>();
        for (DeadRun run : runs) {
            if (run.cancelRequested()) {
                marked.put(run.runId(), run.jobId());
            }
            StoredJob claimed = claimedByDead.get(run.jobId());
            RunTicket ticket = new RunTicket(run.jobId(), Sql.fromNanos(run.fireTime()), run.runId(), newFence(c, run));
            if (claimed != null && Sql.nanos(claimed.claimedFireTime()) == run.fireTime()) {
                // The dead node held the claim through the run (fixed delay): the claim comes along.
                // Held before the row says so, so that a claim adopting this node's unheld claims
                // never takes it for one whose answer was lost (and runs it beside the recovery).
                heldClaims.put(claimed.id(), claimed.version() + 1);
                heldAhead.add(claimed.id());
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.jobs + " SET claimed_by = ?, claimed_at_ms = "
                        + sql.now + ", version = version + 1 WHERE id = ?")) {
                    ps.setString(1, id);
                    ps.setString(2, claimed.id());
                    ps.executeUpdate();
                }
                claimedByDead.remove(run.jobId());
                recovered.add(new Firing(claimed.withVersion(claimed.version() + 1), ticket.fireTime(), true, ticket, run.queued(),
                        run.attemptsMade(), run.retryAt()));
                continue;
            }
            // A run with a snapshot was of a job that left the store at dispatch (a one-shot): a row
            // under its id now is a job added again since, which this run must not take for its own.
            StoredJob job = run.snapshot() != null ? null : sql.findJob(c, run.jobId());
            StoredJob detached = job != null ? job.withClaim(null).withNextFireTime(null) : run.snapshot();
            if (detached == null) {
                LOG.warn("node '{}': job '{}' was removed while its run of {} was in flight on dead node '{}'; "
                        + "nothing to recover", id, run.jobId(), ticket.fireTime(), dead);
                endRun(c, run.runId(), run.jobId());
                continue;
            }
            // The fire times the dead node had not started come along: run, or reported missed, here.
            // A run waiting for a retry comes with it (attemptsMade, retryAt): the taker runs the retry when due.
            recovered.add(new Firing(detached, ticket.fireTime(), true, ticket, run.queued(), run.attemptsMade(), run.retryAt()));
        }
        // Claims the dead node took but never ran: back in the schedule at their fire time, where
        // the misfire options decide.
        for (StoredJob job : claimedByDead.values()) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.jobs + " SET next_fire_time = claimed_fire_time, "
                    + "claimed_fire_time = NULL, claimed_by = NULL, claimed_at_ms = NULL, version = version + 1 WHERE id = ?")) {
                ps.setString(1, job.id());
                ps.executeUpdate();
            }
        }
        return recovered;
    }

    /**
     * A recovery's fencing token, higher than the run it replaces: the job's next token when the
     * job is still stored, else one past the run's own. Written to the run row, which keeps it.
     */
    private long newFence(Connection c, DeadRun run) throws SQLException {
        long fence;
        try (PreparedStatement ps = c.prepareStatement(sql.bumpFence)) {
            ps.setString(1, run.jobId());
            fence = ps.executeUpdate() == 1 ? SqlJobStore.readLong(c, sql.readFence, run.jobId()) : run.fence() + 1;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.runs + " SET fence = ? WHERE run_id = ?")) {
            ps.setLong(1, fence);
            ps.setString(2, run.runId());
            ps.executeUpdate();
        }
        return fence;
    }

    /**
     * Deletes completion markers (ended runs) old enough that no retry of their completion is
     * still going on (twice the node timeout, at least a minute), a bounded batch per heartbeat. A retry later than that finds no row and
     * answers "not ours": it then frees no slot, which is right either way, as the first attempt did.
     */
    void purgeEndedRuns() throws SQLException {
        long retentionMillis = endedRunRetention.toMillis();
        List<String> ended = new ArrayList<>();
        db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.selectEndedRuns)) {
                ps.setLong(1, retentionMillis);
                ps.setInt(2, PURGE_BATCH);
                collect(ps, ended);
            }
            return null;
        });
        if (ended.isEmpty()) {
            return;
        }
        db.transaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.deleteRun)) {
                for (String runId : ended) {
                    ps.setString(1, runId);
                    ps.addBatch();
                }
                return ps.executeBatch();
            }
        });
    }

    /**
     * Claims and runs this node recorded but does not hold: a commit that went through although
     * its answer was lost. Past a grace period they are put back (claims) or ended (runs), so
     * nothing stays claimed forever.
     */
    void resetOwnOrphans() throws SQLException {
        long graceMillis = Math.max(timeout.toMillis(), 10_000L);
        Map<String, Long> claims = new HashMap<>();
        List<String[]> runs = new ArrayList<>();
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
            try (PreparedStatement ps = c.prepareStatement(sql.staleRuns)) {
                ps.setString(1, id);
                ps.setLong(2, graceMillis);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        runs.add(new String[] {rs.getString(1), rs.getString(2)});
                    }
                }
            }
            return null;
        });
        for (Map.Entry<String, Long> claim : claims.entrySet()) {
            if (heldClaims.containsKey(claim.getKey())) {
                continue;
            }
            int reset = db.transaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.jobs + " SET next_fire_time = claimed_fire_time, "
                        + "claimed_fire_time = NULL, claimed_by = NULL, claimed_at_ms = NULL, version = version + 1 "
                        + "WHERE id = ? AND version = ? AND claimed_by = ?")) {
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
        for (String[] run : runs) {
            if (!heldRuns.containsKey(run[0]) && db.transaction(c -> endRun(c, run[0], run[1])) == Ended.NOW) {
                LOG.warn("node '{}': a run of job '{}' was recorded by a call whose answer was lost; ended", id, run[1]);
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
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.jobs + " SET next_fire_time = claimed_fire_time, "
                + "claimed_fire_time = NULL, claimed_by = NULL, claimed_at_ms = NULL, version = version + 1 "
                + "WHERE id = ? AND version = ? AND claimed_by = ?")) {
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
                boolean holds = SqlJobStore.exists(c, "SELECT COUNT(*) FROM " + sql.runs
                        + " WHERE node_id = ? AND ended_at_ms IS NULL", id)
                        || SqlJobStore.exists(c, "SELECT COUNT(*) FROM " + sql.jobs + " WHERE claimed_by = ?", id);
                try (PreparedStatement ps = c.prepareStatement(holds
                        ? "UPDATE " + sql.nodes + " SET heartbeat_at_ms = 0 WHERE node_id = ?"
                        : "DELETE FROM " + sql.nodes + " WHERE node_id = ?")) {
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
