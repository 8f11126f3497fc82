package dev.chime.console.internal;

import dev.chime.Scheduler;
import dev.chime.console.Authenticator;
import dev.chime.spi.ClusterView;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What {@link dev.chime.console.Console.Builder} collected and checked. Immutable.
 *
 * @param tasks           the task names jobs may use, or null when the application does not say
 * @param cluster         the store's view of its nodes, or null when the store has none
 * @param allowedHosts    Host header values (names, lower case, without port) accepted; empty accepts any
 * @param storeCalls      how many requests may be inside the store at once
 * @param storeCallWait   how long a request waits for its turn before a 429
 */
public record Settings(Scheduler scheduler, Authenticator authenticator, Supplier<? extends Collection<String>> tasks,
                       ClusterView cluster, Clock clock, int maxBodyBytes, int storeCalls, Duration storeCallWait,
                       int maxEventStreams, Duration keepAlive, Set<String> allowedHosts) {
}
