package dev.chime.guice.internal;

import dev.chime.Job;
import dev.chime.JobContext;
import dev.chime.guice.ChimeTask;
import dev.chime.guice.ScheduledJob;
import io.github.classgraph.ClassGraph;
import io.github.classgraph.ClassInfo;
import io.github.classgraph.MethodInfo;
import io.github.classgraph.ScanResult;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds {@link ChimeTask} and {@link ScheduledJob} classes and methods in the given packages with
 * ClassGraph, which reads class files without loading every class it passes.
 */
public final class AnnotationScanner {

    /** A task found by the scan: a {@link Job} class, or a method and the class that holds it. */
    public record FoundTask(String name, String where, Class<?> type, Method method) {
    }

    /** What one scan found, tasks by name and declared jobs in a stable order. */
    public record Found(Map<String, FoundTask> tasks, List<DeclaredJob> jobs) {
    }

    private AnnotationScanner() {
    }

    public static Found scan(List<String> packages, ClassLoader loader) {
        Map<String, FoundTask> tasks = new LinkedHashMap<>();
        List<DeclaredJob> jobs = new ArrayList<>();
        if (packages.isEmpty()) {
            return new Found(tasks, jobs);
        }
        try (ScanResult scan = new ClassGraph().enableClassInfo().enableMethodInfo().enableAnnotationInfo()
                .overrideClassLoaders(loader).acceptPackages(packages.toArray(String[]::new)).scan()) {
            List<ClassInfo> classes = new ArrayList<>(scan.getClassesWithAnnotation(ChimeTask.class));
            for (ClassInfo info : scan.getClassesWithAnnotation(ScheduledJob.class)) {
                if (!classes.contains(info)) {
                    classes.add(info);
                }
            }
            for (ClassInfo info : scan.getClassesWithMethodAnnotation(ScheduledJob.class)) {
                if (!classes.contains(info)) {
                    classes.add(info);
                }
            }
            classes.sort(Comparator.comparing(ClassInfo::getName));
            for (ClassInfo info : classes) {
                Class<?> type = info.loadClass();
                if (type.isAnnotationPresent(ChimeTask.class) || type.isAnnotationPresent(ScheduledJob.class)) {
                    classTask(type, tasks, jobs);
                }
                List<MethodInfo> methods = new ArrayList<>(info.getDeclaredMethodInfo().filter(m -> m.hasAnnotation(ScheduledJob.class)));
                methods.sort(Comparator.comparing(MethodInfo::getName));
                for (MethodInfo m : methods) {
                    methodTask(type, m.loadClassAndGetMethod(), tasks, jobs);
                }
            }
        }
        return new Found(tasks, jobs);
    }

    private static void classTask(Class<?> type, Map<String, FoundTask> tasks, List<DeclaredJob> jobs) {
        String where = "class " + type.getName();
        if (!Job.class.isAssignableFrom(type)) {
            throw new AnnotationException(where + ": @ChimeTask and @ScheduledJob on a class need it to implement "
                    + Job.class.getName() + " (or put @ScheduledJob on a method)");
        }
        if (Modifier.isAbstract(type.getModifiers())) {
            throw new AnnotationException(where + ": is abstract; the injector cannot build it");
        }
        ChimeTask named = type.getAnnotation(ChimeTask.class);
        if (named != null && named.value().isBlank()) {
            throw new AnnotationException(where + ": @ChimeTask needs a non-blank name");
        }
        String task = named != null ? named.value() : type.getName();
        add(tasks, new FoundTask(task, where, type, null));
        ScheduledJob declared = type.getAnnotation(ScheduledJob.class);
        if (declared != null) {
            jobs.add(new DeclaredJob(where, declared.id().isBlank() ? type.getSimpleName() : declared.id(), task, declared));
        }
    }

    private static void methodTask(Class<?> type, Method method, Map<String, FoundTask> tasks, List<DeclaredJob> jobs) {
        String where = "method " + type.getName() + "#" + method.getName();
        Class<?>[] params = method.getParameterTypes();
        boolean takesContext = params.length == 1 && params[0] == JobContext.class;
        if (!Modifier.isPublic(method.getModifiers()) || !(params.length == 0 || takesContext)) {
            throw new AnnotationException(where + ": @ScheduledJob needs a public method taking no argument or a "
                    + JobContext.class.getName());
        }
        if (!Modifier.isStatic(method.getModifiers()) && Modifier.isAbstract(type.getModifiers())) {
            throw new AnnotationException(where + ": its class is abstract; the injector cannot build it");
        }
        String task = type.getName() + "#" + method.getName();
        add(tasks, new FoundTask(task, where, type, method));
        ScheduledJob declared = method.getAnnotation(ScheduledJob.class);
        String id = declared.id().isBlank() ? type.getSimpleName() + "." + method.getName() : declared.id();
        jobs.add(new DeclaredJob(where, id, task, declared));
    }

    private static void add(Map<String, FoundTask> tasks, FoundTask task) {
        FoundTask before = tasks.putIfAbsent(task.name(), task);
        if (before != null) {
            throw new AnnotationException("task '" + task.name() + "' is declared twice: by " + before.where()
                    + " and by " + task.where() + " (overloaded methods cannot both be scheduled)");
        }
    }
}
