#!/usr/bin/env bash
# Benchmarks the decide path on this machine:
#  1. POST /v1/decide over loopback against the real jar, 16 connections, fsync on, then off;
#  2. JMH: one rule evaluation, one signature, one canonicalisation, in process.
# Usage: bench/run.sh [SECONDS] [CONNECTIONS]   (defaults 20 and 16)
# Output goes to stdout and bench/out/. Run from anywhere; needs only Java 17 and Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
connections=${2:-16}
port=${VETO_BENCH_PORT:-18181}
out=bench/out
mkdir -p "$out"

mvn -B -q -DskipTests package test-compile
mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$out/cp.txt"
cp="target/test-classes:target/classes:$(cat "$out/cp.txt")"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "java: $(java -version 2>&1 | head -1)"

run_load() {
  local label=$1; shift
  local data
  data=$(mktemp -d)
  # ParallelGC: see README (G1's default pause goal lets young pauses reach tens of ms here).
  java -XX:+UseParallelGC -jar target/veto.jar serve --port "$port" --data "$data" \
    --rules rules "$@" \
    > "$out/serve-$label.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/health" > /dev/null 2>&1 && break
    sleep 0.5
  done
  echo "== decide over loopback, $label, $connections connections, ${seconds}s =="
  # 20 s of warm-up: the JIT is still compiling Drools' and Netty's paths for that long.
  java -cp "$cp" dev.veto.bench.DecideLoad "$port" "$connections" 20 "$seconds"
  kill "$pid"; wait "$pid" || true
  java -jar target/veto.jar verify --data "$data" | sed 's/^/ledger: /'
  rm -rf "$data"
}

run_load "fsync-on"
run_load "fsync-off" --no-fsync

echo "== JMH: in-process cost of the hot path's parts =="
java -cp "$cp" org.openjdk.jmh.Main 'HotPathBenchmark|PipelineBenchmark' -f 1 -wi 3 -w 2s \
  -i 5 -r 2s -rf text -rff "$out/jmh.txt" 2>&1 | grep -E '^(Benchmark|HotPath|Pipeline)'
