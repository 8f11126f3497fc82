package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The job sees its run's fencing token, as the store handed it out with the run. */
class FencingTokenTest extends SchedulerTestSupport {

    @Test
    void eachRunOfAJobSeesAHigherFencingTokenThanTheOneBefore() {
        List<Long> tokens = new CopyOnWriteArrayList<>();
        start(builder().task("work", ctx -> tokens.add(ctx.fencingToken())));
        scheduler.add(JobDefinition.of("j", "work", Triggers.interval(Duration.ofSeconds(10))));

        clock.advance(Duration.ofSeconds(30));

        assertThat(tokens).hasSize(3);
        assertThat(tokens.get(0)).isPositive();
        assertThat(tokens).isSorted().doesNotHaveDuplicates();
    }
}
