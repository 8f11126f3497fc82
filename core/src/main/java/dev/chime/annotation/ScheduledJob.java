package dev.chime.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a job: put it on a class that implements {@link dev.chime.Job}, or on a public method
 * taking no argument or a {@link dev.chime.JobContext}. An integration (chime-guice, the Spring
 * Boot starter) finds it and declares the job at start. Give exactly one of {@link #cron},
 * {@link #interval}, {@link #delay} or {@link #trigger}.
 *
 * <pre>{@code
 * public class Reports {
 *     @ScheduledJob(id = "nightly-report", cron = "0 0 2 * * *", zone = "Europe/Berlin", retries = 2)
 *     public void nightly(JobContext ctx) { ... }
 * }
 * }</pre>
 *
 * <p>The job's task is the class's {@link ChimeTask} name or its class name, or for a method
 * {@code ClassName#method}. At each start the declared job is added, or replaced if its
 * declaration changed; an unchanged job keeps its schedule and pause state; a job an earlier start
 * declared and this one does not is removed (see {@link dev.chime.Declarations}).
 *
 * <p>This annotation needs nothing but {@code chime-core}: it is plain data read by reflection.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface ScheduledJob {

    /** The job id; by default the class's simple name, or {@code SimpleName.method}. */
    String id() default "";

    /** A cron expression (needs {@code chime-triggers-cron}); 5 fields are Unix cron, 6 Spring's, 7 Quartz's. */
    String cron() default "";

    /** The zone of {@link #cron}, e.g. {@code Europe/Berlin}; by default the cron trigger's (UTC). */
    String zone() default "";

    /**
     * The dialect of {@link #cron}: {@code unix}, {@code spring} or {@code quartz}; by default chosen
     * from the number of fields (see docs/CRON.md). A 6-field Quartz expression needs {@code quartz}.
     */
    String cronDialect() default "";

    /** A fixed rate as an ISO-8601 duration, e.g. {@code PT10S}. */
    String interval() default "";

    /** A fixed delay between the end of one run and the start of the next, e.g. {@code PT30S}. */
    String delay() default "";

    /** Any trigger spec, e.g. {@code calendar-interval:P1M;at=09:00;zone=Europe/Paris}. */
    String trigger() default "";

    /** The job's data as JSON text, e.g. {@code {"to": "ops@example.com"}}; empty means none. */
    String data() default "";

    /** Max concurrent instances (APScheduler's {@code max_instances}). */
    int maxInstances() default 1;

    /** Whether several missed fire times run once. */
    boolean coalesce() default true;

    /** How late a fire may start and still run (ISO-8601); empty keeps the default of one second. */
    String misfireGraceTime() default "";

    /** Retries after a failure, with {@link #retryBackoff} between them. */
    int retries() default 0;

    /** The pause before each retry (ISO-8601). */
    String retryBackoff() default "PT1S";

    /** A run longer than this is interrupted and reported failed (ISO-8601); empty means none. */
    String timeout() default "";

    /** Whether a run in flight on a node that died runs again on another node. */
    boolean recoverable() default false;
}
