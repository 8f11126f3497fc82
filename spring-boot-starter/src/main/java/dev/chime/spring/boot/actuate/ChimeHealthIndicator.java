package dev.chime.spring.boot.actuate;

import dev.chime.Scheduler;
import dev.chime.SchedulerStats;
import dev.chime.spi.JobStore;
import dev.chime.store.jdbc.JdbcJobStore;
import java.time.Duration;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/**
 * The scheduler's health: its state, whether the store answers, and with the jdbc store the age of
 * this node's last heartbeat. UP while running (or paused) with a reachable store and a heartbeat
 * fresh enough to claim; DOWN when the store does not answer or the heartbeat is older than half
 * the node timeout (the node has stopped claiming); OUT_OF_SERVICE once shut down. Thread-safe.
 */
public class ChimeHealthIndicator extends AbstractHealthIndicator {

    private final Scheduler scheduler;
    private final JobStore store;

    /** @param store the scheduler's store when it is a bean (for the heartbeat), or null */
    public ChimeHealthIndicator(Scheduler scheduler, JobStore store) {
        super("Chime health check failed");
        this.scheduler = scheduler;
        this.store = store;
    }

    @Override
    protected void doHealthCheck(Health.Builder health) {
        Scheduler.State state = scheduler.state();
        health.withDetail("state", state.name());
        switch (state) {
            case RUNNING, PAUSED -> health.up();
            case CREATED -> health.unknown();
            case SHUT_DOWN -> health.outOfService();
        }
        try {
            SchedulerStats stats = scheduler.stats();
            health.withDetail("store", "reachable")
                    .withDetail("jobs", stats.jobs())
                    .withDetail("pausedJobs", stats.pausedJobs())
                    .withDetail("runningJobs", stats.runningJobs());
        } catch (RuntimeException e) {
            health.down().withDetail("store", "unreachable: " + e.getMessage());
        }
        if (store instanceof JdbcJobStore jdbc) {
            Duration age = jdbc.sinceLastHeartbeat();
            health.withDetail("node", jdbc.nodeId())
                    .withDetail("lastHeartbeatAgeMillis", age.toMillis())
                    .withDetail("nodeTimeoutMillis", jdbc.nodeTimeout().toMillis());
            if (state != Scheduler.State.SHUT_DOWN && age.compareTo(jdbc.nodeTimeout().dividedBy(2)) > 0) {
                health.status(Status.DOWN).withDetail("heartbeat", "stale: this node does not claim firings until it beats again");
            }
        }
    }
}
