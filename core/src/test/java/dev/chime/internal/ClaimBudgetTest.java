package dev.chime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The claim sizing rule: a node claims what it can start within the window, not what it can queue. */
class ClaimBudgetTest {

    private static final Duration WINDOW = Duration.ofMillis(10);

    @Test
    void beforeAnyAttemptIsMeasuredANodeClaimsOnlyItsFreeWorkers() {
        ClaimBudget budget = new ClaimBudget(8, 800, WINDOW);
        assertThat(budget.claimable(0, 0)).isEqualTo(8);
        assertThat(budget.claimable(5, 5)).isEqualTo(3);
        assertThat(budget.claimable(8, 8)).isZero();
    }

    @Test
    void attemptsLongerThanTheWindowLetANodeClaimNoMoreThanItsFreeWorkers() {
        ClaimBudget budget = new ClaimBudget(8, 800, WINDOW);
        budget.recordAttempt(Duration.ofMillis(150).toNanos());
        assertThat(budget.claimable(0, 0)).isEqualTo(8);
        assertThat(budget.claimable(6, 6)).isEqualTo(2);
        assertThat(budget.claimable(8, 8)).isZero();
        assertThat(budget.claimable(20, 20)).isZero();
    }

    @Test
    void attemptsShorterThanTheWindowAddWhatTheWorkersGetThroughInIt() {
        ClaimBudget budget = new ClaimBudget(8, 800, WINDOW);
        budget.recordAttempt(Duration.ofMillis(1).toNanos());
        // 8 free now, and each of the 8 workers starts ten 1 ms attempts within 10 ms.
        assertThat(budget.claimable(0, 0)).isEqualTo(8 + 80);
        assertThat(budget.claimable(8, 8)).isEqualTo(80);
    }

    @Test
    void attemptsWaitingOnlyForTheirStoreWriteDoNotHoldWorkers() {
        ClaimBudget budget = new ClaimBudget(8, 800, WINDOW);
        budget.recordAttempt(Duration.ofMillis(150).toNanos());
        // 8 attempts in flight, their bodies over, their completions not yet committed.
        assertThat(budget.claimable(8, 0)).isEqualTo(8);
        assertThat(budget.claimable(8, 3)).isEqualTo(5);
        assertThat(budget.freeWorkersToPark(8, 0)).isEqualTo(7);
    }

    @Test
    void neverBeyondTheInFlightLimit() {
        ClaimBudget budget = new ClaimBudget(8, 800, WINDOW);
        budget.recordAttempt(2_000);
        assertThat(budget.claimable(0, 0)).isEqualTo(800);
        assertThat(budget.claimable(790, 790)).isEqualTo(10);
        assertThat(budget.claimable(800, 800)).isZero();
    }

    @Test
    void theAverageFollowsTheAttemptsAsTheyChange() {
        ClaimBudget budget = new ClaimBudget(8, 800, WINDOW);
        budget.recordAttempt(1_000);
        assertThat(budget.claimable(0, 0)).isEqualTo(800);
        // Every eighth attempt is sampled: 200 give 25 samples, enough to move the average past the window.
        for (int i = 0; i < 200; i++) {
            budget.recordAttempt(Duration.ofMillis(150).toNanos());
        }
        assertThat(budget.claimable(0, 0)).isEqualTo(8);
    }

    @Test
    void aWorkerPreemptedInTheMiddleOfShortAttemptsDoesNotShrinkTheClaims() {
        ClaimBudget budget = new ClaimBudget(10, 1000, WINDOW);
        for (int i = 0; i < 80; i++) {
            budget.recordAttempt(5_000);
        }
        // Sampled (the eighth attempt) and 10,000 times the others: a 50 ms preemption.
        for (int i = 0; i < 8; i++) {
            budget.recordAttempt(Duration.ofMillis(50).toNanos());
            for (int j = 0; j < 7 * 8; j++) {
                budget.recordAttempt(5_000);
            }
        }
        assertThat(budget.claimable(0, 0)).isEqualTo(1000);
    }

    @Test
    void oneFiringIsParkedPerFreeWorkerKeepingOneFreeAndNoneWhenTheWorkerCountIsUnknown() {
        ClaimBudget known = new ClaimBudget(8, 800, WINDOW);
        known.recordAttempt(1_000);
        assertThat(known.freeWorkersToPark(0, 0)).isEqualTo(7);
        assertThat(known.freeWorkersToPark(3, 3)).isEqualTo(4);
        assertThat(known.freeWorkersToPark(7, 7)).isZero();
        assertThat(known.freeWorkersToPark(9, 9)).isZero();
        assertThat(new ClaimBudget(1, 100, WINDOW).freeWorkersToPark(0, 0)).isZero();

        ClaimBudget unknown = new ClaimBudget(0, 1024, WINDOW);
        assertThat(unknown.freeWorkersToPark(0, 0)).isZero();
        assertThat(unknown.claimable(24, 24)).isEqualTo(1000);
    }

    @Test
    void aTestClockPassClaimsEverythingDueWhateverTheWorkers() {
        ClaimBudget budget = ClaimBudget.unpaced(2);
        budget.recordAttempt(Duration.ofSeconds(1).toNanos());
        assertThat(budget.claimable(50, 50)).isEqualTo(Integer.MAX_VALUE - 50);
        assertThat(budget.freeWorkersToPark(0, 0)).isEqualTo(1);
        assertThat(budget.freeWorkersToPark(1, 1)).isZero();
    }
}
