package dev.chime.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chime.ChimeEvent;
import dev.chime.JobContext;
import dev.chime.JobDefinition;
import dev.chime.JobEvent;
import dev.chime.JobInfo;
import dev.chime.Scheduler;
import dev.chime.SchedulerListener;
import dev.chime.TestClock;
import dev.chime.Trigger;
import dev.chime.TriggerContext;
import dev.chime.Triggers;
import dev.chime.annotation.ScheduledJob;
import dev.chime.spi.JobStore;
import dev.chime.spi.TriggerParser;
import dev.chime.spi.TriggerProvider;
import dev.chime.store.jdbc.JdbcJobStore;
import dev.chime.store.memory.MemoryJobStore;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class ChimeAutoConfigurationTest {

    private static final Instant T0 = Instant.parse("2026-03-10T07:00:00Z");

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ChimeAutoConfiguration.class));

    private static String h2() {
        return "spring.datasource.url=jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    }

    @Test
    void withoutADataSourceTheSchedulerKeepsJobsInMemoryAndRunsOnceTheContextIsRefreshed() {
        runner.run(ctx -> {
            assertThat(ctx).hasSingleBean(Scheduler.class).doesNotHaveBean(JobStore.class);
            Scheduler scheduler = ctx.getBean(Scheduler.class);
            assertThat(scheduler.state()).isEqualTo(Scheduler.State.RUNNING);
        });
    }

    @Test
    void withADataSourceTheJdbcStoreUsesItWithTheChimeSettings() {
        runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
                .withPropertyValues(h2(), "chime.table-prefix=billing_", "chime.node-name=billing-1",
                        "chime.heartbeat-interval=2s", "chime.node-timeout=10s")
                .run(ctx -> {
                    JdbcJobStore store = ctx.getBean(JdbcJobStore.class);
                    assertThat(store.nodeId()).startsWith("billing-1-");
                    assertThat(store.nodeTimeout()).isEqualTo(Duration.ofSeconds(10));
                    try (Connection c = ctx.getBean(DataSource.class).getConnection();
                         ResultSet rs = c.getMetaData().getTables(null, null, "BILLING_JOBS", null)) {
                        assertThat(rs.next()).as("created with the configured prefix").isTrue();
                    }
                });
    }

    @Test
    void chimeStoreMemoryKeepsJobsOutOfTheApplicationsDatabase() {
        runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
                .withPropertyValues(h2(), "chime.store=memory")
                .run(ctx -> assertThat(ctx).hasSingleBean(Scheduler.class).doesNotHaveBean(JobStore.class));
    }

    @Test
    void theSchedulerStartsAfterRefreshAndShutsDownWhenTheContextCloses() {
        AtomicReference<Scheduler> scheduler = new AtomicReference<>();
        runner.withUserConfiguration(StateAtConstruction.class).run(ctx -> {
            assertThat(ctx.getBean(StateAtConstruction.class).state).as("not started while beans are created")
                    .isEqualTo(Scheduler.State.CREATED);
            scheduler.set(ctx.getBean(Scheduler.class));
            assertThat(scheduler.get().state()).isEqualTo(Scheduler.State.RUNNING);
        });
        assertThat(scheduler.get().state()).isEqualTo(Scheduler.State.SHUT_DOWN);
    }

    @Test
    void closingTheContextLetsARunningJobFinishBeforeTheContextIsGone() {
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<String> ends = new CopyOnWriteArrayList<>();
        runner.withBean("slow", dev.chime.Job.class, () -> ctx -> {
            started.countDown();
            try {
                release.await();
                ends.add("finished");
            } catch (InterruptedException e) {
                ends.add("interrupted");
            }
        }).run(ctx -> {
            Scheduler scheduler = ctx.getBean(Scheduler.class);
            scheduler.add(JobDefinition.of("slow-job", "slow", Triggers.once(Instant.parse("2100-01-01T00:00:00Z"))));
            scheduler.runNow("slow-job");
            assertThat(started.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

            Thread closer = new Thread(ctx::close);
            closer.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> scheduler.state() == Scheduler.State.SHUT_DOWN);
            assertThat(closer.isAlive()).as("the close waits for the running job").isTrue();
            release.countDown();
            closer.join(20_000);
            assertThat(closer.isAlive()).isFalse();
            assertThat(ends).containsExactly("finished");
        });
    }

    @Test
    void autoStartupFalseLeavesTheSchedulerToTheApplication() {
        runner.withPropertyValues("chime.auto-startup=false")
                .run(ctx -> assertThat(ctx.getBean(Scheduler.class).state()).isEqualTo(Scheduler.State.CREATED));
    }

    @Test
    void triggerProvidersListenersStoresAndCustomizersDeclaredAsBeansAreUsed() {
        runner.withUserConfiguration(PluginBeans.class).run(ctx -> {
            MemoryJobStore store = ctx.getBean(MemoryJobStore.class);
            assertThat(store.get("hourly")).as("the JobStore bean is the store").isPresent();
            JobInfo hourly = ctx.getBean(Scheduler.class).job("hourly").orElseThrow();
            assertThat(hourly.definition().trigger().spec()).isEqualTo("every:PT1H");
            assertThat(hourly.nextFireTime()).as("the customizer's clock, the bean's trigger type").contains(T0.plus(Duration.ofHours(1)));
            assertThat(ctx.getBean(PluginBeans.class).events).anyMatch(e -> e instanceof JobEvent.Added a && a.jobId().equals("hourly"));
            assertThat(ctx.getBean(PluginBeans.class).providedListenerHeard).as("a ListenerProvider bean's listener")
                    .anyMatch(e -> e instanceof JobEvent.Added a && a.jobId().equals("hourly"));
        });
    }

    @Test
    void aJobDeclaredByAnEarlierStartAndNoLongerByThisOneIsRemovedButApiJobsStay() {
        MemoryJobStore shared = new MemoryJobStore();
        runner.withBean(MemoryJobStore.class, () -> shared).withUserConfiguration(TwoJobs.class).run(ctx -> {
            ctx.getBean(Scheduler.class).add(JobDefinition.of("api-job", "dev.chime.spring.boot.ChimeAutoConfigurationTest$TwoJobs#kept",
                    Triggers.interval(Duration.ofHours(1))));
            assertThat(ctx.getBean(Scheduler.class).jobs()).extracting(JobInfo::id).containsExactly("api-job", "kept", "removed-later");
        });
        runner.withBean(MemoryJobStore.class, () -> shared).withUserConfiguration(OneJob.class).run(ctx ->
                assertThat(ctx.getBean(Scheduler.class).jobs()).extracting(JobInfo::id).containsExactly("api-job", "kept"));
    }

    @Test
    void scheduleFileJobsUseJobBeansAsTasksByBeanName() {
        List<String> runs = new CopyOnWriteArrayList<>();
        runner.withBean("cleanup", dev.chime.Job.class, () -> ctx -> runs.add(ctx.data().path("keep").asText()))
                .withPropertyValues("chime.schedule-file=classpath:test-schedule.json")
                .run(ctx -> {
                    Scheduler scheduler = ctx.getBean(Scheduler.class);
                    JobInfo job = scheduler.job("nightly-cleanup").orElseThrow();
                    assertThat(job.definition().origin().orElseThrow().source()).isEqualTo("schedule file test-schedule.json");
                    scheduler.runNow("nightly-cleanup");
                    await().atMost(Duration.ofSeconds(20)).until(() -> runs.contains("P30D"));
                });
    }

    @Test
    void jobMetersGoToTheApplicationsMeterRegistryWithoutTheJobTagWhenSoConfigured() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        runner.withBean(SimpleMeterRegistry.class, () -> registry).withUserConfiguration(OneJob.class)
                .withPropertyValues("chime.metrics-job-tag=false")
                .run(ctx -> {
                    ctx.getBean(Scheduler.class).runNow("kept");
                    await().atMost(Duration.ofSeconds(20)).until(() -> registry.find("chime.job.execution").timer() != null);
                    Timer timer = registry.find("chime.job.execution").timer();
                    assertThat(timer.getId().getTag("task")).isEqualTo("dev.chime.spring.boot.ChimeAutoConfigurationTest$OneJob#kept");
                    assertThat(timer.getId().getTag("job")).isNull();
                });
    }

    static class StateAtConstruction {
        final Scheduler.State state;

        StateAtConstruction(Scheduler scheduler) {
            this.state = scheduler.state();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class PluginBeans {
        final List<ChimeEvent> events = new CopyOnWriteArrayList<>();

        @Bean
        MemoryJobStore store() {
            return new MemoryJobStore();
        }

        @Bean
        TriggerProvider every() {
            return new TriggerProvider() {
                @Override
                public String type() {
                    return "every";
                }

                @Override
                public Trigger parse(String body, TriggerParser nested) {
                    return new Every(Duration.parse(body));
                }
            };
        }

        final List<ChimeEvent> providedListenerHeard = new CopyOnWriteArrayList<>();

        @Bean
        SchedulerListener recorder() {
            return events::add;
        }

        @Bean
        dev.chime.spi.ListenerProvider audit() {
            return new dev.chime.spi.ListenerProvider() {
                @Override
                public String id() {
                    return "test-audit";
                }

                @Override
                public SchedulerListener create(dev.chime.spi.ProviderContext context) {
                    return providedListenerHeard::add;
                }
            };
        }

        @Bean
        SchedulerBuilderCustomizer testClock() {
            return b -> b.clock(TestClock.at(T0));
        }

        @Bean
        HourlyJob hourlyJob() {
            return new HourlyJob();
        }
    }

    public static class HourlyJob {
        @ScheduledJob(id = "hourly", trigger = "every:PT1H")
        public void run() {
        }
    }

    record Every(Duration period) implements Trigger {
        @Override
        public Optional<Instant> nextFireTime(TriggerContext context) {
            return Optional.of(context.lastFire().orElse(context.now()).plus(period));
        }

        @Override
        public String spec() {
            return "every:" + period;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoJobs {
        @ScheduledJob(id = "kept", interval = "PT1H")
        public void kept() {
        }

        @ScheduledJob(id = "removed-later", interval = "PT1H")
        public void removedLater(JobContext ctx) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OneJob {
        @ScheduledJob(id = "kept", interval = "PT1H")
        public void kept() {
        }
    }
}
