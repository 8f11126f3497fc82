package dev.chime.demo.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.chime.ChimeException;
import dev.chime.DuplicateJobException;
import dev.chime.JobDefinition;
import dev.chime.JobInfo;
import dev.chime.JobNotFoundException;
import dev.chime.Scheduler;
import dev.chime.Trigger;
import dev.chime.demo.EventLog;
import dev.chime.JobJson;
import dev.chime.guice.TaskRegistry;
import dev.chime.store.jdbc.JdbcStoreException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API, the dashboard and the metrics scrape. Every answer but the page and the scrape is
 * JSON; an error is {@code {"error": "..."}} with 400 (bad request), 401 (no or wrong token), 404
 * (unknown job or path), 405 (wrong method), 409 (duplicate id) or 503 (the database is
 * unreachable: nothing was changed).
 */
public final class ApiHandler implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
    private static final int MAX_BODY = 64 * 1024;

    private final Scheduler scheduler;
    private final TaskRegistry tasks;
    private final EventLog events;
    private final PrometheusMeterRegistry metrics;
    private final byte[] token;
    private final ObjectMapper mapper = new ObjectMapper();
    private final JobViews views = new JobViews(mapper);
    private final byte[] dashboard;
    private final String node;

    public ApiHandler(Scheduler scheduler, TaskRegistry tasks, EventLog events, PrometheusMeterRegistry metrics, String token,
                      String node) {
        this.scheduler = scheduler;
        this.node = node;
        this.tasks = tasks;
        this.events = events;
        this.metrics = metrics;
        this.token = token.getBytes(StandardCharsets.UTF_8);
        try (InputStream in = ApiHandler.class.getResourceAsStream("/dev/chime/demo/dashboard.html")) {
            if (in == null) {
                throw new IllegalStateException("dashboard.html is missing from the classpath");
            }
            this.dashboard = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read dashboard.html", e);
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            try {
                route(exchange);
            } catch (HttpError e) {
                sendError(exchange, e.status, e.getMessage());
            } catch (JobNotFoundException e) {
                sendError(exchange, 404, e.getMessage());
            } catch (DuplicateJobException e) {
                sendError(exchange, 409, e.getMessage());
            } catch (JdbcStoreException e) {
                // The database could not be reached: nothing was changed, and the request may be retried.
                LOG.warn("{} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
                sendError(exchange, 503, e.getMessage());
            } catch (ChimeException e) {
                sendError(exchange, 400, e.getMessage());
            } catch (RuntimeException e) {
                LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                sendError(exchange, 500, "internal error: " + e);
            }
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getRawPath();
        String[] parts = path.replaceAll("/+$", "").split("/");
        // parts[0] is the empty string before the first slash.
        if (path.equals("/") || path.equals("/dashboard")) {
            only(method, "GET");
            send(ex, 200, "text/html; charset=utf-8", dashboard);
            return;
        }
        switch (parts[1]) {
            case "health" -> {
                only(method, "GET");
                health(ex);
            }
            case "metrics" -> {
                only(method, "GET");
                send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape().getBytes(StandardCharsets.UTF_8));
            }
            case "events" -> {
                only(method, "GET");
                Map<String, String> q = query(ex);
                int limit = intParam(q, "limit", 100, 1, 500);
                sendJson(ex, 200, events.recent(limit, q.get("type"), q.get("job")));
            }
            case "tasks" -> {
                only(method, "GET");
                ArrayNode names = mapper.createArrayNode();
                tasks.names().forEach(names::add);
                sendJson(ex, 200, names);
            }
            case "jobs" -> jobs(ex, method, parts);
            default -> throw new HttpError(404, "no such path: " + path);
        }
    }

    private void jobs(HttpExchange ex, String method, String[] parts) throws IOException {
        if (parts.length == 2) {
            if (method.equals("GET")) {
                ArrayNode all = mapper.createArrayNode();
                scheduler.jobs().forEach(j -> all.add(views.job(j)));
                sendJson(ex, 200, all);
                return;
            }
            only(method, "GET", "POST");
            authorize(ex);
            JobInfo added = scheduler.add(parseNewJob(readBody(ex)));
            ex.getResponseHeaders().set("Location", "/jobs/" + added.id());
            sendJson(ex, 201, views.job(added));
            return;
        }
        String id = URLDecoder.decode(parts[2], StandardCharsets.UTF_8);
        if (parts.length == 3) {
            switch (method) {
                case "GET" -> sendJson(ex, 200, views.job(scheduler.job(id).orElseThrow(() -> new JobNotFoundException(id))));
                case "DELETE" -> {
                    authorize(ex);
                    if (!scheduler.remove(id)) {
                        throw new JobNotFoundException(id);
                    }
                    send(ex, 204, null, null);
                }
                default -> throw new HttpError(405, method + " is not allowed on /jobs/{id} (GET, DELETE)");
            }
            return;
        }
        if (parts.length != 4) {
            throw new HttpError(404, "no such path: " + ex.getRequestURI().getRawPath());
        }
        String action = parts[3];
        switch (action) {
            case "pause", "resume", "run" -> only(method, "POST");
            case "trigger" -> only(method, "PUT");
            default -> throw new HttpError(404, "no such action '" + action + "' (pause, resume, run, trigger)");
        }
        authorize(ex);
        switch (action) {
            case "pause" -> sendJson(ex, 200, views.job(scheduler.pauseJob(id)));
            case "resume" -> sendJson(ex, 200, views.job(scheduler.resumeJob(id)));
            case "run" -> {
                scheduler.runNow(id);
                ObjectNode body = mapper.createObjectNode().put("id", id).put("status", "started");
                sendJson(ex, 202, body);
            }
            default -> {
                JsonNode body = readBody(ex);
                requireObject(body, "trigger");
                rejectUnknown(body, Set.of("trigger"));
                Trigger trigger = parseTrigger(field(body, "trigger"));
                sendJson(ex, 200, views.job(scheduler.reschedule(id, trigger)));
            }
        }
    }

    private JobDefinition parseNewJob(JsonNode body) {
        requireObject(body, "id, task and trigger");
        try {
            JobDefinition job = JobJson.read(JobJson.text(body, "id"), body, Set.of("id"), scheduler::parseTrigger);
            if (!tasks.contains(job.task())) {
                throw new HttpError(400, "field 'task': unknown task '" + job.task() + "' (known: "
                        + String.join(", ", tasks.names()) + ")");
            }
            return job;
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
    }

    private Trigger parseTrigger(String spec) {
        try {
            return scheduler.parseTrigger(spec);
        } catch (RuntimeException e) {
            throw new HttpError(400, "field 'trigger': " + e.getMessage());
        }
    }

    private void health(HttpExchange ex) throws IOException {
        ObjectNode body = mapper.createObjectNode();
        body.put("scheduler", scheduler.state().name());
        body.put("node", node);
        try {
            var stats = scheduler.stats();
            body.put("status", scheduler.state() == Scheduler.State.SHUT_DOWN ? "DOWN" : "UP");
            body.put("jobs", stats.jobs());
            body.put("pausedJobs", stats.pausedJobs());
            body.put("runningJobs", stats.runningJobs());
        } catch (RuntimeException e) {
            body.put("status", "DOWN");
            body.put("error", "job store unreachable: " + e.getMessage());
        }
        sendJson(ex, body.get("status").asText().equals("UP") ? 200 : 503, body);
    }

    // ---- requests ----

    private void authorize(HttpExchange ex) {
        String header = ex.getRequestHeaders().getFirst("Authorization");
        byte[] given = header != null && header.startsWith("Bearer ")
                ? header.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(given, token)) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            throw new HttpError(401, header == null ? "this request changes jobs: send 'Authorization: Bearer <token>'"
                    : "wrong bearer token");
        }
    }

    private JsonNode readBody(HttpExchange ex) throws IOException {
        byte[] bytes = ex.getRequestBody().readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) {
            throw new HttpError(413, "request body larger than " + MAX_BODY + " bytes");
        }
        if (bytes.length == 0) {
            throw new HttpError(400, "request body: expected a JSON object, got nothing");
        }
        try {
            return mapper.readTree(bytes);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            // Jackson's own text goes on to describe its input source: not the client's business.
            String problem = e.getOriginalMessage().replaceAll("\\s*\\(start marker at \\[Source:.*$", "");
            throw new HttpError(400, "request body: not valid JSON" + (at == null ? "" : " at line " + at.getLineNr()
                    + ", column " + at.getColumnNr()) + ": " + problem);
        }
    }

    private static void requireObject(JsonNode body, String expected) {
        if (body == null || !body.isObject()) {
            throw new HttpError(400, "request body: expected a JSON object with " + expected + ", got "
                    + (body == null ? "nothing" : body.getNodeType()));
        }
    }

    private static void rejectUnknown(JsonNode body, Set<String> known) {
        body.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                throw new HttpError(400, "unknown field '" + f + "' (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
            }
        });
    }

    private static String field(JsonNode body, String name) {
        try {
            return JobJson.text(body, name);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
    }

    private static void only(String method, String... allowed) {
        for (String a : allowed) {
            if (a.equals(method)) {
                return;
            }
        }
        throw new HttpError(405, method + " is not allowed here (" + String.join(", ", allowed) + ")");
    }

    private static Map<String, String> query(HttpExchange ex) {
        Map<String, String> q = new HashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    q.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }

    private static int intParam(Map<String, String> q, String name, int dflt, int min, int max) {
        String v = q.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new HttpError(400, "query parameter '" + name + "': expected a whole number from " + min + " to " + max + ", got '" + v + "'");
    }

    // ---- answers ----

    private void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        send(ex, status, "application/json", mapper.writeValueAsBytes(body));
    }

    private void sendError(HttpExchange ex, int status, String message) throws IOException {
        sendJson(ex, status, mapper.createObjectNode().put("error", message));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        if (type != null) {
            ex.getResponseHeaders().set("Content-Type", type);
        }
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        if (body == null) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
