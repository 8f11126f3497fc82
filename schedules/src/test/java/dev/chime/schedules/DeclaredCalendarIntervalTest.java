package dev.chime.schedules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.Declarations;
import dev.chime.JobDefinition;
import dev.chime.JobInfo;
import dev.chime.Scheduler;
import dev.chime.TestClock;
import dev.chime.spi.NaiveJobStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A declared calendar interval without {@code start} starts on the day it is first declared, as
 * docs/SCHEDULES.md says of any calendar interval ("without start, the date the job is added"), not
 * on 1970-01-01; later starts and other nodes keep that anchor.
 */
class DeclaredCalendarIntervalTest {

    private final TestClock clock = TestClock.at(Instant.parse("2026-03-10T07:00:00Z")); // a Tuesday
    private final NaiveJobStore store = new NaiveJobStore();
    private final List<Scheduler> nodes = new ArrayList<>();

    @AfterEach
    void tearDown() {
        nodes.forEach(s -> s.shutdown(Duration.ofSeconds(5)));
    }

    private JobInfo declare(String spec) {
        Scheduler node = Scheduler.builder().clock(clock).store(store).task("report", ctx -> { }).build();
        nodes.add(node);
        node.declare(Declarations.builder().job(JobDefinition.of("report", "report", node.parseTrigger(spec)), "test").build());
        return node.job("report").orElseThrow();
    }

    @Test
    void aMonthlyJobFirstFiresOnTheDayItIsFirstDeclaredAtItsTime() {
        JobInfo job = declare("calendar-interval:P1M;at=09:00");

        assertThat(job.nextFireTime()).contains(Instant.parse("2026-03-10T09:00:00Z"));
        assertThat(job.definition().trigger().spec()).contains(";start=2026-03-10");
    }

    @Test
    void aWeeklyJobKeepsTheWeekdayOfItsFirstDeclarationAcrossLaterStarts() {
        declare("calendar-interval:P1W;at=06:00");
        clock.advance(Duration.ofDays(3));   // a later start, on Friday

        JobInfo again = declare("calendar-interval:P1W;at=06:00");

        assertThat(again.definition().trigger().spec()).contains(";start=2026-03-10");
        assertThat(again.nextFireTime()).as("Tuesdays, from the first declaration on").contains(Instant.parse("2026-03-17T06:00:00Z"));
    }
}
