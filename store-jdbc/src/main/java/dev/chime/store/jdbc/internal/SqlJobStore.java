package dev.chime.store.jdbc.internal;

import dev.chime.HistoryPage;
import dev.chime.HistoryQuery;
import dev.chime.RunRecord;
import dev.chime.spi.Dispatch;
import dev.chime.spi.Firing;
import dev.chime.spi.JobCounts;
import dev.chime.spi.JobStore;
import dev.chime.spi.RunEnd;
import dev.chime.spi.RunRequest;
import dev.chime.spi.RunTicket;
import dev.chime.spi.StoredJob;
import dev.chime.store.jdbc.JdbcStoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link JobStore} on a relational database. Schedule calls are single transactions; claims
 * lock due rows with {@code FOR UPDATE SKIP LOCKED} (or, on H2, win them with a version check);
 * completions (release, outcome, end of a run) retry until the database answers, so no job stays
 * claimed because of an outage. Cluster membership, takeover of dead nodes and fencing live in
 * {@link ClusterNode}.
 */
public final class SqlJobStore implements JobStore {

    private static final Logger LOG = LoggerFactory.getLogger(SqlJobStore.class);

    private final Database db;
    private final Sql sql;
    private final ClusterNode node;
    private final RunCompletions completions;
    private final Duration writeRetryLimit;
    private final UnrunnableTasks unrunnable;
    private final RunHistory history;
    /** Dispatches of concurrent callers (firings parked until the same instant) share a transaction. */
    private final GroupCommit<Dispatch, Dispatch.Result> dispatches;

    /**
     * @param writeRetryLimit how long an application's add or replace retries while the database
     *                        is unreachable before it fails (the engine's own writes never give up)
     */
    public SqlJobStore(Database db, Sql sql, ClusterNode node, Duration writeRetryLimit) {
        this.db = db;
        this.sql = sql;
        this.node = node;
        this.writeRetryLimit = writeRetryLimit;
        this.completions = new RunCompletions(db, node);
        this.unrunnable = new UnrunnableTasks(db, sql, node.id());
        // The pruning lease lasts a node timeout: a node that dies holding it is as long replaced.
        this.history = new RunHistory(db, sql, node.id(), node.timeout());
        this.dispatches = new GroupCommit<>(new RunDispatches(db, sql, node)::dispatch);
    }

    /** Gives up once the write retry limit has passed since this call. */
    private BooleanSupplier withinWriteRetryLimit() {
        return giveUpAfter(writeRetryLimit);
    }

    private static BooleanSupplier giveUpAfter(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        return () -> System.nanoTime() - deadline > 0;
    }

    public ClusterNode node() {
        return node;
    }

    @Override
    public boolean add(StoredJob job) {
        boolean[] attempted = {false};
        // The first versions this call's attempts inserted: each is unique to its attempt (the
        // database's clock), so finding one on the row marks the row as this call's.
        Set<Long> versionsTried = new HashSet<>();
        BooleanSupplier giveUp = withinWriteRetryLimit();
        return call("add job '" + job.id() + "'", () -> db.retryingOneStatement("adding job '" + job.id() + "'", c -> {
            long version = sql.firstVersion(c);
            try (PreparedStatement ps = c.prepareStatement(sql.insertJob)) {
                Sql.bindJob(ps, 1, job, version);
                versionsTried.add(version);
                ps.executeUpdate();
                attempted[0] = true;
                return true;
            } catch (SQLException e) {
                if (!Database.isDuplicateKey(e)) {
                    attempted[0] = true;
                    throw e;
                }
            }
            // Taken id. If an earlier attempt of this very call committed and then lost its
            // connection, the row is ours: one of our first versions and the same content mean added.
            boolean ours = attempted[0] && sameContent(sql.findJob(c, job.id()), job, versionsTried);
            attempted[0] = true;
            return ours;
        }, giveUp));
    }

    private static boolean sameContent(StoredJob read, StoredJob job, Set<Long> versionsTried) {
        return read != null && versionsTried.contains(read.version()) && read.task().equals(job.task())
                && read.triggerSpec().equals(job.triggerSpec()) && read.optionsJson().equals(job.optionsJson())
                && Objects.equals(read.dataJson(), job.dataJson());
    }

    @Override
    public void put(StoredJob job) {
        BooleanSupplier giveUp = withinWriteRetryLimit();
        call("put job '" + job.id() + "'", () -> db.retrying("replacing job '" + job.id() + "'", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.replaceJob)) {
                int i = bindSchedule(ps, job);
                i = Sql.bindLastRun(ps, i, job.lastRun());
                ps.setString(i, job.id());
                if (ps.executeUpdate() == 1) {
                    return null;
                }
            }
            try (PreparedStatement ps = c.prepareStatement(sql.insertJob)) {
                Sql.bindJob(ps, 1, job.withClaim(null), sql.firstVersion(c));
                ps.executeUpdate();
            } catch (SQLException e) {
                if (Database.isDuplicateKey(e)) {
                    // Another put inserted it first: retry, and this time replace it.
                    throw new SQLException("job '" + job.id() + "' was inserted concurrently", "40001", e);
                }
                throw e;
            }
            return null;
        }, giveUp));
    }

    /**
     * Binds the columns that replace and update both set first: task, trigger, options, data,
     * pause state, next fire time. Returns the next parameter index.
     */
    private static int bindSchedule(PreparedStatement ps, StoredJob job) throws SQLException {
        Sql.checkStorable(job);
        int i = 1;
        ps.setString(i++, job.task());
        ps.setString(i++, job.triggerSpec());
        ps.setString(i++, job.optionsJson());
        Sql.setText(ps, i++, job.dataJson());
        ps.setBoolean(i++, job.paused());
        Sql.setLong(ps, i++, Sql.nanos(job.nextFireTime()));
        return i;
    }

    @Override
    public boolean remove(String jobId) {
        node.forgetClaim(jobId);
        return call("remove job '" + jobId + "'", () -> db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.deleteJob)) {
                ps.setString(1, jobId);
                return ps.executeUpdate() == 1;
            }
        }));
    }

    @Override
    public Optional<StoredJob> get(String jobId) {
        return Optional.ofNullable(call("read job '" + jobId + "'", () -> db.autoCommit(c -> sql.findJob(c, jobId))));
    }

    @Override
    public List<StoredJob> list() {
        return call("list jobs", () -> db.autoCommit(c -> {
            List<StoredJob> all = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql.listJobs); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    all.add(Sql.readJob(rs));
                }
            }
            return all;
        }));
    }

    @Override
    public boolean update(StoredJob job) {
        return call("update job '" + job.id() + "'", () -> db.transaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.updateJob)) {
                int i = bindSchedule(ps, job);
                Sql.setLong(ps, i++, Sql.nanos(job.claimedFireTime()));
                ps.setBoolean(i++, job.claimedFireTime() == null);
                ps.setString(i++, job.id());
                ps.setLong(i, job.version());
                return ps.executeUpdate() == 1;
            }
        }));
    }

    @Override
    public List<Firing> claimDue(Instant now, int limit) {
        return claimDue(now, limit, null);
    }

    @Override
    public List<Firing> claimDue(Instant now, int limit, Set<String> tasks) {
        // Liveness first, recoveries after: a node paused past its timeout may have been taken
        // over with the runs it adopted, and its next heartbeat (which mayClaim makes) drops them.
        if (!node.mayClaim()) {
            if (node.hasRecoveries()) {
                // Not an empty answer: the queued recoveries make the next due time "now", so the
                // dispatcher would ask again at once; failing lets it back off until the database answers.
                throw new JdbcStoreException("node '" + node.id() + "' could not beat; its recovered runs wait for "
                        + "the database to answer");
            }
            return List.of();
        }
        List<Firing> recoveries = node.takeRecoveries(limit);
        List<Firing> claimed = new ArrayList<>(recoveries);
        if (claimed.size() >= limit) {
            return claimed;
        }
        List<String> taskList = tasks == null ? null : List.copyOf(new java.util.TreeSet<>(tasks));
        if (taskList != null && taskList.isEmpty()) {
            unrunnable.check(now, taskList);
            return claimed;
        }
        List<Firing> fresh;
        boolean reconcile = node.claimInDoubt();
        try {
            fresh = call("claim due jobs", () -> db.transaction(c -> {
                List<Firing> firings = reconcile ? adoptUnheldClaims(c) : new ArrayList<>();
                firings.addAll(claim(c, now, limit - claimed.size() - firings.size(), taskList));
                return firings;
            }));
        } catch (RuntimeException e) {
            // Recoveries are only handed out with the claim's answer: back to their queue, or the
            // adopted runs would stay held (and their jobs at max instances) until this node stops.
            node.requeueRecoveries(recoveries);
            // The commit may have gone through with its answer lost: the rows are then claimed by
            // this node but held by nobody. The next claim adopts them.
            node.claimMayHaveCommitted();
            throw e;
        }
        fresh.forEach(node::holdClaim);
        if (reconcile) {
            node.claimReconciled();
        }
        claimed.addAll(fresh);
        if (taskList != null) {
            unrunnable.check(now, taskList);
        }
        return claimed;
    }

    /**
     * After a claim whose answer was lost: the jobs this node claimed that nothing here holds (the
     * engine never saw them) are adopted as claims of this call, each with its version bumped (so a
     * sweep that read it before cannot put it back under the engine's feet). They fire at once
     * rather than after the orphan sweep's grace. Rows are locked in id order, as dispatches lock
     * them. A claim of a dead node that a takeover brings to this node is held before its row
     * changes ({@link ClusterNode}), so it is never mistaken for one of these.
     */
    private List<Firing> adoptUnheldClaims(Connection c) throws SQLException {
        List<StoredJob> unheld = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.claimsOfNode)) {
            ps.setString(1, node.id());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    StoredJob job = Sql.readJob(rs);
                    if (!node.holdsClaim(job.id())) {
                        unheld.add(job);
                    }
                }
            }
        }
        List<Firing> adopted = new ArrayList<>(unheld.size());
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.jobs + " SET claimed_at_ms = " + sql.now
                + ", version = version + 1 WHERE id = ? AND version = ? AND claimed_by = ? AND claimed_fire_time IS NOT NULL")) {
            for (StoredJob job : unheld) {
                ps.setString(1, job.id());
                ps.setLong(2, job.version());
                ps.setString(3, node.id());
                if (ps.executeUpdate() == 1) {
                    adopted.add(new Firing(job.withVersion(job.version() + 1), job.claimedFireTime()));
                }
            }
        }
        if (!adopted.isEmpty()) {
            LOG.warn("node '{}': {} job(s) claimed by a call whose answer was lost are adopted by this claim: {}", node.id(),
                    adopted.size(), adopted.stream().map(Firing::jobId).toList());
        }
        return adopted;
    }

    private List<Firing> claim(Connection c, Instant now, int limit, List<String> tasks) throws SQLException {
        if (limit <= 0) {
            return new ArrayList<>();
        }
        List<StoredJob> due = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.selectDue(tasks == null ? 0 : tasks.size()))) {
            int p = 1;
            ps.setLong(p++, Sql.nanos(now));
            if (tasks != null) {
                for (String task : tasks) {
                    ps.setString(p++, task);
                }
            }
            ps.setInt(p, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    due.add(Sql.readJob(rs));
                }
            }
        }
        if (due.isEmpty()) {
            return new ArrayList<>();
        }
        int[] counts;
        try (PreparedStatement ps = c.prepareStatement(sql.claim)) {
            for (StoredJob job : due) {
                ps.setString(1, node.id());
                ps.setString(2, job.id());
                ps.setLong(3, job.version());
                ps.addBatch();
            }
            counts = Database.rowCounts(ps);
        }
        List<Firing> firings = new ArrayList<>(due.size());
        for (int i = 0; i < due.size(); i++) {
            // With locked rows every count is 1; on H2 a 0 means a concurrent claim won the row.
            if (counts[i] == 1) {
                StoredJob job = due.get(i);
                StoredJob claim = job.withClaim(job.nextFireTime()).withNextFireTime(null).withVersion(job.version() + 1);
                firings.add(new Firing(claim, job.nextFireTime()));
            }
        }
        firings.sort(Comparator.comparing(Firing::fireTime));
        return firings;
    }

    @Override
    public boolean release(Firing firing, Instant nextFireTime) {
        // Held until the write is done, so that a claim adopting this node's unheld claims (after
        // a lost answer) cannot take it back in the meantime.
        try {
            return releaseHeld(firing, nextFireTime);
        } finally {
            node.forgetClaim(firing);
        }
    }

    private boolean releaseHeld(Firing firing, Instant nextFireTime) {
        return complete("releasing job '" + firing.jobId() + "'", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.release)) {
                Sql.setLong(ps, 1, Sql.nanos(nextFireTime));
                ps.setString(2, firing.jobId());
                ps.setLong(3, firing.job().version());
                return ps.executeUpdate() == 1;
            }
        }, c -> {
            // An earlier attempt may have committed before its connection broke.
            StoredJob now = sql.findJob(c, firing.jobId());
            return now != null && now.version() == firing.job().version() + 1 && now.claimedFireTime() == null
                    && Objects.equals(now.nextFireTime(), nextFireTime);
        });
    }

    @Override
    public boolean removeClaimed(Firing firing) {
        try {
            return removeHeld(firing);
        } finally {
            node.forgetClaim(firing);
        }
    }

    private boolean removeHeld(Firing firing) {
        return complete("removing job '" + firing.jobId() + "'", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.deleteClaimed)) {
                ps.setString(1, firing.jobId());
                ps.setLong(2, firing.job().version());
                return ps.executeUpdate() == 1;
            }
        }, c -> sql.findJob(c, firing.jobId()) == null);
    }

    /**
     * The job's outcome (when the end updates it) and the history row, in one transaction. A retry
     * after a lost answer first looks for the row this node appended (by job, finish and fire
     * time), so the run is recorded once.
     */
    @Override
    public void recordOutcome(RunEnd end) {
        String what = "recording the outcome of job '" + end.jobId() + "'";
        boolean[] retried = {false};
        call(what, () -> db.retrying(what, c -> {
            if (retried[0] && history.recorded(c, end.run())) {
                return null;
            }
            retried[0] = true;
            if (end.updatesJob()) {
                try (PreparedStatement ps = c.prepareStatement(sql.recordOutcome)) {
                    int i = Sql.bindLastRun(ps, 1, end.lastRun());
                    ps.setString(i, end.jobId());
                    ps.executeUpdate();
                }
            }
            for (RunRecord entry : end.entries()) {
                history.insert(c, entry);
            }
            return null;
        }, () -> false));
    }

    @Override
    public HistoryPage history(HistoryQuery query) {
        return call("read the run history", () -> history.page(query));
    }

    @Override
    public int pruneHistory(Instant finishedBefore, int keepPerJob, int limit) {
        return call("trim the run history", () -> history.prune(finishedBefore, keepPerJob, limit));
    }

    @Override
    public RunTicket beginRun(RunRequest request) {
        String runId = UUID.randomUUID().toString();
        // Read before the write: a registration made anew meanwhile only makes holdsRun ask the database.
        long epoch = node.epoch();
        boolean[] retried = {false};
        Long fence = call("begin a run of job '" + request.jobId() + "'", () -> db.retrying(
                "beginning a run of job '" + request.jobId() + "'", c -> {
                    if (retried[0]) {
                        Long earlier = runFence(c, runId);
                        if (earlier != null) {
                            return earlier;
                        }
                    }
                    retried[0] = true;
                    return insertRun(c, request, runId);
                }, () -> false));
        if (fence == null) {
            return null;
        }
        node.holdRun(runId, epoch);
        return new RunTicket(request.jobId(), request.fireTime(), runId, fence);
    }

    /**
     * Moves a run of several queued fire times on, in one transaction: the run row's fire time
     * (fenced on this node, the run not ended, and the fire time the node finished), then a fresh
     * token from the job's row with the finished fire time's outcome, written back to the run row.
     * Locks the run row before the job row, as completions and takeovers do. A retry after a lost
     * answer finds the row already at {@code fireTime} and answers its token.
     */
    @Override
    public RunTicket advanceRun(RunTicket ticket, Instant fireTime, RunEnd end) {
        if (RunTicket.LOCAL.equals(ticket.runId())) {
            return JobStore.super.advanceRun(ticket, fireTime, end);
        }
        boolean[] retried = {false};
        Long fence = call("move a run of job '" + ticket.jobId() + "' on to " + fireTime, () -> db.retrying(
                "moving a run of job '" + ticket.jobId() + "' on to " + fireTime, c -> {
                    if (retried[0]) {
                        Long earlier = advancedEarlier(c, ticket.runId(), fireTime, ticket.fencingToken());
                        if (earlier != null) {
                            return earlier;
                        }
                    }
                    retried[0] = true;
                    return advance(c, ticket, fireTime, end);
                }, () -> false));
        if (fence == null) {
            LOG.warn("node '{}': the run of job '{}' at {} was taken over by another node; its queued fire times from {} "
                    + "are the taker's", node.id(), ticket.jobId(), ticket.fireTime(), fireTime);
            node.forgetRun(ticket.runId());
            return null;
        }
        return new RunTicket(ticket.jobId(), fireTime, ticket.runId(), fence);
    }

    /**
     * Stores a retry with its run, in one UPDATE fenced as {@link #advanceRun}'s is (this node's,
     * not ended, at the ticket's fire time); a takeover reads it into the recovery firing. Gives up
     * after half the node timeout: the engine then keeps the retry in memory only.
     */
    @Override
    public boolean deferRun(RunTicket ticket, int attemptsMade, Instant retryAt) {
        if (RunTicket.LOCAL.equals(ticket.runId())) {
            return true;
        }
        if (attemptsMade < 1) {
            throw new IllegalArgumentException("deferRun of job '" + ticket.jobId() + "': attemptsMade must be at least 1, was "
                    + attemptsMade);
        }
        java.util.Objects.requireNonNull(retryAt, "retryAt");
        Integer updated = call("store a retry of job '" + ticket.jobId() + "'", () -> db.retryingOneStatement(
                "storing a retry of job '" + ticket.jobId() + "'", c -> {
                    try (PreparedStatement ps = c.prepareStatement(sql.deferRun)) {
                        ps.setInt(1, attemptsMade);
                        ps.setLong(2, Sql.nanos(retryAt));
                        ps.setString(3, ticket.runId());
                        ps.setString(4, node.id());
                        ps.setLong(5, Sql.nanos(ticket.fireTime()));
                        return ps.executeUpdate();
                    }
                }, giveUpAfter(node.timeout().dividedBy(2))));
        if (updated == 0) {
            LOG.warn("node '{}': the run of job '{}' at {} was taken over by another node; its retry is the taker's",
                    node.id(), ticket.jobId(), ticket.fireTime());
            node.forgetRun(ticket.runId());
            return false;
        }
        return true;
    }

    private Long advance(Connection c, RunTicket ticket, Instant fireTime, RunEnd end) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.advanceRun)) {
            ps.setLong(1, Sql.nanos(fireTime));
            ps.setString(2, ticket.runId());
            ps.setString(3, node.id());
            ps.setLong(4, Sql.nanos(ticket.fireTime()));
            if (ps.executeUpdate() == 0) {
                return null; // taken over (or ended) meanwhile
            }
        }
        boolean outcome = end != null && end.updatesJob();
        int bumped;
        try (PreparedStatement ps = c.prepareStatement(outcome ? sql.bumpFenceWithOutcome : sql.bumpFence)) {
            int i = outcome ? Sql.bindLastRun(ps, 1, end.lastRun()) : 1;
            ps.setString(i, ticket.jobId());
            bumped = ps.executeUpdate();
        }
        if (end != null) {
            for (RunRecord entry : end.entries()) {
                history.insert(c, entry);
            }
        }
        // A job that left the store (its trigger exhausted) counts on from the run's own token.
        long fence = bumped == 1 ? readLong(c, sql.readFence, ticket.jobId())
                : readLong(c, "SELECT fence FROM " + sql.runs + " WHERE run_id = ?", ticket.runId()) + 1;
        try (PreparedStatement ps = c.prepareStatement(sql.setRunFence)) {
            ps.setLong(1, fence);
            ps.setString(2, ticket.runId());
            ps.executeUpdate();
        }
        return fence;
    }

    /**
     * The run's token when an earlier attempt already moved it on to {@code fireTime} for this node;
     * else null. The token tells, not the fire time alone: a recovery or a retry moves its run on to
     * the fire time it is already at, to take a fresh token, so only a token other than the one it
     * had shows that the earlier attempt committed.
     */
    private Long advancedEarlier(Connection c, String runId, Instant fireTime, long tokenBefore) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.runProgress)) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !node.id().equals(rs.getString(1))) {
                    return null;
                }
                rs.getLong(2);
                boolean ended = !rs.wasNull();
                return !ended && rs.getLong(3) == Sql.nanos(fireTime) && rs.getLong(4) != tokenBefore ? rs.getLong(4) : null;
            }
        }
    }

    /** The fencing token of a run row, or null when there is none (an earlier attempt did not commit). */
    private Long runFence(Connection c, String runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT fence FROM " + sql.runs + " WHERE run_id = ?")) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    /** Records a run; its fencing token, or null when refused (max instances, or this node may have been taken over). */
    private Long insertRun(Connection c, RunRequest request, String runId) throws SQLException {
        if (!node.stillAlive(c)) {
            LOG.warn("node '{}': its heartbeat is older than the node timeout; the run of job '{}' at {} is not begun",
                    node.id(), request.jobId(), request.fireTime());
            return null;
        }
        if (request.claim() != null && !stillClaimed(c, request.claim())) {
            // Alive again (it joined anew after a takeover), but the claim went with the takeover
            // and another node may run this firing: liveness alone would let both run it.
            LOG.warn("node '{}': the claim of job '{}' at {} was lost meanwhile; its run is not begun", node.id(),
                    request.jobId(), request.fireTime());
            return null;
        }
        long fence;
        try (PreparedStatement ps = c.prepareStatement(sql.reserveInstance)) {
            ps.setString(1, request.jobId());
            ps.setInt(2, request.maxInstances());
            fence = ps.executeUpdate();
        }
        if (fence == 1) {
            fence = readLong(c, sql.readFence, request.jobId());
        } else if (exists(c, sql.jobExists, request.jobId())) {
            return null; // at max instances across the cluster
        } else {
            // The job left the store (an exhausted trigger): no later firing to limit, and no
            // counter to bump; a run of a job that is gone starts counting afresh.
            fence = 1;
        }
        try (PreparedStatement ps = c.prepareStatement(sql.insertRun)) {
            Sql.bindRun(ps, request, runId, node.id(), fence);
            ps.executeUpdate();
        }
        return fence;
    }

    /** Whether this node still holds the claim, locking the job's row to the end of the transaction. */
    private boolean stillClaimed(Connection c, Firing claim) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM " + sql.jobs
                + " WHERE id = ? AND version = ? AND claimed_by = ? FOR UPDATE")) {
            ps.setString(1, claim.jobId());
            ps.setLong(2, claim.job().version());
            ps.setString(3, node.id());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    static long readLong(Connection c, String query, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(query)) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("no row for '" + key + "' in: " + query);
                }
                return rs.getLong(1);
            }
        }
    }

    static boolean exists(Connection c, String countQuery, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(countQuery)) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getLong(1) > 0;
            }
        }
    }

    /**
     * A batch of dispatches in one transaction ({@link RunDispatches}), shared with the batches of
     * other threads dispatching at the same moment ({@link GroupCommit}).
     */
    @Override
    public List<Dispatch.Result> dispatch(List<Dispatch> dispatches) {
        if (dispatches.isEmpty()) {
            return List.of();
        }
        List<Dispatch.Result> results;
        long epoch = node.epoch();
        try {
            results = call("dispatch " + dispatches.size() + " firing(s)", () -> this.dispatches.run(dispatches));
        } finally {
            // Held until here, so that this node's own orphan sweep cannot reset them mid-retry.
            dispatches.forEach(d -> node.forgetClaim(d.firing()));
        }
        for (Dispatch.Result result : results) {
            if (result.ticket() != null) {
                node.holdRun(result.ticket().runId(), epoch);
            }
        }
        return results;
    }

    @Override
    public boolean completeRun(RunTicket ticket, RunEnd end) {
        if (RunTicket.LOCAL.equals(ticket.runId())) {
            return JobStore.super.completeRun(ticket, end);
        }
        try {
            return completeRunAsync(ticket, end).toCompletableFuture().join();
        } catch (java.util.concurrent.CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException sqlError) {
                throw new JdbcStoreException("could not complete a run of job '" + ticket.jobId() + "': "
                        + sqlError.getMessage(), sqlError);
            }
            throw cause instanceof RuntimeException runtime ? runtime : e;
        }
    }

    /**
     * Whether the run is still this node's: its row is, and this node is alive by the database's
     * clock (checked in the same transaction, so a takeover either went first or waits). A run
     * taken over answers false; a node past its timeout but not (yet) taken over cannot tell.
     */
    @Override
    public boolean holdsRun(RunTicket ticket) {
        if (RunTicket.LOCAL.equals(ticket.runId()) || node.holdsFreshly(ticket.runId())) {
            // Asked by every attempt just before its body starts: answered from memory while the
            // lease is fresh, so a healthy node pays no round trip per run.
            return true;
        }
        // Liveness first: it locks this node's row to the end of the transaction, so a takeover
        // either went first (the run row is then another node's) or waits until this answer is out.
        Boolean held = call("check the run of job '" + ticket.jobId() + "'", () -> db.retrying(
                "checking the run of job '" + ticket.jobId() + "'", c -> {
                    boolean alive = node.stillAlive(c);
                    try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + sql.runs
                            + " WHERE run_id = ? AND node_id = ? AND ended_at_ms IS NULL")) {
                        ps.setString(1, ticket.runId());
                        ps.setString(2, node.id());
                        try (ResultSet rs = ps.executeQuery()) {
                            if (!rs.next() || rs.getLong(1) == 0) {
                                return false;
                            }
                        }
                    }
                    return alive ? Boolean.TRUE : null;
                }, giveUpAfter(node.timeout().dividedBy(2))));
        if (held == null) {
            throw new JdbcStoreException("node '" + node.id() + "' is past its timeout by the database's clock and may be "
                    + "taken over at any moment: whether the run of job '" + ticket.jobId() + "' stays its own is not known yet");
        }
        return held;
    }

    /**
     * Marks the job's runs in progress, on whichever node, in one statement judged by its row
     * count; their nodes read the mark with their next heartbeat ({@link #cancelRequests}).
     * Setting a mark twice is the same as once, so a retry after a lost answer is harmless.
     */
    @Override
    public boolean requestCancel(String jobId) {
        String what = "asking the run of job '" + jobId + "' to stop";
        return call(what, () -> db.retryingOneStatement(what, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.requestCancel)) {
                ps.setString(1, jobId);
                return ps.executeUpdate() > 0;
            }
        }));
    }

    /** From memory: the marks the last heartbeat read, of runs this node still holds ({@link ClusterNode#cancelRequests}). */
    @Override
    public Set<String> cancelRequests() {
        return node.cancelRequests();
    }

    @Override
    public CompletionStage<Boolean> completeRunAsync(RunTicket ticket, RunEnd end) {
        if (RunTicket.LOCAL.equals(ticket.runId())) {
            return JobStore.super.completeRunAsync(ticket, end);
        }
        node.forgetRun(ticket.runId());
        return completions.end(ticket.runId(), ticket.jobId(), end);
    }

    @Override
    public JobCounts counts() {
        return call("count jobs", () -> db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.counts); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new JobCounts(rs.getLong(1), rs.getLong(2));
            }
        }));
    }

    @Override
    public Optional<Instant> nextDueTime() {
        return nextDueTime(null);
    }

    @Override
    public Optional<Instant> nextDueTime(Set<String> tasks) {
        if (node.hasRecoveries()) {
            return Optional.of(Instant.EPOCH);
        }
        if (tasks != null && tasks.isEmpty()) {
            return Optional.empty();
        }
        List<String> taskList = tasks == null ? List.of() : List.copyOf(tasks);
        String query = sql.nextDue(taskList.size());
        return call("read the next due time", () -> db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(query)) {
                for (int i = 0; i < taskList.size(); i++) {
                    ps.setString(i + 1, taskList.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(Sql.instant(rs, 1)) : Optional.<Instant>empty();
                }
            }
        }));
    }

    @Override
    public void close() {
        completions.close();
        node.close();
        db.close();
    }

    /**
     * A completion: retried until the database takes it. {@code committedEarlier} decides, after a
     * failed attempt, whether that attempt's commit went through although its answer was lost.
     */
    private boolean complete(String what, Database.Work<Boolean> work, Database.Work<Boolean> committedEarlier) {
        boolean[] retried = {false};
        return call(what, () -> db.retryingOneStatement(what, c -> {
            if (retried[0] && committedEarlier.run(c)) {
                return true;
            }
            retried[0] = true;
            return work.run(c);
        }));
    }

    @FunctionalInterface
    private interface SqlCall<T> {
        T call() throws SQLException;
    }

    private static <T> T call(String what, SqlCall<T> call) {
        try {
            return call.call();
        } catch (SQLException e) {
            LOG.debug("{} failed", what, e);
            throw new JdbcStoreException("could not " + what + ": " + e.getMessage(), e);
        }
    }
}
