package dev.chime.spring.boot.actuate;

import dev.chime.JobInfo;
import dev.chime.JobOrigin;
import dev.chime.LastRun;
import dev.chime.Scheduler;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The {@code chime} Actuator endpoint: every job with its trigger, next fire time and last outcome
 * ({@code /actuator/chime}), or one job ({@code /actuator/chime/{id}}). Read-only. Expose it with
 * {@code management.endpoints.web.exposure.include=health,chime}. Thread-safe: it only reads the
 * scheduler.
 */
@Endpoint(id = "chime")
public class ChimeEndpoint {

    private final Scheduler scheduler;

    public ChimeEndpoint(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** The scheduler's state and its jobs, ordered by id. */
    @ReadOperation
    public Map<String, Object> jobs() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("state", scheduler.state().name());
        List<Map<String, Object>> jobs = scheduler.jobs().stream().map(ChimeEndpoint::describe).toList();
        body.put("jobs", jobs);
        return body;
    }

    /** One job, or no content (404) when there is none. */
    @ReadOperation
    public Map<String, Object> job(@Selector String id) {
        return scheduler.job(id).map(ChimeEndpoint::describe).orElse(null);
    }

    static Map<String, Object> describe(JobInfo job) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", job.id());
        m.put("task", job.definition().task());
        m.put("trigger", job.definition().trigger().spec());
        m.put("paused", job.paused());
        m.put("nextFireTime", job.nextFireTime().map(Object::toString).orElse(null));
        m.put("lastRun", job.lastRun().map(ChimeEndpoint::lastRun).orElse(null));
        m.put("declaredBy", job.definition().origin().map(JobOrigin::source).orElse(null));
        return m;
    }

    private static Map<String, Object> lastRun(LastRun run) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("outcome", run.outcome().name());
        m.put("scheduledFireTime", run.scheduledFireTime().toString());
        m.put("finishedAt", run.finishedAt().toString());
        m.put("durationMillis", run.duration().toMillis());
        m.put("error", run.error());
        return m;
    }
}
