package dev.chime.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A run the engine starts as it ends a claim ({@link ClaimEnd#start()}): the store records it (the
 * execution RUNNING on this node, with a fencing token) in the same write that ends the claim.
 *
 * <p>Without coalescing, a late claim may find several fire times due: they run one after the
 * other in one instance slot, as one run, so max instances counts the batch once. {@code queued}
 * lists the fire times after {@code fireTime}; each gets an execution of its own when the run moves
 * on to it ({@link RunEnd#next()}). A store shared by a cluster keeps the list with the run, so that
 * whoever takes over a dead node's run also gets the fire times it had not started.
 *
 * @param executionId  the execution: a new id (a UUID, from the engine) for a {@link Claim.FireTime};
 *                     the claimed execution's id for a {@link Claim.Due} or {@link Claim.Recovery}
 * @param fireTime     the fire time the run stands for (of a {@code FireTime} claim: the one the
 *                     misfire rules chose, which may be later than the claimed one)
 * @param attempt      the attempt number this run starts with, 1 for a first attempt
 * @param maxInstances the job's max concurrent instances, to hold across every node sharing the
 *                     store (ignored for a task, which has no job, and for a recovery, which
 *                     already holds its instance)
 * @param recoverable  whether the run runs again if its node dies mid-run
 * @param queued       the further fire times of the batch, in order, each after the last; empty for one
 * @param dataJson     the data to keep with the execution when its job leaves the store with this
 *                     claim (so that a retry or recovery can run it); null otherwise
 * @param optionsJson  the options to keep under the same rule
 * @param startedAt    when it starts, by the engine's clock
 */
public record RunStart(String executionId, Instant fireTime, int attempt, int maxInstances, boolean recoverable,
                       List<Instant> queued, String dataJson, String optionsJson, Instant startedAt) {

    public RunStart {
        Objects.requireNonNull(executionId, "executionId");
        Objects.requireNonNull(fireTime, "fireTime");
        Objects.requireNonNull(startedAt, "startedAt");
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be at least 1, was " + attempt);
        }
        if (maxInstances < 1) {
            throw new IllegalArgumentException("maxInstances must be at least 1, was " + maxInstances);
        }
        queued = queued == null ? List.of() : List.copyOf(queued);
        Instant last = fireTime;
        for (Instant t : queued) {
            if (!t.isAfter(last)) {
                throw new IllegalArgumentException("queued fire times must each be after the last: " + t + " follows " + last
                        + " in the run of execution '" + executionId + "'");
            }
            last = t;
        }
    }
}
