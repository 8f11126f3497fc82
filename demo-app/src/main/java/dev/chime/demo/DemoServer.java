package dev.chime.demo;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import com.google.inject.spi.Message;
import com.zaxxer.hikari.HikariDataSource;
import dev.chime.Scheduler;
import dev.chime.console.Authenticator;
import dev.chime.console.Console;
import dev.chime.console.ConsoleServer;
import dev.chime.guice.ChimeModule;
import dev.chime.guice.TaskRegistry;
import dev.chime.store.jdbc.JdbcJobStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running demo: the injector, the started scheduler and the console on its port, with the
 * Prometheus scrape at {@code /metrics} beside it. {@link #close()} is the graceful stop: no new
 * requests, no new firings, running jobs get the grace period to finish.
 */
public final class DemoServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoServer.class);

    /** The packages searched for {@code @ScheduledJob} and {@code @ChimeTask}: the sample jobs. */
    static final String JOB_PACKAGE = "dev.chime.demo.jobs";
    /** Where a generated token is written (owner-only): never to the log. */
    static final Path TOKEN_FILE = Path.of("chime-console.token");

    private final Injector injector;
    private final Scheduler scheduler;
    private final Console console;
    private final ConsoleServer http;
    private final String token;
    private final Duration grace;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DemoServer(Injector injector, Console console, ConsoleServer http, String token, Duration grace) {
        this.injector = injector;
        this.scheduler = injector.getInstance(Scheduler.class);
        this.console = console;
        this.http = http;
        this.token = token;
        this.grace = grace;
    }

    /**
     * Starts everything, or fails with a message that says what is wrong (a broken schedule file,
     * an unreachable database, a port in use), leaving nothing running.
     */
    public static DemoServer start(DemoSettings settings, Duration shutdownGrace) {
        String token = settings.token() != null ? settings.token() : generatedToken();
        ChimeModule.Builder chime = ChimeModule.builder().scan(JOB_PACKAGE);
        if (settings.schedule() != null) {
            chime.scheduleFile(settings.schedule());
        }
        Injector injector = Guice.createInjector(new DemoModule(settings), chime.build());
        HikariDataSource pool = null;
        JdbcJobStore store = null;
        Scheduler scheduler;
        try {
            pool = injector.getInstance(HikariDataSource.class);
            store = injector.getInstance(JdbcJobStore.class);
            scheduler = injector.getInstance(Scheduler.class);
        } catch (ProvisionException e) {
            // Leave nothing running: the store's heartbeat thread, the pool's connections.
            if (store != null) {
                store.close();
            }
            if (pool != null) {
                pool.close();
            }
            throw new IllegalStateException(firstCause(e), e);
        }
        TaskRegistry tasks = injector.getInstance(TaskRegistry.class);
        // The pool has 10 connections; the scheduler needs a few (claims, completions, heartbeat).
        Console console = Console.builder(scheduler)
                .authenticator(Authenticator.bearerTokens(token, null))
                .tasks(tasks::names)
                .store(store)
                .storeConcurrency(4, Duration.ofSeconds(2))
                .build();
        PrometheusMeterRegistry metrics = injector.getInstance(PrometheusMeterRegistry.class);
        ConsoleServer http;
        try {
            http = ConsoleServer.builder(console).bindAddress(settings.bindAddress()).port(settings.port())
                    .allowedHosts(settings.allowedHosts())
                    .alsoServe("/metrics", exchange -> {
                        try (exchange) {
                            byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
                            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                            exchange.sendResponseHeaders(200, body.length);
                            try (OutputStream out = exchange.getResponseBody()) {
                                out.write(body);
                            }
                        }
                    })
                    .start();
        } catch (UncheckedIOException e) {
            console.close();
            scheduler.close();
            store.close();
            pool.close();
            throw new UncheckedIOException("cannot listen on port " + settings.port() + ": " + e.getCause().getMessage(), e.getCause());
        }
        scheduler.start();
        DemoServer server = new DemoServer(injector, console, http, token, shutdownGrace);
        LOG.info("Chime demo on http://{}:{}/ with jobs in {} (node {})",
                settings.bindAddress().isLoopbackAddress() ? "localhost" : settings.bindAddress().getHostAddress(),
                server.port(), settings.jdbcUrl(), store.nodeId());
        return server;
    }

    /** A random token, written to an owner-only file: a token in the log would be readable by whoever reads logs. */
    private static String generatedToken() {
        String token = HexFormat.of().formatHex(SecureRandom.getSeed(16));
        try {
            Files.deleteIfExists(TOKEN_FILE);
            try {
                Files.createFile(TOKEN_FILE, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createFile(TOKEN_FILE);
            }
            Files.writeString(TOKEN_FILE, token + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("no --token given, and the generated one cannot be written to " + TOKEN_FILE, e);
        }
        LOG.warn("no --token given; a generated one is in {} (readable by this user only)", TOKEN_FILE.toAbsolutePath());
        return token;
    }

    private static String firstCause(ProvisionException e) {
        for (Message m : e.getErrorMessages()) {
            if (m.getCause() != null) {
                Throwable c = m.getCause();
                while (c.getCause() != null && c.getMessage() == null) {
                    c = c.getCause();
                }
                return c.getMessage();
            }
        }
        return e.getMessage();
    }

    public int port() {
        return http.port();
    }

    public String token() {
        return token;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public Injector injector() {
        return injector;
    }

    /** Stops taking requests and firing, lets running jobs finish within the grace period, then closes the store. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LOG.info("stopping: no new firings; running jobs have {} to finish", grace);
        http.close();
        console.close();
        scheduler.shutdown(grace);
        injector.getInstance(JdbcJobStore.class).close();
        injector.getInstance(HikariDataSource.class).close();
        LOG.info("Chime demo stopped");
    }
}
