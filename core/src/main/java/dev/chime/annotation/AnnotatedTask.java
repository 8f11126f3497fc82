package dev.chime.annotation;

import dev.chime.Job;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * A task found on a class: the class itself (a {@link Job} named by {@link ChimeTask} or carrying
 * {@link ScheduledJob}), or one of its {@code @ScheduledJob} methods. Immutable.
 *
 * @param name   the task name jobs refer to
 * @param where  the class or method, for messages
 * @param type   the class that holds it (the one the container builds)
 * @param method the method, or null for a {@link Job} class
 */
public record AnnotatedTask(String name, String where, Class<?> type, Method method) {

    /** Whether {@link #job} needs an instance of {@link #type} (not for a static method). */
    public boolean needsInstance() {
        return method == null || !Modifier.isStatic(method.getModifiers());
    }

    /** The job that runs this task on {@code target}, an instance of {@link #type} (null for a static method). */
    public Job job(Object target) {
        return method == null ? (Job) target : new MethodJob(target, method);
    }
}
