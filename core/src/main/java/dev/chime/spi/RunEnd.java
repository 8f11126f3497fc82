package dev.chime.spi;

import dev.chime.LastRun;
import dev.chime.RunRecord;
import java.util.Objects;

/**
 * The end of a run (one fire time) as the engine hands it to the store: its entry for the run
 * history, and whether it also becomes its job's last outcome.
 *
 * @param run        the history entry, with id 0: the store numbers it
 * @param updatesJob false when the job left the store as this run was dispatched (its trigger was
 *                   exhausted): a job added again under its id meanwhile must not take this
 *                   outcome as its own. The run still goes to the history.
 */
public record RunEnd(RunRecord run, boolean updatesJob) {

    public RunEnd {
        Objects.requireNonNull(run, "run");
    }

    public String jobId() {
        return run.jobId();
    }

    /** The outcome to record on the job. */
    public LastRun lastRun() {
        return run.lastRun();
    }
}
