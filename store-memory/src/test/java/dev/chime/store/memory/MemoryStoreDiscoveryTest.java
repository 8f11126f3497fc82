package dev.chime.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.JobDefinition;
import dev.chime.JobEvent;
import dev.chime.Scheduler;
import dev.chime.TestClock;
import dev.chime.Triggers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The memory store as a user gets it: on the classpath, found by the production registry. */
class MemoryStoreDiscoveryTest {

    @Test
    void schedulerFindsTheMemoryStoreOnTheClasspath() {
        TestClock clock = TestClock.create();
        AtomicInteger runs = new AtomicInteger();
        List<String> outcomes = new CopyOnWriteArrayList<>();
        try (Scheduler scheduler = Scheduler.builder().clock(clock)
                .task("tick", ctx -> runs.incrementAndGet())
                .listener(event -> {
                    if (event instanceof JobEvent.Executed e) {
                        outcomes.add("ok " + e.jobId());
                    }
                })
                .build()) {
            scheduler.add(JobDefinition.of("tick-every-10s", "tick", Triggers.interval(Duration.ofSeconds(10))));
            scheduler.start();
            clock.advance(Duration.ofMinutes(1));
            assertThat(runs).hasValue(6);
            assertThat(outcomes).hasSize(6).allMatch(s -> s.equals("ok tick-every-10s"));
        }
    }

    @Test
    void theStoreCanBeChosenByName() {
        try (Scheduler scheduler = Scheduler.builder().store(MemoryJobStoreProvider.NAME).clock(TestClock.create()).build()) {
            assertThat(scheduler.jobs()).isEmpty();
        }
    }
}
