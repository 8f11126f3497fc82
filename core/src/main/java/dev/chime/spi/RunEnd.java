package dev.chime.spi;

import dev.chime.LastRun;
import dev.chime.RunRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The end of a run (one fire time) as the engine hands it to the store: its entry for the run
 * history, whether it also becomes its job's last outcome, and the fire times of the same run
 * that end with it unrun.
 *
 * @param run        the history entry, with id 0: the store numbers it
 * @param updatesJob false when the job left the store as this run was dispatched (its trigger was
 *                   exhausted): a job added again under its id meanwhile must not take this
 *                   outcome as its own. The run still goes to the history.
 * @param missed     the run's queued fire times it ends before (shutdown, a store that could not
 *                   move the run on), each reported missed: the store appends them to the history
 *                   after {@code run}, in the same write, and only if it records {@code run}
 */
public record RunEnd(RunRecord run, boolean updatesJob, List<RunRecord> missed) {

    public RunEnd {
        Objects.requireNonNull(run, "run");
        missed = List.copyOf(missed);
    }

    /** The end of a run that leaves no fire time unrun. */
    public RunEnd(RunRecord run, boolean updatesJob) {
        this(run, updatesJob, List.of());
    }

    public String jobId() {
        return run.jobId();
    }

    /** The outcome to record on the job. */
    public LastRun lastRun() {
        return run.lastRun();
    }

    /** Every history entry this end appends, in order: the run's, then the fire times it leaves missed. */
    public List<RunRecord> entries() {
        if (missed.isEmpty()) {
            return List.of(run);
        }
        List<RunRecord> all = new ArrayList<>(missed.size() + 1);
        all.add(run);
        all.addAll(missed);
        return all;
    }
}
