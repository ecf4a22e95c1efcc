#!/usr/bin/env bash
# Starts (or stops) a throw-away single-node Slurm cluster in folder $1: munged on its own socket and
# key, slurmctld and slurmd with a config that needs no systemd, cgroups or accounting (as in a
# container). Prints `export SLURM_CONF=…` on success. Needs root (slurmd runs jobs as their user)
# and Debian's slurm-wlm + munge. Usage: single-node-slurm.sh start|stop <folder>
set -euo pipefail
action="$1"
dir="$(mkdir -p "$2" && cd "$2" && pwd)"
conf="$dir/slurm.conf"
# stops a daemon and waits (at most 10 s) until it has exited, so that its folder can be removed
stop_daemon() {
  [ -f "$dir/$1.pid" ] || return 0
  local pid
  pid="$(cat "$dir/$1.pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  rm -f "$dir/$1.pid"
}
if [ "$action" = stop ]; then
  stop_daemon slurmd; stop_daemon slurmctld; stop_daemon munged
  exit 0
fi
host="$(hostname -s)"
cpus="$(nproc)"
mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
mkdir -p "$dir/munge" "$dir/spool/ctld" "$dir/spool/d" "$dir/log"
chmod 700 "$dir/munge"
[ -f "$dir/munge/munge.key" ] || { dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none; chmod 400 "$dir/munge/munge.key"; }
# a port pair from the folder's name, so that two test folders do not collide
port=$(( 20000 + $(printf '%s' "$dir" | cksum | cut -d' ' -f1) % 20000 ))
cat > "$conf" <<CONF
ClusterName=meanfield-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$dir/munge/socket
CredType=cred/munge
StateSaveLocation=$dir/spool/ctld
SlurmdSpoolDir=$dir/spool/d
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
munged --force --socket="$dir/munge/socket" --key-file="$dir/munge/munge.key" --pid-file="$dir/munged.pid" \
  --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed"
export SLURM_CONF="$conf"
slurmctld -f "$conf"
slurmd -f "$conf"
# wait until the node is idle (at most 30 s)
for _ in $(seq 60); do
  state="$(sinfo -h -N -o '%t' 2>/dev/null | head -1 || true)"
  case "$state" in idle*|mix*|alloc*) echo "export SLURM_CONF=$conf"; exit 0 ;; esac
  sleep 0.5
done
echo "slurm did not come up (node state: ${state:-none}); logs in $dir/log" >&2
tail -5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
exit 1
