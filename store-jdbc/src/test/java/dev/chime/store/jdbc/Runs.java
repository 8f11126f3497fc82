package dev.chime.store.jdbc;

import dev.chime.ExecutionState;
import dev.chime.LastRun;
import dev.chime.spi.Claim;
import dev.chime.spi.ClaimEnd;
import dev.chime.spi.ClaimResult;
import dev.chime.spi.JobStore;
import dev.chime.spi.RunEnd;
import dev.chime.spi.RunEndResult;
import dev.chime.spi.RunStart;
import dev.chime.spi.RunTicket;
import dev.chime.spi.ScheduleChange;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Store calls as the engine makes them, for tests that drive a store by hand: claim, start a run, end it. */
public final class Runs {

    private Runs() {
    }

    /** Claims the work due at {@code now} (every task). */
    public static List<Claim> claim(JobStore store, Instant now) {
        return store.claim(now, 100, null);
    }

    /** Ends a claim by starting its run (max instances 1, recoverable); a held job claim is released to {@code next}. */
    public static ClaimResult start(JobStore store, Claim claim, Instant now, Instant next) {
        RunStart start = new RunStart(claim instanceof Claim.FireTime ? UUID.randomUUID().toString()
                : (claim instanceof Claim.Due d ? d.execution().id() : ((Claim.Recovery) claim).execution().id()),
                claim.fireTime(), 1, 1, true, List.of(), null, null, now);
        ClaimEnd end = ClaimEnd.start(claim, start, claim.holdsJobClaim() ? ScheduleChange.release(next) : null);
        return store.endClaims(List.of(end)).get(0);
    }

    /** Claims the one fire time due at {@code now} and starts its run; answers its ticket. */
    public static RunTicket claimAndStart(JobStore store, Instant now, Instant next) {
        List<Claim> claims = claim(store, now);
        if (claims.size() != 1) {
            throw new AssertionError("expected one claim at " + now + ", got " + claims);
        }
        return start(store, claims.get(0), now, next).ticket();
    }

    /** Ends a run SUCCEEDED at {@code at}, recording {@code lastRun} on its job (may be null). */
    public static RunEndResult succeed(JobStore store, RunTicket ticket, Instant at, LastRun lastRun) {
        return store.endRuns(List.of(new RunEnd(ticket, ExecutionState.SUCCEEDED, at, null, null, null, null, lastRun, null,
                null))).toCompletableFuture().join().get(0);
    }

}
