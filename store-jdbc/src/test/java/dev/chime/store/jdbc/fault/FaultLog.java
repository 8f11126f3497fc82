package dev.chime.store.jdbc.fault;

import dev.chime.store.jdbc.fault.Records.Body;
import java.util.ArrayList;
import java.util.List;

/**
 * What a scenario did to the cluster and when, by the database's clock: the window the invariants
 * are judged in, the nodes frozen and killed, the database restarts. A frozen interval starts after
 * SIGSTOP was delivered and ends before SIGCONT was sent, so that a body frozen in between is known
 * as frozen from its own rows.
 *
 * <p>Not thread-safe: one scenario writes it.
 */
final class FaultLog {

    record Pause(String node, long frozenAtMs, long resumedAtMs) {
    }

    record Kill(String node, long atMs) {
    }

    record Outage(long downAtMs, long upAtMs) {
    }

    private final List<Pause> pauses = new ArrayList<>();
    private final List<Kill> kills = new ArrayList<>();
    private final List<Outage> outages = new ArrayList<>();
    private long fromMs;
    private long horizonMs;

    void window(long fromMs, long horizonMs) {
        this.fromMs = fromMs;
        this.horizonMs = horizonMs;
    }

    long fromMs() {
        return fromMs;
    }

    /** Fire times before this must all be accounted for; later ones may have been cut short by the stop. */
    long horizonMs() {
        return horizonMs;
    }

    void paused(String node, long frozenAtMs, long resumedAtMs) {
        pauses.add(new Pause(node, frozenAtMs, resumedAtMs));
    }

    void killed(String node, long atMs) {
        kills.add(new Kill(node, atMs));
    }

    void restarted(long downAtMs, long upAtMs) {
        outages.add(new Outage(downAtMs, upAtMs));
    }

    /**
     * A body its node's SIGSTOP froze mid-run: began before the resume, ended (if at all) after it.
     * Starts are stamped as the body began ({@link WitnessClock}), so a body that began before the
     * freeze counts as frozen however long its witness row then waited to be written.
     */
    boolean frozen(Body b) {
        return pauses.stream().anyMatch(p -> p.node().equals(b.node()) && b.startMs() < p.resumedAtMs()
                && (b.endMs() == null || b.endMs() > p.resumedAtMs()))
                || frozenOnItsWay(b);
    }

    /**
     * A body its node's SIGSTOP froze on its way: the engine's check that the run was still the
     * node's began before the freeze (and said yes), the body began after the resume. No check can
     * see a pause that falls after it; a check that begins after the resume cannot say yes to a run
     * taken over meanwhile (the lease is stale on the monotonic clock and the run row is gone: the
     * store's own tests hold that), so the stamp proves where the pause fell. Only the fencing token
     * can stop such a body, and the invariants require that it does.
     */
    boolean frozenOnItsWay(Body b) {
        return b.checkedMs() != null && pauses.stream().anyMatch(p -> p.node().equals(b.node())
                && b.checkedMs() < p.frozenAtMs() && b.startMs() >= p.resumedAtMs());
    }

    /** When the node of {@code b} was killed; null if it never was. */
    Long killedAt(String node) {
        return kills.stream().filter(k -> k.node().equals(node)).map(Kill::atMs).findFirst().orElse(null);
    }

    /**
     * Whether {@code b}'s run was in flight when its node died for the cluster: killed, or frozen
     * past its node timeout, after the body started. A run is its body and the store's record of its
     * end: a body that returned just before the kill or the freeze may not have had its end
     * committed yet, and then its taker rightly runs it again (the takeover moves only runs whose
     * end is not recorded). Judged alike for kills and freezes.
     */
    boolean diedUnder(Body b) {
        return pauses.stream().anyMatch(p -> p.node().equals(b.node()) && b.startMs() < p.resumedAtMs())
                || (killedAt(b.node()) != null && b.startMs() <= killedAt(b.node()));
    }

    /** Whether any node died (was killed or frozen) during the window. */
    boolean anyNodeDied() {
        return !pauses.isEmpty() || !kills.isEmpty();
    }

    /** Whether {@code node} was frozen or killed at any time after {@code ms}. */
    boolean faultedAfter(String node, long ms) {
        return pauses.stream().anyMatch(p -> p.node().equals(node) && p.resumedAtMs() >= ms)
                || kills.stream().anyMatch(k -> k.node().equals(node) && k.atMs() >= ms);
    }

    /** A time relative to the window's start, for reports: "+12.345s". */
    String at(long ms) {
        return String.format(java.util.Locale.ROOT, "%+.3fs", (ms - fromMs) / 1000.0);
    }

    String describe(Body b) {
        return b.jobId() + "@" + at(b.fireMs()) + " attempt " + b.attempt() + " on " + b.node() + (b.recovery() ? " (recovery)" : "")
                + (b.token() == null ? "" : " token " + b.token()) + (b.checkedMs() == null ? " (no check seen)" : " checked " + at(b.checkedMs()))
                + " ran " + at(b.startMs()) + " to "
                + (b.endMs() == null ? "(no end)" : at(b.endMs())) + (b.outcome() == null ? "" : " " + b.outcome());
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("window " + fromMs + " (+0) to horizon " + at(horizonMs));
        pauses.forEach(p -> s.append("; ").append(p.node()).append(" frozen ").append(at(p.frozenAtMs())).append(" to ")
                .append(at(p.resumedAtMs())));
        kills.forEach(k -> s.append("; ").append(k.node()).append(" killed ").append(at(k.atMs())));
        outages.forEach(o -> s.append("; database down ").append(at(o.downAtMs())).append(" to ").append(at(o.upAtMs())));
        return s.toString();
    }
}
