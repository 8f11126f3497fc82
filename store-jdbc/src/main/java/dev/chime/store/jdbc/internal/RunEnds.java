package dev.chime.store.jdbc.internal;

import dev.chime.ExecutionState;
import dev.chime.spi.RunEnd;
import dev.chime.spi.RunEndResult;
import dev.chime.spi.RunTicket;
import dev.chime.spi.StoredExecution;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends runs in groups on a thread of its own: every run end that arrived since the last write goes
 * into one transaction (group commit), its history row written by the same statement that ends the
 * run. A node finishing thousands of runs a second then pays one commit per group rather than per
 * run, and its worker threads never wait for the database.
 *
 * <p>Each end is decided on its own execution row and is idempotent: the row is ended only while it
 * is this node's run with the ticket's token ({@link Sql#endExecution}), so a retry after a lost
 * answer finds it ended with that token by this node and answers as the first, and a row another
 * node took over is never written here. A group that fails with a permanent error is written again
 * one end at a time, so one bad row cannot hold the others back.
 */
final class RunEnds {

    private static final Logger LOG = LoggerFactory.getLogger(RunEnds.class);
    private static final int MAX_GROUP = 512;
    /** How long closing lets queued completions reach the database before it stops retrying. */
    private static final long DRAIN_MILLIS = 5_000;
    private static final long STOP_MILLIS = 2_000;

    /** One run to end. */
    private record Pending(RunEnd end, CompletableFuture<RunEndResult> answer) {
        String jobId() {
            return Objects.requireNonNullElse(end.ticket().jobId(), "\uffff");
        }
    }

    private static final Pending STOP = new Pending(null, null);

    private final Database db;
    private final ClusterNode node;
    private final Sql sql;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean closed;

    RunEnds(Database db, Sql sql, ClusterNode node) {
        this.db = db;
        this.sql = sql;
        this.node = node;
        this.writer = new Thread(this::writeUntilClosed, "chime-jdbc-completions-" + node.id());
        writer.setDaemon(true);
        writer.start();
    }

    /** Ends a run as {@code end} says, if it is still this node's; answered once its group is written. */
    CompletableFuture<RunEndResult> end(RunEnd end) {
        CompletableFuture<RunEndResult> answer = new CompletableFuture<>();
        if (closed) {
            answer.completeExceptionally(new IllegalStateException("the JDBC store is closed"));
            return answer;
        }
        queue.add(new Pending(end, answer));
        return answer;
    }

    /**
     * Writes what is queued, then stops the writer, in a bounded time: after a few seconds the
     * database's retries stop ({@link Database#close()}) and what is left fails.
     */
    void close() {
        closed = true;
        queue.add(STOP);
        try {
            writer.join(DRAIN_MILLIS);
            if (writer.isAlive()) {
                LOG.warn("completions still not written after {} ms; giving up on them (others take the runs over)",
                        DRAIN_MILLIS);
                db.close();
                writer.join(STOP_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeUntilClosed() {
        List<Pending> group = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                group.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(group, MAX_GROUP - 1);
            stop = group.remove(STOP);
            if (!group.isEmpty()) {
                write(group);
            }
            group.clear();
        }
        for (Pending p; (p = queue.poll()) != null; ) {
            if (p != STOP) {
                p.answer().completeExceptionally(new IllegalStateException("the JDBC store closed before the run ended"));
            }
        }
    }

    private void write(List<Pending> group) {
        // Job rows are locked in id order, as claim ends lock them.
        group.sort(Comparator.comparing(Pending::jobId));
        RunEndResult[] results;
        try {
            results = db.retrying("ending " + group.size() + " run(s)", c -> endAll(c, group), () -> false);
        } catch (SQLException e) {
            if (db.isTransient(e) || group.size() == 1 && !hasTexts(group.get(0).end())) {
                fail(group, e);
                return;
            }
            LOG.warn("ending {} run(s) together failed ({}); ending them one at a time", group.size(), e.getMessage());
            group.forEach(this::writeAlone);
            return;
        } catch (RuntimeException e) {
            fail(group, e);
            return;
        }
        for (int i = 0; i < group.size(); i++) {
            group.get(i).answer().complete(results[i]);
        }
    }

    private static boolean hasTexts(RunEnd end) {
        return end.error() != null || end.stackTrace() != null || end.resultJson() != null;
    }

    private static void fail(List<Pending> group, Exception e) {
        LOG.error("could not end {} run(s) in the database", group.size(), e);
        group.forEach(p -> p.answer().completeExceptionally(e));
    }

    /**
     * One run end after its group failed for good: as asked; else without its texts (what the
     * database usually refuses: too long, a NUL character), so that the run ends rather than its
     * write being retried for ever.
     */
    private void writeAlone(Pending p) {
        RunEnd end = p.end();
        List<RunEnd> tries = new ArrayList<>(2);
        tries.add(end);
        if (hasTexts(end)) {
            tries.add(new RunEnd(end.ticket(), end.state(), end.endedAt(), end.error() == null ? null : "(not stored)", null,
                    null, end.retryAt(), end.lastRun(), end.schedule(), end.next()));
        }
        for (int t = 0; t < tries.size(); t++) {
            Pending attempt = new Pending(tries.get(t), p.answer());
            try {
                p.answer().complete(db.retrying("ending a run of execution '" + end.ticket().executionId() + "'",
                        c -> endAll(c, List.of(attempt)), () -> false)[0]);
                return;
            } catch (SQLException e) {
                if (db.isTransient(e) || t == tries.size() - 1) {
                    fail(List.of(p), e);
                    return;
                }
                LOG.error("execution '{}': the database refused the texts of its run's end ({}); ending it without them",
                        end.ticket().executionId(), e.getMessage());
            } catch (RuntimeException e) {
                fail(List.of(p), e);
                return;
            }
        }
    }

    /**
     * Ends each run of the group on its own row, judged by its own row count: ended now (then the
     * job's last run, kept claim and next queued fire time follow), ended by this node earlier (a
     * retry: answered as the first), or not this node's (taken over: nothing at all).
     */
    private RunEndResult[] endAll(Connection c, List<Pending> group) throws SQLException {
        int n = group.size();
        RunEndResult[] results = new RunEndResult[n];
        StoredExecution[] before = new StoredExecution[n];
        Long[] keptVersions = new Long[n];
        for (int i = 0; i < n; i++) {
            RunEnd end = group.get(i).end();
            if (end.next() != null || end.schedule() != null) {
                // What the end changes away: the queued fire times and the kept claim's version.
                try (PreparedStatement ps = c.prepareStatement(sql.selectExecution)) {
                    ps.setString(1, end.ticket().executionId());
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            before[i] = Sql.readExecution(rs);
                            keptVersions[i] = Sql.jobClaimVersion(rs);
                        }
                    }
                }
            }
        }
        boolean[] now = new boolean[n];
        endExecutions(c, group, false, now);
        endExecutions(c, group, true, now);
        try (PreparedStatement ps = c.prepareStatement(sql.recordOutcome)) {
            boolean any = false;
            for (int i = 0; i < n; i++) {
                RunEnd end = group.get(i).end();
                if (now[i] && end.lastRun() != null && end.ticket().jobId() != null) {
                    int index = Sql.bindLastRun(ps, 1, end.lastRun());
                    ps.setString(index, end.ticket().jobId());
                    ps.addBatch();
                    any = true;
                }
            }
            if (any) {
                ps.executeBatch();
            }
        }
        for (int i = 0; i < n; i++) {
            RunEnd end = group.get(i).end();
            if (!now[i]) {
                results[i] = endedEarlier(c, end);
                continue;
            }
            if (end.schedule() != null && keptVersions[i] != null) {
                endKeptClaim(c, end, keptVersions[i]);
            }
            results[i] = end.next() == null || before[i] == null ? RunEndResult.RECORDED
                    : new RunEndResult(true, startNext(c, end, before[i]));
        }
        return results;
    }

    /** Ends (or, with {@code retries}, puts back to wait for their retry) the runs of the group of that kind. */
    private void endExecutions(Connection c, List<Pending> group, boolean retries, boolean[] now) throws SQLException {
        List<Integer> batch = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(retries ? sql.retryExecution : sql.endExecution)) {
            for (int i = 0; i < group.size(); i++) {
                RunEnd end = group.get(i).end();
                if ((end.state() == ExecutionState.WAITING_FOR_RETRY) != retries) {
                    continue;
                }
                int p = 1;
                if (retries) {
                    ps.setLong(p++, Sql.nanos(end.retryAt()));
                    ps.setLong(p++, Sql.nanos(end.retryAt()));
                    Sql.setText(ps, p++, ErrorText.clean(end.error()));
                    Sql.setText(ps, p++, end.stackTrace());
                } else {
                    ps.setString(p++, end.state().name());
                    ps.setLong(p++, Sql.nanos(end.endedAt()));
                    Sql.setText(ps, p++, ErrorText.clean(end.error()));
                    ps.setBoolean(p++, end.error() != null);
                    Sql.setText(ps, p++, end.stackTrace());
                    Sql.setText(ps, p++, end.resultJson());
                }
                RunTicket ticket = end.ticket();
                ps.setString(p++, ticket.executionId());
                ps.setString(p++, node.id());
                ps.setLong(p, ticket.fencingToken());
                ps.addBatch();
                batch.add(i);
            }
            if (batch.isEmpty()) {
                return;
            }
            int[] counts = Database.rowCounts(ps);
            for (int k = 0; k < counts.length; k++) {
                now[batch.get(k)] = counts[k] == 1;
            }
        }
    }

    /**
     * Not ended by this transaction: ended by this node with this ticket before (a retry whose first
     * commit went through: answered as the first, with the next run it started), or another node's
     * run now (taken over).
     */
    private RunEndResult endedEarlier(Connection c, RunEnd end) throws SQLException {
        RunTicket ticket = end.ticket();
        try (PreparedStatement ps = c.prepareStatement(sql.executionEndState)) {
            ps.setString(1, ticket.executionId());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !node.id().equals(rs.getString(1)) || rs.getLong(2) != ticket.fencingToken()
                        || ExecutionState.RUNNING.name().equals(rs.getString(3))) {
                    return RunEndResult.TAKEN_OVER;
                }
            }
        }
        if (end.next() == null) {
            return RunEndResult.RECORDED;
        }
        try (PreparedStatement ps = c.prepareStatement(sql.selectExecution)) {
            ps.setString(1, end.next().executionId());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return RunEndResult.RECORDED;
                }
                StoredExecution next = Sql.readExecution(rs);
                return new RunEndResult(true, new RunTicket(next.id(), next.jobId(), next.task(), next.fireTime(), 1,
                        next.fencingToken()));
            }
        }
    }

    /** Ends the job claim the run kept, only while the job is still at the version it was kept at. */
    private void endKeptClaim(Connection c, RunEnd end, long keptVersion) throws SQLException {
        boolean remove = end.schedule().removesJob();
        try (PreparedStatement ps = c.prepareStatement(remove ? sql.deleteKept : sql.releaseKept)) {
            int p = 1;
            if (!remove) {
                Sql.setLong(ps, p++, Sql.nanos(end.schedule().nextFireTime()));
            }
            ps.setString(p++, end.ticket().jobId());
            ps.setLong(p, keptVersion);
            ps.executeUpdate();
        }
    }

    /** The run of the next queued fire time, in the same slot: a new execution RUNNING here with a token of its own. */
    private RunTicket startNext(Connection c, RunEnd end, StoredExecution ended) throws SQLException {
        RunEnd.Next next = end.next();
        List<Instant> rest = new ArrayList<>();
        for (Instant t : ended.queued()) {
            if (t.isAfter(next.fireTime())) {
                rest.add(t);
            }
        }
        long token = Tokens.next(c, sql, ended.jobId(), true, ended.fencingToken());
        StoredExecution run = new StoredExecution(next.executionId(), ended.jobId(), ended.task(), ended.dataJson(),
                ended.optionsJson(), next.fireTime(), ExecutionState.RUNNING, 1, null, node.id(), end.endedAt(), end.endedAt(),
                null, null, null, null, token, ended.recoverable(), rest, false, false, 0);
        try (PreparedStatement ps = c.prepareStatement(sql.insertExecution)) {
            Sql.bindExecution(ps, run, null);
            ps.executeUpdate();
        }
        return new RunTicket(run.id(), run.jobId(), run.task(), run.fireTime(), 1, token);
    }
}
