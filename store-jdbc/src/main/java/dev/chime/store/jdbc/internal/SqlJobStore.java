package dev.chime.store.jdbc.internal;

import dev.chime.ExecutionQuery;
import dev.chime.ExecutionState;
import dev.chime.spi.Claim;
import dev.chime.spi.ClaimEnd;
import dev.chime.spi.ClaimResult;
import dev.chime.spi.JobCounts;
import dev.chime.spi.JobStore;
import dev.chime.spi.RunEnd;
import dev.chime.spi.RunEndResult;
import dev.chime.spi.RunTicket;
import dev.chime.spi.StoredExecution;
import dev.chime.spi.StoredJob;
import dev.chime.store.jdbc.JdbcStoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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
    private static final int STOP_CHUNK = 500;

    private final RunEnds runEnds;
    private final Duration writeRetryLimit;
    private final UnrunnableTasks unrunnable;
    /** Claim ends of concurrent callers (fire times parked until the same instant) share a transaction. */
    private final GroupCommit<ClaimEnd, ClaimResult> claimEnds;
    private final HistoryPurge purge;

    /**
     * @param writeRetryLimit how long an application's add or replace retries while the database
     *                        is unreachable before it fails (the engine's own writes never give up)
     */
    public SqlJobStore(Database db, Sql sql, ClusterNode node, Duration writeRetryLimit) {
        this.db = db;
        this.sql = sql;
        this.node = node;
        this.writeRetryLimit = writeRetryLimit;
        this.runEnds = new RunEnds(db, sql, node);
        this.unrunnable = new UnrunnableTasks(db, sql, node.id());
        this.claimEnds = new GroupCommit<>(new ClaimEnds(db, sql, node)::end);
        this.purge = new HistoryPurge(db, sql, node.id());
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

    /**
     * Adds the job unless its id is taken. A retry after an attempt whose answer was lost finds
     * that attempt's row: the same content (at version 0) means added.
     */
    @Override
    public boolean add(StoredJob job) {
        BooleanSupplier giveUp = withinWriteRetryLimit();
        return call("add job '" + job.id() + "'", () -> db.retryingOneStatement("adding job '" + job.id() + "'", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.insertJob)) {
                Sql.bindJob(ps, 1, job, 0);
                ps.executeUpdate();
                return true;
            } catch (SQLException e) {
                if (!db.isDuplicateKey(e)) {
                    throw e;
                }
                return false; // taken id
            }
        }, (c, computed) -> sameContent(sql.findJob(c, job.id()), job) ? true : null, giveUp)); // ours: added
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
                if (db.isDuplicateKey(e)) {
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
        node.forgetJobClaim(jobId);
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
    public List<Claim> claim(Instant now, int limit, Set<String> tasks) {
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
        List<Claim.Recovery> recoveries = node.takeRecoveries(limit);
        List<Claim> claimed = new ArrayList<>(recoveries);
        if (claimed.size() >= limit) {
            return claimed;
        }
        List<String> taskList = tasks == null ? null : List.copyOf(new java.util.TreeSet<>(tasks));
        if (taskList != null && taskList.isEmpty()) {
            unrunnable.check(now, taskList);
            return claimed;
        }
        List<Claim> fresh;
        boolean reconcile = node.claimInDoubt();
        try {
            fresh = call("claim due work", () -> db.transaction(c -> {
                List<Claim> claims = reconcile ? adoptUnheldClaims(c) : new ArrayList<>();
                claims.addAll(claimDue(c, now, limit - claimed.size() - claims.size(), taskList));
                return claims;
            }));
        } catch (RuntimeException e) {
            // Recoveries are only handed out with the claim's answer: back to their queue, or the
            // adopted runs would stay held until this node stops.
            node.requeueRecoveries(recoveries);
            // The commit may have gone through with its answer lost: the rows are then claimed by
            // this node but held by nobody. The next claim adopts the jobs; the orphan sweep the rest.
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
     * sweep that read it before cannot put it back under the engine's feet), and so are the waiting
     * executions it claimed that nothing here holds.
     */
    private List<Claim> adoptUnheldClaims(Connection c) throws SQLException {
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
        List<Claim> adopted = new ArrayList<>(unheld.size());
        try (PreparedStatement ps = c.prepareStatement(sql.adoptOwnClaim)) {
            for (StoredJob job : unheld) {
                ps.setString(1, job.id());
                ps.setLong(2, job.version());
                ps.setString(3, node.id());
                if (ps.executeUpdate() == 1) {
                    adopted.add(new Claim.FireTime(job.withVersion(job.version() + 1), job.claimedFireTime()));
                }
            }
        }
        // Waiting executions it claimed the same way (a due task, a retry), likewise: else they
        // would wait for the orphan sweep's grace, or for ever when the cluster stops before it.
        List<StoredExecution> unheldExecutions = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.waitingClaimsOfNode)) {
            ps.setString(1, node.id());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    StoredExecution e = Sql.readExecution(rs);
                    if (!node.holdsExecutionClaim(e.id())) {
                        unheldExecutions.add(e);
                    }
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement(sql.adoptOwnExecutionClaim)) {
            for (StoredExecution e : unheldExecutions) {
                ps.setString(1, e.id());
                ps.setLong(2, e.version());
                ps.setString(3, node.id());
                if (ps.executeUpdate() == 1) {
                    adopted.add(new Claim.Due(e.withVersion(e.version() + 1), e.jobId() == null ? null : sql.findJob(c, e.jobId())));
                }
            }
        }
        if (!adopted.isEmpty()) {
            LOG.warn("node '{}': {} claim(s) made by a call whose answer was lost are adopted by this claim: {}", node.id(),
                    adopted.size(), adopted.stream().map(a -> a instanceof Claim.Due d ? "execution " + d.execution().id()
                            : "job " + a.jobId()).toList());
        }
        return adopted;
    }

    /**
     * Due jobs and due executions, earliest first, at most {@code limit} together: each read
     * through its index in due order with the rows locked (skipping rows other nodes hold, where the
     * database can), then claimed by a version-checked update whose row count decides.
     */
    private List<Claim> claimDue(Connection c, Instant now, int limit, List<String> tasks) throws SQLException {
        if (limit <= 0) {
            return new ArrayList<>();
        }
        List<StoredJob> jobs = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.selectDue(tasks == null ? 0 : tasks.size()))) {
            bindDue(ps, now, tasks, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    jobs.add(Sql.readJob(rs));
                }
            }
        }
        List<StoredExecution> executions = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.selectDueExecutions(tasks == null ? 0 : tasks.size()))) {
            bindDue(ps, now, tasks, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    executions.add(Sql.readExecution(rs));
                }
            }
        }
        // The earliest of both, up to the limit.
        List<StoredJob> takeJobs = new ArrayList<>();
        List<StoredExecution> takeExecutions = new ArrayList<>();
        int j = 0;
        int e = 0;
        while (takeJobs.size() + takeExecutions.size() < limit && (j < jobs.size() || e < executions.size())) {
            if (e >= executions.size() || (j < jobs.size() && !jobs.get(j).nextFireTime().isAfter(executions.get(e).dueAt()))) {
                takeJobs.add(jobs.get(j++));
            } else {
                takeExecutions.add(executions.get(e++));
            }
        }
        List<Claim> claims = new ArrayList<>(takeJobs.size() + takeExecutions.size());
        if (!takeJobs.isEmpty()) {
            int[] counts;
            try (PreparedStatement ps = c.prepareStatement(sql.claim)) {
                for (StoredJob job : takeJobs) {
                    ps.setString(1, node.id());
                    ps.setString(2, job.id());
                    ps.setLong(3, job.version());
                    ps.addBatch();
                }
                counts = Database.rowCounts(ps);
            }
            for (int i = 0; i < takeJobs.size(); i++) {
                // With locked rows every count is 1; on H2 a 0 means a concurrent claim won the row.
                if (counts[i] == 1) {
                    StoredJob job = takeJobs.get(i);
                    claims.add(new Claim.FireTime(job.withClaim(job.nextFireTime()).withNextFireTime(null)
                            .withVersion(job.version() + 1), job.nextFireTime()));
                }
            }
        }
        if (!takeExecutions.isEmpty()) {
            int[] counts;
            try (PreparedStatement ps = c.prepareStatement(sql.claimExecution)) {
                for (StoredExecution execution : takeExecutions) {
                    ps.setString(1, node.id());
                    ps.setString(2, execution.id());
                    ps.setLong(3, execution.version());
                    ps.addBatch();
                }
                counts = Database.rowCounts(ps);
            }
            for (int i = 0; i < takeExecutions.size(); i++) {
                if (counts[i] == 1) {
                    StoredExecution execution = takeExecutions.get(i).withVersion(takeExecutions.get(i).version() + 1);
                    StoredJob job = execution.jobId() == null ? null : sql.findJob(c, execution.jobId());
                    claims.add(new Claim.Due(execution, job));
                }
            }
        }
        claims.sort(Comparator.comparing(SqlJobStore::dueAt));
        return claims;
    }

    private static Instant dueAt(Claim claim) {
        return claim instanceof Claim.Due d ? d.execution().dueAt() : claim.fireTime();
    }

    private static void bindDue(PreparedStatement ps, Instant now, List<String> tasks, int limit) throws SQLException {
        int p = 1;
        ps.setLong(p++, Sql.nanos(now));
        if (tasks != null) {
            for (String task : tasks) {
                ps.setString(p++, task);
            }
        }
        ps.setInt(p, limit);
    }

    /**
     * A batch of claim ends in one transaction ({@link ClaimEnds}), shared with the batches of other
     * threads ending claims at the same moment ({@link GroupCommit}).
     */
    @Override
    public List<ClaimResult> endClaims(List<ClaimEnd> ends) {
        if (ends.isEmpty()) {
            return List.of();
        }
        // Read before the write: a registration made anew meanwhile only makes holdsRun ask the database.
        long epoch = node.epoch();
        List<ClaimResult> results;
        try {
            results = call("end " + ends.size() + " claim(s)", () -> claimEnds.run(ends));
        } finally {
            // Held until here, so that this node's own orphan sweep cannot reset them mid-retry.
            ends.forEach(end -> node.forgetClaim(end.claim()));
        }
        for (int i = 0; i < results.size(); i++) {
            ClaimResult result = results.get(i);
            if (result.status() == ClaimResult.Status.AT_MAX_INSTANCES) {
                node.holdClaim(ends.get(i).claim()); // still held: the engine ends it again
            } else if (result.ticket() != null) {
                node.holdRun(result.ticket().executionId(), result.ticket().fencingToken(), epoch);
            }
        }
        return results;
    }

    /**
     * Queued for the group writer ({@link RunEnds}): the answer comes once the group's transaction
     * committed. The runs stay held until then, so this node's orphan sweep never mistakes one whose
     * end is still being written for a run nobody holds.
     */
    @Override
    public CompletionStage<List<RunEndResult>> endRuns(List<RunEnd> ends) {
        long epoch = node.epoch();
        List<CompletableFuture<RunEndResult>> answers = new ArrayList<>(ends.size());
        for (RunEnd end : ends) {
            answers.add(runEnds.end(end).whenComplete((result, error) -> {
                node.forgetRun(end.ticket().executionId(), end.ticket().fencingToken());
                if (result != null && result.next() != null) {
                    node.holdRun(result.next().executionId(), result.next().fencingToken(), epoch);
                }
            }));
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                .thenApply(done -> answers.stream().map(CompletableFuture::join).toList());
    }

    /**
     * Whether the run is still this node's: its row is (this node's, this token, running), and this
     * node is alive by the database's clock (checked in the same transaction, so a takeover either
     * went first or waits). A run taken over answers false; a node past its timeout but not (yet)
     * taken over cannot tell.
     */
    @Override
    public boolean holdsRun(RunTicket ticket) {
        if (node.holdsFreshly(ticket.executionId(), ticket.fencingToken())) {
            // Asked by every attempt just before its body starts: answered from memory while the
            // lease is fresh, so a healthy node pays no round trip per run.
            return true;
        }
        Boolean held = call("check the run of execution '" + ticket.executionId() + "'", () -> db.retrying(
                "checking the run of execution '" + ticket.executionId() + "'", c -> {
                    boolean alive = node.stillAlive(c);
                    try (PreparedStatement ps = c.prepareStatement(sql.heldExecution)) {
                        ps.setString(1, ticket.executionId());
                        ps.setString(2, node.id());
                        ps.setLong(3, ticket.fencingToken());
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
                    + "taken over at any moment: whether the run of execution '" + ticket.executionId() + "' stays its own "
                    + "is not known yet");
        }
        return held;
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
        return call("read the next due time", () -> db.autoCommit(c -> {
            Instant job = earliest(c, sql.nextDue(taskList.size()), taskList);
            Instant execution = earliest(c, sql.nextDueExecution(taskList.size()), taskList);
            return Optional.ofNullable(job == null || (execution != null && execution.isBefore(job)) ? execution : job);
        }));
    }

    private static Instant earliest(Connection c, String query, List<String> tasks) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(query)) {
            for (int i = 0; i < tasks.size(); i++) {
                ps.setString(i + 1, tasks.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Sql.instant(rs, 1) : null;
            }
        }
    }

    // ---- executions ----

    /** All or none, in one transaction; a retry after a lost answer finds the first row and answers as done. */
    @Override
    public void enqueue(List<StoredExecution> executions) {
        if (executions.isEmpty()) {
            return;
        }
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (StoredExecution e : executions) {
            if (!e.isWaiting()) {
                throw new IllegalArgumentException("execution '" + e.id() + "' is " + e.state()
                        + "; only SCHEDULED or WAITING_FOR_RETRY executions are enqueued");
            }
            if (!ids.add(e.id())) {
                throw new IllegalArgumentException("execution id '" + e.id() + "' is taken");
            }
            Sql.checkText("execution '" + e.id() + "'", "data", e.dataJson());
            Sql.checkText("execution '" + e.id() + "'", "options", e.optionsJson());
        }
        BooleanSupplier giveUp = withinWriteRetryLimit();
        String first = executions.get(0).id();
        call("enqueue " + executions.size() + " execution(s)", () -> db.retrying("enqueueing " + executions.size()
                + " execution(s)", c -> {
                    try (PreparedStatement ps = c.prepareStatement(sql.insertExecution)) {
                        for (StoredExecution e : executions) {
                            Sql.bindExecution(ps, e.withVersion(0), null);
                            ps.addBatch();
                        }
                        Database.rowCounts(ps);
                    } catch (SQLException e) {
                        if (db.isDuplicateKey(e) || isDuplicateInBatch(e)) {
                            throw new IllegalArgumentException("an execution id of " + ids + " is taken", e);
                        }
                        throw e;
                    }
                    return Boolean.TRUE;
                }, (c, computed) -> exists(c, sql.executionExists, first) ? Boolean.TRUE : null, giveUp));
    }

    private boolean isDuplicateInBatch(SQLException e) {
        for (SQLException next = e.getNextException(); next != null; next = next.getNextException()) {
            if (db.isDuplicateKey(next)) {
                return true;
            }
        }
        return e.getCause() instanceof SQLException cause && db.isDuplicateKey(cause);
    }

    @Override
    public Optional<StoredExecution> execution(String id) {
        return Optional.ofNullable(call("read execution '" + id + "'", () -> db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.selectExecution)) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Sql.readExecution(rs) : null;
                }
            }
        })));
    }

    @Override
    public List<StoredExecution> executions(ExecutionQuery query) {
        return call("list executions", () -> db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.executionsPage(query))) {
                int p = 1;
                if (query.jobId() != null) {
                    ps.setString(p++, query.jobId());
                }
                if (query.task() != null) {
                    ps.setString(p++, query.task());
                }
                for (ExecutionState state : new java.util.TreeSet<>(query.states())) {
                    ps.setString(p++, state.name());
                }
                if (query.from() != null) {
                    ps.setLong(p++, Sql.nanos(query.from()));
                }
                if (query.to() != null) {
                    ps.setLong(p++, Sql.nanos(query.to()));
                }
                if (query.after() != null) {
                    long at = Sql.nanos(query.after().createdAt());
                    ps.setLong(p++, at);
                    ps.setLong(p++, at);
                    ps.setString(p++, query.after().id());
                }
                ps.setInt(p, query.limit());
                List<StoredExecution> page = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        page.add(Sql.readExecution(rs));
                    }
                }
                return page;
            }
        }));
    }

    /** One transaction: a waiting execution is cancelled, a running one asked to stop, each by a conditional update. */
    @Override
    public CancelOutcome cancel(String executionId, Instant now) {
        return call("cancel execution '" + executionId + "'", () -> db.retrying("cancelling execution '" + executionId + "'",
                c -> {
                    try (PreparedStatement ps = c.prepareStatement(sql.cancelWaiting)) {
                        ps.setLong(1, Sql.nanos(now));
                        ps.setString(2, executionId);
                        if (ps.executeUpdate() == 1) {
                            return CancelOutcome.CANCELLED;
                        }
                    }
                    try (PreparedStatement ps = c.prepareStatement(sql.requestStop)) {
                        ps.setString(1, executionId);
                        if (ps.executeUpdate() == 1) {
                            return CancelOutcome.STOP_REQUESTED;
                        }
                    }
                    return exists(c, sql.executionExists, executionId) ? CancelOutcome.ALREADY_ENDED : CancelOutcome.NOT_FOUND;
                }, withinWriteRetryLimit()));
    }

    @Override
    public Set<String> stopsRequested(Collection<String> executionIds) {
        if (executionIds.isEmpty()) {
            return Set.of();
        }
        List<String> ids = List.copyOf(executionIds);
        return call("read the stops requested", () -> db.autoCommit(c -> {
            Set<String> stops = new java.util.HashSet<>();
            for (int from = 0; from < ids.size(); from += STOP_CHUNK) {
                List<String> chunk = ids.subList(from, Math.min(ids.size(), from + STOP_CHUNK));
                try (PreparedStatement ps = c.prepareStatement(sql.stopsRequested(chunk.size()))) {
                    for (int i = 0; i < chunk.size(); i++) {
                        ps.setString(i + 1, chunk.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            stops.add(rs.getString(1));
                        }
                    }
                }
            }
            return stops;
        }));
    }

    @Override
    public boolean requeue(String executionId, Instant dueAt) {
        return call("requeue execution '" + executionId + "'", () -> db.retryingOneStatement(
                "requeueing execution '" + executionId + "'", c -> {
                    try (PreparedStatement ps = c.prepareStatement(sql.requeueExecution)) {
                        ps.setLong(1, Sql.nanos(dueAt));
                        ps.setLong(2, Sql.nanos(dueAt));
                        ps.setString(3, executionId);
                        return ps.executeUpdate() == 1;
                    }
                }, withinWriteRetryLimit()));
    }

    /** {@link HistoryPurge}: one node of the cluster at a time, in bounded batches. */
    @Override
    public int purgeExecutions(Instant endedBefore, int keepPerJob, int limit) {
        return call("purge the history", () -> purge.purge(endedBefore, keepPerJob, limit));
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
    public boolean sharedWithOtherNodes() {
        return true;
    }

    @Override
    public java.time.Clock clusterClock(java.time.Clock local) {
        return node.databaseClock(local);
    }

    @Override
    public void close() {
        runEnds.close();
        node.close();
        db.close();
    }

    /**
     * A completion: retried until the database takes it. {@code committedEarlier} decides, after a
     * failed attempt, whether that attempt's commit went through although its answer was lost.
     */
    private boolean complete(String what, Database.Work<Boolean> work, Database.Work<Boolean> committedEarlier) {
        return call(what, () -> db.retryingOneStatement(what, work, (c, computed) -> committedEarlier.run(c) ? true : null,
                () -> false));
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
