#!/usr/bin/env bash
# tests/bench/watchdog.sh: for each fault kind, the median time from the
# fault to the instance answering ping again (`make bench-watchdog`).
# A benchmark, not a test: it prints figures and asserts nothing. As root it
# runs umllab as `nobody`, like the tests. RUNS=N sets runs per kind (5).
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
: "${UMLLAB:=$repo/build/umllab}"
runs=${RUNS:-5}
work=$(mktemp -d /tmp/umllab-bench-wd.XXXXXX)
chmod 755 "$work"
as=()
if [ "$(id -u)" = 0 ]; then
	chown nobody:nogroup "$work"
	as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
fi
u() { "${as[@]}" env HOME="$work" UMLLAB_STATE_DIR="$work/state" XDG_CACHE_HOME="$work/cache" "$UMLLAB" "$@"; }
cleanup() {
	timeout 60 bash -c "$(declare -f u); $(declare -p as work UMLLAB); u down watchdog" >/dev/null 2>&1
	bash "$repo/tests/e2e/reap.sh" "$work/state" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
pid_of() { u status watchdog --json | python3 -c "
import sys, json
print([i for i in json.load(sys.stdin)['instances'] if i['name'] == 'web'][0]['pid'])"; }

u up "$repo/labs/watchdog.yaml" >/dev/null || { echo "bench: up failed"; exit 1; }
printf '%-16s %6s %8s %8s %8s   (seconds from fault to `ping client web` answering; %s runs each)\n' \
	kind runs median min max "$runs"
for kind in kill-9 sigstop sysrq-mconsole sysrq-inside; do
	times=()
	for _ in $(seq "$runs"); do
		u ping client web -c 1 >/dev/null 2>&1 || sleep 2
		pid=$(pid_of)
		t0=$(now)
		case $kind in
		kill-9) kill -KILL "$pid" ;;
		sigstop) kill -STOP "$pid" ;;
		sysrq-mconsole) u mconsole web sysrq c >/dev/null 2>&1 & ;;
		sysrq-inside) u exec web -- sh -c 'echo c > /proc/sysrq-trigger' >/dev/null 2>&1 & ;;
		esac
		# Wait for the old kernel to be replaced, then for an answer.
		back=""
		for _ in $(seq 300); do
			if [ "$(pid_of)" != "$pid" ] && u ping client web -c 1 >/dev/null 2>&1; then
				back=$(now)
				break
			fi
			sleep 0.05
		done
		wait 2>/dev/null
		[ -n "$back" ] && times+=("$(awk "BEGIN{printf \"%.2f\", $back - $t0}")")
		# A fresh restart budget: the watchdog gives up after 5 restarts a
		# minute, and this loop crashes web far more often than that.
		u restart web >/dev/null 2>&1
	done
	printf '%s\n' "${times[@]}" | sort -n | awk -v k="$kind" -v n="$runs" '
		{ v[NR] = $1 } END {
			if (NR == 0) { printf "%-16s %6d %8s\n", k, n, "never"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%-16s %6d %8.2f %8.2f %8.2f\n", k, NR, m, v[1], v[NR] }'
done
echo "machine: $(nproc) cores; $(/usr/bin/linux.uml --version 2>/dev/null | head -1 || echo linux.uml); target: under 5 s for every kind"
