#!/usr/bin/env bash
# The container's entry point (docker/Dockerfile), also run outside a container by
# docker/test-image-command.sh.
#   serve [more serve options]  start Veto from the VETO_* variables (the default command)
#   health                      exit 0 when GET /health answers 200 (the HEALTHCHECK)
#   token|verify|check ...      any other veto command, e.g. `token --file ... --name ...`
set -euo pipefail

VETO_JAR=${VETO_JAR:-/app/veto.jar}
VETO_HOST=${VETO_HOST:-0.0.0.0}
VETO_PORT=${VETO_PORT:-8181}
VETO_DATA=${VETO_DATA:-/data}
VETO_RULES=${VETO_RULES:-/app/rules}
VETO_TOKENS=${VETO_TOKENS:-/run/secrets/veto-tokens}

command=${1:-serve}
[ $# -gt 0 ] && shift

case "$command" in
  serve)
    args=(serve --host "$VETO_HOST" --port "$VETO_PORT" --data "$VETO_DATA"
      --rules "$VETO_RULES")
    if [ -f "$VETO_TOKENS" ]; then
      args+=(--tokens "$VETO_TOKENS")
    elif [ "${VETO_OPEN_MODE:-}" != "1" ]; then
      # Listening on a network without tokens would let anyone approve anything.
      echo "veto-start: no token file at $VETO_TOKENS; mount one (see docker/compose.yaml)" \
        "or set VETO_OPEN_MODE=1 for a throwaway development container" >&2
      exit 64
    fi
    exec java -jar "$VETO_JAR" "${args[@]}" "$@"
    ;;
  health)
    exec 3<>"/dev/tcp/127.0.0.1/$VETO_PORT"
    printf 'GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    IFS= read -r -t 3 status_line <&3
    [[ $status_line == "HTTP/1."?" 200 "* ]]
    ;;
  *)
    exec java -jar "$VETO_JAR" "$command" "$@"
    ;;
esac
