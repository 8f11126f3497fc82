package dev.chime;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Which executions {@link Scheduler#executions(ExecutionQuery)} lists: filtered by job, task, state
 * and a range of creation times, newest first (by creation time, then id), one page at a time.
 * Pages are read with a cursor, not an offset, so paging is stable while new executions are
 * recorded: pass {@link ExecutionPage#next()} to {@link Builder#after(String)}. Immutable.
 *
 * @param jobId  only this job's executions; null for any
 * @param task   only this task's; null for any
 * @param states only executions in one of these states; empty for any
 * @param from   created at or after this instant; null for no bound
 * @param to     created before this instant; null for no bound
 * @param limit  the page size, 1 to {@value #MAX_LIMIT}
 * @param after  the position after which the page starts (older executions); null for the newest
 */
public record ExecutionQuery(String jobId, String task, Set<ExecutionState> states, Instant from, Instant to, int limit,
                             Position after) {

    /** The largest page. */
    public static final int MAX_LIMIT = 500;
    public static final int DEFAULT_LIMIT = 50;

    /**
     * Where a page ended: the creation time and id of its last execution. Its {@link #toString()} is
     * the cursor text users pass around; {@link #parse} reads it back.
     */
    public record Position(Instant createdAt, String id) {
        public Position {
            Objects.requireNonNull(createdAt, "createdAt");
            Objects.requireNonNull(id, "id");
        }

        /** Reads a cursor made by {@link #toString()}. @throws IllegalArgumentException naming the cursor */
        public static Position parse(String cursor) {
            int colon = cursor == null ? -1 : cursor.indexOf(':');
            if (colon <= 0 || colon == cursor.length() - 1) {
                throw new IllegalArgumentException("execution cursor \"" + cursor + "\" is not one that a page answered");
            }
            try {
                long seconds = Long.parseLong(cursor.substring(0, cursor.indexOf('.')));
                long nanos = Long.parseLong(cursor.substring(cursor.indexOf('.') + 1, colon));
                return new Position(Instant.ofEpochSecond(seconds, nanos), cursor.substring(colon + 1));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("execution cursor \"" + cursor + "\" is not one that a page answered", e);
            }
        }

        /** True when an execution created at {@code createdAt} with {@code id} comes after this position, newest first. */
        public boolean isBefore(Instant createdAt, String id) {
            int c = createdAt.compareTo(this.createdAt);
            return c < 0 || (c == 0 && id.compareTo(this.id) < 0);
        }

        @Override
        public String toString() {
            return createdAt.getEpochSecond() + "." + createdAt.getNano() + ":" + id;
        }
    }

    public ExecutionQuery {
        states = states == null || states.isEmpty() ? Set.of() : Set.copyOf(states);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("execution query limit: " + limit + " is outside 1 to " + MAX_LIMIT);
        }
        if (from != null && to != null && !from.isBefore(to)) {
            throw new IllegalArgumentException("execution query: from " + from + " is not before to " + to);
        }
    }

    /** The newest executions of every job and task, {@value #DEFAULT_LIMIT} of them. */
    public static ExecutionQuery newest() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Optional<Position> position() {
        return Optional.ofNullable(after);
    }

    /** Whether an execution passes the filters (not the position nor the limit). */
    public boolean matches(String jobId, String task, ExecutionState state, Instant createdAt) {
        return (this.jobId == null || this.jobId.equals(jobId))
                && (this.task == null || this.task.equals(task))
                && (states.isEmpty() || states.contains(state))
                && (from == null || !createdAt.isBefore(from))
                && (to == null || createdAt.isBefore(to));
    }

    /** This query with another page size (the scheduler reads one more to know whether a next page exists). */
    public ExecutionQuery withLimit(int limit) {
        return new ExecutionQuery(jobId, task, states, from, to, limit, after);
    }

    /** Not thread-safe. */
    public static final class Builder {
        private String jobId;
        private String task;
        private Set<ExecutionState> states = EnumSet.noneOf(ExecutionState.class);
        private Instant from;
        private Instant to;
        private int limit = DEFAULT_LIMIT;
        private Position after;

        private Builder() {
        }

        public Builder job(String jobId) {
            this.jobId = Objects.requireNonNull(jobId, "jobId");
            return this;
        }

        public Builder task(String task) {
            this.task = Objects.requireNonNull(task, "task");
            return this;
        }

        public Builder states(ExecutionState first, ExecutionState... more) {
            this.states = EnumSet.of(first, more);
            return this;
        }

        public Builder states(Set<ExecutionState> states) {
            this.states = states.isEmpty() ? EnumSet.noneOf(ExecutionState.class) : EnumSet.copyOf(states);
            return this;
        }

        public Builder from(Instant from) {
            this.from = from;
            return this;
        }

        public Builder to(Instant to) {
            this.to = to;
            return this;
        }

        public Builder limit(int limit) {
            this.limit = limit;
            return this;
        }

        /** Starts after the page whose {@link ExecutionPage#next()} answered {@code cursor}; null for the first page. */
        public Builder after(String cursor) {
            this.after = cursor == null ? null : Position.parse(cursor);
            return this;
        }

        public ExecutionQuery build() {
            return new ExecutionQuery(jobId, task, states, from, to, limit, after);
        }
    }
}
