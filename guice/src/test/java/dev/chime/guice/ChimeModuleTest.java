package dev.chime.guice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import dev.chime.JobDefinition;
import dev.chime.JobInfo;
import dev.chime.ScheduleFileException;
import dev.chime.Scheduler;
import dev.chime.TestClock;
import dev.chime.Triggers;
import dev.chime.guice.jobs.Greeter;
import dev.chime.spi.JobFactory;
import dev.chime.store.memory.MemoryJobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChimeModuleTest {

    private final TestClock clock = TestClock.at(Instant.parse("2026-03-02T07:00:00Z"));
    private final MemoryJobStore store = new MemoryJobStore();
    private Scheduler scheduler;

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() {
        if (scheduler != null) {
            scheduler.close();
        }
    }

    private Injector injector(ChimeModule.Builder chime, com.google.inject.Module... more) {
        List<com.google.inject.Module> modules = new java.util.ArrayList<>(List.of(more));
        modules.add(chime.configure(b -> b.clock(clock).store(store)).build());
        return Guice.createInjector(modules);
    }

    @Test
    void annotatedClassesAndMethodsAreScheduledAndRunWithTheirDependenciesInjected() {
        Injector injector = injector(ChimeModule.builder().scan("dev.chime.guice.jobs"));
        scheduler = injector.getInstance(Scheduler.class);

        assertThat(scheduler.jobs()).extracting(JobInfo::id).containsExactlyInAnyOrder("tick", "Ticks.tock", "MorningJob");
        JobDefinition tock = scheduler.job("Ticks.tock").orElseThrow().definition();
        assertThat(tock.task()).isEqualTo("dev.chime.guice.jobs.Ticks#tock");
        assertThat(tock.trigger().spec()).startsWith("delay:PT1M");
        assertThat(tock.options().maxInstances()).isEqualTo(2);
        assertThat(tock.options().retry().maxRetries()).isEqualTo(3);
        assertThat(tock.options().timeout()).contains(Duration.ofSeconds(30));
        assertThat(scheduler.job("tick").orElseThrow().definition().trigger().spec())
                .as("anchored at the epoch, the same on every node and every start")
                .isEqualTo("interval:PT10S;start=1970-01-01T00:00:10Z");
        assertThat(scheduler.job("MorningJob").orElseThrow().definition().trigger().spec())
                .isEqualTo("cron:0 0 9 * * *;zone=Europe/Berlin");

        scheduler.start();
        clock.advance(Duration.ofSeconds(10));
        Greeter greeter = injector.getInstance(Greeter.class);
        // On the epoch's 10-second grid, and the clock starts on it.
        assertThat(greeter.greetings()).containsExactly("tick@2026-03-02T07:00:00Z", "tick@2026-03-02T07:00:10Z");

        // 09:00 in Berlin (UTC+1 in March) is 08:00 UTC.
        clock.advance(Duration.ofHours(1));
        assertThat(greeter.greetings()).contains("morning", "tock");
    }

    @Test
    void scheduleFileJobsUseNamedTasksFromTheScanAndFromOtherModules() throws Exception {
        Path file = dir.resolve("schedule.json");
        Files.writeString(file, """
                {
                  "greet-alice": {"task": "greet", "trigger": "interval:PT1H", "data": {"who": "alice"}},
                  "bound-one": {"task": "bound", "trigger": "interval:PT30M", "options": {"maxInstances": 3}}
                }
                """);
        List<String> boundRuns = new java.util.concurrent.CopyOnWriteArrayList<>();
        Injector injector = injector(ChimeModule.builder().scan("dev.chime.guice.jobs").scheduleFile(file), new AbstractModule() {
            @Override
            protected void configure() {
                ChimeModule.tasks(binder()).addBinding("bound").toInstance(ctx -> boundRuns.add(ctx.jobId()));
            }
        });
        scheduler = injector.getInstance(Scheduler.class);
        assertThat(scheduler.job("bound-one").orElseThrow().definition().options().maxInstances()).isEqualTo(3);
        scheduler.start();
        clock.advance(Duration.ofHours(1));

        assertThat(injector.getInstance(Greeter.class).greetings()).contains("alice");
        assertThat(boundRuns).as("07:00, 07:30, 08:00").containsExactly("bound-one", "bound-one", "bound-one");
        TaskRegistry tasks = injector.getInstance(TaskRegistry.class);
        assertThat(injector.getInstance(JobFactory.class)).isSameAs(tasks);
        assertThat(tasks.names()).contains("greet", "bound", "dev.chime.guice.jobs.Ticks#tick", "dev.chime.guice.jobs.MorningJob");
        assertThat(tasks.contains("nope")).isFalse();
        assertThat(tasks.toString()).contains("bound, dev.chime.guice.jobs.MorningJob");
    }

    @Test
    void addingAJobForATaskTheInjectorDoesNotKnowFailsAtOnceNamingTheKnownTasks() {
        Injector injector = injector(ChimeModule.builder().scan("dev.chime.guice.jobs"));
        scheduler = injector.getInstance(Scheduler.class);
        assertThatThrownBy(() -> scheduler.add(JobDefinition.of("typo", "gret", Triggers.interval(Duration.ofHours(1)))))
                .isInstanceOf(dev.chime.UnknownTaskException.class)
                .hasMessageContaining("unknown task 'gret'; known tasks: ")
                .hasMessageContaining("greet");
        assertThat(injector.getInstance(TaskRegistry.class).knownTasks()).contains(injector.getInstance(TaskRegistry.class).names());
    }

    @Test
    void anUnchangedDeclarationKeepsItsStoredStateAcrossRestartsWhileAChangedOneReplacesIt() throws Exception {
        Path file = dir.resolve("schedule.json");
        Files.writeString(file, "{\"greet-bob\": {\"task\": \"greet\", \"trigger\": \"interval:PT1H\"}}");
        scheduler = injector(ChimeModule.builder().scan("dev.chime.guice.jobs").scheduleFile(file)).getInstance(Scheduler.class);
        scheduler.pauseJob("tick");
        scheduler.pauseJob("greet-bob");
        scheduler.add(JobDefinition.of("added-at-run-time", "greet", Triggers.interval(Duration.ofMinutes(5))));
        scheduler.close();

        Files.writeString(file, "{\"greet-bob\": {\"task\": \"greet\", \"trigger\": \"interval:PT2H\"}}");
        scheduler = injector(ChimeModule.builder().scan("dev.chime.guice.jobs").scheduleFile(file)).getInstance(Scheduler.class);
        assertThat(scheduler.job("tick").orElseThrow().paused()).as("unchanged: still paused").isTrue();
        JobInfo bob = scheduler.job("greet-bob").orElseThrow();
        assertThat(bob.definition().trigger().spec()).startsWith("interval:PT2H");
        assertThat(bob.paused()).as("changed: replaced").isFalse();
        assertThat(scheduler.job("added-at-run-time")).isPresent();
    }

    @Test
    void aJobAnEarlierStartDeclaredIsRemovedOrPausedWhenTheCodeNoLongerDeclaresIt() throws Exception {
        Path file = dir.resolve("schedule.json");
        Files.writeString(file, "{\"greet-bob\": {\"task\": \"greet\", \"trigger\": \"interval:PT1H\"},"
                + " \"greet-eve\": {\"task\": \"greet\", \"trigger\": \"interval:PT1H\"}}");
        scheduler = injector(ChimeModule.builder().scheduleFile(file).declarationVersion("1")).getInstance(Scheduler.class);
        scheduler.add(JobDefinition.of("added-at-run-time", "greet", Triggers.interval(Duration.ofMinutes(5))));
        scheduler.close();

        Files.writeString(file, "{\"greet-bob\": {\"task\": \"greet\", \"trigger\": \"interval:PT1H\"}}");
        scheduler = injector(ChimeModule.builder().scheduleFile(file).declarationVersion("1")
                .staleJobs(dev.chime.Declarations.StaleJobs.PAUSE)).getInstance(Scheduler.class);
        assertThat(scheduler.job("greet-eve").orElseThrow().paused()).as("paused, as configured").isTrue();
        assertThat(scheduler.job("greet-bob").orElseThrow().definition().origin().orElseThrow().source())
                .isEqualTo("schedule file schedule.json");
        scheduler.close();

        scheduler = injector(ChimeModule.builder().scheduleFile(file).declarationVersion("2")).getInstance(Scheduler.class);
        assertThat(scheduler.jobs()).extracting(JobInfo::id).containsExactly("added-at-run-time", "greet-bob");
    }

    @Test
    void misusedAnnotationsAreRejectedNamingTheClassOrMethod() {
        assertThatThrownBy(() -> injector(ChimeModule.builder().scan("dev.chime.guice.bad.notajob")).getInstance(Scheduler.class))
                .isInstanceOf(ProvisionException.class).cause()
                .hasMessageContaining("class dev.chime.guice.bad.notajob.NotAJob: @ChimeTask and @ScheduledJob on a class "
                        + "need it to implement dev.chime.Job");
        assertThatThrownBy(() -> injector(ChimeModule.builder().scan("dev.chime.guice.bad.twotriggers")).getInstance(Scheduler.class))
                .cause().hasMessageContaining("method dev.chime.guice.bad.twotriggers.TwoTriggers#run: @ScheduledJob needs exactly one of "
                        + "cron, interval, delay or trigger; got cron, interval");
        assertThatThrownBy(() -> injector(ChimeModule.builder().scan("dev.chime.guice.bad.badcron")).getInstance(Scheduler.class))
                .cause().hasMessageContaining("method dev.chime.guice.bad.badcron.BadCron#run: @ScheduledJob trigger 'cron:61 * * * *': ")
                .hasMessageContaining("minute: 61 is outside 0-59");
        assertThatThrownBy(() -> injector(ChimeModule.builder().scan("dev.chime.guice.bad.duplicateid")).getInstance(Scheduler.class))
                .cause().hasMessageContaining("job id 'same' is declared twice: by method dev.chime.guice.bad.duplicateid.Twice#one "
                        + "and by method dev.chime.guice.bad.duplicateid.Twice#two");
    }

    @Test
    void aBrokenScheduleFileFailsTheStartNamingTheFileTheJobAndTheField() throws Exception {
        Path file = dir.resolve("broken.json");
        Files.writeString(file, "{\"nightly\": {\"task\": \"greet\", \"trigger\": \"interval:soon\"}}");
        assertThatThrownBy(() -> injector(ChimeModule.builder().scheduleFile(file)).getInstance(Scheduler.class))
                .cause().isInstanceOf(ScheduleFileException.class)
                .hasMessageStartingWith(file + ": job 'nightly': field 'trigger': ");
    }
}
