package dev.chime.console.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chime.JobDefinition;
import dev.chime.JobInfo;
import dev.chime.JobJson;
import dev.chime.JobNotFoundException;
import dev.chime.Scheduler;
import dev.chime.Trigger;
import dev.chime.spi.NodeStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The JSON endpoints under {@code /api}. Job ids travel in the query ({@code ?id=}), see {@link Query}.
 * <pre>
 * GET    /api/jobs?q=&amp;task=&amp;state=&amp;paused=&amp;page=&amp;size=   a page of jobs, filtered
 * POST   /api/jobs                                 add a job {id, task, trigger, options?, data?}
 * GET    /api/job?id=                              one job, its schedule in English, its next ten fire times
 * PUT    /api/job?id=                              edit {task, trigger, options?, data?}; a paused job stays paused
 * DELETE /api/job?id=                              delete
 * POST   /api/job/pause|resume|run?id=             pause, resume, run now
 * GET    /api/scheduler                            state and counts; POST /api/scheduler/pause|resume
 * GET    /api/nodes                                the cluster's nodes (when the store can tell)
 * GET    /api/tasks                                the task names (when the application gives them)
 * GET    /api/history?id=&amp;task=&amp;outcome=&amp;from=&amp;before=&amp;limit=&amp;after=   a page of the run history, newest first
 * POST   /api/executions                           enqueue a task {task, data?, delay? | startAt?, options?, id?}
 * GET    /api/execution?id=                        where an enqueued task stands
 * POST   /api/execution/cancel|retry?id=           cancel it; requeue a failed or cancelled one
 * </pre>
 */
final class JobsApi {

    /** What a route answers: a status, a JSON body or none, and a Location for created jobs. */
    record Answer(int status, JsonNode body, String location) {
    }

    @FunctionalInterface
    interface Call {
        Answer call(Query query, byte[] body);
    }

    /** A matched route; {@code changes} routes need the admin role. */
    record Route(boolean changes, Call handler) {
        Object call(Query query, byte[] body) {
            return handler.call(query, body);
        }
    }

    private static final Set<String> STATES = Set.of("never-ran", "succeeded", "failed", "timed-out", "missed");

    private final Settings settings;
    private final Scheduler scheduler;
    private final ObjectMapper mapper;
    private final JobViews views;
    private final HistoryApi history;
    private final ExecutionsApi executions;

    JobsApi(Settings settings, ObjectMapper mapper) {
        this.settings = settings;
        this.scheduler = settings.scheduler();
        this.mapper = mapper;
        this.views = new JobViews(mapper, scheduler::parseTrigger);
        this.history = new HistoryApi(scheduler, mapper);
        this.executions = new ExecutionsApi(settings, mapper);
    }

    Route route(String method, String path) {
        return switch (path) {
            case "/api/jobs" -> switch (method) {
                case "GET" -> new Route(false, (q, b) -> ok(list(q)));
                case "POST" -> new Route(true, (q, b) -> add(b));
                default -> throw notAllowed(method, "GET, POST");
            };
            case "/api/job" -> switch (method) {
                case "GET" -> new Route(false, (q, b) -> ok(views.detail(find(q.id()), settings.clock().instant())));
                case "PUT" -> new Route(true, (q, b) -> edit(q.id(), b));
                case "DELETE" -> new Route(true, (q, b) -> delete(q.id()));
                default -> throw notAllowed(method, "GET, PUT, DELETE");
            };
            case "/api/job/pause" -> post(method, q -> ok(views.summary(scheduler.pauseJob(q.id()))));
            case "/api/job/resume" -> post(method, q -> ok(views.summary(scheduler.resumeJob(q.id()))));
            case "/api/job/run" -> post(method, q -> {
                String id = q.id();
                scheduler.runNow(id);
                return new Answer(202, mapper.createObjectNode().put("id", id).put("status", "started"), null);
            });
            case "/api/scheduler" -> {
                requireMethod(method, "GET");
                yield new Route(false, (q, b) -> ok(schedulerState()));
            }
            case "/api/scheduler/pause" -> post(method, q -> {
                scheduler.pause();
                return ok(schedulerState());
            });
            case "/api/scheduler/resume" -> post(method, q -> {
                scheduler.resume();
                return ok(schedulerState());
            });
            case "/api/nodes" -> {
                requireMethod(method, "GET");
                yield new Route(false, (q, b) -> ok(nodes()));
            }
            case "/api/tasks" -> {
                requireMethod(method, "GET");
                yield new Route(false, (q, b) -> ok(tasks()));
            }
            case "/api/history" -> {
                requireMethod(method, "GET");
                yield new Route(false, (q, b) -> ok(history.page(q)));
            }
            case "/api/executions", "/api/execution", "/api/execution/cancel", "/api/execution/retry" ->
                    executions.route(method, path);
            default -> throw new HttpError(404, "no such path");
        };
    }

    private Route post(String method, java.util.function.Function<Query, Answer> action) {
        requireMethod(method, "POST");
        return new Route(true, (q, b) -> action.apply(q));
    }

    // ---- jobs ----

    private ObjectNode list(Query q) {
        String text = q.get("q") == null ? "" : q.get("q").toLowerCase(Locale.ROOT);
        String task = emptyToNull(q.get("task"));
        String state = emptyToNull(q.get("state"));
        if (state != null && !STATES.contains(state)) {
            throw new HttpError(400, "query parameter 'state': '" + Query.printable(state) + "' is not one of "
                    + String.join(", ", new TreeSet<>(STATES)));
        }
        Boolean paused = bool(q, "paused");
        int page = q.intParam("page", 0, 0, 1_000_000);
        int size = q.intParam("size", 25, 1, 200);
        List<JobInfo> matching = new ArrayList<>();
        for (JobInfo job : scheduler.jobs()) {
            if ((text.isEmpty() || job.id().toLowerCase(Locale.ROOT).contains(text)
                    || job.definition().task().toLowerCase(Locale.ROOT).contains(text))
                    && (task == null || job.definition().task().equals(task))
                    && (paused == null || job.paused() == paused)
                    && (state == null || state.equals(stateOf(job)))) {
                matching.add(job);
            }
        }
        matching.sort(Comparator.comparing(JobInfo::id));
        ArrayNode items = mapper.createArrayNode();
        matching.stream().skip((long) page * size).limit(size).forEach(j -> items.add(views.summary(j)));
        ObjectNode answer = mapper.createObjectNode();
        answer.set("items", items);
        answer.put("total", matching.size());
        answer.put("page", page);
        answer.put("size", size);
        return answer;
    }

    /** The state filter: how the job's last run ended. */
    static String stateOf(JobInfo job) {
        return job.lastRun().map(r -> switch (r.outcome()) {
            case SUCCESS -> "succeeded";
            case FAILURE -> "failed";
            case TIMEOUT -> "timed-out";
            case MISSED -> "missed";
            case CANCELLED -> "cancelled";
        }).orElse("never-ran");
    }

    private Answer add(byte[] body) {
        JsonNode json = object(body, "id, task and trigger");
        String id = Query.checkId(text(json, "id"), "field 'id'");
        JobDefinition job = definition(id, json, Set.of("id"));
        JobInfo added = scheduler.add(job);
        return new Answer(201, views.detail(added, settings.clock().instant()), "api/job?id=" + java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Replaces task, trigger, options and data; the job keeps its pause state and where it was declared. */
    private Answer edit(String id, byte[] body) {
        JsonNode json = object(body, "task and trigger");
        JobInfo before = find(id);
        JobDefinition edited = definition(id, json, Set.of());
        if (before.definition().origin().isPresent()) {
            edited = edited.toBuilder().origin(before.definition().origin().get()).build();
        }
        JobInfo after = scheduler.addOrReplace(edited);
        if (before.paused() && !after.paused()) {
            after = scheduler.pauseJob(id);
        }
        return ok(views.detail(after, settings.clock().instant()));
    }

    private Answer delete(String id) {
        if (!scheduler.remove(id)) {
            throw new JobNotFoundException(id);
        }
        return new Answer(204, null, null);
    }

    private JobDefinition definition(String id, JsonNode json, Set<String> alsoAllowed) {
        JobDefinition job;
        try {
            job = JobJson.read(id, json, alsoAllowed, spec -> TriggerText.anchorForConsole(scheduler.parseTrigger(spec)));
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
        Collection<String> known = settings.tasks() == null ? null : settings.tasks().get();
        if (known != null && !known.contains(job.task())) {
            throw new HttpError(400, "field 'task': unknown task '" + Query.printable(job.task()) + "' (known: "
                    + String.join(", ", new TreeSet<>(known)) + ")");
        }
        return job;
    }

    private JobInfo find(String id) {
        return scheduler.job(id).orElseThrow(() -> new JobNotFoundException(id));
    }

    // ---- scheduler, nodes, tasks ----

    private ObjectNode schedulerState() {
        ObjectNode node = mapper.createObjectNode();
        node.put("state", scheduler.state().name());
        var stats = scheduler.stats();
        node.put("jobs", stats.jobs());
        node.put("pausedJobs", stats.pausedJobs());
        node.put("runningJobs", stats.runningJobs());
        return node;
    }

    private ObjectNode nodes() {
        ObjectNode answer = mapper.createObjectNode();
        answer.put("available", settings.cluster() != null);
        ArrayNode list = mapper.createArrayNode();
        if (settings.cluster() != null) {
            List<NodeStatus> nodes = new ArrayList<>(settings.cluster().nodes());
            nodes.sort(Comparator.comparing(NodeStatus::nodeId));
            for (NodeStatus n : nodes) {
                ObjectNode node = list.addObject();
                node.put("id", n.nodeId());
                node.put("self", n.self());
                node.put("heartbeatAgeMs", n.heartbeatAge().toMillis());
                ArrayNode running = node.putArray("running");
                for (NodeStatus.Run run : n.running()) {
                    running.addObject().put("jobId", run.jobId()).put("fireTime", run.fireTime().toString())
                            .put("startedAt", run.startedAt() == null ? null : run.startedAt().toString());
                }
            }
        }
        answer.set("nodes", list);
        return answer;
    }

    private ArrayNode tasks() {
        ArrayNode names = mapper.createArrayNode();
        if (settings.tasks() != null) {
            new TreeSet<>(settings.tasks().get()).forEach(names::add);
        }
        return names;
    }

    // ---- helpers ----

    static Answer ok(JsonNode body) {
        return new Answer(200, body, null);
    }

    private JsonNode object(byte[] body, String expected) {
        return object(mapper, body, expected);
    }

    /** The request body as a JSON object, or a 400 that says what was expected. */
    static JsonNode object(ObjectMapper mapper, byte[] body, String expected) {
        if (body.length == 0) {
            throw new HttpError(400, "request body: expected a JSON object with " + expected + ", got nothing");
        }
        JsonNode json;
        try {
            json = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new HttpError(400, "request body: not valid JSON" + (at == null ? "" : " at line " + at.getLineNr()
                    + ", column " + at.getColumnNr()));
        } catch (java.io.IOException e) {
            throw new HttpError(400, "request body: cannot be read");
        }
        if (json == null || !json.isObject()) {
            throw new HttpError(400, "request body: expected a JSON object with " + expected + ", got "
                    + (json == null ? "nothing" : json.getNodeType()));
        }
        return json;
    }

    static String text(JsonNode json, String field) {
        try {
            return JobJson.text(json, field);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
    }

    private static Boolean bool(Query q, String name) {
        String v = emptyToNull(q.get(name));
        if (v == null) {
            return null;
        }
        return switch (v) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw new HttpError(400, "query parameter '" + name + "': expected true or false, got '"
                    + Query.printable(v) + "'");
        };
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw notAllowed(method, allowed);
        }
    }

    private static HttpError notAllowed(String method, String allowed) {
        return new HttpError(405, method + " is not allowed here (" + allowed + ")");
    }
}
