#!/bin/sh
# Starts Debian's docker-registry (CNCF distribution) on loopback with its own config and a temp storage dir,
# for build-push tests, benchmarks and rehearsals. Needs: apt-get install -y docker-registry (buildah to build).
#   scripts/local-registry.sh start [port]   prints "127.0.0.1:<port>"; pid and files under $REGISTRY_DIR
#   scripts/local-registry.sh stop
# (The jest suites start their own instance; this is for humans and .ci/run.)
set -eu
REGISTRY_DIR=${REGISTRY_DIR:-/tmp/deploy-suite-registry}
cmd=${1:-start}
case "$cmd" in
start)
  port=${2:-5000}
  command -v docker-registry >/dev/null || { echo "docker-registry not installed: apt-get install -y docker-registry" >&2; exit 1; }
  mkdir -p "$REGISTRY_DIR/storage"
  cat >"$REGISTRY_DIR/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YAML
  docker-registry serve "$REGISTRY_DIR/config.yml" >"$REGISTRY_DIR/registry.log" 2>&1 &
  echo $! >"$REGISTRY_DIR/pid"
  i=0
  until curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 100 ]; then echo "registry did not start; see $REGISTRY_DIR/registry.log" >&2; exit 1; fi
    sleep 0.1
  done
  echo "127.0.0.1:$port"
  ;;
stop)
  if [ -f "$REGISTRY_DIR/pid" ]; then kill "$(cat "$REGISTRY_DIR/pid")" 2>/dev/null || true; rm -f "$REGISTRY_DIR/pid"; fi
  ;;
*)
  echo "usage: $0 start [port] | stop" >&2
  exit 2
  ;;
esac
