package dev.chime.store.jdbc.internal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says, once per task, that jobs are due for a task this node cannot run (a rolling deploy that
 * adds a task, a node with fewer tasks): they are left to nodes that can run them, and nothing
 * else would tell the operator why they wait. Looks at most every half minute, off the claim's
 * transaction; thread-safe.
 */
final class UnrunnableTasks {

    private static final Logger LOG = LoggerFactory.getLogger(UnrunnableTasks.class);
    private static final long EVERY_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final int MAX_TASKS = 20;

    private final Database db;
    private final Sql sql;
    private final String nodeId;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private volatile long lastCheck;
    private volatile boolean checked;

    UnrunnableTasks(Database db, Sql sql, String nodeId) {
        this.db = db;
        this.sql = sql;
        this.nodeId = nodeId;
    }

    /** Looks for due jobs of tasks outside {@code runnable} (sorted), if it has not done so lately. */
    void check(Instant now, List<String> runnable) {
        long at = System.nanoTime();
        if (checked && at - lastCheck < EVERY_NANOS) {
            return;
        }
        checked = true;
        lastCheck = at;
        try {
            db.autoCommit(c -> {
                try (PreparedStatement ps = c.prepareStatement(sql.dueTasksExcept(runnable.size(), MAX_TASKS))) {
                    int p = 1;
                    ps.setLong(p++, Sql.nanos(now));
                    for (String task : runnable) {
                        ps.setString(p++, task);
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            report(rs.getString(1), runnable);
                        }
                    }
                }
                return null;
            });
        } catch (SQLException e) {
            LOG.debug("node '{}': could not look for due jobs of tasks it cannot run", nodeId, e);
        }
    }

    private void report(String task, List<String> runnable) {
        if (reported.add(task)) {
            LOG.warn("node '{}': jobs of task '{}' are due, but this node cannot run that task (it runs {}); they are "
                    + "left to nodes that can (reported once per task)", nodeId, task, runnable);
        }
    }
}
