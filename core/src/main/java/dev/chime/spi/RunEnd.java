package dev.chime.spi;

import dev.chime.ExecutionState;
import dev.chime.LastRun;
import java.time.Instant;
import java.util.Objects;

/**
 * How an attempt's run ended, for {@link JobStore#endRuns}: the only way a run ends. In one write,
 * and only while the ticket's run is still this node's (else nothing is written), the store
 * <ol>
 *   <li>writes the execution's new state with its history fields (ended, or waiting for its retry
 *       until {@link #retryAt()}) and frees the job's running instance;</li>
 *   <li>records {@link #lastRun()} as the job's latest outcome, if set;</li>
 *   <li>ends the job's claim as {@link #schedule()} says, when the run kept it (fixed delay);</li>
 *   <li>when {@link #next()} is set, starts the run of the next queued fire time in the same
 *       instance slot: a new execution, RUNNING here, with a fencing token of its own.</li>
 * </ol>
 * Idempotent: an end written again after its answer was lost answers as the first did.
 *
 * @param ticket     the run's ticket
 * @param state      {@code SUCCEEDED}, {@code FAILED}, {@code CANCELLED}, or {@code WAITING_FOR_RETRY}
 * @param endedAt    when the attempt ended
 * @param error      the failure's message (class and message), or null
 * @param stackTrace the failure's stack trace, or null
 * @param resultJson the job's JSON result, or null
 * @param retryAt    for {@code WAITING_FOR_RETRY}: when the retry is due (any node may claim it
 *                   then; it takes no instance while it waits, see {@link JobStore}); null otherwise
 * @param lastRun    the job's latest outcome to record; null for none (a task, a job that left the
 *                   store, a retry still to come)
 * @param schedule   for a run that kept its job's claim ({@link ScheduleChange.Kind#KEEP_WITH_EXECUTION})
 *                   and is over for good: the job's next fire time or its removal; null otherwise
 *                   (a run waiting for its retry keeps the claim until its last attempt ends)
 * @param next       the queued fire time the run moves on to, or null. Also with
 *                   {@code WAITING_FOR_RETRY}: the failed fire time waits for its retry as an
 *                   execution of its own (it takes an instance again when it runs), and the run goes
 *                   on with the next fire time in its slot
 */
public record RunEnd(RunTicket ticket, ExecutionState state, Instant endedAt, String error, String stackTrace,
                     String resultJson, Instant retryAt, LastRun lastRun, ScheduleChange schedule, Next next) {

    /**
     * The queued fire time a run moves on to.
     *
     * @param fireTime    the next fire time of the batch
     * @param executionId the new execution's id (a UUID, from the engine)
     */
    public record Next(Instant fireTime, String executionId) {
        public Next {
            Objects.requireNonNull(fireTime, "fireTime");
            Objects.requireNonNull(executionId, "executionId");
        }
    }

    public RunEnd {
        Objects.requireNonNull(ticket, "ticket");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(endedAt, "endedAt");
        if (state == ExecutionState.SCHEDULED || state == ExecutionState.RUNNING) {
            throw new IllegalArgumentException("a run of execution '" + ticket.executionId() + "' cannot end " + state);
        }
        if ((state == ExecutionState.WAITING_FOR_RETRY) != (retryAt != null)) {
            throw new IllegalArgumentException("a run of execution '" + ticket.executionId()
                    + "' has a retryAt exactly when it ends WAITING_FOR_RETRY");
        }
        if (schedule != null && (schedule.kind() == ScheduleChange.Kind.KEEP_WITH_EXECUTION || retryAt != null)) {
            throw new IllegalArgumentException("a run of execution '" + ticket.executionId()
                    + "' ends its kept claim only when it is over for good, with a release or a remove");
        }
        if (next != null && (schedule != null || !next.fireTime().isAfter(ticket.fireTime()))) {
            throw new IllegalArgumentException("a run of execution '" + ticket.executionId()
                    + "' moves on only to a later fire time, holding no claim");
        }
    }

    /** True when the execution ends here (not waiting for a retry). */
    public boolean endsExecution() {
        return state.isEnded();
    }
}
