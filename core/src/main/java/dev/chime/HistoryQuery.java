package dev.chime;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Which part of the run history to read: filters, a page size, and where the page starts. Runs
 * come newest first (latest {@code finishedAt}, then highest id). Immutable: every method answers
 * a new query. Start from {@link #all()} or {@link #forJob(String)}; the next page's query comes
 * with each {@link HistoryPage}.
 *
 * @param jobId          only this job's runs, or null for every job
 * @param task           only runs of this task, or null for every task
 * @param outcomes       only runs that ended so; empty for every outcome
 * @param finishedFrom   only runs that finished at or after this, or null
 * @param finishedBefore only runs that finished before this, or null
 * @param limit          the most runs in a page, 1 to {@value #MAX_LIMIT}
 * @param after          the page starts after this run (the previous page's last), or null for the newest
 */
public record HistoryQuery(String jobId, String task, Set<Outcome> outcomes, Instant finishedFrom, Instant finishedBefore,
                           int limit, Cursor after) {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 1_000;

    /** Where a page ends: its last run's finish time and id. */
    public record Cursor(Instant finishedAt, long id) {
        public Cursor {
            Objects.requireNonNull(finishedAt, "finishedAt");
            if (id < 0) {
                throw new IllegalArgumentException("cursor id: " + id + " must not be negative");
            }
        }
    }

    public HistoryQuery {
        Objects.requireNonNull(outcomes, "outcomes (empty for every outcome)");
        if (finishedFrom != null && finishedBefore != null && !finishedFrom.isBefore(finishedBefore)) {
            throw new IllegalArgumentException("finished: from " + finishedFrom + " must be before " + finishedBefore);
        }
        outcomes = outcomes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(outcomes));
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit: " + limit + " must be between 1 and " + MAX_LIMIT);
        }
    }

    /** Every run, newest first, {@value #DEFAULT_LIMIT} to a page. */
    public static HistoryQuery all() {
        return new HistoryQuery(null, null, Set.of(), null, null, DEFAULT_LIMIT, null);
    }

    /** One job's runs, newest first, {@value #DEFAULT_LIMIT} to a page. */
    public static HistoryQuery forJob(String jobId) {
        return all().job(Objects.requireNonNull(jobId, "jobId"));
    }

    public HistoryQuery job(String jobId) {
        return new HistoryQuery(jobId, task, outcomes, finishedFrom, finishedBefore, limit, after);
    }

    public HistoryQuery task(String task) {
        return new HistoryQuery(jobId, task, outcomes, finishedFrom, finishedBefore, limit, after);
    }

    public HistoryQuery outcomes(Outcome first, Outcome... more) {
        return new HistoryQuery(jobId, task, EnumSet.of(first, more), finishedFrom, finishedBefore, limit, after);
    }

    /** Runs that finished in {@code [from, before)}; either may be null for no bound. */
    public HistoryQuery finished(Instant from, Instant before) {
        return new HistoryQuery(jobId, task, outcomes, from, before, limit, after);
    }

    public HistoryQuery limit(int limit) {
        return new HistoryQuery(jobId, task, outcomes, finishedFrom, finishedBefore, limit, after);
    }

    public HistoryQuery after(Cursor after) {
        return new HistoryQuery(jobId, task, outcomes, finishedFrom, finishedBefore, limit, after);
    }

    /** Whether {@code run} passes the filters and comes after the cursor: what a store that filters in memory checks. */
    public boolean matches(RunRecord run) {
        if (jobId != null && !jobId.equals(run.jobId())) {
            return false;
        }
        if (task != null && !task.equals(run.task())) {
            return false;
        }
        if (!outcomes.isEmpty() && !outcomes.contains(run.outcome())) {
            return false;
        }
        if (finishedFrom != null && run.finishedAt().isBefore(finishedFrom)) {
            return false;
        }
        if (finishedBefore != null && !run.finishedAt().isBefore(finishedBefore)) {
            return false;
        }
        if (after == null) {
            return true;
        }
        int byTime = run.finishedAt().compareTo(after.finishedAt());
        return byTime < 0 || byTime == 0 && run.id() < after.id();
    }
}
