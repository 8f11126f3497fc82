package dev.chime.store.jdbc.internal;

import dev.chime.LastRun;
import dev.chime.spi.Dispatch;
import dev.chime.spi.Firing;
import dev.chime.spi.JobCounts;
import dev.chime.spi.JobStore;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    }

    /** Gives up once the write retry limit has passed since this call. */
    private BooleanSupplier withinWriteRetryLimit() {
        long deadline = System.nanoTime() + writeRetryLimit.toNanos();
        return () -> System.nanoTime() - deadline > 0;
    }

    public ClusterNode node() {
        return node;
    }

    @Override
    public boolean add(StoredJob job) {
        boolean[] attempted = {false};
        BooleanSupplier giveUp = withinWriteRetryLimit();
        return call("add job '" + job.id() + "'", () -> db.retryingOneStatement("adding job '" + job.id() + "'", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.insertJob)) {
                Sql.bindJob(ps, 1, job, 0);
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
            // connection, the row is ours: same content means added.
            boolean ours = attempted[0] && sameContent(readJob(c, job.id()), job);
            attempted[0] = true;
            return ours;
        }, giveUp));
    }

    private static boolean sameContent(StoredJob read, StoredJob job) {
        return read != null && read.version() == 0 && read.task().equals(job.task())
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
                Sql.bindJob(ps, 1, job.withClaim(null), 0);
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
        return Optional.ofNullable(call("read job '" + jobId + "'", () -> db.autoCommit(c -> readJob(c, jobId))));
    }

    private StoredJob readJob(Connection c, String jobId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.selectJob)) {
            ps.setString(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Sql.readJob(rs) : null;
            }
        }
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
        List<Firing> recoveries = node.takeRecoveries(limit);
        List<Firing> claimed = new ArrayList<>(recoveries);
        if (claimed.size() >= limit || !node.mayClaim()) {
            return claimed;
        }
        List<String> taskList = tasks == null ? null : List.copyOf(new java.util.TreeSet<>(tasks));
        if (taskList != null && taskList.isEmpty()) {
            unrunnable.check(now, taskList);
            return claimed;
        }
        List<Firing> fresh;
        try {
            fresh = call("claim due jobs", () -> db.transaction(c -> claim(c, now, limit - claimed.size(), taskList)));
        } catch (RuntimeException e) {
            // Recoveries are only handed out with the claim's answer: back to their queue, or the
            // adopted runs would stay held (and their jobs at max instances) until this node stops.
            node.requeueRecoveries(recoveries);
            throw e;
        }
        fresh.forEach(node::holdClaim);
        claimed.addAll(fresh);
        if (taskList != null) {
            unrunnable.check(now, taskList);
        }
        return claimed;
    }

    private List<Firing> claim(Connection c, Instant now, int limit, List<String> tasks) throws SQLException {
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
            return List.of();
        }
        int[] counts;
        try (PreparedStatement ps = c.prepareStatement(sql.claim)) {
            for (StoredJob job : due) {
                ps.setString(1, node.id());
                ps.setString(2, job.id());
                ps.setLong(3, job.version());
                ps.addBatch();
            }
            counts = ps.executeBatch();
        }
        List<Firing> firings = new ArrayList<>(due.size());
        for (int i = 0; i < due.size(); i++) {
            // With locked rows every count is 1; on H2 a 0 means a concurrent claim won the row.
            if (counts[i] == 1 || counts[i] == PreparedStatement.SUCCESS_NO_INFO) {
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
        node.forgetClaim(firing.jobId());
        return complete("releasing job '" + firing.jobId() + "'", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.release)) {
                Sql.setLong(ps, 1, Sql.nanos(nextFireTime));
                ps.setString(2, firing.jobId());
                ps.setLong(3, firing.job().version());
                return ps.executeUpdate() == 1;
            }
        }, c -> {
            // An earlier attempt may have committed before its connection broke.
            StoredJob now = readJob(c, firing.jobId());
            return now != null && now.version() == firing.job().version() + 1 && now.claimedFireTime() == null
                    && Objects.equals(now.nextFireTime(), nextFireTime);
        });
    }

    @Override
    public boolean removeClaimed(Firing firing) {
        node.forgetClaim(firing.jobId());
        return complete("removing job '" + firing.jobId() + "'", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.deleteClaimed)) {
                ps.setString(1, firing.jobId());
                ps.setLong(2, firing.job().version());
                return ps.executeUpdate() == 1;
            }
        }, c -> readJob(c, firing.jobId()) == null);
    }

    @Override
    public void recordOutcome(String jobId, LastRun lastRun) {
        complete("recording the outcome of job '" + jobId + "'", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.recordOutcome)) {
                int i = Sql.bindLastRun(ps, 1, lastRun);
                ps.setString(i, jobId);
                ps.executeUpdate();
                return true;
            }
        }, c -> true);
    }

    @Override
    public RunTicket beginRun(RunRequest request) {
        String runId = UUID.randomUUID().toString();
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
        node.holdRun(runId);
        return new RunTicket(request.jobId(), request.fireTime(), runId, fence);
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
            bindRun(ps, request, runId, fence);
            ps.executeUpdate();
        }
        return fence;
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

    private void bindRun(PreparedStatement ps, RunRequest request, String runId, long fence) throws SQLException {
        StoredJob snapshot = request.snapshot();
        ps.setString(1, runId);
        ps.setString(2, request.jobId());
        ps.setLong(3, Sql.nanos(request.fireTime()));
        ps.setString(4, node.id());
        ps.setBoolean(5, request.recoverable());
        Sql.setText(ps, 6, snapshot == null ? null : snapshot.task());
        Sql.setText(ps, 7, snapshot == null ? null : snapshot.triggerSpec());
        Sql.setText(ps, 8, snapshot == null ? null : snapshot.optionsJson());
        Sql.setText(ps, 9, snapshot == null ? null : snapshot.dataJson());
        ps.setLong(10, fence);
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
     * A batch of dispatches in one transaction, each kind of statement sent as one JDBC batch: the
     * commit (a disk flush on most databases) is paid once per batch, not once per firing.
     */
    @Override
    public List<Dispatch.Result> dispatch(List<Dispatch> dispatches) {
        if (dispatches.isEmpty()) {
            return List.of();
        }
        List<Dispatch.Result> results;
        try {
            results = call("dispatch " + dispatches.size() + " firing(s)", () -> dispatchOrFallBack(dispatches));
        } finally {
            // Held until here, so that this node's own orphan sweep cannot reset them mid-retry.
            dispatches.forEach(d -> node.forgetClaim(d.firing().jobId()));
        }
        for (Dispatch.Result result : results) {
            if (result.ticket() != null) {
                node.holdRun(result.ticket().runId());
            }
        }
        return results;
    }

    /**
     * The batch in one transaction; when the database refuses it for good (a value it will never
     * take), one dispatch at a time, so one bad row cannot hold the others back. A dispatch whose
     * run the database refuses on its own ends its claim without the run (the firing is then
     * reported skipped) rather than coming back for ever.
     */
    private List<Dispatch.Result> dispatchOrFallBack(List<Dispatch> dispatches) throws SQLException {
        try {
            return dispatchRetrying(dispatches);
        } catch (SQLException e) {
            if (Database.isTransient(e)) {
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
                    results.add(dispatchOrFallBack(List.of(d)).get(0));
                } catch (SQLException alone) {
                    if (Database.isTransient(alone)) {
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
        List<List<Dispatch.Result>> attempt = new ArrayList<>(1);
        return db.retrying("dispatching " + dispatches.size() + " firing(s)", c -> {
            if (!attempt.isEmpty() && committedEarlier(c, dispatches, runIds, attempt.get(0))) {
                return attempt.get(0);
            }
            attempt.clear();
            List<Dispatch.Result> made = dispatchAll(c, dispatches, runIds);
            attempt.add(made);
            return made;
        }, () -> false);
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
        boolean removals = dispatches.stream().anyMatch(Dispatch::removesJob);
        if (removals) {
            // Releases and deletes go in two batches, so lock every row first, in id order; this
            // also reads the fencing tokens of the jobs about to leave the store.
            lockAndReadFences(c, dispatches, byJob, fences);
        }
        boolean[] ended = new boolean[n];
        endClaims(c, dispatches, byJob, false, ended);
        endClaims(c, dispatches, byJob, true, ended);
        boolean[] runs = reserveInstances(c, dispatches, byJob, ended, fences);
        long[] tokens = new long[n];
        try (PreparedStatement ps = c.prepareStatement(sql.insertRun)) {
            boolean any = false;
            for (int i : byJob) {
                if (runs[i]) {
                    Dispatch d = dispatches.get(i);
                    // A job that left the store keeps counting on from its last token in the run row.
                    tokens[i] = d.removesJob() ? fences.getOrDefault(d.firing().jobId(), 0L) + 1 : fences.get(d.firing().jobId());
                    bindRun(ps, d.run(), runIds[i], tokens[i]);
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
            results.add(new Dispatch.Result(ticket, ended[i]));
        }
        return results;
    }

    private void lockAndReadFences(Connection c, List<Dispatch> dispatches, List<Integer> byJob, Map<String, Long> fences)
            throws SQLException {
        String in = String.join(", ", java.util.Collections.nCopies(byJob.size(), "?"));
        try (PreparedStatement ps = c.prepareStatement("SELECT id, fence FROM " + sql.jobs + " WHERE id IN (" + in
                + ") ORDER BY id FOR UPDATE")) {
            int p = 1;
            for (int i : byJob) {
                ps.setString(p++, dispatches.get(i).firing().jobId());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    fences.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
    }

    /**
     * Max instances across the cluster: a slot is reserved on the job's row, for the claims that
     * ended only, and the job's fencing token goes up with it. A job that left the store has no
     * later firing to limit. Returns which dispatches run; {@code fences} gets the new tokens.
     */
    private boolean[] reserveInstances(Connection c, List<Dispatch> dispatches, List<Integer> byJob, boolean[] ended,
                                       Map<String, Long> fences) throws SQLException {
        boolean[] runs = new boolean[dispatches.size()];
        List<Integer> asking = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.reserveInstance)) {
            for (int i : byJob) {
                Dispatch d = dispatches.get(i);
                if (d.run() == null || !ended[i]) {
                    continue;
                }
                if (d.removesJob()) {
                    runs[i] = true;
                    continue;
                }
                ps.setString(1, d.run().jobId());
                ps.setInt(2, d.run().maxInstances());
                ps.addBatch();
                asking.add(i);
            }
            if (asking.isEmpty()) {
                return runs;
            }
            int[] counts = ps.executeBatch();
            for (int k = 0; k < counts.length; k++) {
                // The claim just ended on this row, so it exists: no row updated means max instances.
                runs[asking.get(k)] = counts[k] != 0;
            }
        }
        String in = String.join(", ", java.util.Collections.nCopies(asking.size(), "?"));
        try (PreparedStatement ps = c.prepareStatement("SELECT id, fence FROM " + sql.jobs + " WHERE id IN (" + in + ")")) {
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
    private void endClaims(Connection c, List<Dispatch> dispatches, List<Integer> byJob, boolean removing, boolean[] ended)
            throws SQLException {
        List<Integer> batch = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(removing ? sql.deleteClaimed : sql.release)) {
            for (int i : byJob) {
                Dispatch d = dispatches.get(i);
                if (d.removesJob() != removing) {
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
            int[] counts = ps.executeBatch();
            for (int k = 0; k < counts.length; k++) {
                ended[batch.get(k)] = counts[k] == 1 || counts[k] == PreparedStatement.SUCCESS_NO_INFO;
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
                return exists(c, sql.runExists, runIds[i]);
            }
        }
        for (int i = 0; i < dispatches.size(); i++) {
            Dispatch d = dispatches.get(i);
            if (results.get(i).claimEnded()) {
                StoredJob now = readJob(c, d.firing().jobId());
                return d.removesJob() ? now == null
                        : now != null && now.version() == d.firing().job().version() + 1 && now.claimedFireTime() == null;
            }
        }
        return false;
    }

    @Override
    public boolean completeRun(RunTicket ticket, LastRun lastRun) {
        if (RunTicket.LOCAL.equals(ticket.runId())) {
            return JobStore.super.completeRun(ticket, lastRun);
        }
        try {
            return completeRunAsync(ticket, lastRun).toCompletableFuture().join();
        } catch (java.util.concurrent.CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException sqlError) {
                throw new JdbcStoreException("could not complete a run of job '" + ticket.jobId() + "': "
                        + sqlError.getMessage(), sqlError);
            }
            throw cause instanceof RuntimeException runtime ? runtime : e;
        }
    }

    @Override
    public CompletionStage<Boolean> completeRunAsync(RunTicket ticket, LastRun lastRun) {
        if (RunTicket.LOCAL.equals(ticket.runId())) {
            return JobStore.super.completeRunAsync(ticket, lastRun);
        }
        node.forgetRun(ticket.runId());
        return completions.end(ticket.runId(), ticket.jobId(), lastRun);
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
        String query = taskList.isEmpty() ? sql.nextDue : sql.nextDue + " AND task IN ("
                + String.join(", ", java.util.Collections.nCopies(taskList.size(), "?")) + ")";
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
