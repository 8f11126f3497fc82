package dev.chime.console.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chime.Execution;
import dev.chime.ExecutionNotFoundException;
import dev.chime.ExecutionPage;
import dev.chime.ExecutionQuery;
import dev.chime.ExecutionState;
import dev.chime.Scheduler;
import dev.chime.TaskRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The execution endpoints: the history, one execution, enqueue, requeue and cancel. Execution ids
 * travel in the query, as job ids do ({@link Query}).
 * <pre>
 * GET  /api/executions?job=&amp;task=&amp;state=&amp;after=&amp;size=   a page of the history, newest first;
 *                                                   {@code next} is the cursor of the older page
 * POST /api/executions                              enqueue a task {task, data?, delay? | runAt?}
 * GET  /api/execution?id=                           one execution, with its stack trace and result
 * POST /api/execution/retry?id=                     requeue a FAILED or CANCELLED one (else 409)
 * POST /api/execution/cancel?id=                    cancel a waiting one, stop a running one (409 once ended)
 * </pre>
 */
final class ExecutionsApi {

    static final int MAX_PAGE = 100;
    private static final Set<String> ENQUEUE_FIELDS = Set.of("task", "data", "delay", "runAt");
    private static final String STATE_NAMES = Arrays.stream(ExecutionState.values()).map(Enum::name)
            .collect(Collectors.joining(", "));

    private final Settings settings;
    private final Scheduler scheduler;
    private final ObjectMapper mapper;
    private final ExecutionViews views;
    private final Consumer<Execution> changed;

    /** @param changed told of every execution this API changed, for the event streams */
    ExecutionsApi(Settings settings, ObjectMapper mapper, ExecutionViews views, Consumer<Execution> changed) {
        this.settings = settings;
        this.scheduler = settings.scheduler();
        this.mapper = mapper;
        this.views = views;
        this.changed = changed;
    }

    static boolean serves(String path) {
        return path.equals("/api/executions") || path.equals("/api/execution") || path.startsWith("/api/execution/");
    }

    JobsApi.Route route(String method, String path) {
        return switch (path) {
            case "/api/executions" -> switch (method) {
                case "GET" -> new JobsApi.Route(false, (q, b) -> ok(list(q)));
                case "POST" -> new JobsApi.Route(true, (q, b) -> enqueue(b));
                default -> throw notAllowed(method, "GET, POST");
            };
            case "/api/execution" -> {
                requireMethod(method, "GET");
                yield new JobsApi.Route(false, (q, b) -> ok(views.view(find(q.executionId()))));
            }
            case "/api/execution/retry" -> {
                requireMethod(method, "POST");
                yield new JobsApi.Route(true, (q, b) -> retry(q.executionId()));
            }
            case "/api/execution/cancel" -> {
                requireMethod(method, "POST");
                yield new JobsApi.Route(true, (q, b) -> cancel(q.executionId()));
            }
            default -> throw new HttpError(404, "no such path");
        };
    }

    private ObjectNode list(Query q) {
        ExecutionQuery.Builder query = ExecutionQuery.builder().limit(q.intParam("size", 20, 1, MAX_PAGE));
        String job = q.get("job");
        if (job != null && !job.isEmpty()) {
            query.job(Query.checkId(job, "query parameter 'job'", "a job id"));
        }
        String task = q.get("task");
        if (task != null && !task.isEmpty()) {
            query.task(Query.checkId(task, "query parameter 'task'", "a task name"));
        }
        query.states(states(q.get("state")));
        String after = q.get("after");
        if (after != null && !after.isEmpty()) {
            try {
                query.after(after);
            } catch (IllegalArgumentException e) {
                throw new HttpError(400, "query parameter 'after': '" + Query.printable(after)
                        + "' is not a cursor a page answered (pass the page's 'next')");
            }
        }
        ExecutionPage page = scheduler.executions(query.build());
        ArrayNode items = mapper.createArrayNode();
        page.executions().forEach(e -> items.add(views.view(e)));
        ObjectNode answer = mapper.createObjectNode();
        answer.set("items", items);
        answer.put("next", page.next().orElse(null));
        return answer;
    }

    /** {@code state=FAILED,CANCELLED}: names of {@link ExecutionState}, any case; empty for every state. */
    private static Set<ExecutionState> states(String value) {
        Set<ExecutionState> states = EnumSet.noneOf(ExecutionState.class);
        if (value == null || value.isEmpty()) {
            return states;
        }
        for (String name : value.split(",", -1)) {
            try {
                states.add(ExecutionState.valueOf(name.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new HttpError(400, "query parameter 'state': '" + Query.printable(name) + "' is not one of " + STATE_NAMES);
            }
        }
        return states;
    }

    private JobsApi.Answer enqueue(byte[] body) {
        JsonNode json = JsonBodies.object(mapper, body, "task and optional data, delay or runAt");
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!ENQUEUE_FIELDS.contains(name)) {
                throw new HttpError(400, "unknown field '" + Query.printable(name) + "' (expected task, data, delay, runAt)");
            }
        }
        JsonNode taskField = json.get("task");
        if (taskField == null || !taskField.isTextual()) {
            throw new HttpError(400, "field 'task': expected the task's name as text");
        }
        String task = Query.checkId(taskField.asText(), "field 'task'", "a task name");
        Collection<String> known = settings.tasks() == null ? null : settings.tasks().get();
        if (known != null && !known.contains(task)) {
            throw new HttpError(400, "field 'task': unknown task '" + Query.printable(task) + "' (known: "
                    + String.join(", ", new TreeSet<>(known)) + ")");
        }
        TaskRequest.Builder request = TaskRequest.builder(task);
        JsonNode data = json.get("data");
        if (data != null && !data.isNull()) {
            request.dataJson(data.toString());
        }
        String delay = optionalText(json, "delay");
        if (delay != null) {
            try {
                request.delay(Duration.parse(delay));
            } catch (DateTimeParseException e) {
                throw new HttpError(400, "field 'delay': '" + Query.printable(delay) + "' is not an ISO-8601 duration such as PT5M");
            }
        }
        String runAt = optionalText(json, "runAt");
        if (runAt != null) {
            try {
                request.runAt(Instant.parse(runAt));
            } catch (DateTimeParseException e) {
                throw new HttpError(400, "field 'runAt': '" + Query.printable(runAt)
                        + "' is not an instant such as 2026-01-05T09:00:00Z");
            }
        }
        TaskRequest built;
        try {
            built = request.build();
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
        String id = scheduler.enqueue(built);
        Execution enqueued = find(id);
        changed.accept(enqueued);
        return new JobsApi.Answer(201, views.view(enqueued), "api/execution?id=" + URLEncoder.encode(id, StandardCharsets.UTF_8));
    }

    private JobsApi.Answer retry(String id) {
        if (!scheduler.retry(id)) {
            throw new HttpError(409, "execution '" + Query.printable(id) + "' is " + find(id).state()
                    + ": only a FAILED or CANCELLED execution can be requeued");
        }
        return changedNow(id);
    }

    private JobsApi.Answer cancel(String id) {
        if (!scheduler.cancel(id)) {
            throw new HttpError(409, "execution '" + Query.printable(id) + "' already ended (" + find(id).state()
                    + "): there is nothing to cancel");
        }
        return changedNow(id);
    }

    /** The execution as it stands right after the change (a requeued one may already run again). */
    private JobsApi.Answer changedNow(String id) {
        Execution now = find(id);
        changed.accept(now);
        return ok(views.view(now));
    }

    private Execution find(String id) {
        return scheduler.execution(id).orElseThrow(() -> new ExecutionNotFoundException(id));
    }

    private static String optionalText(JsonNode json, String field) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new HttpError(400, "field '" + field + "': expected text, got " + value.getNodeType());
        }
        return value.asText();
    }

    private static JobsApi.Answer ok(JsonNode body) {
        return new JobsApi.Answer(200, body, null);
    }

    private static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw notAllowed(method, allowed);
        }
    }

    private static HttpError notAllowed(String method, String allowed) {
        return new HttpError(405, method + " is not allowed here (" + allowed + ")");
    }
}
