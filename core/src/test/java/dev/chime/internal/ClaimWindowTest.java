package dev.chime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.spi.NaiveJobStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
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

    @Test
    void onAStoreSharedByAClusterTheDefaultIsOneFixedWindowForEveryNode() {
        ClaimWindow shared = DefaultScheduler.claimWindow(parts(new NaiveJobStore() {
            @Override
            public boolean sharedWithOtherNodes() {
                return true;
            }
        }, null, false));
        // However long this node's claims take, it claims as far ahead as every other node.
        shared.claimTook(2_000 * MS, 40);
        assertThat(shared.current()).isEqualTo(DefaultScheduler.SHARED_CLAIM_AHEAD);
        assertThat(shared.widest()).isEqualTo(DefaultScheduler.SHARED_CLAIM_AHEAD);

        ClaimWindow alone = DefaultScheduler.claimWindow(parts(new NaiveJobStore(), null, false));
        alone.claimTook(6 * MS, 13);
        assertThat(alone.current()).isEqualTo(Duration.ofMillis(24));

        assertThat(DefaultScheduler.claimWindow(parts(new NaiveJobStore(), Duration.ofMillis(7), false)).current())
                .isEqualTo(Duration.ofMillis(7));
        assertThat(DefaultScheduler.claimWindow(parts(new NaiveJobStore(), null, true)).isOff()).isTrue();
    }

    private static DefaultScheduler.Parts parts(NaiveJobStore store, Duration claimAhead, boolean driveByClock) {
        return new DefaultScheduler.Parts("test", Clock.systemUTC(), store, false, null, null, null, false,
                List.of(), Duration.ofSeconds(1), driveByClock, 100, claimAhead, Duration.ofDays(7), 1000);
    }
}
