package dev.chime;

/**
 * Counts that are cheap to read, for gauges and health checks.
 *
 * @param jobs         jobs in the store
 * @param pausedJobs   of those, paused
 * @param runningJobs  attempts running on this node now
 */
public record SchedulerStats(long jobs, long pausedJobs, int runningJobs) {
}
