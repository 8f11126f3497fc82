package dev.chime;


/** A schedule file that cannot be used; the message names the file, the job and the field. */
public class ScheduleFileException extends ChimeException {

    public ScheduleFileException(String message) {
        super(message);
    }

    public ScheduleFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
