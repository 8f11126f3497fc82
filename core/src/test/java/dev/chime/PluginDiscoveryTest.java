package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.spi.JobStore;
import dev.chime.spi.JobStoreProvider;
import dev.chime.spi.ListenerProvider;
import dev.chime.spi.NaiveJobStore;
import dev.chime.spi.ProviderContext;
import dev.chime.spi.SpecParams;
import dev.chime.spi.TriggerParser;
import dev.chime.spi.TriggerProvider;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the builder finds plugins with ServiceLoader, and how it fails when they clash or are missing. */
class PluginDiscoveryTest {

    @TempDir
    Path dir;

    public static final class StoreA implements JobStoreProvider {
        @Override
        public String name() {
            return "a";
        }

        @Override
        public JobStore create(ProviderContext context) {
            return new NaiveJobStore();
        }
    }

    public static final class StoreB implements JobStoreProvider {
        @Override
        public String name() {
            return "b";
        }

        @Override
        public JobStore create(ProviderContext context) {
            return new NaiveJobStore();
        }
    }

    public static final class OtherStoreA implements JobStoreProvider {
        @Override
        public String name() {
            return "a";
        }

        @Override
        public JobStore create(ProviderContext context) {
            return new NaiveJobStore();
        }
    }

    /** A custom trigger type as a plugin author writes it: every N-th second of the minute. */
    public record EverySecond(int second) implements Trigger {
        @Override
        public Optional<Instant> nextFireTime(TriggerContext context) {
            Instant from = context.lastFire().orElse(context.now().minusNanos(1));
            Instant minute = from.truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
            Instant candidate = minute.plusSeconds(second);
            return Optional.of(candidate.isAfter(from) ? candidate : candidate.plusSeconds(60));
        }

        @Override
        public String spec() {
            return "second:" + second;
        }
    }

    public static final class EverySecondProvider implements TriggerProvider {
        @Override
        public String type() {
            return "second";
        }

        @Override
        public Trigger parse(String body, TriggerParser nested) {
            return new EverySecond(Integer.parseInt(SpecParams.parse(body, Set.of()).main()));
        }
    }

    static final List<ChimeEvent> HEARD = new CopyOnWriteArrayList<>();

    public static final class RecordingListenerProvider implements ListenerProvider {
        @Override
        public String id() {
            return "recording";
        }

        @Override
        public SchedulerListener create(ProviderContext context) {
            return HEARD::add;
        }
    }

    private ClassLoader withServices(String spi, String... lines) throws IOException {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.write(services.resolve(spi), List.of(lines));
        return new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
    }

    @Test
    void withoutAnyStoreTheErrorNamesTheModulesThatProvideOne() {
        assertThatThrownBy(() -> Scheduler.builder().build())
                .isInstanceOf(SchedulerConfigurationException.class)
                .hasMessageContaining("no job store found")
                .hasMessageContaining("chime-store-memory")
                .hasMessageContaining("chime-store-jdbc");
    }

    @Test
    void aSingleDiscoveredStoreIsUsed() throws IOException {
        ClassLoader loader = withServices(JobStoreProvider.class.getName(), StoreA.class.getName());
        try (Scheduler s = Scheduler.builder().classLoader(loader).build()) {
            assertThat(s.state()).isEqualTo(Scheduler.State.CREATED);
        }
    }

    @Test
    void twoStoresWithoutAChoiceAreAnErrorNamingBoth() throws IOException {
        ClassLoader loader = withServices(JobStoreProvider.class.getName(), StoreA.class.getName(), StoreB.class.getName());
        assertThatThrownBy(() -> Scheduler.builder().classLoader(loader).build())
                .isInstanceOf(SchedulerConfigurationException.class)
                .hasMessageContaining("several job stores found")
                .hasMessageContaining(StoreA.class.getName())
                .hasMessageContaining(StoreB.class.getName())
                .hasMessageContaining("choose one with Scheduler.builder().store(\"a\") or Scheduler.builder().store(\"b\")");
        try (Scheduler s = Scheduler.builder().classLoader(loader).store("b").build()) {
            assertThat(s.jobs()).isEmpty();
        }
    }

    @Test
    void choosingAStoreThatIsNotThereNamesTheAvailableOnes() throws IOException {
        ClassLoader loader = withServices(JobStoreProvider.class.getName(), StoreA.class.getName());
        assertThatThrownBy(() -> Scheduler.builder().classLoader(loader).store("jdbc").build())
                .isInstanceOf(SchedulerConfigurationException.class)
                .hasMessageContaining("no job store named 'jdbc'; available: [a]");
    }

    @Test
    void twoProvidersClaimingOneIdAreAnErrorNamingBothClasses() throws IOException {
        ClassLoader loader = withServices(JobStoreProvider.class.getName(), StoreA.class.getName(), OtherStoreA.class.getName());
        assertThatThrownBy(() -> Scheduler.builder().classLoader(loader).build())
                .isInstanceOf(SchedulerConfigurationException.class)
                .hasMessageContaining("'a' is claimed by both")
                .hasMessageContaining(StoreA.class.getName())
                .hasMessageContaining(OtherStoreA.class.getName());
    }

    @Test
    void aBrokenProviderIsSkippedWithoutLosingTheOthers() throws IOException {
        ClassLoader loader = withServices(JobStoreProvider.class.getName(), "com.example.DoesNotExist", StoreA.class.getName());
        try (Scheduler s = Scheduler.builder().classLoader(loader).build()) {
            assertThat(s.jobs()).isEmpty();
        }
    }

    @Test
    void aStoreProviderRegisteredByHandWorksWithoutDiscovery() {
        try (Scheduler s = Scheduler.builder().discoverPlugins(false).storeProvider(new StoreA()).build()) {
            assertThat(s.jobs()).isEmpty();
        }
    }

    @Test
    void customTriggerTypeIsFoundThroughServiceLoader() throws IOException {
        ClassLoader loader = withServices(TriggerProvider.class.getName(), EverySecondProvider.class.getName());
        TestClock clock = TestClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        try (Scheduler s = Scheduler.builder().classLoader(loader).clock(clock).store(new NaiveJobStore())
                .task("t", ctx -> { }).build()) {
            Trigger trigger = s.parseTrigger("second:15");
            assertThat(trigger).isEqualTo(new EverySecond(15));
            JobInfo info = s.add(JobDefinition.of("j", "t", trigger));
            assertThat(info.nextFireTime()).contains(Instant.parse("2026-01-01T00:00:15Z"));
        }
    }

    @Test
    void handRegisteredTriggerTypeWorksWithoutDiscovery() {
        try (Scheduler s = Scheduler.builder().discoverPlugins(false).store(new NaiveJobStore())
                .triggerProvider(new EverySecondProvider()).build()) {
            assertThat(s.parseTrigger("second:5")).isEqualTo(new EverySecond(5));
            assertThatThrownBy(() -> s.parseTrigger("interval:PT1S"))
                    .isInstanceOf(InvalidTriggerSpecException.class)
                    .hasMessageContaining("unknown trigger type 'interval' (known types: second");
        }
    }

    @Test
    void listenerProvidersAreFoundAndHearEvents() throws IOException {
        HEARD.clear();
        ClassLoader loader = withServices(ListenerProvider.class.getName(), RecordingListenerProvider.class.getName());
        TestClock clock = TestClock.create();
        Scheduler s = Scheduler.builder().classLoader(loader).clock(clock).store(new NaiveJobStore()).build();
        s.start();
        s.shutdown(Duration.ofSeconds(1));
        assertThat(HEARD).extracting(e -> e.getClass().getSimpleName()).containsExactly("Started", "Shutdown");
    }

    @Test
    void providersGetPropertiesAndComponentsFromTheBuilder() {
        Object[] seen = new Object[2];
        JobStoreProvider capturing = new JobStoreProvider() {
            @Override
            public String name() {
                return "capturing";
            }

            @Override
            public JobStore create(ProviderContext context) {
                seen[0] = context.property("table.prefix").orElseThrow();
                seen[1] = context.component(StringBuilder.class).orElseThrow();
                return new NaiveJobStore();
            }
        };
        StringBuilder component = new StringBuilder("a component");
        Scheduler.builder().discoverPlugins(false).storeProvider(capturing).property("table.prefix", "chime_")
                .component(component).build().close();
        assertThat(seen).containsExactly("chime_", component);
    }
}
