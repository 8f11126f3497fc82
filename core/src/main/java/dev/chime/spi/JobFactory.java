package dev.chime.spi;

import dev.chime.Job;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves a task name to the {@link Job} that runs it. The default knows the instances registered
 * with {@code SchedulerBuilder.task(...)}; a dependency-injection container plugs in here so jobs
 * get their dependencies injected. Called for every attempt; must be thread-safe.
 */
@FunctionalInterface
public interface JobFactory {

    /** The job for a task name, or empty if this factory does not know it. */
    Optional<Job> resolve(String task);

    /**
     * Every task name this factory resolves, when it knows them all up front; empty when it can
     * resolve names it cannot list (the default). A clustered store uses the set so that a node
     * claims only the jobs it can run, and leaves the others to nodes that can.
     */
    default Optional<Set<String>> knownTasks() {
        return Optional.empty();
    }
}
