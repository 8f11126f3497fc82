package dev.chime.guice;

import com.google.inject.AbstractModule;
import com.google.inject.Binder;
import com.google.inject.Injector;
import com.google.inject.Provider;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import dev.chime.Job;
import dev.chime.JobDefinition;
import dev.chime.Scheduler;
import dev.chime.SchedulerBuilder;
import dev.chime.SchedulerListener;
import dev.chime.Declarations;
import dev.chime.ScheduleFile;
import dev.chime.annotation.AnnotatedJob;
import dev.chime.annotation.AnnotatedTask;
import dev.chime.annotation.AnnotationException;
import dev.chime.annotation.ChimeTask;
import dev.chime.annotation.ScheduledJob;
import dev.chime.guice.internal.AnnotationScanner;
import dev.chime.spi.JobFactory;
import dev.chime.spi.JobStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Chime for Guice users: binds a singleton {@link Scheduler} built from the plugins on the
 * classpath, with tasks resolved through the injector (so jobs get their dependencies injected),
 * and the jobs declared with {@link ScheduledJob} in the scanned packages and in the schedule file
 * put into it. The scheduler is not started: call {@link Scheduler#start()} when the application is
 * ready, and {@link Scheduler#shutdown} on the way out.
 *
 * <pre>{@code
 * Injector injector = Guice.createInjector(new AppModule(), ChimeModule.builder()
 *         .scan("com.acme.jobs")
 *         .scheduleFile(Path.of("schedule.json"))
 *         .configure(b -> b.store(jdbcStore).threads(16))
 *         .build());
 * injector.getInstance(Scheduler.class).start();
 * }</pre>
 *
 * <p>Other modules add named tasks with {@link #tasks(Binder)}, listeners with
 * {@link #listeners(Binder)}, and settings that need injected objects with
 * {@link #configurers(Binder)}. A {@link JobStore} bound in the injector is the scheduler's store.
 */
public final class ChimeModule extends AbstractModule {

    private final List<String> packages;
    private final Path scheduleFile;
    private final Consumer<SchedulerBuilder> configurer;
    private final String group;
    private final String version;
    private final Declarations.StaleJobs staleJobs;

    private ChimeModule(Builder b) {
        this.packages = List.copyOf(b.packages);
        this.scheduleFile = b.scheduleFile;
        this.configurer = b.configurer;
        this.group = b.group;
        this.version = b.version;
        this.staleJobs = b.staleJobs;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds named tasks from any module: {@code ChimeModule.tasks(binder()).addBinding("report").to(Report.class)}. */
    public static MapBinder<String, Job> tasks(Binder binder) {
        return MapBinder.newMapBinder(binder, String.class, Job.class);
    }

    /** Adds listeners from any module: {@code ChimeModule.listeners(binder()).addBinding().to(Audit.class)}. */
    public static Multibinder<SchedulerListener> listeners(Binder binder) {
        return Multibinder.newSetBinder(binder, SchedulerListener.class);
    }

    /** Adds scheduler settings from any module: {@code ChimeModule.configurers(binder()).addBinding().to(Metrics.class)}. */
    public static Multibinder<SchedulerConfigurer> configurers(Binder binder) {
        return Multibinder.newSetBinder(binder, SchedulerConfigurer.class);
    }

    @Override
    protected void configure() {
        tasks(binder());
        listeners(binder());
        configurers(binder());
        OptionalBinder.newOptionalBinder(binder(), JobStore.class);
        bind(JobFactory.class).to(TaskRegistry.class);
    }

    @Provides
    @Singleton
    AnnotationScanner.Found scan() {
        return AnnotationScanner.scan(packages, Thread.currentThread().getContextClassLoader() != null
                ? Thread.currentThread().getContextClassLoader() : ChimeModule.class.getClassLoader());
    }

    @Provides
    @Singleton
    TaskRegistry taskRegistry(Injector injector, AnnotationScanner.Found found, Map<String, Provider<Job>> bound) {
        Map<String, Supplier<Job>> tasks = new HashMap<>();
        bound.forEach((name, provider) -> tasks.put(name, provider::get));
        for (AnnotatedTask task : found.tasks().values()) {
            Supplier<Job> supplier = () -> task.job(task.needsInstance() ? injector.getInstance(task.type()) : null);
            if (tasks.putIfAbsent(task.name(), supplier) != null) {
                throw new AnnotationException("task '" + task.name() + "' is both bound with ChimeModule.tasks and declared by "
                        + task.where());
            }
        }
        return new TaskRegistry(tasks);
    }

    @Provides
    @Singleton
    Scheduler scheduler(TaskRegistry tasks, Set<SchedulerListener> listeners, Set<SchedulerConfigurer> configurers,
                        Optional<JobStore> store, AnnotationScanner.Found found) {
        SchedulerBuilder builder = Scheduler.builder().jobFactory(tasks);
        store.ifPresent(builder::store);
        listeners.forEach(builder::listener);
        configurers.forEach(c -> c.configure(builder));
        configurer.accept(builder);
        Scheduler scheduler = builder.build();
        try {
            Declarations.Builder declarations = Declarations.builder().group(group).version(version).staleJobs(staleJobs);
            try {
                for (AnnotatedJob declared : found.jobs()) {
                    declarations.job(declared.toDefinition(scheduler::parseTrigger), declared.where());
                }
                if (scheduleFile != null) {
                    // The file's name, not its path: nodes that start from different directories agree.
                    String source = "schedule file " + scheduleFile.getFileName();
                    for (JobDefinition job : ScheduleFile.read(scheduleFile, scheduler::parseTrigger)) {
                        declarations.job(job, source);
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new AnnotationException(e.getMessage(), e);
            }
            scheduler.declare(declarations.build());
        } catch (RuntimeException e) {
            scheduler.close();
            throw e;
        }
        return scheduler;
    }

    /** Configures a {@link ChimeModule}. */
    public static final class Builder {

        private final List<String> packages = new ArrayList<>();
        private Path scheduleFile;
        private Consumer<SchedulerBuilder> configurer = b -> { };
        private String group = "default";
        private String version = "0";
        private Declarations.StaleJobs staleJobs = Declarations.StaleJobs.REMOVE;

        private Builder() {
        }

        /**
         * The version of this code's declarations, for rolling deploys: the newest version's
         * declared jobs win (see {@link Declarations.Builder#version}). Default {@code 0}.
         */
        public Builder declarationVersion(String version) {
            this.version = Declarations.builder().version(version).build().version();
            return this;
        }

        /** The name of this application's declarations, for applications sharing a store (default {@code default}). */
        public Builder declarationGroup(String group) {
            this.group = Declarations.builder().group(group).build().group();
            return this;
        }

        /** What happens to a job an earlier start declared and this one does not: removed (default) or paused. */
        public Builder staleJobs(Declarations.StaleJobs staleJobs) {
            this.staleJobs = Objects.requireNonNull(staleJobs, "staleJobs");
            return this;
        }

        /** Packages (with their sub-packages) searched for {@link ChimeTask} and {@link ScheduledJob}. */
        public Builder scan(String... packageNames) {
            for (String p : packageNames) {
                packages.add(Objects.requireNonNull(p, "package"));
            }
            return this;
        }

        /** A JSON schedule file whose jobs are declared at start; see {@link ScheduleFile}. */
        public Builder scheduleFile(Path file) {
            this.scheduleFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /** Settings for the scheduler: its store, threads, clock, name, components... */
        public Builder configure(Consumer<SchedulerBuilder> configurer) {
            this.configurer = this.configurer.andThen(Objects.requireNonNull(configurer, "configurer"));
            return this;
        }

        public ChimeModule build() {
            return new ChimeModule(this);
        }
    }
}
