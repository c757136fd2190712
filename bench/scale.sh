#!/usr/bin/env bash
# How Veto's costs move as the work grows (in process, fsync off, one line a measurement):
#  - evaluation latency with 10, 100 and 1,000 generated rules beside the shipped ones;
#  - decide latency and heap per task with 1,000 to 1,000,000 live tasks;
#  - start-up time with a ledger of 10,000 to 1,000,000 entries, replaying every entry (no
#    snapshot yet) and then from the snapshot that first start wrote.
# Usage: bench/scale.sh [rules|tasks|startup]...   (default: all three)
# Output goes to stdout and bench/out/scale.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

probes=("$@")
[ ${#probes[@]} -eq 0 ] && probes=(rules tasks startup)
for name in "${probes[@]}"; do
  case "$name" in
    rules | tasks | startup) ;;
    *) echo "usage: bench/scale.sh [rules|tasks|startup]...  (unknown: $name)" >&2; exit 2 ;;
  esac
done

out=bench/out
mkdir -p "$out"
mvn -B -q -DskipTests package test-compile
mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$out/cp.txt"
cp="target/test-classes:target/classes:$(cat "$out/cp.txt")"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

# ParallelGC and a heap large enough for a million tasks, sized from the start (-Xms) so
# that reading a large snapshot does not go through a series of full GCs growing it.
probe() {
  local log="$out/scale-$1.log"
  if ! java -XX:+UseParallelGC -Xms2g -Xmx4g -cp "$cp" dev.veto.bench.ScaleProbe "$@" \
    2>> "$log" | tee -a "$out/scale.txt"; then
    echo "scale.sh: probe $* failed; the end of $log:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
}

# Start-up is measured in a JVM of its own, as a restart is: cold JIT, cold heap. The first
# start replays every entry (and writes a snapshot), the second reads that snapshot.
startup() {
  for entries in 10000 100000 1000000; do
    local data
    data=$(mktemp -d -t veto-startup.XXXXXX)
    probe fill "$data" "$entries" > /dev/null
    probe open "$data"
    probe open "$data"
    rm -rf "$data"
  done
}

for name in "${probes[@]}"; do
  case "$name" in
    rules) probe rules 10 100 1000 ;;
    tasks) probe tasks 1000 10000 100000 1000000 ;;
    startup) startup ;;
  esac
done
