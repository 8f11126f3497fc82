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
import java.util.List;
import java.util.Objects;
import java.util.Optional;
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

    /**
     * @param writeRetryLimit how long an application's add or replace retries while the database
     *                        is unreachable before it fails (the engine's own writes never give up)
     */
    public SqlJobStore(Database db, Sql sql, ClusterNode node, Duration writeRetryLimit) {
        this.db = db;
        this.sql = sql;
        this.node = node;
        this.writeRetryLimit = writeRetryLimit;
        this.completions = new RunCompletions(db, sql, node.id());
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
        List<Firing> claimed = new ArrayList<>(node.takeRecoveries(limit));
        if (claimed.size() >= limit || !node.mayClaim()) {
            return claimed;
        }
        List<Firing> fresh = call("claim due jobs", () -> db.transaction(c -> claim(c, now, limit - claimed.size())));
        fresh.forEach(node::holdClaim);
        claimed.addAll(fresh);
        return claimed;
    }

    private List<Firing> claim(Connection c, Instant now, int limit) throws SQLException {
        List<StoredJob> due = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.selectDue)) {
            ps.setLong(1, Sql.nanos(now));
            ps.setInt(2, limit);
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
        Boolean begun = call("begin a run of job '" + request.jobId() + "'", () -> db.retrying(
                "beginning a run of job '" + request.jobId() + "'", c -> {
                    if (retried[0] && exists(c, sql.runExists, runId)) {
                        return true;
                    }
                    retried[0] = true;
                    return insertRun(c, request, runId);
                }, () -> false));
        if (!begun) {
            return null;
        }
        RunTicket ticket = new RunTicket(request.jobId(), request.fireTime(), runId);
        node.holdRun(runId);
        return ticket;
    }

    private boolean insertRun(Connection c, RunRequest request, String runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.reserveInstance)) {
            ps.setString(1, request.jobId());
            ps.setInt(2, request.maxInstances());
            // No row updated: either the job is at max instances across the cluster, or it left
            // the store (an exhausted trigger), where there is no later firing to limit.
            if (ps.executeUpdate() == 0 && exists(c, sql.jobExists, request.jobId())) {
                return false;
            }
        }
        try (PreparedStatement ps = c.prepareStatement(sql.insertRun)) {
            bindRun(ps, request, runId);
            ps.executeUpdate();
        }
        return true;
    }

    private void bindRun(PreparedStatement ps, RunRequest request, String runId) throws SQLException {
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
        String[] runIds = new String[dispatches.size()];
        for (int i = 0; i < runIds.length; i++) {
            runIds[i] = dispatches.get(i).run() == null ? null : UUID.randomUUID().toString();
        }
        List<List<Dispatch.Result>> attempt = new ArrayList<>(1);
        List<Dispatch.Result> results;
        try {
            results = call("dispatch " + dispatches.size() + " firing(s)", () -> db.retrying(
                    "dispatching " + dispatches.size() + " firing(s)", c -> {
                        if (!attempt.isEmpty() && committedEarlier(c, dispatches, runIds, attempt.get(0))) {
                            return attempt.get(0);
                        }
                        attempt.clear();
                        List<Dispatch.Result> made = dispatchAll(c, dispatches, runIds);
                        attempt.add(made);
                        return made;
                    }, () -> false));
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

    private List<Dispatch.Result> dispatchAll(Connection c, List<Dispatch> dispatches, String[] runIds) throws SQLException {
        int n = dispatches.size();
        // Max instances across the cluster: a run is reserved on its job's row first.
        boolean[] runs = new boolean[n];
        List<Integer> asking = new ArrayList<>();
        // Rows are locked in id order, as run completions lock them, so the two cannot deadlock.
        List<Integer> byJob = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byJob.add(i);
        }
        byJob.sort(Comparator.comparing(i -> dispatches.get(i).firing().jobId()));
        try (PreparedStatement ps = c.prepareStatement(sql.reserveInstance)) {
            for (int i : byJob) {
                RunRequest run = dispatches.get(i).run();
                if (run != null) {
                    ps.setString(1, run.jobId());
                    ps.setInt(2, run.maxInstances());
                    ps.addBatch();
                    asking.add(i);
                }
            }
            int[] counts = asking.isEmpty() ? new int[0] : Database.rowCounts(ps);
            for (int k = 0; k < counts.length; k++) {
                int i = asking.get(k);
                // No row updated: at max instances, or the job is gone (then nothing is left to limit).
                runs[i] = counts[k] != 0 || !exists(c, sql.jobExists, dispatches.get(i).run().jobId());
            }
        }
        try (PreparedStatement ps = c.prepareStatement(sql.insertRun)) {
            boolean any = false;
            for (int i = 0; i < n; i++) {
                if (runs[i]) {
                    bindRun(ps, dispatches.get(i).run(), runIds[i]);
                    ps.addBatch();
                    any = true;
                }
            }
            if (any) {
                ps.executeBatch();
            }
        }
        boolean[] ended = new boolean[n];
        endClaims(c, dispatches, false, ended);
        endClaims(c, dispatches, true, ended);
        List<Dispatch.Result> results = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Dispatch d = dispatches.get(i);
            RunTicket ticket = runs[i] ? new RunTicket(d.run().jobId(), d.run().fireTime(), runIds[i]) : null;
            results.add(new Dispatch.Result(ticket, ended[i]));
        }
        return results;
    }

    /** Releases (or, with {@code removing}, deletes) the claimed jobs of the dispatches of that kind. */
    private void endClaims(Connection c, List<Dispatch> dispatches, boolean removing, boolean[] ended) throws SQLException {
        List<Integer> batch = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(removing ? sql.deleteClaimed : sql.release)) {
            for (int i = 0; i < dispatches.size(); i++) {
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
        if (node.hasRecoveries()) {
            return Optional.of(Instant.EPOCH);
        }
        return call("read the next due time", () -> db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.nextDue); ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(Sql.instant(rs, 1)) : Optional.<Instant>empty();
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
