#!/usr/bin/env bash
# Benchmarks the decide path on this machine, and optionally a peer PDP in the same run:
#  1. POST /v1/decide over loopback against the real jar with fsync on, at 1, 16 and 64
#     connections: the most it does (closed loop), then latency at 80% of that rate sent on
#     a fixed schedule (constant rate, so no coordinated omission);
#  2. with --peer cerbos: the Cerbos PDP (its Linux binary from the npm package
#     @cerbos/cerbos-linux-x64, installed into a temporary folder) with an equivalent
#     tier-and-budget policy, the same generator and mix, and the ratio;
#  3. JMH: one rule evaluation, one signature, one ledger append, one canonicalisation.
# Usage: bench/run.sh [--peer cerbos] [--no-jmh] [SECONDS]   (default 10 s a measurement)
# Output goes to stdout and bench/out/. Needs Java 17 and Maven; npm for --peer cerbos.
set -euo pipefail
cd "$(dirname "$0")/.."
peer=""
jmh=yes
usage="usage: bench/run.sh [--peer cerbos] [--no-jmh] [SECONDS]"
while [ $# -gt 0 ]; do
  case "$1" in
    --peer)
      [ $# -ge 2 ] && [ -n "$2" ] || { echo "$usage  (--peer needs a name)" >&2; exit 2; }
      peer=$2; shift 2 ;;
    --no-jmh) jmh=no; shift ;;
    -*) echo "$usage  (unknown option: $1)" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [ "$peer" != "" ] && [ "$peer" != cerbos ]; then
  echo "$usage  (the only peer is cerbos; got: '$peer')" >&2
  exit 2
fi
seconds=${1:-10}
if ! [[ "$seconds" =~ ^[1-9][0-9]{0,3}$ ]] || [ $# -gt 1 ]; then
  echo "$usage  (SECONDS one whole number, 1 to 9999)" >&2
  exit 2
fi
port=${VETO_BENCH_PORT:-18181}
cerbos_port=${CERBOS_BENCH_PORT:-18592}
cerbos_version=0.55.0
out=bench/out
mkdir -p "$out"
: > "$out/results.txt"

mvn -B -q -DskipTests package test-compile
mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$out/cp.txt"
cp="target/test-classes:target/classes:$(cat "$out/cp.txt")"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "java: $(java -version 2>&1 | head -1)"

await_port() {
  for _ in $(seq 1 120); do
    curl -fsS "$1" > /dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "not healthy: $1" >&2
  return 1
}

# Closed loop for the peak, then a constant rate at 80% of it for honest percentiles.
measure() {
  local target=$1 p=$2
  for c in 1 16 64; do
    local closed rate
    closed=$(java -cp "$cp" dev.veto.bench.DecideLoad "$target" "$p" "$c" 3 "$seconds")
    echo "$closed" | tee -a "$out/results.txt"
    rate=$(echo "$closed" | sed -E 's/.*throughput=([0-9]+).*/\1/')
    rate=$(( rate * 8 / 10 ))
    [ "$rate" -lt 10 ] && rate=10
    java -cp "$cp" dev.veto.bench.DecideLoad "$target" "$p" "$c" 5 "$seconds" "$rate" \
      | tee -a "$out/results.txt"
  done
}

run_veto() {
  local data
  data=$(mktemp -d)
  # ParallelGC: see README (G1's default pause goal lets young pauses reach tens of ms here).
  # No background snapshots: one costs seconds of a core, grows with the state, and would land
  # in some measurements and not others; bench/scale.sh startup and README give its cost.
  java -XX:+UseParallelGC -jar target/veto.jar serve --port "$port" --data "$data" \
    --rules rules --snapshot-every 0 > "$out/serve.log" 2>&1 &
  local pid=$!
  await_port "http://127.0.0.1:$port/health"
  echo "== Veto, fsync on, background snapshots off: JIT warm-up (20 s)," \
    "then $seconds s a measurement =="
  # 20 s of warm-up: the JIT is still compiling Drools' and Netty's paths for that long.
  java -cp "$cp" dev.veto.bench.DecideLoad veto "$port" 16 20 1 > /dev/null
  measure veto "$port"
  kill "$pid"; wait "$pid" || true
  java -jar target/veto.jar verify --data "$data" | sed 's/^/ledger: /'
  rm -rf "$data"
}

run_cerbos() {
  local dir
  dir=$(mktemp -d)
  echo "== Cerbos $cerbos_version (npm @cerbos/cerbos-linux-x64, into $dir) =="
  npm install --silent --no-audit --no-fund --prefix "$dir" \
    "@cerbos/cerbos-linux-x64@$cerbos_version" > /dev/null
  mkdir -p "$dir/policies"
  cp bench/cerbos/tool.yaml "$dir/policies/"
  sed -e "s/CERBOS_PORT/$cerbos_port/" -e "s/CERBOS_GRPC_PORT/$((cerbos_port + 1))/" \
    bench/cerbos/config.yaml > "$dir/config.yaml"
  (cd "$dir" && exec node_modules/@cerbos/cerbos-linux-x64/cerbos-linux-x64 server \
    --config=config.yaml --log-level=error) > "$out/cerbos.log" 2>&1 &
  local pid=$!
  await_port "http://127.0.0.1:$cerbos_port/_cerbos/health"
  java -cp "$cp" dev.veto.bench.DecideLoad cerbos "$cerbos_port" 16 10 1 > /dev/null
  measure cerbos "$cerbos_port"
  kill "$pid"; wait "$pid" || true
  rm -rf "$dir"
}

run_veto
if [ "$peer" = cerbos ]; then
  run_cerbos
  echo "== side by side (closed-loop peak; p99 at 80% of each one's own peak) =="
  java -cp "$cp" dev.veto.bench.BenchTable "$out/results.txt"
  echo "Cerbos keeps no budgets, no idempotency keys and no ledger, and signs nothing: each"
  echo "Veto decision here also charges a budget, is signed and fsynced before its answer."
  echo "The comparison is conservative for Veto."
fi

if [ "$jmh" = yes ]; then
  echo "== JMH: in-process cost of the hot path's parts =="
  java -cp "$cp" org.openjdk.jmh.Main 'HotPathBenchmark|PipelineBenchmark' -f 1 -wi 3 -w 2s \
    -i 5 -r 2s -rf text -rff "$out/jmh.txt" 2>&1 | grep -E '^(Benchmark|HotPath|Pipeline)'
fi
