package dev.chime.console;

/** What a console user may do. */
public enum Role {
    /** Reads jobs, nodes and events; every change is refused with 403. */
    READ_ONLY,
    /** Reads and changes: add, edit, delete, pause, resume, run now, pause the scheduler. */
    ADMIN;

    public boolean mayChange() {
        return this == ADMIN;
    }
}
