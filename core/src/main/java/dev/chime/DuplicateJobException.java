package dev.chime;

/** A job was added with an id that is already taken; use {@code addOrReplace} to replace it. */
public class DuplicateJobException extends ChimeException {

    private final String jobId;

    public DuplicateJobException(String jobId) {
        super("a job with id '" + jobId + "' already exists; use addOrReplace(...) to replace it");
        this.jobId = jobId;
    }

    public String jobId() {
        return jobId;
    }
}
