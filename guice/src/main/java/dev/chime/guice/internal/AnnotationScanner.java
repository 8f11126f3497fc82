package dev.chime.guice.internal;

import dev.chime.annotation.AnnotatedJob;
import dev.chime.annotation.AnnotatedTask;
import dev.chime.annotation.AnnotationException;
import dev.chime.annotation.ChimeTask;
import dev.chime.annotation.JobAnnotations;
import dev.chime.annotation.ScheduledJob;
import io.github.classgraph.ClassGraph;
import io.github.classgraph.ClassInfo;
import io.github.classgraph.ScanResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds {@link ChimeTask} and {@link ScheduledJob} classes and methods in the given packages with
 * ClassGraph, which reads class files without loading every class it passes; each class found is
 * read by core's {@link JobAnnotations}, as the Spring Boot starter reads its beans.
 */
public final class AnnotationScanner {

    /** What one scan found, tasks by name and declared jobs in a stable order. */
    public record Found(Map<String, AnnotatedTask> tasks, List<AnnotatedJob> jobs) {
    }

    private AnnotationScanner() {
    }

    public static Found scan(List<String> packages, ClassLoader loader) {
        Map<String, AnnotatedTask> tasks = new LinkedHashMap<>();
        List<AnnotatedJob> jobs = new ArrayList<>();
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
                JobAnnotations.Found found = JobAnnotations.inspect(info.loadClass());
                found.tasks().forEach(task -> add(tasks, task));
                jobs.addAll(found.jobs());
            }
        }
        return new Found(tasks, jobs);
    }

    private static void add(Map<String, AnnotatedTask> tasks, AnnotatedTask task) {
        AnnotatedTask before = tasks.putIfAbsent(task.name(), task);
        if (before != null) {
            throw new AnnotationException("task '" + task.name() + "' is declared twice: by " + before.where()
                    + " and by " + task.where() + " (overloaded methods cannot both be scheduled)");
        }
    }
}
