package dev.chime.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.chime.JobDefinition;
import dev.chime.Triggers;
import dev.chime.spi.Claim;
import dev.chime.spi.ClaimEnd;
import dev.chime.spi.ClaimResult;
import dev.chime.spi.RunStart;
import dev.chime.spi.ScheduleChange;
import dev.chime.spi.StoredJob;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A node may claim firings ahead of their fire time (the engine parks them on a worker until due).
 * When it dies holding such claims, the node that takes it over puts them back in the schedule at
 * their own fire time: not run early, not recovered as if they had been in flight, not lost.
 */
class EarlyClaimTakeoverTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void claimsADeadNodeTookAheadOfTheirFireTimeGoBackToTheScheduleAndFireOnceOnTime(TestDatabase db) throws Exception {
        try (Cluster cluster = new Cluster(db); HikariDataSource deadPool = db.newPool(4)) {
            // The dead node beats once when built, then never again, as if killed right after its claim.
            JdbcJobStore dead = JdbcJobStore.builder(deadPool).tablePrefix(cluster.prefix).nodeName("dead")
                    .heartbeatInterval(Duration.ofHours(1)).nodeTimeout(Duration.ofHours(3)).build();
            try {
                Cluster.Node live = cluster.start("live", 2);
                Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
                Instant far = now.plus(Duration.ofHours(1));
                Instant near = now.plusSeconds(5);
                live.scheduler().add(JobDefinition.of("far", "sink", Triggers.once(far)));
                live.scheduler().add(JobDefinition.of("near", "sink", Triggers.once(near)));

                // SKIP LOCKED may pass over a row the live node's claim query is scanning: claim until both are held.
                List<Claim> early = new java.util.concurrent.CopyOnWriteArrayList<>();
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    early.addAll(dead.claim(now.plus(Duration.ofHours(2)), 10, null));
                    return early.size() == 2;
                });
                assertThat(early).extracting(Claim::jobId).containsExactlyInAnyOrder("near", "far");
                assertThat(early).allMatch(c -> c instanceof Claim.FireTime);
                String claimedByDead = "SELECT COUNT(*) FROM " + cluster.prefix + "jobs WHERE claimed_by = '" + dead.nodeId() + "'";
                assertThat(cluster.count(claimedByDead)).isEqualTo(2);

                await().atMost(Duration.ofSeconds(20)).until(() -> cluster.count(claimedByDead) == 0);
                assertThat(live.store().takeovers()).isPositive();

                StoredJob farJob = live.store().get("far").orElseThrow();
                assertThat(farJob.claimedFireTime()).isNull();
                assertThat(farJob.nextFireTime()).isEqualTo(far);
                assertThat(cluster.count("SELECT COUNT(*) FROM " + cluster.prefix + "executions WHERE job_id = 'far'")).isZero();

                // The near one fires once, at its fire time, on the live node, as an ordinary firing.
                await().atMost(Duration.ofSeconds(30)).until(() -> cluster.sinkCount() == 1);
                assertThat(cluster.fireTimes()).isEqualTo(Map.of("near", List.of(near.toEpochMilli())));
                assertThat(cluster.count("SELECT COUNT(*) FROM " + cluster.sink() + " WHERE recovery = TRUE")).isZero();
                assertThat(cluster.notRun).isEmpty();

                // The dead node comes back and its parked worker acts on the claim: the version fence refuses
                // it, so the engine runs nothing, and the schedule the taker restored stands.
                Claim staleFar = early.stream().filter(f -> f.jobId().equals("far")).findFirst().orElseThrow();
                RunStart start = new RunStart(java.util.UUID.randomUUID().toString(), far, 1, 1, false, List.of(), null, null,
                        far);
                List<ClaimResult> results = dead.endClaims(List.of(ClaimEnd.start(staleFar, start,
                        ScheduleChange.release(far.plusSeconds(1)))));
                assertThat(results).containsExactly(ClaimResult.LOST);
                assertThat(cluster.count("SELECT COUNT(*) FROM " + cluster.prefix + "executions WHERE job_id = 'far'")).isZero();
                assertThat(dead.endClaims(List.of(ClaimEnd.noRun((Claim.FireTime) staleFar,
                        ScheduleChange.release(far.plusSeconds(1)), null, far)))).containsExactly(ClaimResult.LOST);
                StoredJob after = live.store().get("far").orElseThrow();
                assertThat(after.nextFireTime()).isEqualTo(far);
                assertThat(after.claimedFireTime()).isNull();
                assertThat(cluster.duplicates).isEmpty();
            } finally {
                dead.close();
            }
        }
    }
}
