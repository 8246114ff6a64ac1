#!/usr/bin/env bash
# tests/bench/run.sh: run umllab's benchmark suite (make bench) and keep its results.
#
# Environment: UMLLAB and SWPROBE (the binaries), OUT (where the results go,
# default build/bench). Extra arguments go to bench.py (--quick: fewer and
# shorter runs, to try the suite out). As root, the suite runs as `nobody`,
# like the end-to-end tests: UML needs no root. Whatever the suite leaves
# running is stopped by pid afterwards, and its work directory is removed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
: "${UMLLAB:=$repo/build/umllab}"
: "${SWPROBE:=$repo/build/swprobe}"
: "${OUT:=$repo/build/bench}"
for b in "$UMLLAB" "$SWPROBE"; do
	[ -x "$b" ] || { echo "bench: $b is not built (run make bench)"; exit 2; }
done
if ! command -v gnuplot >/dev/null; then
	echo "bench: gnuplot is missing; it draws the bring-up plot."
	echo "bench: install the Debian package gnuplot-nox (apt-get install gnuplot-nox), then run make bench again."
	exit 2
fi
command -v python3 >/dev/null || { echo "bench: python3 is missing (Debian package python3)"; exit 2; }

work=$(mktemp -d /tmp/umllab-bench.XXXXXX)
chmod 755 "$work"
runas=()
if [ "$(id -u)" = 0 ]; then
	chown nobody:nogroup "$work"
	runas=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
fi

# The grade section also grades through Slurm when a single-node cluster can
# be started here (root, slurm-wlm and munge installed; UMLLAB_BENCH_SLURM=0
# skips it): the node says it has two CPUs per core, so Slurm runs as many
# tasks at once as a local grade runs submissions (--jobs' default).
slurm_env=()
if [ "$(id -u)" = 0 ] && [ "${UMLLAB_BENCH_SLURM:-1}" != 0 ] && command -v slurmctld >/dev/null &&
	command -v munged >/dev/null; then
	. "$repo/tests/e2e/slurm.sh"
	if UMLLAB_SLURM_CPUS=$(($(nproc) * 2)) slurm_start "$work/slurm-logs" >"$work/slurm-start.log" 2>&1; then
		slurm_env=(SLURM_CONF="$SLURM_CONF")
	else
		echo "bench: no Slurm cluster, the grade section grades locally only: $(tail -3 "$work/slurm-start.log")"
	fi
fi

# Read here: git may refuse the tree to another user.
rev=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)

# The whole suite is bounded in time; on expiry timeout stops it, and the
# reaping below stops what it started.
timeout -k 10 1800 env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME="$work" \
	LANG=C.UTF-8 ${slurm_env[@]+"${slurm_env[@]}"} "${runas[@]}" python3 "$here/bench.py" --umllab "$UMLLAB" --swprobe "$SWPROBE" \
	--repo "$repo" --work "$work" --rev "$rev" "$@"
rc=$?
# The memory the suite fills on purpose (bench.py first_touch, hog_until_cold).
rm -f "/dev/shm/${work##*/}.touch" "/dev/shm/${work##*/}.hog"

[ ${#slurm_env[@]} -gt 0 ] && slurm_stop

# Stop by pid whatever is left: labs (supervisors, kernels) and switches.
bash "$repo/tests/e2e/reap.sh" "$work/state" || rc=1
if [ -f "$work/pids" ]; then
	while read -r pid; do
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || continue
		if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$work"; then
			echo "bench: pid $pid was still running; stopping it"
			kill -KILL "$pid" 2>/dev/null
			rc=1
		fi
	done <"$work/pids"
fi

if [ -d "$work/out" ]; then
	mkdir -p "$OUT"
	rm -f "$OUT"/bench.md "$OUT"/bench.json "$OUT"/bringup.dat "$OUT"/bringup.png
	cp "$work"/out/* "$OUT"/
	echo "bench: results in $OUT"
fi
if [ $rc -eq 0 ] && [ -z "${KEEP:-}" ]; then
	rm -rf "$work"
else
	echo "bench: work files kept in $work"
fi
exit $rc
