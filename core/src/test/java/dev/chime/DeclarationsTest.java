package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.spi.NaiveJobStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How declared jobs follow the code: {@link Scheduler#declare} across starts and nodes sharing one store. */
class DeclarationsTest {

    private static final Instant T0 = Instant.parse("2026-03-10T07:00:00Z");

    private final TestClock clock = TestClock.at(T0);
    private final NaiveJobStore store = new NaiveJobStore();
    private final List<Scheduler> schedulers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        schedulers.forEach(s -> s.shutdown(Duration.ofSeconds(5)));
    }

    /** A node's start: a scheduler on the shared store declaring {@code jobs} at {@code version}. */
    private DeclarationReport start(String version, Declarations.StaleJobs stale, JobDefinition... jobs) {
        Scheduler node = Scheduler.builder().clock(clock).store(store).task("work", ctx -> { }).build();
        schedulers.add(node);
        Declarations.Builder d = Declarations.builder().version(version).staleJobs(stale);
        for (JobDefinition job : jobs) {
            d.job(job, "test " + job.id());
        }
        return node.declare(d.build());
    }

    private DeclarationReport start(String version, JobDefinition... jobs) {
        return start(version, Declarations.StaleJobs.REMOVE, jobs);
    }

    private Scheduler api() {
        return schedulers.get(schedulers.size() - 1);
    }

    private static JobDefinition every(String id, Duration interval) {
        return JobDefinition.of(id, "work", Triggers.interval(interval));
    }

    @Test
    void anUnchangedDeclarationKeepsItsPauseStateAndAChangedOneIsReplaced() {
        assertThat(start("1", every("a", Duration.ofMinutes(1)), every("b", Duration.ofMinutes(1))).added()).containsExactly("a", "b");
        api().pauseJob("a");
        api().pauseJob("b");

        DeclarationReport again = start("1", every("a", Duration.ofMinutes(1)), every("b", Duration.ofMinutes(5)));

        assertThat(again.kept()).containsExactly("a");
        assertThat(again.replaced()).containsExactly("b");
        assertThat(api().job("a").orElseThrow().paused()).isTrue();
        assertThat(api().job("b").orElseThrow().paused()).isFalse();
        assertThat(api().job("a").orElseThrow().definition().origin()).contains(
                new JobOrigin("default", "1", "test a", "interval:PT1M"));
    }

    @Test
    void aJobNoLongerDeclaredIsRemovedWhileJobsAddedThroughTheApiAreNeverTouched() {
        start("1", every("a", Duration.ofMinutes(1)), every("gone", Duration.ofMinutes(1)));
        api().add(every("added-by-api", Duration.ofMinutes(1)));

        DeclarationReport report = start("1", every("a", Duration.ofMinutes(1)));

        assertThat(report.removed()).containsExactly("gone");
        assertThat(api().jobs()).extracting(JobInfo::id).containsExactly("a", "added-by-api");
    }

    @Test
    void aJobNoLongerDeclaredIsPausedAndReportedAtEveryStartWhenConfigured() {
        start("1", every("a", Duration.ofMinutes(1)), every("gone", Duration.ofMinutes(1)));

        assertThat(start("1", Declarations.StaleJobs.PAUSE, every("a", Duration.ofMinutes(1))).paused()).containsExactly("gone");
        assertThat(api().job("gone").orElseThrow().paused()).isTrue();
        assertThat(start("1", Declarations.StaleJobs.PAUSE, every("a", Duration.ofMinutes(1))).paused())
                .as("still reported at the next start").containsExactly("gone");
    }

    @Test
    void inARollingDeployTheNewestCodesDeclarationsWinWhicheverNodeStartsLast() {
        JobDefinition shared = every("shared", Duration.ofMinutes(1));
        start("1.9", shared, every("old-only", Duration.ofMinutes(1)));
        api().pauseJob("shared");

        DeclarationReport newer = start("1.10", shared, every("new-only", Duration.ofMinutes(1)));
        assertThat(newer.removed()).containsExactly("old-only");
        assertThat(newer.added()).containsExactly("new-only");
        assertThat(newer.kept()).containsExactly("shared");

        // A node still on the old code restarts during the roll: it changes nothing.
        DeclarationReport older = start("1.9", shared, every("old-only", Duration.ofMinutes(1)));
        assertThat(older.supersededBy()).contains("1.10");
        assertThat(older.added()).isEmpty();
        assertThat(older.removed()).isEmpty();

        assertThat(api().jobs()).extracting(JobInfo::id).containsExactly("new-only", "shared");
        JobInfo kept = api().job("shared").orElseThrow();
        assertThat(kept.paused()).as("an unchanged job keeps its state when newer code declares it").isTrue();
        assertThat(kept.definition().origin().orElseThrow().version()).isEqualTo("1.10");
    }

    @Test
    void anOlderNodeWhoseStartOverlapsANewerNodesRemovesNothingTheNewerCodeDeclares() {
        start("1", every("shared", Duration.ofMinutes(1)), every("x", Duration.ofMinutes(1)));
        // The older node reads the declared jobs, then a newer node declares (x included) before
        // the older one gets to the jobs it no longer declares.
        boolean[] once = {false};
        NaiveJobStore interleaving = new NaiveJobStore() {
            @Override
            public java.util.Optional<dev.chime.spi.StoredJob> get(String jobId) {
                if (!once[0]) {
                    once[0] = true;
                    start("2", every("shared", Duration.ofMinutes(1)), every("x", Duration.ofMinutes(1)));
                }
                return store.get(jobId);
            }

            @Override
            public java.util.List<dev.chime.spi.StoredJob> list() {
                return store.list();
            }

            @Override
            public boolean update(dev.chime.spi.StoredJob job) {
                return store.update(job);
            }

            @Override
            public boolean remove(String jobId) {
                return store.remove(jobId);
            }
        };
        Scheduler older = Scheduler.builder().clock(clock).store(interleaving).task("work", ctx -> { }).build();
        schedulers.add(older);

        DeclarationReport report = older.declare(Declarations.builder().version("1")
                .job(every("shared", Duration.ofMinutes(1)), "test shared").build());

        assertThat(report.removed()).isEmpty();
        assertThat(report.supersededBy()).contains("2");
        assertThat(store.get("x")).as("declared by the newer code").isPresent();
    }

    /**
     * The shared store seen by a node that declares while {@code tick}'s firing is claimed (by
     * another node's dispatcher, or a fixed-delay run holding its claim): every read of the job
     * while claimed calls {@code onClaimedRead}.
     */
    private NaiveJobStore whileTickIsClaimed(Runnable onClaimedRead) {
        return new NaiveJobStore() {
            @Override
            public java.util.Optional<dev.chime.spi.StoredJob> get(String jobId) {
                java.util.Optional<dev.chime.spi.StoredJob> answer = store.get(jobId);
                if (jobId.equals("tick") && answer.orElseThrow().claimedFireTime() != null) {
                    onClaimedRead.run();
                }
                return answer;
            }

            @Override
            public java.util.List<dev.chime.spi.StoredJob> list() {
                return store.list();
            }

            @Override
            public boolean add(dev.chime.spi.StoredJob job) {
                return store.add(job);
            }

            @Override
            public boolean update(dev.chime.spi.StoredJob job) {
                return store.update(job);
            }

            @Override
            public boolean remove(String jobId) {
                return store.remove(jobId);
            }
        };
    }

    /** Ends a claim as another node's dispatcher would: the job goes back at {@code next}. */
    private boolean release(dev.chime.spi.Claim claim, Instant next) {
        return store.endClaims(List.of(dev.chime.spi.ClaimEnd.noRun((dev.chime.spi.Claim.FireTime) claim,
                dev.chime.spi.ScheduleChange.release(next), null, next))).get(0).status()
                == dev.chime.spi.ClaimResult.Status.ENDED;
    }

    /** Claims {@code tick}'s due firing on the shared store, as another node's dispatcher would. */
    private dev.chime.spi.Claim claimTick() {
        clock.advance(Duration.ofMinutes(1));
        List<dev.chime.spi.Claim> claimed = store.claim(clock.instant(), 10, null);
        assertThat(claimed).extracting(dev.chime.spi.Claim::jobId).containsExactly("tick");
        return claimed.get(0);
    }

    @Test
    void aNewerVersionIsRecordedOnAJobWhoseFiringIsClaimedWhenItDeclaresOnceTheClaimEnds() {
        start("1.0", every("tick", Duration.ofMinutes(1)));
        dev.chime.spi.Claim firing = claimTick();
        Instant next = clock.instant().plus(Duration.ofMinutes(1));
        boolean[] released = {false};
        // The firing ends its claim right after the declaring node read it claimed.
        NaiveJobStore shared = whileTickIsClaimed(() -> {
            if (!released[0]) {
                released[0] = release(firing, next);
            }
        });
        Scheduler newer = Scheduler.builder().clock(clock).store(shared).task("work", ctx -> { }).build();
        schedulers.add(newer);

        DeclarationReport report = newer.declare(Declarations.builder().version("1.1")
                .job(every("tick", Duration.ofMinutes(1)), "test tick").build());

        assertThat(released[0]).as("the firing's claim was not dropped by the declaration").isTrue();
        assertThat(report.kept()).containsExactly("tick");
        JobInfo tick = newer.job("tick").orElseThrow();
        assertThat(tick.definition().origin().orElseThrow().version()).isEqualTo("1.1");
        assertThat(tick.nextFireTime()).as("the schedule the firing's release set").contains(next);

        // The newest version is recorded although its only kept job was firing: an older node
        // restarting changes nothing.
        DeclarationReport older = start("1.0", every("tick", Duration.ofMinutes(1)), every("old-only", Duration.ofMinutes(1)));
        assertThat(older.supersededBy()).contains("1.1");
        assertThat(api().jobs()).extracting(JobInfo::id).containsExactly("tick");
    }

    @Test
    void aClaimHeldLongerThanTheDeclarationWaitsIsLeftIntactAndTheOriginKeptForALaterStart() {
        start("1.0", every("tick", Duration.ofMinutes(1)));
        dev.chime.spi.Claim firing = claimTick();
        int[] claimedReads = {0};
        // A fixed-delay run holds its claim for as long as it runs: time passes while the node waits.
        NaiveJobStore shared = whileTickIsClaimed(() -> {
            claimedReads[0]++;
            clock.advance(Duration.ofSeconds(1));
        });
        Scheduler newer = Scheduler.builder().clock(clock).store(shared).task("work", ctx -> { }).build();
        schedulers.add(newer);
        Instant declaring = clock.instant();

        DeclarationReport report = newer.declare(Declarations.builder().version("1.1")
                .job(every("tick", Duration.ofMinutes(1)), "test tick").build());

        assertThat(report.kept()).containsExactly("tick");
        assertThat(Duration.between(declaring, clock.instant())).as("waited for the claim, on the scheduler's clock")
                .isEqualTo(Duration.ofSeconds(11));
        assertThat(claimedReads[0]).isEqualTo(11);
        assertThat(release(firing, clock.instant())).as("the claim is still the firing's").isTrue();
        assertThat(newer.job("tick").orElseThrow().definition().origin().orElseThrow().version()).isEqualTo("1.0");
    }

    /**
     * A store on which, while a start declares its jobs (after it listed the stored ones), an
     * operator replaces the formerly declared job {@code gone} through the API.
     */
    private NaiveJobStore apiReplacesGoneWhileDeclaring() {
        boolean[] once = {false};
        return new NaiveJobStore() {
            @Override
            public java.util.Optional<dev.chime.spi.StoredJob> get(String jobId) {
                if (jobId.equals("a") && !once[0]) {
                    once[0] = true;
                    api().addOrReplace(every("gone", Duration.ofMinutes(7)));
                }
                return store.get(jobId);
            }

            @Override
            public java.util.List<dev.chime.spi.StoredJob> list() {
                return store.list();
            }

            @Override
            public boolean add(dev.chime.spi.StoredJob job) {
                return store.add(job);
            }

            @Override
            public void put(dev.chime.spi.StoredJob job) {
                store.put(job);
            }

            @Override
            public boolean update(dev.chime.spi.StoredJob job) {
                return store.update(job);
            }

            @Override
            public boolean remove(String jobId) {
                return store.remove(jobId);
            }
        };
    }

    @Test
    void aJobReplacedThroughTheApiWhileAStartDeclaresIsNotRemovedAsStale() {
        start("1", every("a", Duration.ofMinutes(1)), every("gone", Duration.ofMinutes(1)));
        Scheduler node = Scheduler.builder().clock(clock).store(apiReplacesGoneWhileDeclaring()).task("work", ctx -> { }).build();
        schedulers.add(node);

        DeclarationReport report = node.declare(Declarations.builder().version("1")
                .job(every("a", Duration.ofMinutes(1)), "test a").build());

        assertThat(report.removed()).isEmpty();
        JobInfo gone = api().job("gone").orElseThrow();
        assertThat(gone.definition().origin()).as("the API's job, not a declared one").isEmpty();
        assertThat(gone.definition().trigger().spec()).startsWith("interval:PT7M");
    }

    @Test
    void aJobReplacedThroughTheApiWhileAStartDeclaresIsNotPausedAsStale() {
        start("1", every("a", Duration.ofMinutes(1)), every("gone", Duration.ofMinutes(1)));
        Scheduler node = Scheduler.builder().clock(clock).store(apiReplacesGoneWhileDeclaring()).task("work", ctx -> { }).build();
        schedulers.add(node);

        DeclarationReport report = node.declare(Declarations.builder().version("1").staleJobs(Declarations.StaleJobs.PAUSE)
                .job(every("a", Duration.ofMinutes(1)), "test a").build());

        assertThat(report.paused()).isEmpty();
        assertThat(api().job("gone").orElseThrow().paused()).isFalse();
    }

    @Test
    void anIntervalIsDeclaredOnTheEpochGridOnEveryNode() {
        start("1", every("tick", Duration.ofSeconds(10)));
        assertThat(api().job("tick").orElseThrow().definition().trigger().spec()).isEqualTo("interval:PT10S;start=1970-01-01T00:00:10Z");
        clock.advance(Duration.ofSeconds(3));
        assertThat(start("1", every("tick", Duration.ofSeconds(10))).kept()).containsExactly("tick");
    }

    @Test
    void aJobStoredBeforeOriginsWereKeptIsAdoptedWithItsState() {
        Scheduler before = Scheduler.builder().clock(clock).store(store).task("work", ctx -> { }).build();
        schedulers.add(before);
        // What the previous release stored for a declared interval: anchored at the epoch, no origin.
        before.add(JobDefinition.of("legacy", "work", Triggers.interval(Duration.ofMinutes(1)).anchoredAt(Instant.EPOCH)));
        before.pauseJob("legacy");

        DeclarationReport report = start("1", every("legacy", Duration.ofMinutes(1)));

        assertThat(report.kept()).containsExactly("legacy");
        assertThat(api().job("legacy").orElseThrow().paused()).isTrue();
        assertThat(api().job("legacy").orElseThrow().definition().origin()).isPresent();
    }

    @Test
    void anIdDeclaredTwiceIsRejectedNamingBothSources() {
        assertThatThrownBy(() -> Declarations.builder().job(every("x", Duration.ofMinutes(1)), "class A")
                .job(every("x", Duration.ofMinutes(2)), "file b.json"))
                .hasMessage("job id 'x' is declared twice: by class A and by file b.json");
    }

    @Test
    void versionsCompareAsPeopleWriteThem() {
        assertThat(Declarations.compareVersions("1.10", "1.9")).isPositive();
        assertThat(Declarations.compareVersions("2026.12.02", "2026.11.30")).isPositive();
        assertThat(Declarations.compareVersions("1.2", "1.2.1")).isNegative();
        assertThat(Declarations.compareVersions("v3", "v3")).isZero();
        assertThat(Declarations.compareVersions("007", "7")).isZero();
        assertThat(Declarations.compareVersions("1.0-rc2", "1.0-rc10")).isNegative();
    }

    @Test
    void aPreReleaseIsOlderThanItsReleaseSoTheReleasesDeclarationsWin() {
        assertThat(Declarations.compareVersions("1.0-rc2", "1.0")).isNegative();
        assertThat(Declarations.compareVersions("1.0", "1.0-SNAPSHOT")).isPositive();
        assertThat(Declarations.compareVersions("1.0.1", "1.0-rc2")).isPositive();
        start("1.0-rc2", every("a", Duration.ofMinutes(1)), every("rc-only", Duration.ofMinutes(1)));

        DeclarationReport release = start("1.0", every("a", Duration.ofMinutes(1)), every("released", Duration.ofMinutes(1)));

        assertThat(release.supersededBy()).isEmpty();
        assertThat(api().jobs()).extracting(JobInfo::id).containsExactly("a", "released");
    }
}
