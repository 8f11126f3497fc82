package dev.chime.console;

import dev.chime.Scheduler;
import dev.chime.console.internal.ConsoleHandler;
import dev.chime.console.internal.Settings;
import dev.chime.spi.ClusterView;
import dev.chime.spi.JobStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Chime's console: the admin JSON API and the dashboard, over one {@link Scheduler}. Serve it
 * standalone on its own port with {@link ConsoleServer}, or mount it in your servlet container with
 * {@link ConsoleServlet} (the Spring Boot starter does that under {@code /chime}).
 *
 * <pre>{@code
 * Console console = Console.builder(scheduler)
 *         .authenticator(Authenticator.bearerTokens(adminToken, readOnlyToken))
 *         .store(store)                       // for the nodes page, when the store is a ClusterView
 *         .build();
 * ConsoleServer server = ConsoleServer.builder(console).port(8081).start();   // 127.0.0.1:8081
 * }</pre>
 *
 * <p>Safe by default: every endpoint but {@code /health} needs an authenticated user, and read-only
 * users cannot change anything. Thread-safe; {@link #close()} ends its event streams and stops
 * listening to the scheduler.
 */
public final class Console implements AutoCloseable {

    private final ConsoleHandler handler;

    private Console(Settings settings) {
        this.handler = new ConsoleHandler(settings);
    }

    public static Builder builder(Scheduler scheduler) {
        return new Builder(scheduler);
    }

    ConsoleHandler handler() {
        return handler;
    }

    @Override
    public void close() {
        handler.close();
    }

    /** Not thread-safe. */
    public static final class Builder {
        private final Scheduler scheduler;
        private Authenticator authenticator;
        private Supplier<? extends Collection<String>> tasks;
        private ClusterView cluster;
        private Clock clock = Clock.systemUTC();
        private int maxBodyBytes = 64 * 1024;
        private int storeCalls = 4;
        private Duration storeCallWait = Duration.ofSeconds(2);
        private int maxEventStreams = 16;
        private Duration keepAlive = Duration.ofSeconds(15);
        private Set<String> allowedHosts = Set.of();

        private Builder(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        }

        /** Who may call: required, so that no console is ever open by accident. */
        public Builder authenticator(Authenticator authenticator) {
            this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
            return this;
        }

        /** The task names a job may use: adding a job with another is a 400 naming the known ones. */
        public Builder tasks(Supplier<? extends Collection<String>> tasks) {
            this.tasks = Objects.requireNonNull(tasks, "tasks");
            return this;
        }

        /** The scheduler's store: when it is a {@link ClusterView}, the nodes page shows the cluster. */
        public Builder store(JobStore store) {
            this.cluster = store instanceof ClusterView view ? view : null;
            return this;
        }

        public Builder clusterView(ClusterView cluster) {
            this.cluster = Objects.requireNonNull(cluster, "cluster");
            return this;
        }

        /** The clock the next fire times are computed from; the scheduler's, in tests. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Larger request bodies are refused with 413, before authentication. Default 64 KiB. */
        public Builder maxBodyBytes(int maxBodyBytes) {
            if (maxBodyBytes < 1024 || maxBodyBytes > 16 * 1024 * 1024) {
                throw new IllegalArgumentException("maxBodyBytes: " + maxBodyBytes + " is outside 1024 to 16777216");
            }
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /**
         * How many requests may be inside the job store at once (default 4); the others wait up to
         * {@code wait}, then get 429. Keep it below your connection pool's size minus what the
         * scheduler needs (its dispatcher, completions and the JDBC store's heartbeat), so that a
         * burst of console requests never holds every connection.
         */
        public Builder storeConcurrency(int calls, Duration wait) {
            if (calls < 1 || calls > 64) {
                throw new IllegalArgumentException("storeConcurrency: " + calls + " is outside 1 to 64");
            }
            this.storeCalls = calls;
            this.storeCallWait = Objects.requireNonNull(wait, "wait");
            return this;
        }

        /** At most this many live event streams (default 16); more get 429. */
        public Builder maxEventStreams(int maxEventStreams, Duration keepAlive) {
            if (maxEventStreams < 1 || maxEventStreams > 1000) {
                throw new IllegalArgumentException("maxEventStreams: " + maxEventStreams + " is outside 1 to 1000");
            }
            this.maxEventStreams = maxEventStreams;
            this.keepAlive = Objects.requireNonNull(keepAlive, "keepAlive");
            return this;
        }

        /**
         * The host names (without port) requests may carry in their {@code Host} header, against DNS
         * rebinding. Empty (the default) checks nothing here; {@link ConsoleServer} checks its own
         * list, the loopback names by default.
         */
        public Builder allowedHosts(Collection<String> hosts) {
            this.allowedHosts = hosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
            return this;
        }

        /** @throws IllegalStateException when no authenticator was given */
        public Console build() {
            if (authenticator == null) {
                throw new IllegalStateException("the console needs an authenticator: authenticator(Authenticator.bearerTokens(..)) "
                        + "or your own");
            }
            return new Console(new Settings(scheduler, authenticator, tasks, cluster, clock, maxBodyBytes, storeCalls,
                    storeCallWait, maxEventStreams, keepAlive, allowedHosts));
        }
    }
}
