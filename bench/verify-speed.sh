#!/usr/bin/env bash
# Verification speed: fills a fresh data folder with N decision-sized entries (default
# 100,000; a checkpoint every 10,000), then times `veto verify` on it (chain, hashes,
# canonical form, Ed25519 signatures, Merkle tree, checkpoints), a bundle export and its
# verification, and the ledger's reopen (recovery with the Merkle tree rebuild).
#
# usage: bench/verify-speed.sh [ENTRIES]
set -euo pipefail
cd "$(dirname "$0")/.."
entries="${1:-100000}"
if [ $# -gt 1 ] || ! [[ "$entries" =~ ^[1-9][0-9]{0,7}$ ]] || [ "$entries" -lt 2 ]; then
  echo "usage: bench/verify-speed.sh [ENTRIES]  (one whole number, 2 to 99999999)" >&2
  exit 2
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
data="$out/data"

mvn -B -q -DskipTests package test-compile
mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$out/cp.txt"
cp="target/classes:target/test-classes:$(cat "$out/cp.txt")"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "java: $(java -version 2>&1 | head -1)"

java -XX:+UseParallelGC -cp "$cp" dev.veto.bench.LedgerFill "$entries" "$data"

start=$(date +%s.%N)
java -XX:+UseParallelGC -jar target/veto.jar verify --data "$data"
end=$(date +%s.%N)
awk -v n="$entries" -v s="$start" -v e="$end" \
  'BEGIN { t = e - s; printf "verify: %.1f s wall (JVM start included), %.0f entries/s\n", t, n / t }'

last=$((entries / 2))
start=$(date +%s.%N)
java -jar target/veto.jar export --data "$data" --from 1 --to "$last" --out "$out/bundle.json"
java -jar target/veto.jar verify --bundle "$out/bundle.json" --key "$data/keys/signing-key.pub.pem"
end=$(date +%s.%N)
awk -v n="$last" -v s="$start" -v e="$end" \
  'BEGIN { t = e - s; printf "export + verify --bundle of %d entries: %.1f s wall\n", n, t }'
