package dev.chime.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where the time between a fire time and its body's start went, for Chime's node JVMs in the
 * clustered lateness harness: each node's {@link TracedJobStore} lines joined with the bodies' own
 * start records, all on the machine's wall clock. Phases, each from the fire time: the claim's
 * answer (negative when claimed ahead), the start of the dispatch transaction (for a parked firing:
 * its worker's wake-up and decision), the dispatch's answer, and the body's start; plus the node's
 * cluster-clock lag behind the wall clock when the dispatch began.
 */
final class PhaseBreakdown {

    private record Row(int node, String job, long fireMillis, long claim, long aheadBy, int claimBatch, String claimThread,
                       long dispatchStart, long dispatchEnd, int dispatchBatch, String dispatchThread, long lag, long body) {
    }

    private PhaseBreakdown() {
    }

    static void print(Path dir, int nodes, long from, long to) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            Path tracePath = dir.resolve("node-" + n + ".trace");
            if (!Files.exists(tracePath)) {
                return;
            }
            Map<String, Long> bodyLate = new HashMap<>();
            for (String line : Files.readAllLines(dir.resolve("node-" + n))) {
                String[] f = line.split(" ");
                bodyLate.put(f[0] + "@" + f[1], Long.parseLong(f[2]));
            }
            for (String line : Files.readAllLines(tracePath)) {
                String[] f = line.split(" ");
                long fire = Long.parseLong(f[1]);
                Long late = bodyLate.get(f[0] + "@" + f[1]);
                if (fire < from || fire >= to || late == null) {
                    continue;
                }
                long fireMicros = fire * 1000;
                long claimed = Long.parseLong(f[2]);
                long dStart = Long.parseLong(f[6]);
                long dEnd = Long.parseLong(f[7]);
                rows.add(new Row(n, f[0], fire, claimed - fireMicros, Long.parseLong(f[3]), Integer.parseInt(f[4]), f[5],
                        dStart == 0 ? Long.MIN_VALUE : dStart - fireMicros, dEnd == 0 ? Long.MIN_VALUE : dEnd - fireMicros,
                        Integer.parseInt(f[8]), f[9], Long.parseLong(f[10]), late));
            }
        }
        System.out.printf(Locale.ROOT, "%nchime phases (ms after the fire time, wall clock; p50 / p99 / max), %d runs%n", rows.size());
        System.out.println("| node | path | runs | claim answered | dispatch began | dispatch answered | body started | cluster clock lag |");
        System.out.println("|---|---|---:|---|---|---|---|---|");
        for (int n = 0; n < nodes; n++) {
            for (String path : List.of("W", "D")) {
                int node = n;
                List<Row> part = rows.stream().filter(r -> r.node() == node && r.dispatchThread().equals(path)).toList();
                if (part.isEmpty()) {
                    continue;
                }
                System.out.printf(Locale.ROOT, "| %d | %s | %d | %s | %s | %s | %s | %s |%n", n,
                        path.equals("W") ? "parked" : "dispatcher", part.size(), stats(part, Row::claim),
                        stats(part, Row::dispatchStart), stats(part, Row::dispatchEnd), stats(part, Row::body), stats(part, Row::lag));
            }
        }
        System.out.println("\nlatest 25 bodies: node job fire | claim ahead-by batch thread | dispatch start end batch thread | lag | body (ms)");
        rows.stream().sorted(Comparator.comparingLong(Row::body).reversed()).limit(25).forEach(r -> System.out.printf(Locale.ROOT,
                "%d %s %d | %.1f %.1f %d %s | %.1f %.1f %d %s | %.1f | %.1f%n", r.node(), r.job(), r.fireMillis() % 100_000,
                ms(r.claim()), ms(r.aheadBy()), r.claimBatch(), r.claimThread(), ms(r.dispatchStart()), ms(r.dispatchEnd()),
                r.dispatchBatch(), r.dispatchThread(), ms(r.lag()), ms(r.body())));
    }

    private static String stats(List<Row> rows, java.util.function.ToLongFunction<Row> phase) {
        long[] v = rows.stream().mapToLong(phase).filter(x -> x != Long.MIN_VALUE).sorted().toArray();
        if (v.length == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.1f / %.1f / %.1f", ms(v[v.length / 2]),
                ms(v[(int) Math.min(v.length - 1, Math.ceil(0.99 * v.length) - 1)]), ms(v[v.length - 1]));
    }

    private static double ms(long micros) {
        return micros == Long.MIN_VALUE ? Double.NaN : micros / 1000.0;
    }
}
