package dev.chime.spring.boot.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.Scheduler;
import dev.chime.spi.JobCounts;
import dev.chime.spi.NaiveJobStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

class ChimeHealthIndicatorTest {

    /** A store whose database has gone away: every read fails. */
    static final class UnreachableStore extends NaiveJobStore {
        volatile boolean down;

        @Override
        public JobCounts counts() {
            if (down) {
                throw new IllegalStateException("connection refused");
            }
            return super.counts();
        }
    }

    @Test
    void aStoreThatDoesNotAnswerMakesTheSchedulerDownAndAShutDownOneIsOutOfService() {
        UnreachableStore store = new UnreachableStore();
        Scheduler scheduler = Scheduler.builder().store(store).build();
        ChimeHealthIndicator health = new ChimeHealthIndicator(scheduler, store);
        assertThat(health.health().getStatus()).as("built, not started").isEqualTo(Status.UNKNOWN);
        scheduler.start();
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);

        store.down = true;
        Health down = health.health();
        assertThat(down.getStatus()).isEqualTo(Status.DOWN);
        assertThat(down.getDetails()).containsEntry("store", "unreachable: connection refused").containsEntry("state", "RUNNING");

        store.down = false;
        scheduler.shutdown(Duration.ofSeconds(5));
        assertThat(health.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
    }
}
