package dev.chime;

/** How a firing of a job ended. */
public enum Outcome {
    /** The job returned normally. */
    SUCCESS,
    /** The job threw, and no retry is left. */
    FAILURE,
    /** The job ran past its timeout and was interrupted. */
    TIMEOUT,
    /** The firing was found later than the misfire grace time and did not run. */
    MISSED,
    /** An enqueued task was cancelled before it ran, or stopped running because it was asked to. */
    CANCELLED
}
