package dev.chime;

/** No job has the given id. */
public class JobNotFoundException extends ChimeException {

    private final String jobId;

    public JobNotFoundException(String jobId) {
        super("no job with id '" + jobId + "'");
        this.jobId = jobId;
    }

    public String jobId() {
        return jobId;
    }
}
