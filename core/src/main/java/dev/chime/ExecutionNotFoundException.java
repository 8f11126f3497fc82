package dev.chime;

/** No execution has that id: it never existed, or the retention cleaned it. */
public class ExecutionNotFoundException extends ChimeException {

    private final String executionId;

    public ExecutionNotFoundException(String executionId) {
        super("no execution with id '" + executionId + "' (never existed, or cleaned by the retention)");
        this.executionId = executionId;
    }

    public String executionId() {
        return executionId;
    }
}
