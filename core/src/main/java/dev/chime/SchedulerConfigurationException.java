package dev.chime;

/** The scheduler cannot be built as configured: no job store, two stores to choose from, a clash of plugins. */
public class SchedulerConfigurationException extends ChimeException {

    public SchedulerConfigurationException(String message) {
        super(message);
    }

    public SchedulerConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
