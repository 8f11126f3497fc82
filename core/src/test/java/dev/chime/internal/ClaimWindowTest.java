package dev.chime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClaimWindowTest {

    private static final long MS = 1_000_000;

    @Test
    void aWindowTheUserSetNeverChanges() {
        ClaimWindow window = ClaimWindow.fixed(Duration.ofMillis(20));
        window.claimTook(300 * MS, 3);
        assertThat(window.current()).isEqualTo(Duration.ofMillis(20));
        assertThat(window.widest()).isEqualTo(Duration.ofMillis(20));
        assertThat(ClaimWindow.fixed(Duration.ZERO).isOff()).isTrue();
    }

    @Test
    void theDefaultStaysAtItsMinimumWhileClaimsTakeMicroseconds() {
        ClaimWindow window = ClaimWindow.followingClaims(Duration.ofMillis(5));
        assertThat(window.current()).isEqualTo(Duration.ofMillis(5));
        window.claimTook(40_000, 1);
        assertThat(window.current()).isEqualTo(Duration.ofMillis(5));
        assertThat(window.widest()).isEqualTo(ClaimWindow.MAX_FOLLOWING);
    }

    @Test
    void theDefaultCoversFourTimesTheRecentRoundTripOfClaimsThatFoundFirings() {
        ClaimWindow window = ClaimWindow.followingClaims(Duration.ofMillis(5));
        window.claimTook(6 * MS, 13);
        assertThat(window.current()).isEqualTo(Duration.ofMillis(24));
        // Smoothed: one slow claim moves it a quarter of the way.
        window.claimTook(14 * MS, 2);
        assertThat(window.current()).isEqualTo(Duration.ofMillis(32));
        // A poll that found nothing is quick and says nothing about the claims that matter.
        window.claimTook(100_000, 0);
        assertThat(window.current()).isEqualTo(Duration.ofMillis(32));
    }

    @Test
    void theDefaultGrowsNoFurtherThanItsCap() {
        ClaimWindow window = ClaimWindow.followingClaims(Duration.ofMillis(5));
        window.claimTook(2_000 * MS, 1);
        assertThat(window.current()).isEqualTo(ClaimWindow.MAX_FOLLOWING);
    }
}
