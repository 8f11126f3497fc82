package dev.chime.guice;

import dev.chime.Job;
import dev.chime.spi.JobFactory;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The tasks a {@link ChimeModule} knows, each resolved through the injector on every run so jobs get
 * their dependencies: {@link dev.chime.annotation.ChimeTask} classes, {@link dev.chime.annotation.ScheduledJob} classes and methods, and tasks
 * bound with {@link ChimeModule#tasks}. Bound as the scheduler's {@link JobFactory}; ask it whether
 * a task exists before adding a job at run time.
 */
public final class TaskRegistry implements JobFactory {

    private final Map<String, Supplier<Job>> tasks;

    TaskRegistry(Map<String, Supplier<Job>> tasks) {
        this.tasks = Collections.unmodifiableMap(new TreeMap<>(tasks));
    }

    /** The known task names, sorted. */
    public Set<String> names() {
        return tasks.keySet();
    }

    public boolean contains(String task) {
        return tasks.containsKey(task);
    }

    @Override
    public Optional<Job> resolve(String task) {
        Supplier<Job> supplier = tasks.get(task);
        return supplier == null ? Optional.empty() : Optional.of(supplier.get());
    }

    /** Every task this registry resolves: the scheduler refuses a job naming another one at {@code add}. */
    @Override
    public Optional<Set<String>> knownTasks() {
        return Optional.of(names());
    }

    /** Names the known tasks, for the scheduler's "unknown task" message. */
    @Override
    public String toString() {
        return "tasks known to the injector: " + (tasks.isEmpty() ? "none" : String.join(", ", tasks.keySet()));
    }
}
