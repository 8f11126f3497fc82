package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.spi.JobFactory;
import dev.chime.spi.NaiveJobStore;
import dev.chime.spi.StoredJob;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** A job naming a task nobody has: refused at add when the scheduler knows every task, else logged once. */
class UnknownTaskTest extends SchedulerTestSupport {

    private static final Job NOTHING = ctx -> { };

    @Test
    void addFailsAtOnceNamingTheKnownTasksWhenOnlyBuilderTasksExist() {
        start(builder().task("count", NOTHING).task("export", NOTHING));
        assertThatThrownBy(() -> scheduler.add(JobDefinition.of("a", "no-such-task", Triggers.once(T0.plusSeconds(1)))))
                .isInstanceOf(UnknownTaskException.class)
                .hasMessage("unknown task 'no-such-task'; known tasks: count, export");
        assertThatThrownBy(() -> scheduler.addOrReplace(JobDefinition.of("a", "no-such-task", Triggers.once(T0.plusSeconds(1)))))
                .isInstanceOf(UnknownTaskException.class);
        assertThat(store.list()).isEmpty();
    }

    @Test
    void schedulerWithNoTasksSaysHowToRegisterThem() {
        start(builder());
        assertThatThrownBy(() -> scheduler.add(JobDefinition.of("a", "x", Triggers.once(T0))))
                .hasMessageContaining("known tasks: none (register tasks with SchedulerBuilder.task(..) or a JobFactory)");
    }

    @Test
    void jobFactoryThatListsItsTasksAddsThemToTheKnownOnes() {
        JobFactory registry = new JobFactory() {
            @Override
            public Optional<Job> resolve(String task) {
                return task.equals("injected") ? Optional.of(NOTHING) : Optional.empty();
            }

            @Override
            public Optional<Set<String>> knownTasks() {
                return Optional.of(Set.of("injected"));
            }
        };
        start(builder().task("count", NOTHING).jobFactory(registry));
        scheduler.add(JobDefinition.of("ok", "injected", Triggers.once(T0.plusSeconds(1))));
        assertThatThrownBy(() -> scheduler.add(JobDefinition.of("a", "nope", Triggers.once(T0.plusSeconds(1)))))
                .isInstanceOf(UnknownTaskException.class)
                .hasMessage("unknown task 'nope'; known tasks: count, injected");
    }

    @Test
    void openEndedJobFactoryAcceptsTheJobAndLogsTheUnknownTaskOnceNotAtEveryFiring() {
        String log = capturingStandardError(() -> {
            start(builder().task("count", NOTHING).jobFactory(task -> Optional.empty()));
            scheduler.add(JobDefinition.of("a", "elsewhere", Triggers.interval(Duration.ofSeconds(10))));
            clock.advance(Duration.ofSeconds(30));
        });

        // Every firing still fails and is reported as an event; the log says it once.
        assertThat(events.of(JobEvent.Failed.class)).hasSize(3)
                .allSatisfy(f -> assertThat(f.error()).isInstanceOf(UnknownTaskException.class).hasMessageContaining("'elsewhere'"));
        assertThat(occurrences(log, "task 'elsewhere' is unknown on this node")).isEqualTo(1);
        assertThat(log).contains("does not list its tasks: another node may have it");
        assertThat(occurrences(log, "job 'a' attempt")).isZero();
    }

    @Test
    void sharedStoreAcceptsATaskOnlyAnotherNodeMayHaveAndSaysSoOnce() {
        NaiveJobStore shared = new NaiveJobStore() {
            @Override
            public boolean sharedWithOtherNodes() {
                return true;
            }
        };
        String log = capturingStandardError(() -> {
            scheduler = Scheduler.builder().clock(clock).store(shared).task("count", NOTHING).build();
            scheduler.add(JobDefinition.of("a", "billing", Triggers.once(T0.plusSeconds(1))));
            scheduler.add(JobDefinition.of("b", "billing", Triggers.once(T0.plusSeconds(1))));
        });
        assertThat(shared.list()).extracting(dev.chime.spi.StoredJob::id).containsExactly("a", "b");
        assertThat(occurrences(log, "task 'billing' is not known on this node (known: count); the store is shared")).isEqualTo(1);
    }

    private static String capturingStandardError(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private static int occurrences(String text, String part) {
        Matcher m = Pattern.compile(Pattern.quote(part)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void aTaskTheFactoryListsOnlyAfterTheStartIsClaimedToo() {
        // JobFactory.knownTasks may grow while the scheduler runs; a task-aware store must hear of the new task.
        Set<String> listed = ConcurrentHashMap.newKeySet();
        listed.add("early");
        AtomicInteger lateRuns = new AtomicInteger();
        JobFactory growing = new JobFactory() {
            @Override
            public Optional<Job> resolve(String task) {
                return listed.contains(task) ? Optional.of(ctx -> lateRuns.incrementAndGet()) : Optional.empty();
            }

            @Override
            public Optional<Set<String>> knownTasks() {
                return Optional.of(Set.copyOf(listed));
            }
        };
        scheduler = Scheduler.builder().clock(clock).store(new NaiveJobStore()).jobFactory(growing).build();
        scheduler.start();
        listed.add("late");
        scheduler.add(JobDefinition.of("j", "late", Triggers.once(T0.plusSeconds(1))));
        clock.advance(Duration.ofSeconds(2));
        assertThat(lateRuns).hasValue(1);
    }

}
