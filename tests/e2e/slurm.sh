# tests/e2e/slurm.sh: a single-node Slurm cluster for a test, all of it in
# one temporary directory; source it (as root) after lib.sh.
#
#   slurm_start LOGS  make a root-owned directory under /tmp (munged refuses
#                     any directory on its paths that another user owns, such
#                     as the test's own), write slurm.conf there, start
#                     munged, slurmctld and slurmd (each in the foreground of a
#                     background job, so their pids are known), wait until
#                     the node is idle; exports SLURM_CONF. Returns 1 (with
#                     the daemons' last words) if the cluster does not come up
#                     within 30 s.
#   slurm_stop        stop all three by pid, SIGTERM then SIGKILL after 10 s,
#                     keep their logs in LOGS and remove the directory;
#                     slurm_start arranges for it to run on exit, also when
#                     the test fails.
#   slurm_as USER CMD...  run CMD as USER with SLURM_CONF (jobs run as that user:
#                     recent Slurm refuses `sbatch --uid` from root).
#
# UMLLAB_SLURM_CPUS: how many CPUs the node says it has (default: nproc). More than
# the machine has (the bench gives two per core, as many tasks at once as a
# local grade runs) is taken as configured (SlurmdParameters=config_overrides).
#
# Everything talks over 127.0.0.1 (SlurmctldHost=NAME(127.0.0.1), NodeAddr),
# whether or not the host's name resolves. Nothing is installed system-wide
# or read from /etc/slurm: the daemons are
# given DIR/slurm.conf with -f, munged its own key and socket (slurm finds
# the socket through AuthInfo=socket=...). Facts learned making this work:
# docs/dev/NOTES.md, "Slurm".
slurm_pids=()
slurm_dir=""
slurm_logs=""

# The start of a test that runs the cluster: it needs root (for the daemons;
# the test skips, and passes, without it) and Slurm's programs, the daemons'
# and those given.
slurm_test_begin() {
	if [ "$(id -u)" != 0 ]; then
		echo "skipped: running Slurm's daemons needs root (CI runs as root)"
		exit 0
	fi
	local c
	for c in munged slurmctld slurmd "$@"; do
		command -v "$c" >/dev/null || { echo "FAILED: $c is missing: run tests/deps.sh"; exit 1; }
	done
}

slurm_start() {
	local dir host mem
	slurm_logs=$1
	dir=$(mktemp -d /tmp/umllab-slurm.XXXXXX) || return 1
	slurm_dir=$dir
	trap 'slurm_stop; slurm_then_on_exit' EXIT
	host=$(hostname -s)
	mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
	# munged insists: its key 0400 and owned by the user it runs as, its
	# directories not writable by others; clients need x on the socket's.
	chmod 755 "$dir" "$dir/munge"
	dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
	chmod 400 "$dir/munge/munge.key"
	# RealMemory: what the node has, less a margin, in MB.
	mem=$(awk '/^MemTotal:/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)
	cat >"$dir/slurm.conf" <<EOF
ClusterName=umllabtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
SlurmctldPort=$((20000 + RANDOM % 20000))
SlurmdPort=$((40000 + RANDOM % 20000))
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
ReturnToService=2
MpiDefault=none
SwitchType=switch/none
KillWait=10
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
SlurmdParameters=config_overrides
NodeName=$host NodeAddr=127.0.0.1 CPUs=${UMLLAB_SLURM_CPUS:-$(nproc)} RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
	chmod 644 "$dir/slurm.conf"
	export SLURM_CONF=$dir/slurm.conf
	munged -F --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
		--pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munged.seed" \
		--log-file="$dir/log/munged.log" >>"$dir/log/munged.out" 2>&1 &
	slurm_pids+=($!)
	for _ in $(seq 50); do [ -S "$dir/munge/munge.socket" ] && break; sleep 0.1; done
	if [ ! -S "$dir/munge/munge.socket" ]; then
		echo "slurm: munged did not start:"
		tail -n 5 "$dir/log/munged.out"
		return 1
	fi
	slurmctld -D -f "$dir/slurm.conf" >>"$dir/log/slurmctld.out" 2>&1 &
	slurm_pids+=($!)
	slurmd -D -f "$dir/slurm.conf" >>"$dir/log/slurmd.out" 2>&1 &
	slurm_pids+=($!)
	local state=""
	for _ in $(seq 300); do
		# Bounded: a client retries a controller that does not answer.
		state=$(timeout 5 sinfo -h -N -o '%T' 2>/dev/null | head -1)
		[ "$state" = idle ] && return 0
		sleep 0.1
	done
	echo "slurm: the node is not idle after 30 s (state: ${state:-none}); the daemons said:"
	local f
	for f in "$dir"/log/*.out; do echo "== $f"; tail -n 10 "$f"; done
	return 1
}

# What the sourcing script's own EXIT trap did (lib.sh's clean-up), if any.
slurm_then_on_exit() {
	if declare -F lib_cleanup >/dev/null; then lib_cleanup; fi
}

slurm_stop() {
	local pid
	[ -n "$slurm_dir" ] || return 0
	# slurmd first (it may still run job steps), munged last (the others need it to stop cleanly).
	for pid in "${slurm_pids[2]:-}" "${slurm_pids[1]:-}" "${slurm_pids[0]:-}"; do
		[ -n "$pid" ] || continue
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	slurm_pids=()
	mkdir -p "$slurm_logs"
	cp "$slurm_dir"/log/* "$slurm_dir/slurm.conf" "$slurm_logs/" 2>/dev/null
	rm -rf "$slurm_dir"
	slurm_dir=""
}

slurm_as() {
	local user=$1
	shift
	setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups env SLURM_CONF="$SLURM_CONF" "$@"
}
