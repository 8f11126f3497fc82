package dev.chime.console.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chime.Execution;
import dev.chime.JobOptions;
import dev.chime.Scheduler;
import dev.chime.TaskRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * Background tasks ({@link Scheduler#enqueue(TaskRequest)}): enqueue one, see where it stands,
 * cancel it, requeue it. Execution ids travel in the query, as job ids do (see {@link Query}).
 * <pre>
 * POST /api/executions                  {task, data?, delay? | startAt?, options?, id?}: 201 with the execution
 * GET  /api/execution?id=               the execution; 404 when unknown (or a job's id, or pruned from the history)
 * POST /api/execution/cancel?id=        {cancelled, execution}
 * POST /api/execution/retry?id=         the execution, requeued; 409 unless it is FAILED or CANCELLED
 * </pre>
 */
final class ExecutionsApi {

    private static final Set<String> FIELDS = Set.of("task", "data", "delay", "startAt", "options", "id");

    private final Settings settings;
    private final Scheduler scheduler;
    private final ObjectMapper mapper;

    ExecutionsApi(Settings settings, ObjectMapper mapper) {
        this.settings = settings;
        this.scheduler = settings.scheduler();
        this.mapper = mapper;
    }

    JobsApi.Route route(String method, String path) {
        return switch (path) {
            case "/api/executions" -> {
                JobsApi.requireMethod(method, "POST");
                yield new JobsApi.Route(true, (q, b) -> enqueue(b));
            }
            case "/api/execution" -> {
                JobsApi.requireMethod(method, "GET");
                yield new JobsApi.Route(false, (q, b) -> JobsApi.ok(view(find(q.id()))));
            }
            case "/api/execution/cancel" -> {
                JobsApi.requireMethod(method, "POST");
                yield new JobsApi.Route(true, (q, b) -> cancel(q.id()));
            }
            case "/api/execution/retry" -> {
                JobsApi.requireMethod(method, "POST");
                yield new JobsApi.Route(true, (q, b) -> retry(q.id()));
            }
            default -> throw new HttpError(404, "no such path");
        };
    }

    private JobsApi.Answer enqueue(byte[] body) {
        JsonNode json = JobsApi.object(mapper, body, "a task");
        json.fieldNames().forEachRemaining(field -> {
            if (!FIELDS.contains(field)) {
                throw new HttpError(400, "unknown field '" + Query.printable(field) + "' (known: "
                        + String.join(", ", new TreeSet<>(FIELDS)) + ")");
            }
        });
        String task = JobsApi.text(json, "task");
        Collection<String> known = settings.tasks() == null ? null : settings.tasks().get();
        if (known != null && !known.contains(task)) {
            throw new HttpError(400, "field 'task': unknown task '" + Query.printable(task) + "' (known: "
                    + String.join(", ", new TreeSet<>(known)) + ")");
        }
        TaskRequest.Builder request = TaskRequest.builder(task);
        if (json.hasNonNull("id")) {
            request.id(Query.checkId(JobsApi.text(json, "id"), "field 'id'"));
        }
        if (json.hasNonNull("delay") && json.hasNonNull("startAt")) {
            throw new HttpError(400, "fields 'delay' and 'startAt': give one or the other, not both");
        }
        if (json.hasNonNull("delay")) {
            Duration delay = duration(JobsApi.text(json, "delay"));
            try {
                request.delay(delay);
            } catch (IllegalArgumentException e) {
                throw new HttpError(400, "field 'delay': " + e.getMessage());
            }
        }
        if (json.hasNonNull("startAt")) {
            request.startAt(instant(JobsApi.text(json, "startAt")));
        }
        try {
            if (json.hasNonNull("options")) {
                request.options(JobOptions.fromJson(json.get("options"), "field 'options'"));
            }
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
        if (json.hasNonNull("data")) {
            try {
                request.dataJson(json.get("data").toString());
            } catch (IllegalArgumentException e) {
                throw new HttpError(400, "field 'data': " + e.getMessage());
            }
        }
        TaskRequest built;
        try {
            built = request.build();
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
        String id = scheduler.enqueue(built);
        // Due now, it may already be running or done: the answer is where it stands by the time it is read.
        ObjectNode execution = scheduler.execution(id).map(this::view)
                .orElseGet(() -> mapper.createObjectNode().put("id", id).put("task", task));
        return new JobsApi.Answer(201, execution, "api/execution?id=" + URLEncoder.encode(id, StandardCharsets.UTF_8));
    }

    private JobsApi.Answer cancel(String id) {
        find(id);
        boolean cancelled = scheduler.cancel(id);
        ObjectNode answer = mapper.createObjectNode();
        answer.put("cancelled", cancelled);
        answer.set("execution", scheduler.execution(id).map(this::view).orElse(null));
        return JobsApi.ok(answer);
    }

    private JobsApi.Answer retry(String id) {
        Execution before = find(id);
        if (before.state() != Execution.State.FAILED && before.state() != Execution.State.CANCELLED) {
            throw new HttpError(409, "execution '" + id + "' is " + before.state()
                    + "; only a FAILED or CANCELLED execution can be requeued");
        }
        try {
            scheduler.retry(id);
        } catch (IllegalStateException e) {
            // It moved on between the look and the retry (another user requeued it): the scheduler names its state.
            throw new HttpError(409, e.getMessage());
        }
        return JobsApi.ok(scheduler.execution(id).map(this::view)
                .orElseGet(() -> mapper.createObjectNode().put("id", id).put("task", before.task())));
    }

    private Execution find(String id) {
        return scheduler.execution(id).orElseThrow(() -> new HttpError(404, "no execution with id '" + id + "'"));
    }

    ObjectNode view(Execution e) {
        ObjectNode node = mapper.createObjectNode();
        node.put("id", e.id());
        node.put("task", e.task());
        node.put("state", e.state().name());
        node.put("fireTime", e.fireTime().toString());
        node.put("attempts", e.attempts());
        node.put("node", e.node());
        node.put("startedAt", e.startedAt() == null ? null : e.startedAt().toString());
        node.put("finishedAt", e.finishedAt() == null ? null : e.finishedAt().toString());
        node.put("outcome", e.outcome().map(Enum::name).orElse(null));
        node.put("error", e.error());
        node.put("stackTrace", e.stackTrace());
        return node;
    }

    private static Duration duration(String text) {
        try {
            return Duration.parse(text);
        } catch (DateTimeException e) {
            throw new HttpError(400, "field 'delay': expected an ISO-8601 duration such as PT10M, got '"
                    + Query.printable(text) + "'");
        }
    }

    private static Instant instant(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeException e) {
            throw new HttpError(400, "field 'startAt': expected an instant such as 2026-03-01T10:00:00Z, got '"
                    + Query.printable(text) + "'");
        }
    }
}
