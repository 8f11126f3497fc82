package dev.chime.store.jdbc.internal;

import dev.chime.LastRun;
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
 */
final class RunCompletions {

    private static final Logger LOG = LoggerFactory.getLogger(RunCompletions.class);
    private static final int MAX_GROUP = 512;

    /** One run to end; completes with false when the run was no longer this node's. */
    private record Pending(String runId, String jobId, LastRun lastRun, CompletableFuture<Boolean> answer) {
    }

    private static final Pending STOP = new Pending("", "", null, null);

    private final Database db;
    private final Sql sql;
    private final String nodeId;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean closed;

    RunCompletions(Database db, Sql sql, String nodeId) {
        this.db = db;
        this.sql = sql;
        this.nodeId = nodeId;
        this.writer = new Thread(this::writeUntilClosed, "chime-jdbc-completions-" + nodeId);
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Deletes the run if it is still this node's, frees its instance slot and records the outcome
     * (when given), retrying through outages. Answers false when another node took the run over.
     */
    CompletableFuture<Boolean> end(String runId, String jobId, LastRun lastRun) {
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        if (closed) {
            answer.completeExceptionally(new IllegalStateException("the JDBC store is closed"));
            return answer;
        }
        queue.add(new Pending(runId, jobId, lastRun, answer));
        return answer;
    }

    /** Writes what is queued, then stops the writer. */
    void close() {
        closed = true;
        queue.add(STOP);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(30));
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
        boolean[] retried = {false};
        boolean[] ended;
        try {
            ended = db.retrying("ending " + group.size() + " run(s)", c -> {
                boolean again = retried[0];
                retried[0] = true;
                return endAll(c, group, again);
            }, () -> false);
        } catch (SQLException | RuntimeException e) {
            LOG.error("could not end {} run(s) in the database", group.size(), e);
            group.forEach(p -> p.answer().completeExceptionally(e));
            return;
        }
        for (int i = 0; i < group.size(); i++) {
            group.get(i).answer().complete(ended[i]);
        }
    }

    private boolean[] endAll(Connection c, List<Pending> group, boolean again) throws SQLException {
        boolean[] ended = new boolean[group.size()];
        try (PreparedStatement ps = c.prepareStatement(sql.deleteRun)) {
            for (Pending p : group) {
                ps.setString(1, p.runId());
                ps.setString(2, nodeId);
                ps.addBatch();
            }
            int[] counts = Database.rowCounts(ps);
            for (int i = 0; i < counts.length; i++) {
                // Gone on a retry: an earlier attempt of this group may have committed before its
                // connection broke; gone on the first try: another node took the run over.
                ended[i] = counts[i] == 1 || again;
            }
        }
        try (PreparedStatement release = c.prepareStatement(sql.releaseInstance);
             PreparedStatement withOutcome = c.prepareStatement(sql.releaseInstanceWithOutcome)) {
            boolean releases = false;
            boolean outcomes = false;
            for (int i = 0; i < group.size(); i++) {
                Pending p = group.get(i);
                if (!ended[i]) {
                    continue;
                }
                if (p.lastRun() == null) {
                    release.setString(1, p.jobId());
                    release.addBatch();
                    releases = true;
                } else {
                    int index = Sql.bindLastRun(withOutcome, 1, p.lastRun());
                    withOutcome.setString(index, p.jobId());
                    withOutcome.addBatch();
                    outcomes = true;
                }
            }
            if (releases) {
                release.executeBatch();
            }
            if (outcomes) {
                withOutcome.executeBatch();
            }
        }
        return ended;
    }
}
