package dev.chime.spring.boot.internal;

import dev.chime.DeclarationReport;
import dev.chime.Declarations;
import dev.chime.JobDefinition;
import dev.chime.ScheduleFile;
import dev.chime.ScheduleFileException;
import dev.chime.Scheduler;
import dev.chime.annotation.AnnotatedJob;
import dev.chime.annotation.AnnotationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

/**
 * Starts the scheduler once the context is refreshed (every bean exists, so jobs can run), after
 * declaring the jobs the beans and the schedule file declare; stops it in Spring's shutdown phases,
 * giving running jobs their grace period on a thread of its own so other beans stop meanwhile.
 */
public final class ChimeLifecycle implements SmartLifecycle {

    /** Before the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024}) and other default-phase beans stop. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

    private static final Logger LOG = LoggerFactory.getLogger(ChimeLifecycle.class);

    /** What the lifecycle needs from the properties. */
    public record Settings(boolean autoStartup, Duration gracePeriod, String scheduleFile, String group, String version,
                           Declarations.StaleJobs staleJobs) {
    }

    private final Scheduler scheduler;
    private final BeanTasks tasks;
    private final ResourceLoader resources;
    private final Settings settings;
    private volatile boolean running;
    private volatile DeclarationReport lastDeclaration;

    public ChimeLifecycle(Scheduler scheduler, BeanTasks tasks, ResourceLoader resources, Settings settings) {
        this.scheduler = scheduler;
        this.tasks = tasks;
        this.resources = resources;
        this.settings = settings;
    }

    @Override
    public void start() {
        tasks.scan();
        lastDeclaration = scheduler.declare(declarations());
        scheduler.start();
        running = true;
    }

    /** What the declarations did at this start, or null before it. */
    public DeclarationReport lastDeclaration() {
        return lastDeclaration;
    }

    private Declarations declarations() {
        Declarations.Builder d = Declarations.builder().group(settings.group()).version(settings.version())
                .staleJobs(settings.staleJobs());
        try {
            for (AnnotatedJob job : tasks.declaredJobs()) {
                d.job(job.toDefinition(scheduler::parseTrigger), job.where());
            }
            if (settings.scheduleFile() != null && !settings.scheduleFile().isBlank()) {
                Resource file = resources.getResource(settings.scheduleFile());
                String name = file.getFilename() != null ? file.getFilename() : settings.scheduleFile();
                for (JobDefinition job : ScheduleFile.parse(settings.scheduleFile(), read(file), scheduler::parseTrigger)) {
                    d.job(job, "schedule file " + name);
                }
            }
        } catch (IllegalArgumentException e) {
            throw new AnnotationException(e.getMessage(), e);
        }
        return d.build();
    }

    private String read(Resource file) {
        try {
            return file.getContentAsString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ScheduleFileException(settings.scheduleFile() + ": cannot be read: " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        scheduler.shutdown(settings.gracePeriod());
        running = false;
    }

    @Override
    public void stop(Runnable callback) {
        Thread t = new Thread(() -> {
            try {
                stop();
            } catch (RuntimeException e) {
                LOG.warn("the scheduler did not shut down cleanly", e);
            } finally {
                callback.run();
            }
        }, "chime-shutdown");
        t.start();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public boolean isAutoStartup() {
        return settings.autoStartup();
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
