package dev.chime.demo;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import com.google.inject.spi.Message;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariDataSource;
import dev.chime.Scheduler;
import dev.chime.demo.http.ApiHandler;
import dev.chime.guice.ChimeModule;
import dev.chime.guice.TaskRegistry;
import dev.chime.store.jdbc.JdbcJobStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running demo: the injector, the started scheduler and the HTTP server. {@link #close()} is
 * the graceful stop: no new requests, no new firings, running jobs get the grace period to finish.
 */
public final class DemoServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoServer.class);

    /** The packages searched for {@code @ScheduledJob} and {@code @ChimeTask}: the sample jobs. */
    static final String JOB_PACKAGE = "dev.chime.demo.jobs";

    private final Injector injector;
    private final Scheduler scheduler;
    private final HttpServer http;
    private final ExecutorService httpThreads;
    private final String token;
    private final Duration grace;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DemoServer(Injector injector, HttpServer http, ExecutorService httpThreads, String token, Duration grace) {
        this.injector = injector;
        this.scheduler = injector.getInstance(Scheduler.class);
        this.http = http;
        this.httpThreads = httpThreads;
        this.token = token;
        this.grace = grace;
    }

    /**
     * Starts everything, or fails with a message that says what is wrong (a broken schedule file,
     * an unreachable database, a port in use), leaving nothing running.
     */
    public static DemoServer start(DemoSettings settings, Duration shutdownGrace) {
        String token = settings.token();
        if (token == null) {
            token = HexFormat.of().formatHex(SecureRandom.getSeed(16));
            LOG.warn("no --token given; requests that change jobs need 'Authorization: Bearer {}'", token);
        }
        ChimeModule.Builder chime = ChimeModule.builder().scan(JOB_PACKAGE);
        if (settings.schedule() != null) {
            chime.scheduleFile(settings.schedule());
        }
        DemoModule demo = new DemoModule(settings);
        Injector injector = Guice.createInjector(demo, chime.build());
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
        ExecutorService httpThreads = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "chime-demo-http");
            t.setDaemon(true);
            return t;
        });
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(settings.port()), 64);
        } catch (IOException e) {
            scheduler.close();
            store.close();
            pool.close();
            throw new UncheckedIOException("cannot listen on port " + settings.port() + ": " + e.getMessage(), e);
        }
        http.createContext("/", new ApiHandler(scheduler, injector.getInstance(TaskRegistry.class),
                injector.getInstance(EventLog.class), injector.getInstance(PrometheusMeterRegistry.class), token, store.nodeId()));
        http.setExecutor(httpThreads);
        scheduler.start();
        http.start();
        DemoServer server = new DemoServer(injector, http, httpThreads, token, shutdownGrace);
        LOG.info("Chime demo on http://localhost:{}/ with jobs in {} (node {})", server.port(), settings.jdbcUrl(), store.nodeId());
        return server;
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
        return http.getAddress().getPort();
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
        http.stop(0);
        httpThreads.shutdownNow();
        scheduler.shutdown(grace);
        injector.getInstance(JdbcJobStore.class).close();
        injector.getInstance(HikariDataSource.class).close();
        LOG.info("Chime demo stopped");
    }
}
