package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chime.spi.Claim;
import dev.chime.spi.NaiveJobStore;
import dev.chime.spi.StoredJob;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dispatcher thread on the system clock; waits are conditions with deadlines, never sleeps. */
class RealClockSchedulerTest {

    private final EventRecorder events = new EventRecorder();
    private final NaiveJobStore store = new NaiveJobStore();
    private Scheduler scheduler;

    @AfterEach
    void tearDown() {
        if (scheduler != null) {
            scheduler.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void dispatcherFiresIntervalJobsOnTheSystemClock() {
        AtomicInteger runs = new AtomicInteger();
        scheduler = Scheduler.builder().store(store).task("count", ctx -> runs.incrementAndGet()).build();
        scheduler.add(JobDefinition.of("fast", "count", Triggers.interval(Duration.ofMillis(50))));
        scheduler.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 5);
    }

    @Test
    void jobAddedWhileRunningWakesTheDispatcher() {
        CountDownLatch ran = new CountDownLatch(1);
        scheduler = Scheduler.builder().store(store).pollInterval(Duration.ofHours(1)).task("once", ctx -> ran.countDown()).build();
        scheduler.start();
        scheduler.add(JobDefinition.of("now", "once", Triggers.once(Instant.now())));
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.getCount() == 0);
    }

    @Test
    void shutdownLetsRunningJobsFinishWithinTheGracePeriod() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        AtomicBoolean completed = new AtomicBoolean();
        scheduler = Scheduler.builder().store(store).listener(events).task("work", ctx -> {
            started.countDown();
            finish.await();
            completed.set(true);
        }).build();
        scheduler.add(JobDefinition.of("w", "work", Triggers.once(Instant.now())));
        scheduler.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        Thread releaser = new Thread(() -> {
            await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.state() == Scheduler.State.SHUT_DOWN);
            finish.countDown();
        });
        releaser.start();
        scheduler.shutdown(Duration.ofSeconds(30));
        releaser.join();

        assertThat(completed).isTrue();
        assertThat(events.of(JobEvent.Executed.class)).hasSize(1);
        assertThat(events.all().get(events.all().size() - 1)).isInstanceOf(SchedulerEvent.Shutdown.class);
    }

    @Test
    void shutdownInterruptsJobsStillRunningAfterTheGracePeriod() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicBoolean cancelled = new AtomicBoolean();
        scheduler = Scheduler.builder().store(store).task("stuck", ctx -> {
            started.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.set(true);
                cancelled.set(ctx.isCancelled());
                throw e;
            }
        }).build();
        scheduler.add(JobDefinition.of("s", "stuck", Triggers.interval(Duration.ofHours(1), Instant.now().plusMillis(100), null, null)));
        scheduler.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        scheduler.shutdown(Duration.ofMillis(100));
        assertThat(interrupted).isTrue();
        assertThat(cancelled).isTrue();
        assertThat(store.get("s")).as("a stopped scheduler keeps its jobs").isPresent();
    }

    @Test
    void jobsRunOnAUserSuppliedExecutor() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "my-executor"));
        try {
            CountDownLatch ran = new CountDownLatch(1);
            String[] thread = new String[1];
            scheduler = Scheduler.builder().store(store).executor(executor).task("where", ctx -> {
                thread[0] = Thread.currentThread().getName();
                ran.countDown();
            }).build();
            scheduler.add(JobDefinition.of("w", "where", Triggers.once(Instant.now())));
            scheduler.start();
            assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(thread[0]).isEqualTo("my-executor");
            scheduler.shutdown(Duration.ofSeconds(5));
            assertThat(executor.isShutdown()).as("the user's executor is the user's to shut down").isFalse();
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void aBurstIsClaimedOnlyAsFastAsTheWorkersStartIt() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        scheduler = Scheduler.builder().store(store).threads(1).maxInFlight(2).task("slow", ctx -> {
            runs.incrementAndGet();
            release.await();
        }).build();
        Instant now = Instant.now();
        for (int i = 0; i < 10; i++) {
            scheduler.add(JobDefinition.of("burst-" + i, "slow", Triggers.once(now)));
        }
        scheduler.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 1);
        // One running and none queued behind it, although the in-flight limit allows a second: the
        // node claims what its free workers can start, and the other nine stay free for other nodes.
        assertThat(scheduler.stats().jobs()).isEqualTo(9);

        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 10);
        assertThat(scheduler.stats().jobs()).isZero();
    }

    @Test
    void firingsParkedAheadOnTheSystemClockNeverStartBeforeTheirFireTime() {
        java.util.List<Instant[]> runs = new java.util.concurrent.CopyOnWriteArrayList<>();
        scheduler = Scheduler.builder().store(store).threads(4).claimAhead(Duration.ofMillis(50))
                .task("record", ctx -> runs.add(new Instant[] {ctx.scheduledFireTime(), ctx.actualStart()})).build();
        scheduler.start();
        Instant first = Instant.now().plusMillis(300);
        for (int i = 0; i < 20; i++) {
            scheduler.add(JobDefinition.of("soon-" + i, "record", Triggers.once(first.plusMillis(7L * i))));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.size() == 20);
        for (Instant[] run : runs) {
            assertThat(run[1]).as("start of the firing due at %s", run[0]).isAfterOrEqualTo(run[0]);
        }
    }

    @Test
    void anUnreadableStoredJobIsLeftAloneAndDoesNotBlockTheOthers() {
        AtomicInteger runs = new AtomicInteger();
        Instant now = Instant.now();
        store.add(new StoredJob("broken", "count", "nosuchtype:whatever", "{}", null, false, now, null, null, 0));
        scheduler = Scheduler.builder().store(store).task("count", ctx -> runs.incrementAndGet()).build();
        scheduler.add(JobDefinition.of("fine", "count", Triggers.interval(Duration.ofHours(1), now.plusMillis(100), null, null)));
        scheduler.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 1);

        StoredJob broken = store.get("broken").orElseThrow();
        assertThat(broken.triggerSpec()).as("its data is kept").isEqualTo("nosuchtype:whatever");
        assertThat(broken.nextFireTime()).isNull();
        assertThat(scheduler.jobs()).extracting(JobInfo::id).containsExactly("fine");
    }

    @Test
    void recurringFireKeptWaitingByAFullNodeRunsInsteadOfBeingMissed() {
        // Both due at t0 with the default 1 s grace and one slot: the second waits 30 s (on a clock
        // the test sets, so that no test time passes) for the first to finish.
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        AtomicReference<Instant> now = new AtomicReference<>(t0);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        scheduler = Scheduler.builder().store(store).clock(new SetClock(now)).threads(1).maxInFlight(1).listener(events)
                .task("slow", ctx -> {
                    runs.incrementAndGet();
                    release.await();
                }).build();
        scheduler.add(JobDefinition.of("a", "slow", Triggers.interval(Duration.ofHours(1), t0, null, null)));
        scheduler.add(JobDefinition.of("b", "slow", Triggers.interval(Duration.ofHours(1), t0, null, null)));
        scheduler.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 1);

        now.set(t0.plusSeconds(30));
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() + events.of(JobEvent.Missed.class).size() == 2);
        assertThat(events.of(JobEvent.Missed.class)).isEmpty();
        assertThat(runs).hasValue(2);
    }

    @Test
    void lateBecauseTheStoreWasDownAfterTheNodeFilledUpStillCounts() {
        // t0: the one slot is taken, the node is at its limit. The slot frees at t0+60s, but the store
        // cannot hand out work until t0+120s: "late" (due t0+30s, 1 s grace) waited for the store, not a worker.
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        AtomicReference<Instant> now = new AtomicReference<>(t0);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean down = new AtomicBoolean();
        AtomicInteger failedClaims = new AtomicInteger();
        NaiveJobStore failing = new NaiveJobStore() {
            @Override
            public List<Claim> claim(Instant at, int limit, java.util.Set<String> tasks) {
                if (down.get()) {
                    failedClaims.incrementAndGet();
                    throw new IllegalStateException("store down");
                }
                return super.claim(at, limit, tasks);
            }
        };
        scheduler = Scheduler.builder().store(failing).clock(new SetClock(now)).threads(1).maxInFlight(1).listener(events)
                .task("slow", ctx -> release.await()).task("quick", ctx -> { }).build();
        scheduler.add(JobDefinition.of("slow", "slow", Triggers.once(t0)));
        scheduler.add(JobDefinition.builder("late").task("quick").trigger(Triggers.once(t0.plusSeconds(30)))
                .options(JobOptions.builder().misfireGraceTime(Duration.ofSeconds(1)).build()).build());
        scheduler.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> events.of(JobEvent.Submitted.class).size() == 1);

        down.set(true);
        now.set(t0.plusSeconds(60));
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> failedClaims.get() > 0);
        now.set(t0.plusSeconds(120));
        down.set(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> !events.of(JobEvent.Missed.class).isEmpty()
                || events.of(JobEvent.Executed.class).size() == 2);

        assertThat(events.of(JobEvent.Missed.class)).extracting(JobEvent.Missed::jobId).containsExactly("late");
    }

    /** A clock only the test moves, without {@link TestClock}'s driving: the dispatcher thread runs as in production. */
    private static final class SetClock extends Clock {
        private final AtomicReference<Instant> now;

        SetClock(AtomicReference<Instant> now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
