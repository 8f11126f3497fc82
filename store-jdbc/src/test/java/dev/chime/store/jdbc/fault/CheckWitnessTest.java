package dev.chime.store.jdbc.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.spi.JobStore;
import dev.chime.spi.RunTicket;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The witness of the engine's check before a body: a body is credited only with the check made
 * just before it, on its own thread, of its own fire time. Any other yes (the dispatcher asking
 * about a waiting retry, a batch moved on to its next fire time, an earlier attempt's check) would
 * let a body that skipped its check pass, and, when it fell before a freeze, excuse a stale body
 * as "frozen on its way".
 */
class CheckWitnessTest {

    private static final Instant T1 = Instant.parse("2026-01-01T00:00:01Z");
    private static final Instant T2 = Instant.parse("2026-01-01T00:00:02Z");

    private final AtomicLong now = new AtomicLong(100);
    private final AtomicBoolean holds = new AtomicBoolean(true);
    private final CheckWitness witness = new CheckWitness(now::get);
    private final JobStore store = witness.wrap(stub());

    /** A store that holds its runs while {@link #holds} says so. */
    private JobStore stub() {
        return (JobStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {JobStore.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "holdsRun" -> holds.get();
                    case "advanceRun" -> holds.get() ? new RunTicket("j", (Instant) args[1], "run-1", 7) : null;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static RunTicket ticket(Instant fireTime) {
        return new RunTicket("j", fireTime, "run-1", 5);
    }

    @Test
    void theCheckJustBeforeTheBodyIsWitnessed() {
        assertThat(store.holdsRun(ticket(T1))).isTrue();
        assertThat(witness.checkOf("j", T1)).isEqualTo(100);
    }

    @Test
    void aRetryOrRecoveryCheckedByMovingOnToItsOwnFireTimeIsWitnessed() {
        assertThat(store.advanceRun(ticket(T1), T1, null)).isNotNull();
        assertThat(witness.checkOf("j", T1)).isEqualTo(100);
    }

    @Test
    void aBatchMovedOnToItsNextFireTimeIsNotTheCheckOfThatFireTimesBody() {
        // After the body of T1, the worker moves the run on to T2 (advanceRun to another fire
        // time); the body of T2 must still be checked (holdsRun) just before it starts.
        assertThat(store.advanceRun(ticket(T1), T2, null)).isNotNull();
        assertThat(witness.checkOf("j", T2)).isNull();
    }

    @Test
    void aCheckOnAnotherThreadIsNotTheBodysCheck() {
        // The dispatcher asks whether a waiting retry's run is still held before it submits it.
        CompletableFuture.runAsync(() -> store.holdsRun(ticket(T1))).join();
        assertThat(witness.checkOf("j", T1)).isNull();
    }

    @Test
    void aCheckIsCreditedToOneBodyOnly() {
        store.holdsRun(ticket(T1));
        assertThat(witness.checkOf("j", T1)).isEqualTo(100);
        assertThat(witness.checkOf("j", T1)).as("the next attempt must check again").isNull();
    }

    @Test
    void aCheckThatSaysNoClearsAnEarlierYes() {
        store.holdsRun(ticket(T1));
        holds.set(false);
        now.set(200);
        assertThat(store.holdsRun(ticket(T1))).isFalse();
        assertThat(witness.checkOf("j", T1)).isNull();
    }
}
