package dev.chime.store.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chime.JobDefinition;
import dev.chime.JobEvent;
import dev.chime.Scheduler;
import dev.chime.Triggers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17: 20,000 one-shot jobs due at once, default options, a 1 ms body, 10 threads. The node
 * can start only so many at a time; none may be reported missed for waiting its turn.
 */
class OneShotBurstTest {

    private static final int JOBS = 20_000;

    private Scheduler scheduler;

    @AfterEach
    void tearDown() {
        if (scheduler != null) {
            scheduler.shutdown(Duration.ofSeconds(10));
        }
    }

    @Test
    void aBurstOfOneShotJobsDueNowAllRunNoneMissed() {
        AtomicInteger ran = new AtomicInteger();
        AtomicInteger missed = new AtomicInteger();
        scheduler = Scheduler.builder().store("memory").threads(10)
                .task("work", ctx -> {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // the 1 ms body
                    ran.incrementAndGet();
                })
                .listener(event -> {
                    if (event instanceof JobEvent.Missed) {
                        missed.incrementAndGet();
                    }
                })
                .build();
        Instant now = Clock.systemUTC().instant();
        for (int i = 0; i < JOBS; i++) {
            scheduler.add(JobDefinition.of("burst-" + i, "work", Triggers.once(now)));
        }
        scheduler.start();

        await().atMost(Duration.ofSeconds(90)).until(() -> ran.get() + missed.get() >= JOBS);
        assertThat(missed).hasValue(0);
        assertThat(ran).hasValue(JOBS);
    }
}
