#!/usr/bin/env bash
# Stops the Podman API service scripts/podman-up.sh started in DIR (default $PODMAN_DIR or
# /tmp/ucloud-podman), by the pid in its pid file. Containers and images are left as they are.
set -euo pipefail

DIR=$(realpath -m "${1:-${PODMAN_DIR:-/tmp/ucloud-podman}}")

[ -f "$DIR/podman.pid" ] || exit 0
pid=$(cat "$DIR/podman.pid")
rm -f "$DIR/podman.pid"
[ -n "$pid" ] && kill "$pid" 2>/dev/null || exit 0
for _ in $(seq 1 50); do
  kill -0 "$pid" 2>/dev/null || exit 0
  sleep 0.1
done
kill -9 "$pid" 2>/dev/null || true
