package dev.chime.console;

/** What a console user may do. */
public enum Role {
    /** Reads jobs, executions (the history, stack traces, results), nodes and events; every change is refused with 403. */
    READ_ONLY,
    /** Reads and changes: add, edit, delete, pause, resume, run now, pause the scheduler; enqueue a task, requeue
     * or cancel an execution. */
    ADMIN;

    public boolean mayChange() {
        return this == ADMIN;
    }
}
