package dev.chime.store.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Fencing tokens: each run of a job gets one higher than every run of the job before it, on every
 * node. A stored job counts on its row ({@code fence}, bumped under the row lock its start already
 * holds; a job id added again starts from its executions' highest). A job that left the store counts
 * on from its executions' highest; a task's execution from its own last token.
 */
final class Tokens {

    private Tokens() {
    }

    /**
     * The next token of a run of {@code jobId} (null for a task), in the open transaction.
     *
     * @param jobStored      whether the job's row exists (and is locked by the caller)
     * @param executionToken the token of the execution's previous run, 0 for none
     */
    static long next(Connection c, Sql sql, String jobId, boolean jobStored, long executionToken) throws SQLException {
        if (jobId == null) {
            return executionToken + 1;
        }
        if (jobStored) {
            try (PreparedStatement ps = c.prepareStatement(sql.bumpFence)) {
                ps.setString(1, jobId);
                if (ps.executeUpdate() == 1) {
                    return SqlJobStore.readLong(c, sql.readFence, jobId);
                }
            }
        }
        return Math.max(executionToken, SqlJobStore.readLong(c, sql.maxJobToken, jobId)) + 1;
    }
}
