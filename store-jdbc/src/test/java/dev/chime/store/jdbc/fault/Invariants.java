package dev.chime.store.jdbc.fault;

import dev.chime.store.jdbc.fault.Records.Body;
import dev.chime.store.jdbc.fault.Records.NotRun;
import dev.chime.store.jdbc.fault.Workload.Kind;
import dev.chime.store.jdbc.fault.Workload.Spec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The promises of the cluster, checked exactly from the bodies' own records after a scenario. Each
 * invariant collects its violations with the rows that prove them (times relative to the window's
 * start), so a failure reads as the interleaving that broke it.
 */
final class Invariants {

    static final String RUNS_ONCE = "no (job, fire time, attempt) body runs twice, but the one re-run of a recoverable firing whose node died "
            + "(and a body frozen between its check and its start, fenced off by a lower token)";
    static final String MAX_INSTANCES = "no job has more bodies executing at once than its maxInstances, but a body frozen by SIGSTOP";
    static final String ACCOUNTED = "every fire time of the window ran, or was reported missed or skipped; every failed attempt was retried";
    static final String NEVER_EARLY = "no body starts before its fire time by the database's clock, nor is a fixed-delay fire time sooner than its delay after the last end (engine's clock)";
    static final String QUIESCENT = "at quiescence: every body finished, no unfinished run rows, no claims, running = 0, at most one history row per fire time";
    static final String FENCING = "fencing tokens rise per job: a body started after another ended has a higher one (frozen bodies aside)";

    private final Workload workload;
    private final FaultLog faults;
    private final List<Body> bodies;
    private final List<NotRun> notRuns;
    private final Map<String, List<String>> violations = new LinkedHashMap<>();

    Invariants(Workload workload, FaultLog faults, List<Body> bodies, List<NotRun> notRuns) {
        this.workload = workload;
        this.faults = faults;
        this.bodies = bodies;
        this.notRuns = notRuns;
        for (String name : List.of(RUNS_ONCE, MAX_INSTANCES, ACCOUNTED, NEVER_EARLY, QUIESCENT, FENCING)) {
            violations.put(name, new ArrayList<>());
        }
    }

    /** Checks the invariants read from the records; {@link #quiescence} adds the store's state. */
    Invariants check() {
        runsOnce();
        maxInstances();
        accounted();
        neverEarly();
        fencing();
        bodies.stream().filter(b -> !b.finished() && faults.killedAt(b.node()) == null)
                .forEach(b -> violations.get(QUIESCENT).add("a body never finished on a node that was not killed: " + faults.describe(b)));
        return this;
    }

    /** Adds what the store's tables say; each problem comes with its job's last records, to read the interleaving from. */
    void quiescence(StoreState.Snapshot store) {
        for (StoreState.Problem p : store.problems()) {
            List<String> last = bodies.stream().filter(b -> b.jobId().equals(p.jobId())).map(faults::describe).toList();
            List<String> reported = notRuns.stream().filter(n -> n.jobId().equals(p.jobId()))
                    .map(n -> n.kind() + " " + faults.at(n.fireMs()) + " by " + n.node() + " at " + faults.at(n.atMs())).toList();
            violations.get(QUIESCENT).add(p.text() + "; its last bodies: " + last.subList(Math.max(0, last.size() - 4), last.size())
                    + "; reported: " + reported.subList(Math.max(0, reported.size() - 3), reported.size()));
        }
    }

    Map<String, List<String>> violations() {
        return violations;
    }

    /** The invariants that failed; empty when all hold. */
    List<String> failed() {
        return violations.entrySet().stream().filter(e -> !e.getValue().isEmpty()).map(Map.Entry::getKey).toList();
    }

    private Map<String, List<Body>> byJob() {
        return bodies.stream().collect(Collectors.groupingBy(Body::jobId, TreeMap::new, Collectors.toList()));
    }

    private void runsOnce() {
        Map<String, List<Body>> byFiring = bodies.stream()
                .collect(Collectors.groupingBy(b -> b.jobId() + "@" + faults.at(b.fireMs()), TreeMap::new, Collectors.toList()));
        byFiring.forEach((firing, runs) -> {
            Spec spec = workload.spec(runs.get(0).jobId());
            Map<Integer, List<Body>> byAttempt = runs.stream().filter(b -> !b.recovery())
                    .collect(Collectors.groupingBy(Body::attempt, TreeMap::new, Collectors.toList()));
            for (Body b : runs) {
                if (b.checkedMs() == null) {
                    violations.get(RUNS_ONCE).add(firing + " attempt " + b.attempt() + " started without the engine asking the store "
                            + "whether the run was still its node's: " + faults.describe(b));
                }
            }
            byAttempt.forEach((attempt, same) -> {
                if (same.size() != 1) {
                    violations.get(RUNS_ONCE).add(firing + " attempt " + attempt + " ran " + same.size() + " times: " + describe(same));
                }
            });
            // Beyond one body per attempt: a recoverable firing runs again, as a recovery, once for
            // every death of the node running it (a recovery on a node that then dies too is run
            // again); a recovery whose original never started its body needs a node that died.
            List<Body> inStartOrder = runs.stream().sorted(Comparator.comparingLong(Body::startMs)).toList();
            for (int i = 0; i < inStartOrder.size(); i++) {
                Body b = inStartOrder.get(i);
                List<Body> earlier = inStartOrder.subList(0, i).stream().filter(e -> e.attempt() == b.attempt()).toList();
                if (!b.recovery()) {
                    List<Body> recoveries = earlier.stream().filter(Body::recovery).toList();
                    // A body frozen between its check and its start is a pause no check can see;
                    // it is allowed only when its token is below its recovery's, so that a
                    // resource that keeps the highest token refuses it.
                    boolean fencedOff = faults.frozenOnItsWay(b) && b.token() != null
                            && recoveries.stream().allMatch(r -> r.token() != null && r.token() > b.token());
                    if (!recoveries.isEmpty() && !fencedOff) {
                        violations.get(RUNS_ONCE).add(firing + ": the original run started after its recovery (a stale run): "
                                + describe(runs));
                    }
                    continue;
                }
                boolean justified = spec.recoverable() && (earlier.isEmpty() ? faults.anyNodeDied()
                        : faults.diedUnder(earlier.get(earlier.size() - 1)));
                if (!justified) {
                    violations.get(RUNS_ONCE).add(firing + " was run again as a recovery though "
                            + (spec.recoverable() ? "the run before it did not die with its node" : "the job is not recoverable")
                            + ": " + describe(runs));
                }
            }
        });
    }

    private void maxInstances() {
        byJob().forEach((job, runs) -> {
            int limit = workload.spec(job).maxInstances();
            // Half-open intervals [start, end): a body that ends at the millisecond another starts
            // does not overlap it. A body with no end ran until its node was killed.
            record Edge(long at, int delta, Body body) {
            }
            List<Edge> edges = new ArrayList<>();
            for (Body b : runs) {
                if (faults.frozen(b)) {
                    continue;
                }
                Long end = b.endMs() != null ? b.endMs() : faults.killedAt(b.node());
                if (end != null && end <= b.startMs()) {
                    // An empty interval (a body stamped as started in the very millisecond its node
                    // was killed): it executed at no instant. Its end edge would sort before its
                    // start edge and leave it counted as executing for ever.
                    continue;
                }
                edges.add(new Edge(b.startMs(), 1, b));
                edges.add(new Edge(end == null ? Long.MAX_VALUE : end, -1, b));
            }
            edges.sort(Comparator.comparingLong(Edge::at).thenComparingInt(Edge::delta));
            List<Body> executing = new ArrayList<>();
            for (Edge e : edges) {
                if (e.delta() < 0) {
                    executing.remove(e.body());
                    continue;
                }
                executing.add(e.body());
                if (executing.size() > limit) {
                    violations.get(MAX_INSTANCES).add(job + " (maxInstances " + limit + ") had " + executing.size()
                            + " bodies executing at " + faults.at(e.at()) + ": " + describe(executing));
                }
            }
        });
    }

    private void accounted() {
        Map<String, Set<Long>> reported = notRuns.stream()
                .collect(Collectors.groupingBy(NotRun::jobId, Collectors.mapping(NotRun::fireMs, Collectors.toCollection(TreeSet::new))));
        Map<String, Set<Long>> ran = bodies.stream()
                .collect(Collectors.groupingBy(Body::jobId, Collectors.mapping(Body::fireMs, Collectors.toCollection(TreeSet::new))));
        for (Spec spec : workload.specs()) {
            Set<Long> ranHere = ran.getOrDefault(spec.jobId(), Set.of());
            Set<Long> reportedHere = reported.getOrDefault(spec.jobId(), Set.of());
            for (long t : spec.fireTimes(faults.fromMs(), faults.horizonMs())) {
                if (!ranHere.contains(t) && !reportedHere.contains(t)) {
                    violations.get(ACCOUNTED).add(spec.jobId() + "@" + faults.at(t) + " neither ran nor was reported missed or skipped; "
                            + around(spec.jobId(), t));
                }
            }
            for (long t : union(ranHere, reportedHere)) {
                if (!spec.schedules(t)) {
                    violations.get(ACCOUNTED).add(spec.jobId() + "@" + faults.at(t) + " ran or was reported but was never scheduled");
                }
            }
        }
        // A failed attempt on a node that lived on is retried: its next attempt starts.
        for (Body b : bodies) {
            Spec spec = workload.spec(b.jobId());
            if ("failed".equals(b.outcome()) && b.attempt() <= spec.failAttempts() && b.endMs() < faults.horizonMs() - 1_000
                    && !faults.faultedAfter(b.node(), b.startMs())) {
                boolean retried = bodies.stream().anyMatch(o -> o.jobId().equals(b.jobId()) && o.fireMs() == b.fireMs()
                        && o.attempt() == b.attempt() + 1);
                if (!retried) {
                    violations.get(ACCOUNTED).add("failed attempt was never retried: " + faults.describe(b));
                }
            }
        }
    }

    private void neverEarly() {
        for (Body b : bodies) {
            if (b.startMs() < b.fireMs()) {
                violations.get(NEVER_EARLY).add("started " + (b.fireMs() - b.startMs()) + " ms before its fire time: " + faults.describe(b));
            }
        }
        byJob().forEach((job, runs) -> {
            Spec spec = workload.spec(job);
            if (spec.kind() != Kind.FIXED_DELAY) {
                return;
            }
            // Consecutive fire times; a frozen body is left out (its firing was recovered, and the
            // next fire time follows the recovery's end).
            List<Body> inFireOrder = runs.stream().filter(b -> !faults.frozen(b)).sorted(Comparator.comparingLong(Body::fireMs)).toList();
            for (int i = 1; i < inFireOrder.size(); i++) {
                Body previous = inFireOrder.get(i - 1);
                Body next = inFireOrder.get(i);
                // Like with like: the engine sets the next fire time from the previous run's end on
                // its own clock (the cluster clock, the database's as its node measures it); the
                // body read that same clock as it returned. That the next body then starts no
                // earlier than its fire time is checked above, on the database's clock.
                if (previous.fireMs() != next.fireMs() && previous.engineEndMs() != null
                        && next.fireMs() < previous.engineEndMs() + spec.stepMs()) {
                    violations.get(NEVER_EARLY).add(job + " was due " + (previous.engineEndMs() + spec.stepMs() - next.fireMs())
                            + " ms sooner than its delay of " + spec.stepMs() + " ms after the previous run ended (on the engine's "
                            + "clock, read as the body returned at " + faults.at(previous.engineEndMs()) + "): "
                            + faults.describe(previous) + " / " + faults.describe(next));
                }
            }
        });
    }

    /**
     * Per job, among the bodies not frozen: a body that starts after another body ended carries a
     * higher token (what lets a resource reject the stale writer). That holds for the attempts of
     * one run too: a retry, like a recovery, takes a fresh token just before its body. Two bodies
     * that overlap (maxInstances 2) may start in either order.
     */
    private void fencing() {
        byJob().forEach((job, runs) -> {
            List<Body> fenced = runs.stream().filter(b -> b.token() != null && !faults.frozen(b)).toList();
            for (Body later : fenced) {
                for (Body earlier : fenced) {
                    if (earlier != later && earlier.endMs() != null && earlier.endMs() <= later.startMs()
                            && earlier.token() >= later.token()) {
                        violations.get(FENCING).add(job + ": token " + later.token() + " is not above the token " + earlier.token()
                                + " of a body that ended before it started: " + faults.describe(earlier) + " / "
                                + faults.describe(later));
                    }
                }
            }
        });
    }

    /** The job's bodies and reports within 3 s of {@code t}, to read the interleaving from. */
    private String around(String jobId, long t) {
        List<String> near = bodies.stream().filter(b -> b.jobId().equals(jobId) && Math.abs(b.fireMs() - t) <= 3_000)
                .map(faults::describe).toList();
        List<String> reported = notRuns.stream().filter(n -> n.jobId().equals(jobId) && Math.abs(n.fireMs() - t) <= 3_000)
                .map(n -> n.kind() + " " + faults.at(n.fireMs()) + " by " + n.node() + " at " + faults.at(n.atMs())).toList();
        return "bodies near it: " + near + "; reported near it: " + reported;
    }

    private String describe(List<Body> runs) {
        return runs.stream().map(faults::describe).collect(Collectors.joining("; "));
    }

    private static Set<Long> union(Set<Long> a, Set<Long> b) {
        Set<Long> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    /** One line per invariant, HOLDS or its first violations, for the failure message. */
    String report() {
        return report(25);
    }

    /** One line per invariant, HOLDS or up to {@code limit} of its violations (the report file has all). */
    String report(int limit) {
        StringBuilder s = new StringBuilder();
        boolean tokens = bodies.stream().anyMatch(b -> b.token() != null);
        violations.forEach((name, list) -> {
            if (name.equals(FENCING) && !tokens) {
                s.append("N/A    ").append(name).append(" (no body recorded a token)\n");
                return;
            }
            s.append(list.isEmpty() ? "HOLDS  " : "FAILS  ").append(name).append('\n');
            list.stream().limit(limit).forEach(v -> s.append("         - ").append(v).append('\n'));
            if (list.size() > limit) {
                s.append("         ... and ").append(list.size() - limit).append(" more\n");
            }
        });
        return s.toString();
    }
}
