package dev.chime.internal;

import dev.chime.JobDefinition;
import dev.chime.spi.Firing;
import dev.chime.spi.RunTicket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One firing the engine decided to run, across its attempts.
 *
 * @param definition      the job
 * @param fireTime        the scheduled fire time
 * @param claimToRelease  the store claim to release once the firing is over (fixed-delay triggers),
 *                        or null when it was released at dispatch
 * @param recovery        true when a dead node's firing is run again
 * @param removed         the job already left the store at dispatch (its trigger is exhausted), so
 *                        there is no record to write an outcome to
 * @param queued          further due fire times (missed ones, not coalesced) that run one after the
 *                        other in the same instance slot and store run, as APScheduler runs them;
 *                        the run moves on to each with {@code JobStore.advanceRun}
 * @param ticket          the store's ticket for the run once it began (or, for a recovery, the run
 *                        taken over); null before, or when the store could not be told
 */
record ActiveFiring(JobDefinition definition, Instant fireTime, Firing claimToRelease, boolean recovery,
                    boolean removed, List<Instant> queued, RunTicket ticket) {

    ActiveFiring {
        queued = List.copyOf(queued);
    }

    /** A firing of a single fire time. */
    ActiveFiring(JobDefinition definition, Instant fireTime, Firing claimToRelease, boolean recovery) {
        this(definition, fireTime, claimToRelease, recovery, false, List.of(), null);
    }

    /** This firing as begun by the store: with its ticket, and whether the job left the store. */
    ActiveFiring begun(RunTicket ticket, boolean removed) {
        return new ActiveFiring(definition, fireTime, claimToRelease, recovery, removed, queued, ticket);
    }

    ActiveFiring withTicket(RunTicket ticket) {
        return new ActiveFiring(definition, fireTime, claimToRelease, recovery, removed, queued, ticket);
    }

    String jobId() {
        return definition.id();
    }

    /**
     * The firing of the next queued fire time, carrying the store's ticket for it (its own fencing
     * token; null when the store could not be told). Never a recovery: a queued fire time had not
     * started on the node that died, so it runs here for the first time.
     */
    ActiveFiring nextQueued(RunTicket nextTicket) {
        return new ActiveFiring(definition, queued.get(0), claimToRelease, false, removed, queued.subList(1, queued.size()),
                nextTicket);
    }

    /** Every fire time this firing stands for. */
    List<Instant> allFireTimes() {
        List<Instant> all = new ArrayList<>(queued.size() + 1);
        all.add(fireTime);
        all.addAll(queued);
        return all;
    }
}
