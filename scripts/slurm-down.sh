#!/usr/bin/env bash
# Stops the cluster scripts/slurm-up.sh started in DIR (default $SLURM_DIR or /tmp/ucloud-slurm):
# slurmd, slurmctld and munged, each by the pid in its pid file. Leaves the directory in place.
set -euo pipefail

DIR=$(realpath -m "${1:-${SLURM_DIR:-/tmp/ucloud-slurm}}")

stop() {
  local pidfile=$1 pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

stop "$DIR/slurmd.pid"
stop "$DIR/slurmctld.pid"
stop "$DIR/munge/munged.pid"
