package dev.chime.annotation;

import dev.chime.Job;
import dev.chime.JobContext;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Reads {@link ChimeTask} and {@link ScheduledJob} from one class, by reflection: how an
 * integration turns the classes it found (by a classpath scan, or as the container's beans) into
 * tasks and declared jobs. Stateless and thread-safe.
 */
public final class JobAnnotations {

    /** What one class declares: its tasks and its jobs, methods in name order. */
    public record Found(List<AnnotatedTask> tasks, List<AnnotatedJob> jobs) {

        public Found {
            tasks = List.copyOf(tasks);
            jobs = List.copyOf(jobs);
        }

        public boolean isEmpty() {
            return tasks.isEmpty() && jobs.isEmpty();
        }
    }

    private JobAnnotations() {
    }

    /** Whether the class or one of its declared methods carries a Chime annotation. */
    public static boolean isAnnotated(Class<?> type) {
        return type.isAnnotationPresent(ChimeTask.class) || type.isAnnotationPresent(ScheduledJob.class)
                || Arrays.stream(type.getDeclaredMethods()).anyMatch(m -> m.isAnnotationPresent(ScheduledJob.class));
    }

    /**
     * The tasks and jobs {@code type} declares.
     *
     * @throws AnnotationException naming the class or method when an annotation is misused
     */
    public static Found inspect(Class<?> type) {
        List<AnnotatedTask> tasks = new ArrayList<>();
        List<AnnotatedJob> jobs = new ArrayList<>();
        if (type.isAnnotationPresent(ChimeTask.class) || type.isAnnotationPresent(ScheduledJob.class)) {
            classTask(type, tasks, jobs);
        }
        List<Method> methods = new ArrayList<>(Arrays.stream(type.getDeclaredMethods())
                .filter(m -> m.isAnnotationPresent(ScheduledJob.class)).toList());
        methods.sort(Comparator.comparing(Method::getName));
        for (Method m : methods) {
            methodTask(type, m, tasks, jobs);
        }
        return new Found(tasks, jobs);
    }

    private static void classTask(Class<?> type, List<AnnotatedTask> tasks, List<AnnotatedJob> jobs) {
        String where = "class " + type.getName();
        if (!Job.class.isAssignableFrom(type)) {
            throw new AnnotationException(where + ": @ChimeTask and @ScheduledJob on a class need it to implement "
                    + Job.class.getName() + " (or put @ScheduledJob on a method)");
        }
        if (Modifier.isAbstract(type.getModifiers())) {
            throw new AnnotationException(where + ": is abstract; it cannot be built");
        }
        ChimeTask named = type.getAnnotation(ChimeTask.class);
        if (named != null && named.value().isBlank()) {
            throw new AnnotationException(where + ": @ChimeTask needs a non-blank name");
        }
        String task = named != null ? named.value() : type.getName();
        tasks.add(new AnnotatedTask(task, where, type, null));
        ScheduledJob declared = type.getAnnotation(ScheduledJob.class);
        if (declared != null) {
            jobs.add(new AnnotatedJob(where, declared.id().isBlank() ? type.getSimpleName() : declared.id(), task, declared));
        }
    }

    private static void methodTask(Class<?> type, Method method, List<AnnotatedTask> tasks, List<AnnotatedJob> jobs) {
        String where = "method " + type.getName() + "#" + method.getName();
        Class<?>[] params = method.getParameterTypes();
        boolean takesContext = params.length == 1 && params[0] == JobContext.class;
        if (!Modifier.isPublic(method.getModifiers()) || !(params.length == 0 || takesContext)) {
            throw new AnnotationException(where + ": @ScheduledJob needs a public method taking no argument or a "
                    + JobContext.class.getName());
        }
        if (!Modifier.isStatic(method.getModifiers()) && Modifier.isAbstract(type.getModifiers())) {
            throw new AnnotationException(where + ": its class is abstract; it cannot be built");
        }
        String task = type.getName() + "#" + method.getName();
        tasks.add(new AnnotatedTask(task, where, type, method));
        ScheduledJob declared = method.getAnnotation(ScheduledJob.class);
        String id = declared.id().isBlank() ? type.getSimpleName() + "." + method.getName() : declared.id();
        jobs.add(new AnnotatedJob(where, id, task, declared));
    }
}
