package dev.chime.console.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chime.DuplicateJobException;
import dev.chime.InvalidTriggerSpecException;
import dev.chime.JobNotFoundException;
import dev.chime.UnknownTaskException;
import dev.chime.console.ConsoleUser;
import dev.chime.spi.StoreUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every request goes through here, in this order: security headers, the Host check, the public
 * paths (health, the dashboard's files), the body read against its limit, authentication, the
 * role, a turn at the store, the API. Errors become JSON {@code {"error": "..."}}: 400 bad input
 * (the console's own checks, an invalid trigger, an unknown task; never a stray exception),
 * 401, 403, 404, 405, 409, 413, 429 too busy, 503 store unavailable, 500 with a reference to the
 * log and nothing else. {@code /health} goes to the store through {@link HealthCheck} (one call at a
 * time, answers reused for a second), never through the API's turns. Headers (with the token) and bodies are never logged. Thread-safe.
 */
public final class ConsoleHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleHandler.class);

    /** No inline script or style anywhere: the dashboard's code is in its own files. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static final Map<String, String[]> ASSETS = Map.of(
            "/", new String[] {"index.html", "text/html; charset=utf-8"},
            "/assets/console.js", new String[] {"console.js", "text/javascript; charset=utf-8"},
            "/assets/console.css", new String[] {"console.css", "text/css; charset=utf-8"});

    private final Settings settings;
    private final ObjectMapper mapper = new ObjectMapper();
    private final Semaphore storeTurns;
    private final EventStream events;
    private final JobsApi api;
    private final HealthCheck health;
    private final Map<String, byte[]> assets;

    public ConsoleHandler(Settings settings) {
        this.settings = settings;
        this.storeTurns = new Semaphore(settings.storeCalls(), true);
        this.events = new EventStream(mapper, settings.maxEventStreams(), settings.keepAlive());
        this.api = new JobsApi(settings, mapper);
        this.health = new HealthCheck(settings.scheduler(), settings.clock(), mapper, settings.storeCallWait());
        this.assets = loadAssets();
        settings.scheduler().addListener(events);
    }

    public void close() {
        events.close();
        settings.scheduler().removeListener(events);
    }

    /** For tests: the event streams open now. */
    public int openEventStreams() {
        return events.open();
    }

    public void handle(Exchange ex) throws IOException {
        handle(ex, settings.allowedHosts());
    }

    /** @param allowedHosts the Host names accepted (the standalone server's list); empty accepts any */
    public void handle(Exchange ex, java.util.Set<String> allowedHosts) throws IOException {
        securityHeaders(ex);
        try {
            checkHost(ex, allowedHosts);
            route(ex);
        } catch (HttpError e) {
            error(ex, e.status(), e.getMessage());
        } catch (RuntimeException e) {
            failure(ex, e);
        }
    }

    private void route(Exchange ex) throws IOException {
        String path = ex.path();
        String method = ex.method();
        if (path.isEmpty()) {
            // The page's links are relative: it must be served below the mount point, not at it.
            ex.setHeader("Location", ex.requestPath() + "/");
            ex.send(308, null, new byte[0]);
            return;
        }
        if (path.equals("/health")) {
            only(method, "GET");
            health(ex);
            return;
        }
        String[] asset = ASSETS.get(path.equals("/index.html") ? "/" : path);
        if (asset != null) {
            only(method, "GET");
            ex.send(200, asset[1], assets.get(asset[0]));
            return;
        }
        if (!path.startsWith("/api/")) {
            throw new HttpError(404, "no such path");
        }
        // The limit comes before authentication: an unauthenticated client cannot make the server read more.
        byte[] body = method.equals("POST") || method.equals("PUT") ? readBody(ex) : new byte[0];
        ConsoleUser user = authenticate(ex);
        if (path.equals("/api/events")) {
            only(method, "GET");
            events.serve(ex);
            return;
        }
        if (path.equals("/api/me")) {
            only(method, "GET");
            send(ex, 200, mapper.createObjectNode().put("name", user.name()).put("role", user.role().name()));
            return;
        }
        JobsApi.Route route = api.route(method, path);
        if (route.changes() && !user.role().mayChange()) {
            throw new HttpError(403, "user '" + user.name() + "' may read but not change (role " + user.role() + ")");
        }
        Query query = Query.parse(ex.rawQuery());
        Object answer = withStoreTurn(() -> route.call(query, body));
        if (answer instanceof JobsApi.Answer a) {
            if (a.location() != null) {
                ex.setHeader("Location", a.location());
            }
            if (a.body() == null) {
                ex.send(a.status(), null, new byte[0]);
            } else {
                send(ex, a.status(), a.body());
            }
        }
    }

    /**
     * At most {@code storeCalls} requests are inside the store at once (a JDBC store's pool is
     * shared with the scheduler's heartbeat and claims): the others wait briefly, then get 429.
     */
    private Object withStoreTurn(java.util.function.Supplier<Object> call) {
        boolean got;
        try {
            got = storeTurns.tryAcquire(settings.storeCallWait().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(500, "the console is stopping");
        }
        if (!got) {
            throw new HttpError(429, "the console is busy with other requests; try again in a moment");
        }
        try {
            return call.get();
        } finally {
            storeTurns.release();
        }
    }

    private void health(Exchange ex) throws IOException {
        HealthCheck.Answer answer = health.answer();
        ex.send(answer.status(), "application/json", answer.body());
    }

    private ConsoleUser authenticate(Exchange ex) {
        Optional<ConsoleUser> user;
        try {
            user = settings.authenticator().authenticate(ex::header);
        } catch (RuntimeException e) {
            LOG.error("the console's authenticator failed", e);
            throw new HttpError(500, "authentication failed; see the server log");
        }
        if (user.isEmpty()) {
            ex.setHeader("WWW-Authenticate", "Bearer");
            throw new HttpError(401, ex.header("Authorization") == null
                    ? "authentication needed: send 'Authorization: Bearer <token>'" : "not authenticated: wrong credentials");
        }
        return user.get();
    }

    private byte[] readBody(Exchange ex) throws IOException {
        int max = settings.maxBodyBytes();
        if (ex.contentLength() > max) {
            throw new HttpError(413, "request body larger than " + max + " bytes");
        }
        byte[] bytes;
        try (InputStream in = ex.body()) {
            bytes = in.readNBytes(max + 1);
        }
        if (bytes.length > max) {
            throw new HttpError(413, "request body larger than " + max + " bytes");
        }
        return bytes;
    }

    /** DNS rebinding: a page on another name that resolves to this host must not reach the console. */
    private static void checkHost(Exchange ex, java.util.Set<String> allowedHosts) {
        if (allowedHosts.isEmpty()) {
            return;
        }
        String host = ex.header("Host");
        if (host == null) {
            throw new HttpError(400, "the Host header is missing");
        }
        String name = host.trim().toLowerCase(Locale.ROOT);
        if (name.startsWith("[")) {
            int end = name.indexOf(']');
            name = end < 0 ? name : name.substring(0, end + 1);
        } else if (name.indexOf(':') >= 0) {
            name = name.substring(0, name.indexOf(':'));
        }
        if (!allowedHosts.contains(name)) {
            throw new HttpError(403, "host '" + Query.printable(name) + "' is not one this console answers to");
        }
    }

    private static void securityHeaders(Exchange ex) {
        ex.setHeader("Content-Security-Policy", CSP);
        ex.setHeader("X-Frame-Options", "DENY");
        ex.setHeader("X-Content-Type-Options", "nosniff");
        ex.setHeader("Referrer-Policy", "no-referrer");
        ex.setHeader("Cache-Control", "no-store");
    }

    private static void only(String method, String... allowed) {
        for (String a : allowed) {
            if (a.equals(method)) {
                return;
            }
        }
        throw new HttpError(405, method + " is not allowed here (" + String.join(", ", allowed) + ")");
    }

    private void failure(Exchange ex, RuntimeException e) throws IOException {
        if (HealthCheck.causedBy(e, StoreUnavailableException.class)) {
            LOG.warn("console: {} {} could not reach the job store: {}", ex.method(), Query.printable(ex.path()), e.getMessage());
            error(ex, 503, "the job store is unavailable; nothing was changed, try again later");
        } else if (e instanceof JobNotFoundException) {
            error(ex, 404, e.getMessage());
        } else if (e instanceof DuplicateJobException) {
            error(ex, 409, e.getMessage());
        } else if (e instanceof InvalidTriggerSpecException || e instanceof UnknownTaskException) {
            // The scheduler's own checks of what the client sent. Any other IllegalArgumentException or
            // ChimeException comes from deeper down (a store, a plugin): its message is not for clients.
            error(ex, 400, e.getMessage());
        } else {
            String ref = UUID.randomUUID().toString().substring(0, 8);
            LOG.error("console: {} {} failed (ref {})", ex.method(), Query.printable(ex.path()), ref, e);
            error(ex, 500, "internal error (ref " + ref + " in the server log)");
        }
    }

    private void error(Exchange ex, int status, String message) throws IOException {
        send(ex, status, mapper.createObjectNode().put("error", message == null ? "error" : message));
    }

    private void send(Exchange ex, int status, Object json) throws IOException {
        ex.send(status, "application/json", mapper.writeValueAsBytes(json));
    }

    private static Map<String, byte[]> loadAssets() {
        Map<String, byte[]> loaded = new java.util.HashMap<>();
        for (String name : new String[] {"index.html", "console.js", "console.css"}) {
            try (InputStream in = ConsoleHandler.class.getResourceAsStream("/dev/chime/console/assets/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("the console's " + name + " is missing from the classpath");
                }
                loaded.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the console's " + name, e);
            }
        }
        return Map.copyOf(loaded);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
