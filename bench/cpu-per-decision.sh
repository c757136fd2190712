#!/usr/bin/env bash
# Server CPU time per decision of two builds, interleaved (fsync on, 16 connections): a
# comparison that survives a machine shared with other work better than throughput does.
# Each server is warmed up for 15 s, then measured over 15 s of DecideLoad traffic.
#
# usage: bench/cpu-per-decision.sh OLD.jar NEW.jar [ROUNDS] [OLD_RULES_DIR]
# (an older build may not compile today's rules: give it the rules folder of its commit)
# (run `mvn -B -q -DskipTests package test-compile` first; DecideLoad comes from
# target/test-classes)
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: bench/cpu-per-decision.sh OLD.jar NEW.jar [ROUNDS] [OLD_RULES_DIR]"
if [ $# -lt 2 ] || [ $# -gt 4 ] || [ ! -f "$1" ] || [ ! -f "$2" ]; then
  echo "$usage  (two jar files, e.g. a copy of target/veto.jar from each build)" >&2
  exit 2
fi
old="$1"; new="$2"; rounds="${3:-2}"; old_rules="${4:-rules}"
if ! [[ "$rounds" =~ ^[1-9][0-9]{0,2}$ ]] || [ ! -d "$old_rules" ]; then
  echo "$usage  (ROUNDS a whole number, 1 to 999; OLD_RULES_DIR a folder)" >&2
  exit 2
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$out/cp.txt"
cp="target/classes:target/test-classes:$(cat "$out/cp.txt")"
tick=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
seq_of() { curl -s "localhost:$1/health" | sed 's/.*"ledger_seq":\([0-9]*\).*/\1/'; }

run() {
  local jar=$1 port=$2 rules=$3 data
  data="$(mktemp -d)"
  java -XX:+UseParallelGC -jar "$jar" serve --port "$port" --data "$data" --rules "$rules" \
    > "$data/log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 60); do curl -s "localhost:$port/health" > /dev/null && break; sleep 0.5; done
  java -cp "$cp" dev.veto.bench.DecideLoad veto "$port" 16 5 10 > /dev/null 2>&1
  local c0 s0 c1 s1
  c0=$(cpu "$pid"); s0=$(seq_of "$port")
  java -cp "$cp" dev.veto.bench.DecideLoad veto "$port" 16 1 15 2>&1 | grep throughput
  c1=$(cpu "$pid"); s1=$(seq_of "$port")
  awk -v n="$jar" -v c=$((c1 - c0)) -v s=$((s1 - s0)) -v t="$tick" \
    'BEGIN { printf "%s: %d decisions, server CPU %.1f us a decision\n", n, s, c / t * 1e6 / s }'
  kill "$pid"; wait "$pid" 2> /dev/null || true; rm -rf "$data"
}

for _ in $(seq 1 "$rounds"); do
  run "$old" 18281 "$old_rules"
  run "$new" 18282 rules
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$out"
