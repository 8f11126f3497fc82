package dev.chime.store.jdbc.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.store.jdbc.fault.Records.Body;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How the suite judges an original body that started after its recovery on a node that was frozen:
 * allowed only when the engine's check that the run was its own came before the freeze (a pause no
 * check can see) and its token is below the recovery's (so fencing refuses it).
 */
class InvariantsTest {

    private static final long T0 = 1_000_000;
    private static final long FIRE = T0 + 5_000; // once-5000
    private static final long FROZEN = FIRE + 118;
    private static final long RESUMED = FIRE + 3_182;

    private final Workload workload = Workload.standard(T0, 12_000);
    private final FaultLog faults = new FaultLog();

    InvariantsTest() {
        faults.window(T0, T0 + 12_206);
        faults.paused("p1", FROZEN, RESUMED);
    }

    private static Body recovery(long token) {
        return new Body("r", "once-5000", FIRE, 1, "p2", true, token, FIRE + 2_155, FIRE + 2_565, "ok", FIRE + 2_565, FIRE + 2_150);
    }

    private static Body original(long token, Long checkedMs) {
        return new Body("o", "once-5000", FIRE, 1, "p1", false, token, RESUMED + 14, RESUMED + 416, "ok", RESUMED + 416, checkedMs);
    }

    private List<String> runsOnceViolations(Body... bodies) {
        return new Invariants(workload, faults, List.of(bodies), List.of()).check().violations().get(Invariants.RUNS_ONCE);
    }

    @Test
    void aBodyFrozenBetweenItsCheckAndItsStartWithALowerTokenIsFencedOff() {
        assertThat(runsOnceViolations(recovery(851), original(849, FIRE + 10))).isEmpty();
    }

    @Test
    void aBodyThatStartedAfterItsRecoveryWithoutACheckSeenIsAStaleRun() {
        assertThat(runsOnceViolations(recovery(851), original(849, null))).hasSize(2)
                .anySatisfy(v -> assertThat(v).contains("a stale run"))
                .anySatisfy(v -> assertThat(v).contains("started without the engine asking the store"));
    }

    @Test
    void everyBodyMustHaveBeenCheckedBeforeItStarted() {
        assertThat(runsOnceViolations(original(849, null))).singleElement().asString()
                .contains("started without the engine asking the store whether the run was still its node's");
        assertThat(runsOnceViolations(original(849, FIRE + 10))).isEmpty();
    }

    @Test
    void aBodyWhoseCheckCameAfterTheResumeIsAStaleRun() {
        // A check that begins after the resume must say no to a run taken over meanwhile.
        assertThat(runsOnceViolations(recovery(851), original(849, RESUMED + 5))).singleElement().asString().contains("a stale run");
    }

    @Test
    void aBodyFrozenOnItsWayWhoseTokenIsNotBelowItsRecoverysIsAStaleRun() {
        assertThat(runsOnceViolations(recovery(851), original(852, FIRE + 10))).singleElement().asString().contains("a stale run");
    }
}
