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
    void theHistoryRetentionPropertiesReachTheScheduler() {
        runner.withPropertyValues("chime.store=memory", "chime.history.max-per-job=0").run(ctx -> assertThat(ctx).getFailure()
                .rootCause().hasMessage("historyRetention: maxPerJob 0 must be at least 1"));
        runner.withPropertyValues("chime.store=memory", "chime.history.max-age=0s").run(ctx -> assertThat(ctx).getFailure()
                .rootCause().hasMessage("historyRetention: maxAge PT0S must be positive"));
        runner.withPropertyValues("chime.store=memory", "chime.history.max-age=30d", "chime.history.max-per-job=5")
                .run(ctx -> assertThat(ctx).hasNotFailed().hasSingleBean(Scheduler.class));
    }

    @Test
    void chimeStoreJdbcWithoutADataSourceFailsTheStartSayingWhatToConfigure() {
        runner.withPropertyValues("chime.store=jdbc").run(ctx -> assertThat(ctx).getFailure().rootCause()
                .hasMessage("chime.store=jdbc needs a DataSource bean, and the application context has none: configure one"
                        + " (spring.datasource.url, with spring-boot-starter-jdbc and a JDBC driver), or set chime.store=memory"));
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
    void closingTheContextRecordsARunningJobsOutcomeInTheDatabaseBeforeThePoolCloses() throws Exception {
        String url = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AtomicReference<DataSource> pool = new AtomicReference<>();
        runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
                .withPropertyValues("spring.datasource.url=" + url)
                .withBean("slow", dev.chime.Job.class, () -> ctx -> {
                    started.countDown();
                    release.await();
                }).run(ctx -> {
                    pool.set(ctx.getBean(DataSource.class));
                    Scheduler scheduler = ctx.getBean(Scheduler.class);
                    scheduler.add(JobDefinition.of("slow-job", "slow", Triggers.once(Instant.parse("2100-01-01T00:00:00Z"))));
                    scheduler.runNow("slow-job");
                    assertThat(started.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                    Thread closer = new Thread(ctx::close);
                    closer.start();
                    await().atMost(Duration.ofSeconds(20)).until(() -> scheduler.state() == Scheduler.State.SHUT_DOWN);
                    release.countDown();
                    closer.join(20_000);
                });
        assertThat(((com.zaxxer.hikari.HikariDataSource) pool.get()).isClosed()).isTrue();
        try (Connection c = java.sql.DriverManager.getConnection(url, "sa", "");
             ResultSet rs = c.createStatement().executeQuery("SELECT last_outcome FROM chime_jobs WHERE id = 'slow-job'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).as("written through the pool before it closed").isEqualTo("SUCCESS");
        }
    }

    @Test
    void autoStartupFalseLeavesTheSchedulerToTheApplication() {
        runner.withPropertyValues("chime.auto-startup=false")
                .run(ctx -> assertThat(ctx.getBean(Scheduler.class).state()).isEqualTo(Scheduler.State.CREATED));
    }

    @Test
    void withAutoStartupFalseASchedulerTheApplicationStartsKnowsTheBeansTasksAndDeclaredJobs() {
        List<String> runs = new CopyOnWriteArrayList<>();
        runner.withPropertyValues("chime.auto-startup=false").withUserConfiguration(OneJob.class)
                .withBean("cleanup", dev.chime.Job.class, () -> ctx -> runs.add("cleanup"))
                .run(ctx -> {
                    Scheduler scheduler = ctx.getBean(Scheduler.class);
                    assertThat(scheduler.job("kept")).as("declared once the beans exist, before any start").isPresent();
                    scheduler.start();
                    scheduler.add(JobDefinition.of("once", "cleanup", Triggers.once(Instant.parse("2100-01-01T00:00:00Z"))));
                    scheduler.runNow("once");
                    await().atMost(Duration.ofSeconds(20)).until(() -> scheduler.job("once").orElseThrow().lastRun().isPresent());
                    assertThat(scheduler.job("once").orElseThrow().lastRun().orElseThrow().error()).isNull();
                    assertThat(runs).containsExactly("cleanup");
                });
    }

    @Test
    void aScheduledJobOnABeanBehindAnInterfaceProxyIsDeclaredAndRunsThroughTheProxy() {
        List<String> calls = new CopyOnWriteArrayList<>();
        runner.withBean("report", Report.class, () -> interfaceProxy(new NightlyReport(calls), calls)).run(ctx -> {
            Scheduler scheduler = ctx.getBean(Scheduler.class);
            assertThat(scheduler.job("nightly")).as("declared from the proxied class's annotation").isPresent();
            scheduler.runNow("nightly");
            await().atMost(Duration.ofSeconds(20)).until(() -> scheduler.job("nightly").orElseThrow().lastRun().isPresent());
            assertThat(scheduler.job("nightly").orElseThrow().lastRun().orElseThrow().error()).isNull();
            assertThat(calls).containsExactly("advice", "run");
        });
    }

    @Test
    void aScheduledJobMethodTheInterfaceProxyCannotReachFailsTheStartNamingIt() {
        runner.withBean("report", Report.class, () -> interfaceProxy(new HiddenReport(), new CopyOnWriteArrayList<>()))
                .run(ctx -> assertThat(ctx).getFailure().hasStackTraceContaining("AnnotationException: method "
                        + HiddenReport.class.getName() + "#hidden: @ScheduledJob on bean 'report', an interface-based proxy"));
    }

    private static Report interfaceProxy(Report target, List<String> calls) {
        org.springframework.aop.framework.ProxyFactory proxy = new org.springframework.aop.framework.ProxyFactory(target);
        proxy.addInterface(Report.class);
        proxy.addAdvice((org.aopalliance.intercept.MethodInterceptor) invocation -> {
            calls.add("advice");
            return invocation.proceed();
        });
        return (Report) proxy.getProxy();
    }

    public interface Report {
        void run();
    }

    public static class NightlyReport implements Report {
        private final List<String> calls;

        NightlyReport(List<String> calls) {
            this.calls = calls;
        }

        @Override
        @ScheduledJob(id = "nightly", interval = "PT1H")
        public void run() {
            calls.add("run");
        }
    }

    public static class HiddenReport implements Report {
        @Override
        public void run() {
        }

        @ScheduledJob(id = "hidden", interval = "PT1H")
        public void hidden() {
        }
    }

    @Test
    void aScheduledJobMethodOfAPackagePrivateBeanClassRuns() {
        runner.withUserConfiguration(OneJob.class).run(ctx -> {
            Scheduler scheduler = ctx.getBean(Scheduler.class);
            scheduler.runNow("kept");
            await().atMost(Duration.ofSeconds(20)).until(() -> scheduler.job("kept").orElseThrow().lastRun().isPresent());
            assertThat(scheduler.job("kept").orElseThrow().lastRun().orElseThrow().error()).isNull();
        });
    }

    @Test
    void aNodeWithoutATasksBeanLeavesThatTasksFiringsToANodeThatHasIt() {
        String db = h2();
        List<ChimeEvent> withTask = new CopyOnWriteArrayList<>();
        List<ChimeEvent> without = new CopyOnWriteArrayList<>();
        ApplicationContextRunner nodes = runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
                .withPropertyValues(db, "chime.poll-interval=50ms");
        // The node on older code, without the new task, starts first (a rolling deploy).
        nodes.withBean("heard", SchedulerListener.class, () -> without::add).run(older ->
                nodes.withBean("heard", SchedulerListener.class, () -> withTask::add)
                        .withBean("newTask", dev.chime.Job.class, () -> ctx -> { })
                        .run(newer -> {
                            newer.getBean(Scheduler.class).add(JobDefinition.of("j", "newTask", Triggers.interval(Duration.ofMillis(100))));
                            await().atMost(Duration.ofSeconds(30)).until(() -> withTask.stream()
                                    .filter(e -> e instanceof JobEvent.Executed x && x.jobId().equals("j")).count() >= 10);
                        }));
        assertThat(without).as("the older node claims none of the new task's firings")
                .noneMatch(e -> e instanceof JobEvent.Failed || e instanceof JobEvent.Executed);
    }

    @Test
    void aJobNamingATaskNoBeanOffersIsRefusedAtAddOnAStoreOfItsOwn() {
        runner.withBean("cleanup", dev.chime.Job.class, () -> ctx -> { }).run(ctx ->
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> ctx.getBean(Scheduler.class)
                                .add(JobDefinition.of("x", "clenaup", Triggers.interval(Duration.ofHours(1)))))
                        .isInstanceOf(dev.chime.UnknownTaskException.class).hasMessageContaining("cleanup"));
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
    void ofTwoJobStoreBeansThePrimaryOneIsTheStore() {
        runner.withUserConfiguration(TwoStores.class).withBean("t", dev.chime.Job.class, () -> ctx -> { }).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            ctx.getBean(Scheduler.class).add(JobDefinition.of("x", "t", Triggers.interval(Duration.ofHours(1))));
            assertThat(ctx.getBean("primaryStore", MemoryJobStore.class).get("x")).isPresent();
            assertThat(ctx.getBean("otherStore", MemoryJobStore.class).get("x")).isEmpty();
        });
    }

    @Test
    void twoJobStoreBeansWithoutAPrimaryOneFailTheStartNamingThem() {
        runner.withBean("oneStore", MemoryJobStore.class, MemoryJobStore::new)
                .withBean("otherStore", MemoryJobStore.class, MemoryJobStore::new)
                .run(ctx -> assertThat(ctx).getFailure().rootCause()
                        .hasMessageContaining("Chime found 2 JobStore beans").hasMessageContaining("make one @Primary"));
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

    @Configuration(proxyBeanMethods = false)
    static class TwoStores {
        @Bean
        @org.springframework.context.annotation.Primary
        MemoryJobStore primaryStore() {
            return new MemoryJobStore();
        }

        @Bean
        MemoryJobStore otherStore() {
            return new MemoryJobStore();
        }
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
