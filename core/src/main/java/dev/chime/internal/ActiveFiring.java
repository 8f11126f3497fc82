package dev.chime.internal;

import dev.chime.JobDefinition;
import dev.chime.spi.Firing;
import java.time.Instant;

/**
 * One firing the engine decided to run, across its attempts.
 *
 * @param definition      the job
 * @param fireTime        the scheduled fire time
 * @param claimToRelease  the store claim to release once the firing is over (fixed-delay triggers),
 *                        or null when it was released at dispatch
 * @param lastOfSchedule  true when the trigger has no later fire time: the job is removed afterwards
 * @param recovery        true when a dead node's firing is run again
 */
record ActiveFiring(JobDefinition definition, Instant fireTime, Firing claimToRelease, boolean lastOfSchedule,
                    boolean recovery) {

    String jobId() {
        return definition.id();
    }
}
