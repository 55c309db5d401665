#!/usr/bin/env bash
# Brings up a fresh single-node Slurm cluster on this machine, for the Slurm plugin's tests and
# for trying the plugin by hand: munged, slurmctld and slurmd as root without systemd, with key,
# config, state, spool and logs under one directory. Any cluster this script started there before
# is stopped and wiped first. Needs root and the Debian packages slurm-wlm and munge.
#
#   scripts/slurm-up.sh [DIR]        DIR defaults to $SLURM_DIR or /tmp/ucloud-slurm
#   export SLURM_CONF=DIR/slurm.conf  points sbatch, squeue, … and the plugin at it
#
# Settings (environment): SLURM_CPUS (default 8: test jobs mostly sleep, so the node may claim
# more CPUs than the machine has), SLURM_MEMORY_MB (default 8192), SLURMCTLD_PORT (6817),
# SLURMD_PORT (6818).
set -euo pipefail

DIR=$(realpath -m "${1:-${SLURM_DIR:-/tmp/ucloud-slurm}}")
CPUS=${SLURM_CPUS:-8}
MEMORY_MB=${SLURM_MEMORY_MB:-8192}
CTLD_PORT=${SLURMCTLD_PORT:-6817}
SLURMD_PORT=${SLURMD_PORT:-6818}
NODE=$(hostname -s)

fail() {
  echo "slurm-up: $*" >&2
  exit 1
}

[ "$(id -u)" = 0 ] || fail "must run as root (slurmd starts jobs as their users)"
for bin in munged slurmctld slurmd sinfo; do
  command -v "$bin" >/dev/null ||
    PATH="$PATH:/usr/sbin:/sbin" command -v "$bin" >/dev/null ||
    fail "$bin is missing: apt-get install -y slurm-wlm munge"
done
export PATH="$PATH:/usr/sbin:/sbin"

"$(dirname "$0")/slurm-down.sh" "$DIR"
rm -rf "$DIR"
mkdir -p "$DIR"/{munge,state,spool,log}
chmod 700 "$DIR/munge"

# munge: a fresh key and a private socket, so the system's munged (if any) is left alone.
dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$DIR/munge/munge.key"
munged --force \
  --key-file="$DIR/munge/munge.key" \
  --socket="$DIR/munge/munge.socket" \
  --pid-file="$DIR/munge/munged.pid" \
  --log-file="$DIR/log/munged.log" \
  --seed-file="$DIR/munge/munged.seed" ||
  fail "munged did not start; see $DIR/log/munged.log"

cat >"$DIR/slurm.conf" <<EOF
# Written by scripts/slurm-up.sh: a single-node test cluster on localhost.
ClusterName=ucloud-test
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$DIR/munge/munge.socket
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
# No systemd, no cgroup setup: track processes by parentage and do not bind tasks.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
# Memory is a consumable resource, so --mem is allocated and sinfo reports its use.
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=100
SchedulerType=sched/backfill
# Schedule a submission at once instead of batching submissions for a few seconds.
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
# The configured CPUs and memory may exceed the machine's (see SLURM_CPUS).
SlurmdParameters=config_overrides
ReturnToService=2
# A job at its time limit (or cancelled) gets SIGTERM, then SIGKILL this many seconds later.
KillWait=2
OverTimeLimit=0
InactiveLimit=0
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEMORY_MB State=UNKNOWN
PartitionName=batch Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

export SLURM_CONF="$DIR/slurm.conf"
slurmctld -c -i || fail "slurmctld did not start; see $DIR/log/slurmctld.log"
slurmd || fail "slurmd did not start; see $DIR/log/slurmd.log"

for _ in $(seq 1 100); do
  state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
  if [ "$state" = idle ]; then
    echo "export SLURM_CONF=$SLURM_CONF" >"$DIR/env"
    echo "slurm-up: node $NODE idle ($CPUS CPUs, $MEMORY_MB MB); export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 0.1
done
fail "node $NODE is '${state:-unknown}' after 10 s, not idle; see $DIR/log/slurmctld.log and slurmd.log"
