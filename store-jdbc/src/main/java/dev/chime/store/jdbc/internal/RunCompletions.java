package dev.chime.store.jdbc.internal;

import dev.chime.RunRecord;
import dev.chime.spi.RunEnd;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends runs in groups on a thread of its own: every run that finished since the last write goes
 * into one transaction (group commit). A node finishing thousands of runs a second then pays one
 * commit per group rather than per run, and its worker threads never wait for the database.
 *
 * <p>Each run's end is decided on its own row and is idempotent: the row gets this node's
 * completion marker in the same transaction that frees the slot, so a retry after a lost answer
 * finds the marker and counts nothing twice, and a row that another node took over is never
 * ended here. A group that fails with a permanent error is written again one run at a time, so
 * one bad row cannot hold the others back.
 */
final class RunCompletions {

    private static final Logger LOG = LoggerFactory.getLogger(RunCompletions.class);
    private static final int MAX_GROUP = 512;
    /** How long closing lets queued completions reach the database before it stops retrying. */
    private static final long DRAIN_MILLIS = 5_000;
    private static final long STOP_MILLIS = 2_000;

    /** One run to end; completes with false when the run was no longer this node's. */
    private record Pending(String runId, String jobId, RunEnd end, CompletableFuture<Boolean> answer) {
    }

    private static final Pending STOP = new Pending("", "", null, null);

    private final Database db;
    private final ClusterNode node;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean closed;

    RunCompletions(Database db, ClusterNode node) {
        this.db = db;
        this.node = node;
        this.writer = new Thread(this::writeUntilClosed, "chime-jdbc-completions-" + node.id());
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Ends the run if it is still this node's: frees its instance slot and records its end (when
     * given: its history row, and the job's outcome if it updates the job), retrying through
     * outages. Answers false, recording nothing, when another node took the run over.
     */
    CompletableFuture<Boolean> end(String runId, String jobId, RunEnd end) {
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        if (closed) {
            answer.completeExceptionally(new IllegalStateException("the JDBC store is closed"));
            return answer;
        }
        queue.add(new Pending(runId, jobId, end, answer));
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
        // Job rows are locked in id order, as dispatches lock them, so the two cannot deadlock.
        group.sort(Comparator.comparing(Pending::jobId));
        boolean[] ended;
        try {
            ended = db.retrying("ending " + group.size() + " run(s)", c -> endAll(c, group), () -> false);
        } catch (SQLException e) {
            if (Database.isTransient(e) || group.size() == 1 && group.get(0).end() == null) {
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
            group.get(i).answer().complete(ended[i]);
        }
    }

    private static void fail(List<Pending> group, Exception e) {
        LOG.error("could not end {} run(s) in the database", group.size(), e);
        group.forEach(p -> p.answer().completeExceptionally(e));
    }

    /**
     * One run after its group failed for good: with its end; else with its end but not its error
     * text and stack trace (what the database usually refuses); else without an outcome or history
     * row. Its slot is freed either way, rather than the write retried for ever.
     */
    private void writeAlone(Pending p) {
        List<RunEnd> tries = new ArrayList<>(3);
        tries.add(p.end());
        if (p.end() != null && (p.end().run().error() != null || p.end().run().stackTrace() != null)) {
            RunRecord r = p.end().run();
            tries.add(new RunEnd(new RunRecord(r.id(), r.jobId(), r.task(), r.fireTime(), r.attempts(), r.node(),
                    r.startedAt(), r.finishedAt(), r.duration(), r.outcome(), null, null, r.dataJson(), r.optionsJson()),
                    p.end().updatesJob(),
                    p.end().missed()));
        }
        if (p.end() != null) {
            tries.add(null);
        }
        for (int t = 0; t < tries.size(); t++) {
            Pending attempt = new Pending(p.runId(), p.jobId(), tries.get(t), p.answer());
            try {
                p.answer().complete(db.retrying("ending a run of job '" + p.jobId() + "'", c -> endAll(c, List.of(attempt)),
                        () -> false)[0]);
                return;
            } catch (SQLException e) {
                if (Database.isTransient(e) || t == tries.size() - 1) {
                    fail(List.of(p), e);
                    return;
                }
                LOG.error("job '{}': the database refused {} of its run of {} ({}); ending the run without it", p.jobId(),
                        t == 0 && tries.size() == 3 ? "the error text" : "the outcome", p.end().run().fireTime(),
                        e.getMessage());
            } catch (RuntimeException e) {
                fail(List.of(p), e);
                return;
            }
        }
    }

    /**
     * Ends each run of the group on its own row, judged by its own row count: ended now (the slot
     * is freed, the outcome recorded and the history row appended, all in this transaction), ended
     * by this node earlier (a retry; nothing more), or not this node's (taken over; nothing at all).
     */
    private boolean[] endAll(Connection c, List<Pending> group) throws SQLException {
        boolean[] ended = new boolean[group.size()];
        boolean[] now = new boolean[group.size()];
        try (PreparedStatement ps = c.prepareStatement(node.sql().endRun)) {
            for (Pending p : group) {
                ps.setString(1, p.runId());
                ps.setString(2, node.id());
                ps.addBatch();
            }
            int[] counts = Database.rowCounts(ps);
            for (int i = 0; i < counts.length; i++) {
                now[i] = counts[i] == 1;
                // Not ended by this statement: a retry whose first commit went through (this
                // node's marker is there), or another node's run now (no marker of ours).
                ended[i] = now[i] || node.endedEarlier(c, group.get(i).runId());
            }
        }
        Sql sql = node.sql();
        try (PreparedStatement release = c.prepareStatement(sql.releaseInstance);
             PreparedStatement withOutcome = c.prepareStatement(sql.releaseInstanceWithOutcome);
             PreparedStatement history = c.prepareStatement(sql.insertHistory)) {
            boolean releases = false;
            boolean outcomes = false;
            boolean runs = false;
            for (int i = 0; i < group.size(); i++) {
                Pending p = group.get(i);
                if (!now[i]) {
                    continue;
                }
                if (p.end() == null || !p.end().updatesJob()) {
                    release.setString(1, p.jobId());
                    release.addBatch();
                    releases = true;
                } else {
                    int index = Sql.bindLastRun(withOutcome, 1, p.end().lastRun());
                    withOutcome.setString(index, p.jobId());
                    withOutcome.addBatch();
                    outcomes = true;
                }
                if (p.end() != null) {
                    for (RunRecord entry : p.end().entries()) {
                        RunHistory.bind(history, entry, node.id());
                        history.addBatch();
                    }
                    runs = true;
                }
            }
            if (releases) {
                release.executeBatch();
            }
            if (outcomes) {
                withOutcome.executeBatch();
            }
            if (runs) {
                history.executeBatch();
            }
        }
        return ended;
    }
}
