package dev.chime.internal;

import dev.chime.Job;
import dev.chime.spi.JobFactory;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The default {@link JobFactory}: the instances registered by name on the builder, then a
 * user-supplied factory for the names it does not know.
 */
public final class RegisteredTasks implements JobFactory {

    private final Map<String, Job> tasks;
    private final JobFactory fallback;

    public RegisteredTasks(Map<String, Job> tasks, JobFactory fallback) {
        this.tasks = Map.copyOf(tasks);
        this.fallback = fallback;
    }

    @Override
    public Optional<Job> resolve(String task) {
        Job job = tasks.get(task);
        if (job != null) {
            return Optional.of(job);
        }
        return fallback == null ? Optional.empty() : fallback.resolve(task);
    }

    /** The registered names, plus the fallback's when it lists them; empty when the fallback cannot. */
    @Override
    public Optional<Set<String>> knownTasks() {
        if (fallback == null) {
            return Optional.of(tasks.keySet());
        }
        return fallback.knownTasks().map(more -> {
            Set<String> all = new HashSet<>(tasks.keySet());
            all.addAll(more);
            return Set.copyOf(all);
        });
    }

    @Override
    public String toString() {
        return new TreeMap<>(tasks).keySet() + (fallback == null ? "" : " and those of " + fallback);
    }
}
