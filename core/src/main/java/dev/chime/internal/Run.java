package dev.chime.internal;

import dev.chime.spi.RunTicket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One run the store started ({@code JobStore.endClaims} answered its ticket), across the attempt
 * it runs and the queued fire times it moves on to. Every start of work goes through the same
 * life: claim, decide, start, attempt, end ({@code docs/ARCHITECTURE.md}).
 *
 * @param work         what runs
 * @param ticket       the store's ticket: its execution, fire time, attempt and fencing token
 * @param queued       further fire times that run after this one in the same instance slot
 * @param recovery     true when a dead node's run is run again
 * @param keepsClaim   the run keeps its job's claim (fixed delay): its end moves the job on
 * @param jobLeftStore the job left the store when the run started (its trigger is exhausted): no
 *                     outcome is written to it
 */
record Run(Work work, RunTicket ticket, List<Instant> queued, boolean recovery, boolean keepsClaim, boolean jobLeftStore) {

    Run {
        queued = List.copyOf(queued);
    }

    Instant fireTime() {
        return ticket.fireTime();
    }

    int attempt() {
        return ticket.attempt();
    }

    String executionId() {
        return ticket.executionId();
    }

    /** The run of the next queued fire time, under the store's ticket for it: never a recovery. */
    Run next(RunTicket nextTicket) {
        return new Run(work, nextTicket, queued.subList(1, queued.size()), false, false, jobLeftStore);
    }

    /** Every fire time this run stands for. */
    List<Instant> allFireTimes() {
        List<Instant> all = new ArrayList<>(queued.size() + 1);
        all.add(fireTime());
        all.addAll(queued);
        return all;
    }
}
