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
     * Every task this factory can resolve, when it can list them (a registry of named tasks);
     * empty when it is open-ended (it resolves names it cannot list, such as class names), the
     * default. With a list, {@code Scheduler.add} refuses a job whose task is not on it, at once,
     * instead of failing at every firing; a clustered store may also use it to claim only the
     * jobs this node can run. Must not change while the scheduler runs, except to grow.
     */
    default Optional<Set<String>> knownTasks() {
        return Optional.empty();
    }
}
