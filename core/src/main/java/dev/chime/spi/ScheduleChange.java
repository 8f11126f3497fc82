package dev.chime.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * What becomes of a job whose claim is ending ({@link ClaimEnd#schedule()}, {@link RunEnd#schedule()}).
 * Build with the factory methods.
 *
 * @param kind         what happens
 * @param nextFireTime for {@link Kind#RELEASE}: the job's next fire time; null leaves it without one
 *                     (its trigger is exhausted but the job stays, as a faulty or unreadable job does)
 */
public record ScheduleChange(Kind kind, Instant nextFireTime) {

    public enum Kind {
        /** The claim ends and the job goes back to the schedule at {@code nextFireTime}. */
        RELEASE,
        /** The claim ends by removing the job: its trigger will never fire again. */
        REMOVE,
        /**
         * The claim stays held by the execution (fixed-delay triggers, whose next fire time counts
         * from the run's end): by the run that starts, or by the execution that goes back to wait
         * for a free instance; the {@link RunEnd} that ends the execution for good ends the claim.
         */
        KEEP_WITH_EXECUTION
    }

    public ScheduleChange {
        Objects.requireNonNull(kind, "kind");
        if (kind != Kind.RELEASE && nextFireTime != null) {
            throw new IllegalArgumentException("a " + kind + " schedule change has no next fire time");
        }
    }

    public static ScheduleChange release(Instant nextFireTime) {
        return new ScheduleChange(Kind.RELEASE, nextFireTime);
    }

    public static ScheduleChange remove() {
        return new ScheduleChange(Kind.REMOVE, null);
    }

    public static ScheduleChange keepWithExecution() {
        return new ScheduleChange(Kind.KEEP_WITH_EXECUTION, null);
    }

    /** Whether the job leaves the store. */
    public boolean removesJob() {
        return kind == Kind.REMOVE;
    }
}
