package dev.chime.console;

import com.sun.net.httpserver.HttpServer;
import dev.chime.console.internal.JdkExchange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console on its own port, on the JDK's built-in HTTP server (no server dependency to ship).
 * Binds to {@code 127.0.0.1} unless told otherwise, and then answers only requests whose
 * {@code Host} is a loopback name (DNS rebinding). Each connection is served by its own thread, up
 * to {@code maxConnections} (default 200): the JDK server reads a request on the thread it hands it
 * to, so a pool of a few threads would let a few clients that send half a request and stall take
 * every thread, and {@code /health} with them. Beyond the limit, new connections are refused.
 * Thread-safe.
 */
public final class ConsoleServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleServer.class);
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]");

    private final HttpServer http;
    private final ThreadPoolExecutor threads;

    private ConsoleServer(HttpServer http, ThreadPoolExecutor threads) {
        this.http = http;
        this.threads = threads;
    }

    public static Builder builder(Console console) {
        return new Builder(console);
    }

    public int port() {
        return http.getAddress().getPort();
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** Stops listening; open event streams end. The console itself is the caller's to close. */
    @Override
    public void close() {
        http.stop(0);
        threads.shutdownNow();
    }

    /** Not thread-safe. */
    public static final class Builder {
        private final Console console;
        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private int port = 0;
        private String contextPath = "/";
        private int maxConnections = 200;
        private Set<String> allowedHosts;
        private final java.util.Map<String, com.sun.net.httpserver.HttpHandler> others = new java.util.LinkedHashMap<>();

        private Builder(Console console) {
            this.console = Objects.requireNonNull(console, "console");
        }

        /** 0 (the default) picks a free port. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " is outside 0 to 65535");
            }
            this.port = port;
            return this;
        }

        /**
         * Where to listen; the loopback address by default. Binding elsewhere exposes the console to
         * the network: give {@link #allowedHosts} the names clients use to reach it.
         */
        public Builder bindAddress(InetAddress bindAddress) {
            this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
            return this;
        }

        /** The path the console answers under, e.g. {@code /chime}; {@code /} by default. */
        public Builder contextPath(String contextPath) {
            if (!contextPath.startsWith("/")) {
                throw new IllegalArgumentException("contextPath: '" + contextPath + "' must start with /");
            }
            this.contextPath = contextPath.length() > 1 && contextPath.endsWith("/")
                    ? contextPath.substring(0, contextPath.length() - 1) : contextPath;
            return this;
        }

        public Builder maxConnections(int maxConnections) {
            if (maxConnections < 8 || maxConnections > 10_000) {
                throw new IllegalArgumentException("maxConnections: " + maxConnections + " is outside 8 to 10000");
            }
            this.maxConnections = maxConnections;
            return this;
        }

        /**
         * The {@code Host} names (without port) accepted; {@code "*"} accepts any. By default the
         * loopback names on a loopback address, and on any other address the address itself.
         */
        public Builder allowedHosts(Collection<String> hosts) {
            this.allowedHosts = hosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
            return this;
        }

        /**
         * Serves {@code handler} at {@code path} on the same port, outside the console: no Host
         * check, no authentication, no security headers of the console's (a metrics scrape, say).
         */
        public Builder alsoServe(String path, com.sun.net.httpserver.HttpHandler handler) {
            others.put(Objects.requireNonNull(path, "path"), Objects.requireNonNull(handler, "handler"));
            return this;
        }

        /** @throws UncheckedIOException when the port cannot be bound */
        public ConsoleServer start() {
            Set<String> hosts = allowedHosts != null ? allowedHosts
                    : bindAddress.isLoopbackAddress() ? LOOPBACK_NAMES : Set.of(hostName(bindAddress));
            Set<String> checked = hosts.contains("*") ? Set.of() : hosts;
            AtomicInteger n = new AtomicInteger();
            ThreadPoolExecutor threads = new ThreadPoolExecutor(0, maxConnections, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "chime-console-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            HttpServer http;
            try {
                http = HttpServer.create(new InetSocketAddress(bindAddress, port), 128);
            } catch (IOException e) {
                throw new UncheckedIOException("the console cannot listen on " + bindAddress.getHostAddress() + ":" + port + ": "
                        + e.getMessage(), e);
            }
            var handler = console.handler();
            http.createContext(contextPath, exchange -> {
                try (exchange) {
                    handler.handle(new JdkExchange(exchange, contextPath), checked);
                }
            });
            others.forEach(http::createContext);
            http.setExecutor(threads);
            http.start();
            LOG.info("Chime console on http://{}:{}{}", hostName(bindAddress), http.getAddress().getPort(),
                    contextPath.equals("/") ? "/" : contextPath + "/");
            return new ConsoleServer(http, threads);
        }

        private static String hostName(InetAddress address) {
            String literal = address.getHostAddress();
            return literal.contains(":") ? "[" + literal + "]" : literal;
        }
    }
}
