#!/usr/bin/env bash
# No container engine runs on the project's machines, so this runs what the image runs:
# the Dockerfile's environment (read from the Dockerfile itself), its entry point
# veto-start.sh with the default command, and its HEALTHCHECK, against target/veto.jar.
# Also checks that the start refuses to listen without tokens and that Prometheus's
# scrape path answers.
set -euo pipefail
cd "$(dirname "$0")/.."

jar=${VETO_JAR:-target/veto.jar}
[ -f "$jar" ] || { echo "missing $jar: run mvn -B -q -DskipTests package" >&2; exit 1; }
work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The image's ENV line, taken from the Dockerfile so the test cannot drift from it.
tool_options=$(sed -n 's/^ENV JAVA_TOOL_OPTIONS="\([^"]*\)".*/\1/p' docker/Dockerfile)
[[ $tool_options == *-XX:MaxRAMPercentage=* ]] || { echo "no MaxRAMPercentage" >&2; exit 1; }
[[ $tool_options == *-XX:+UseParallelGC* ]] || { echo "no UseParallelGC" >&2; exit 1; }
grep -q '^USER veto' docker/Dockerfile
grep -q '^VOLUME \["/data"\]' docker/Dockerfile
grep -q 'CMD \["/app/veto-start.sh", "health"\]' docker/Dockerfile
grep -q '^ENTRYPOINT \["/app/veto-start.sh"\]' docker/Dockerfile
grep -q 'metrics_path: /metrics' docker/prometheus.yml
grep -q 'targets: \["veto:8181"\]' docker/prometheus.yml
grep -q 'veto-alerts.yml' docker/prometheus.yml
grep -q './veto-alerts.yml:/etc/prometheus/veto-alerts.yml' docker/compose.yaml

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export JAVA_TOOL_OPTIONS="$tool_options" VETO_JAR="$jar" VETO_PORT="$port"
export VETO_DATA="$work/data" VETO_RULES=rules VETO_TOKENS="$work/secrets/veto-tokens"

echo "image check: without a token file the start refuses"
if docker/veto-start.sh serve > "$work/refused.log" 2>&1; then
  echo "FAIL: started without tokens" >&2; exit 1
fi
grep -q "no token file" "$work/refused.log"

echo "image check: the health check fails while nothing listens"
if docker/veto-start.sh health 2> /dev/null; then
  echo "FAIL: healthy with no server" >&2; exit 1
fi

mkdir -p "$work/secrets"
docker/veto-start.sh token --file "$VETO_TOKENS" --name alice --role approver \
  > "$work/alice.token" 2> /dev/null
echo "image check: the default command (serve) on port $port with the image's JVM options"
docker/veto-start.sh > "$work/veto.log" 2>&1 &
pid=$!
healthy=0
for _ in $(seq 1 120); do
  if docker/veto-start.sh health 2> /dev/null; then healthy=1; break; fi
  kill -0 "$pid" 2> /dev/null || break
  sleep 0.5
done
if [ "$healthy" != 1 ]; then
  echo "FAIL: the health check never passed" >&2; cat "$work/veto.log" >&2; exit 1
fi
grep -q "Picked up JAVA_TOOL_OPTIONS: $tool_options" "$work/veto.log"
grep -q 'auth="tokens"' "$work/veto.log"
grep -q 'host="0.0.0.0"' "$work/veto.log"
metrics=$(python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/metrics').read().decode())")
[[ $metrics == *veto_decide_latency_seconds* ]] || { echo "FAIL: no veto metrics" >&2; exit 1; }

kill "$pid"; wait "$pid" 2> /dev/null || true; pid=""
echo "image check: the health check fails again once Veto stops"
if docker/veto-start.sh health 2> /dev/null; then
  echo "FAIL: healthy after stop" >&2; exit 1
fi
echo "image checks: 7 passed, 0 failed"
