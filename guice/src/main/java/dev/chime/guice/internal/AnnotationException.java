package dev.chime.guice.internal;

import dev.chime.ChimeException;

/** A misused {@code @ScheduledJob} or {@code @ChimeTask}; the message names the class or method. */
public final class AnnotationException extends ChimeException {

    public AnnotationException(String message) {
        super(message);
    }

    public AnnotationException(String message, Throwable cause) {
        super(message, cause);
    }
}
