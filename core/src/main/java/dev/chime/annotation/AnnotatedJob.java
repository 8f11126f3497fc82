package dev.chime.annotation;

import dev.chime.JobDefinition;
import dev.chime.JobOptions;
import dev.chime.RetryPolicy;
import dev.chime.Trigger;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A job declared with {@link ScheduledJob} on a class or method. Immutable.
 *
 * @param where the class or method, for error messages and as the job's declared origin
 */
public record AnnotatedJob(String where, String id, String task, ScheduledJob annotation) {

    /**
     * The job this declaration asks for; errors name the class or method and the attribute.
     *
     * @param triggers parses a trigger spec, e.g. {@code scheduler::parseTrigger}
     * @throws AnnotationException naming {@link #where} and the attribute that is wrong
     */
    public JobDefinition toDefinition(Function<String, Trigger> triggers) {
        String spec = triggerSpec();
        Trigger trigger;
        try {
            trigger = triggers.apply(spec);
        } catch (RuntimeException e) {
            throw new AnnotationException(where + ": @ScheduledJob trigger '" + spec + "': " + e.getMessage(), e);
        }
        JobDefinition.Builder job = JobDefinition.builder(id).task(task).trigger(trigger).options(options());
        if (!annotation.data().isBlank()) {
            try {
                job.dataJson(annotation.data());
            } catch (IllegalArgumentException e) {
                throw new AnnotationException(where + ": @ScheduledJob data: " + e.getMessage(), e);
            }
        }
        return job.build();
    }

    /** The trigger spec the attributes give, e.g. {@code cron:0 9 * * *;zone=Europe/Berlin}. */
    public String triggerSpec() {
        ScheduledJob a = annotation;
        List<String> given = new ArrayList<>();
        if (!a.cron().isBlank()) {
            given.add("cron");
        }
        if (!a.interval().isBlank()) {
            given.add("interval");
        }
        if (!a.delay().isBlank()) {
            given.add("delay");
        }
        if (!a.trigger().isBlank()) {
            given.add("trigger");
        }
        if (given.size() != 1) {
            throw new AnnotationException(where + ": @ScheduledJob needs exactly one of cron, interval, delay or trigger; got "
                    + (given.isEmpty() ? "none" : String.join(", ", given)));
        }
        if (!a.zone().isBlank() && a.cron().isBlank()) {
            throw new AnnotationException(where + ": @ScheduledJob zone applies to cron only");
        }
        if (!a.cronDialect().isBlank() && a.cron().isBlank()) {
            throw new AnnotationException(where + ": @ScheduledJob cronDialect applies to cron only");
        }
        return switch (given.get(0)) {
            case "cron" -> "cron:" + a.cron().trim() + (a.zone().isBlank() ? "" : ";zone=" + a.zone().trim())
                    + (a.cronDialect().isBlank() ? "" : ";dialect=" + a.cronDialect().trim());
            case "interval" -> "interval:" + a.interval().trim();
            case "delay" -> "delay:" + a.delay().trim();
            default -> a.trigger().trim();
        };
    }

    JobOptions options() {
        ScheduledJob a = annotation;
        try {
            JobOptions.Builder b = JobOptions.builder().maxInstances(a.maxInstances()).coalesce(a.coalesce())
                    .recoverable(a.recoverable());
            if (!a.misfireGraceTime().isBlank()) {
                b.misfireGraceTime(duration("misfireGraceTime", a.misfireGraceTime()));
            }
            if (!a.timeout().isBlank()) {
                b.timeout(duration("timeout", a.timeout()));
            }
            if (a.retries() != 0) {
                b.retry(RetryPolicy.fixed(a.retries(), duration("retryBackoff", a.retryBackoff())));
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new AnnotationException(where + ": @ScheduledJob " + e.getMessage(), e);
        }
    }

    private Duration duration(String attribute, String text) {
        try {
            return Duration.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new AnnotationException(where + ": @ScheduledJob " + attribute + ": '" + text
                    + "' is not an ISO-8601 duration such as PT30S", e);
        }
    }
}
