package dev.chime.spi;

import dev.chime.LastRun;
import dev.chime.RunRecord;

/** Run ends for store tests, made from the outcome a test cares about. */
public final class RunEnds {

    private RunEnds() {
    }

    /** The end of a run of job {@code jobId} (task {@code "task-" + jobId}) with this outcome, which becomes the job's. */
    public static RunEnd of(String jobId, LastRun run) {
        return new RunEnd(record(jobId, run), true);
    }

    public static RunRecord record(String jobId, LastRun run) {
        boolean started = run.outcome() != dev.chime.Outcome.MISSED;
        return new RunRecord(0, jobId, "task-" + jobId, run.scheduledFireTime(), started ? 1 : 0, "node-a",
                started ? run.finishedAt().minus(run.duration()) : null, run.finishedAt(), run.duration(), run.outcome(),
                run.error(), run.error() == null ? null : run.error() + "\n\tat somewhere(Somewhere.java:1)");
    }
}
