package dev.chime.spring.boot.internal;

import dev.chime.Job;
import dev.chime.annotation.AnnotatedJob;
import dev.chime.annotation.AnnotatedTask;
import dev.chime.annotation.AnnotationException;
import dev.chime.annotation.JobAnnotations;
import dev.chime.spi.JobFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ClassUtils;

/**
 * The tasks the application context offers, resolved through it on every run so that jobs are
 * beans with their dependencies: {@code @ScheduledJob} methods and classes and {@code @ChimeTask}
 * classes of any bean (read by core's {@link JobAnnotations}), and every other {@link Job} bean by
 * its bean name. Found by {@link #scan()} once the context is refreshed (every bean definition is
 * known then); thread-safe.
 */
public final class BeanTasks implements JobFactory {

    private static final Logger LOG = LoggerFactory.getLogger(BeanTasks.class);

    private record Entry(String where, Supplier<Job> job) {
    }

    private final ConfigurableListableBeanFactory beans;
    private volatile Map<String, Entry> tasks = Map.of();
    private volatile List<AnnotatedJob> jobs = List.of();

    public BeanTasks(ConfigurableListableBeanFactory beans) {
        this.beans = beans;
    }

    /** Reads the beans' annotations; types only, so no bean is created early. */
    public synchronized void scan() {
        Map<String, Entry> found = new TreeMap<>();
        List<AnnotatedJob> declared = new ArrayList<>();
        for (String name : beans.getBeanDefinitionNames()) {
            BeanDefinition definition = beans.getBeanDefinition(name);
            if (definition.isAbstract() || definition.getRole() == BeanDefinition.ROLE_INFRASTRUCTURE) {
                continue;
            }
            Class<?> type = beans.getType(name, false);
            if (type == null) {
                continue;
            }
            Class<?> userType = ClassUtils.getUserClass(type);
            if (isAnnotated(name, userType)) {
                JobAnnotations.Found annotated = JobAnnotations.inspect(userType);
                for (AnnotatedTask task : annotated.tasks()) {
                    put(found, task.name(), new Entry(task.where() + " (bean '" + name + "')",
                            () -> task.job(task.needsInstance() ? beans.getBean(name) : null)));
                }
                declared.addAll(annotated.jobs());
            } else if (Job.class.isAssignableFrom(type)) {
                put(found, name, new Entry("bean '" + name + "'", () -> (Job) beans.getBean(name)));
            }
        }
        declared.sort(Comparator.comparing(AnnotatedJob::id));
        this.tasks = found;
        this.jobs = List.copyOf(declared);
    }

    /**
     * Reading a class's methods resolves the types they mention; an auto-configured bean whose
     * optional dependencies are absent then fails with a {@link LinkageError}. Such a class is not
     * one of the application's jobs: it is skipped, not allowed to stop the start.
     */
    private static boolean isAnnotated(String beanName, Class<?> type) {
        try {
            return JobAnnotations.isAnnotated(type);
        } catch (LinkageError e) {
            LOG.debug("bean '{}' ({}) skipped: its methods cannot be read: {}", beanName, type.getName(), e.toString());
            return false;
        }
    }

    private static void put(Map<String, Entry> tasks, String name, Entry entry) {
        Entry before = tasks.putIfAbsent(name, entry);
        if (before != null) {
            throw new AnnotationException("task '" + name + "' is declared twice: by " + before.where() + " and by " + entry.where()
                    + " (give one a @ChimeTask name)");
        }
    }

    /** The jobs declared with {@code @ScheduledJob} on beans, by id. */
    public List<AnnotatedJob> declaredJobs() {
        return jobs;
    }

    /** The known task names, sorted. */
    public List<String> names() {
        return List.copyOf(tasks.keySet());
    }

    @Override
    public Optional<Job> resolve(String task) {
        Entry entry = tasks.get(task);
        return entry == null ? Optional.empty() : Optional.of(entry.job().get());
    }

    /** Names the known tasks, for the scheduler's "unknown task" message. */
    @Override
    public String toString() {
        return "tasks known to the application context: " + (tasks.isEmpty() ? "none" : String.join(", ", tasks.keySet()));
    }
}
