package dev.chime.annotation;

import dev.chime.ChimeException;

/** A misused {@link ScheduledJob} or {@link ChimeTask}; the message names the class or method and the attribute. */
public final class AnnotationException extends ChimeException {

    public AnnotationException(String message) {
        super(message);
    }

    public AnnotationException(String message, Throwable cause) {
        super(message, cause);
    }
}
