package dev.chime;

import dev.chime.spi.NaiveJobStore;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;

/** A scheduler on a {@link TestClock} and a fresh store, shut down after each test. */
abstract class SchedulerTestSupport {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    final TestClock clock = TestClock.at(T0);
    final EventRecorder events = new EventRecorder();
    final NaiveJobStore store = new NaiveJobStore();
    Scheduler scheduler;

    SchedulerBuilder builder() {
        return Scheduler.builder().clock(clock).store(store).listener(events);
    }

    Scheduler start(SchedulerBuilder builder) {
        scheduler = builder.build();
        scheduler.start();
        return scheduler;
    }

    @AfterEach
    void shutDownScheduler() {
        if (scheduler != null) {
            scheduler.shutdown(java.time.Duration.ofSeconds(5));
        }
    }
}
