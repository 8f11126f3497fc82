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
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The README's quick start, kept compiling and true (with a test clock instead of the wall clock). */
class ReadmeQuickStartTest {

    @Test
    void quickStartRunsEveryTenSecondsAndTheListenerHearsEachRun() {
        TestClock clock = TestClock.create();
        List<String> heard = new CopyOnWriteArrayList<>();

        Logger log = LoggerFactory.getLogger("tick");
        Scheduler scheduler = Scheduler.builder()
                .clock(clock)
                .task("tick", ctx -> log.info("Tick! The time is {}", ctx.scheduledFireTime()))
                .listener(event -> {
                    if (event instanceof JobEvent.Executed e) {
                        log.info("{} ran in {}", e.jobId(), e.duration());
                        heard.add("ran " + e.jobId());
                    } else if (event instanceof JobEvent.Failed f) {
                        log.warn("{} failed", f.jobId(), f.error());
                        heard.add("failed " + f.jobId());
                    }
                })
                .build();
        scheduler.add(JobDefinition.of("tick-every-10s", "tick", Triggers.interval(Duration.ofSeconds(10))));
        scheduler.start();

        clock.advance(Duration.ofSeconds(30));
        scheduler.close();
        assertThat(heard).containsExactly("ran tick-every-10s", "ran tick-every-10s", "ran tick-every-10s");
    }
}
