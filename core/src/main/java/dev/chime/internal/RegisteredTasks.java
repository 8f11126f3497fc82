package dev.chime.internal;

import dev.chime.Job;
import dev.chime.UnknownTaskException;
import dev.chime.spi.JobFactory;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link JobFactory}: the instances registered by name on the builder, then a
 * user-supplied factory for the names it does not know. Knows every task it can run unless that
 * factory is open-ended ({@link JobFactory#knownTasks()} empty). Thread-safe.
 */
public final class RegisteredTasks implements JobFactory {

    private static final Logger LOG = LoggerFactory.getLogger(RegisteredTasks.class);

    private final Map<String, Job> tasks;
    private final JobFactory fallback;
    /** Tasks already reported unresolvable: the log says so once per task, not at every firing. */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

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
        Optional<Job> resolved = fallback == null ? Optional.empty() : fallback.resolve(task);
        if (resolved.isEmpty() && reported.add(task)) {
            LOG.warn("task '{}' is unknown on this node (known: {}); its jobs fail at each firing with UnknownTaskException"
                    + " and are reported as Failed events. Logged once per task", task, this);
        }
        return resolved;
    }

    @Override
    public Optional<Set<String>> knownTasks() {
        if (fallback == null) {
            return Optional.of(tasks.keySet());
        }
        return fallback.knownTasks().map(theirs -> {
            Set<String> all = new TreeSet<>(tasks.keySet());
            all.addAll(theirs);
            return all;
        });
    }

    /**
     * Refuses a task this scheduler can never run, when {@code factory} knows every task it can
     * run and no other node runs the store's jobs. An open-ended factory (a class name may resolve)
     * lets every task through; so does a shared store (another node may have the task), which
     * this says in the log once per task.
     *
     * @throws UnknownTaskException naming the task and the known ones
     */
    public static void requireKnown(JobFactory factory, String task, boolean sharedStore) {
        if (factory instanceof RegisteredTasks registered && registered.tasks.containsKey(task)) {
            return;
        }
        Optional<Set<String>> known = factory.knownTasks();
        if (known.isEmpty() || known.get().contains(task)) {
            return;
        }
        String names = known.get().isEmpty()
                ? "none (register tasks with SchedulerBuilder.task(..) or a JobFactory)"
                : String.join(", ", new TreeSet<>(known.get()));
        if (!sharedStore) {
            throw new UnknownTaskException(task, names);
        }
        if (factory instanceof RegisteredTasks registered && registered.reported.add(task)) {
            LOG.warn("task '{}' is not known on this node (known: {}); the store is shared, so another node may run it."
                    + " Logged once per task", task, names);
        }
    }

    @Override
    public String toString() {
        if (fallback == null) {
            return new TreeMap<>(tasks).keySet().toString();
        }
        return new TreeMap<>(tasks).keySet() + " and those of " + fallback
                + (fallback.knownTasks().isEmpty() ? " (which does not list its tasks: another node may have it)" : "");
    }
}
