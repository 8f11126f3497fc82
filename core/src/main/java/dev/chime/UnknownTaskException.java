package dev.chime;

/** A job names a task that neither the registered tasks nor the {@link dev.chime.spi.JobFactory} know. */
public class UnknownTaskException extends ChimeException {

    private final String task;

    public UnknownTaskException(String task, String known) {
        super("unknown task '" + task + "'; known tasks: " + known);
        this.task = task;
    }

    public String task() {
        return task;
    }
}
