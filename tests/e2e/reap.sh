#!/usr/bin/env bash
# tests/e2e/reap.sh STATE_DIR: stop by pid whatever a test left running under
# STATE_DIR (supervisors and UML kernels), with a time limit. Exit 1 if it
# had to stop anything: a test that leaks processes fails.
set -u
state=$1
[ -d "$state" ] || exit 0
left=0
pids=()
for f in "$state"/*/supervisor.pid "$state"/*/uml/*/pid; do
	[ -f "$f" ] || continue
	pid=$(cat "$f" 2>/dev/null)
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || continue
	# Only processes of this test: their command line names its state dir.
	if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -e "$state" -e umllab; then
		echo "reap: $f: pid $pid was still running"
		pids+=("$pid")
		left=1
	fi
done
# A UML kernel's userspace processes run in sessions of their own: find
# them by the state directory on their command line.
for pid in $(pgrep -f -- "uml_dir=$state/"); do
	echo "reap: UML process $pid of $state was still running"
	pids+=("$pid")
	left=1
done
for pid in "${pids[@]}"; do
	kill -KILL -- "-$pid" 2>/dev/null
	kill -KILL "$pid" 2>/dev/null
done
for pid in "${pids[@]}"; do
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
done
exit $left
