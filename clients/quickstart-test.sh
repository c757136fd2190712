#!/usr/bin/env bash
# Runs README.md's quick start as a person would: make two tokens, start Veto with them, run
# the ten-line Python example (clients/python/examples/quickstart.py), approve its transfer
# as the approver, and check that the tool ran exactly once. The README's commands and its
# Python block are compared with what runs here, so the two cannot drift apart.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
pid=""
agent_pid=""
cleanup() {
  for p in $agent_pid $pid; do kill "$p" 2> /dev/null || true; wait "$p" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# The commands as README.md gives them (each must appear there word for word).
make_agent='java -jar target/veto.jar token --file tokens.yaml --name billing-agent --role agent --agent-id billing-agent'
make_alice='java -jar target/veto.jar token --file tokens.yaml --name alice --role approver'
serve='java -jar target/veto.jar serve --tokens tokens.yaml'
for line in "mvn -B -q -DskipTests package" "$make_agent" "$make_alice" "$serve" \
    "PYTHONPATH=clients/python python3 clients/python/examples/quickstart.py"; do
  grep -qF -- "$line" README.md || { echo "FAIL: README.md lacks: $line" >&2; exit 1; }
done
python3 - << 'PY'
import re, sys
readme = open("README.md", encoding="utf-8").read()
example = open("clients/python/examples/quickstart.py", encoding="utf-8").read()
blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
if example not in blocks:
    sys.exit("FAIL: README.md's Python quick start differs from clients/python/examples/quickstart.py")
PY

[ -f target/veto.jar ] || mvn -B -q -DskipTests package
repo=$(pwd)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"

# The same commands, run in a scratch folder (tokens.yaml and data/ land there), on a free
# port instead of 8181 so a Veto already running here is not disturbed.
cd "$work"
ln -s "$repo/target" target
ln -s "$repo/rules" rules
agent_token=$($make_agent 2> /dev/null)
alice_token=$($make_alice 2> /dev/null)
$serve --port "$port" > veto.log 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  if python3 -c "import urllib.request; urllib.request.urlopen('$url/health')" 2> /dev/null; then
    break
  fi
  sleep 0.5
done

cd "$repo"
echo "quick start: the agent asks to transfer 5; it waits for an approver"
VETO_URL=$url VETO_TOKEN=$agent_token PYTHONPATH=clients/python \
  python3 clients/python/examples/quickstart.py > "$work/agent.out" 2>&1 &
agent_pid=$!

echo "quick start: the approver sees it and approves (the page does the same: see clients/ui-test)"
VETO_URL=$url ALICE=$alice_token python3 - << 'PY'
import json, os, time, urllib.request
url, token = os.environ["VETO_URL"], os.environ["ALICE"]
def call(method, path, body=None):
    request = urllib.request.Request(url + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"authorization": "Bearer " + token, "content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.load(r)
for _ in range(100):
    items = call("GET", "/v1/approvals?status=pending")["items"]
    if items:
        assert items[0]["tool"] == "BankManagerTransferFunds", items
        assert items[0]["args"] == {"amount": 5, "to": "ACME Ltd"}, items
        print("approved:", call("POST", "/v1/approvals/" + items[0]["id"],
                               {"decision": "approve", "comment": "quick start"})["status"])
        break
    time.sleep(0.2)
else:
    raise SystemExit("FAIL: no approval appeared")
PY

wait "$agent_pid" || { echo "FAIL: the example failed:" >&2; cat "$work/agent.out" >&2; exit 1; }
agent_pid=""
cat "$work/agent.out"
runs=$(grep -c '^sending 5 to ACME Ltd$' "$work/agent.out" || true)
[ "$runs" = 1 ] || { echo "FAIL: the tool ran $runs times" >&2; exit 1; }
grep -qx 'sent' "$work/agent.out" || { echo "FAIL: no result printed" >&2; exit 1; }
echo "quick start: 1 passed, 0 failed"
