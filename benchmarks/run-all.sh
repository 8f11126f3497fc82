#!/usr/bin/env bash
# Runs the whole benchmark suite, every peer in the same run, and prints the tables for BENCHMARKS.md.
# About 30 minutes on 2 cores (Quartz's clustered rounds are most of it), plus 6-15 for the enqueue rounds.
# Usage: benchmarks/run-all.sh [lateness-seconds] [enqueued-tasks, default 10000; BENCHMARKS.md names the 100,000 run]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
enqueued="${2:-10000}"
./mvnw -q -B -ntp install -DskipTests
jar=benchmarks/target/benchmarks.jar

echo "== machine"; nproc; grep -m1 "model name" /proc/cpuinfo || true; java -version 2>&1 | head -1
echo "== cron next-fire (JMH)"
java -jar "$jar" CronNextFireBenchmark -f 2 -wi 5 -w 1s -i 5 -r 1s | grep -A6 "^Benchmark"
echo "== throughput"
java -Xms4g -Xmx4g -XX:+AlwaysPreTouch -cp "$jar" dev.chime.benchmarks.ThroughputHarness 1000000 | grep -E "^\||round"
echo "== lateness"
java -cp "$jar" dev.chime.benchmarks.LatenessHarness "$seconds" | grep "^|"
echo "== heap per job"
java -cp "$jar" dev.chime.benchmarks.HeapHarness 1000000 | grep "^|"
echo "== add and remove at 1,000,000 jobs (JMH)"
java -jar "$jar" AddRemoveBenchmark | grep -A4 "^Benchmark"
echo "== clustered throughput on PostgreSQL (needs a server; CHIME_BENCH_PG_URL overrides the default)"
java -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp "$jar" dev.chime.benchmarks.JdbcThroughputHarness \
    "${CHIME_BENCH_PG_URL:-jdbc:postgresql://127.0.0.1:5432/test?user=postgres}" 10000 | grep "^|"
echo "== clustered lateness on PostgreSQL (three node JVMs per scheduler)"
java -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp "$jar" dev.chime.benchmarks.ClusterLatenessHarness \
    "${CHIME_BENCH_PG_URL:-jdbc:postgresql://127.0.0.1:5432/test?user=postgres}" 20 | grep -E "^\||node JVMs"
echo "== enqueue-to-done throughput on PostgreSQL (node JVMs per library: JobRunr, db-scheduler)"
java -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp "$jar" dev.chime.benchmarks.EnqueueThroughputHarness \
    --url="${CHIME_BENCH_PG_URL:-jdbc:postgresql://127.0.0.1:5432/test?user=postgres}" --tasks="$enqueued" | grep -E "^\||worker threads"
