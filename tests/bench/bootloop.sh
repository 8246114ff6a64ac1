#!/usr/bin/env bash
# tests/bench/bootloop.sh: boot many kernels the way `umllab up` does and
# count the boots that fail, keeping the evidence of each failure.
#
# Usage: tests/bench/bootloop.sh [ROUNDS [INSTANCES]]   (default 40 rounds of 5)
# Each round brings up a lab of INSTANCES instances at once (as `up` does:
# confined kernels, copy-on-write disks), then takes it down, keeping the
# disks on odd rounds and wiping them on even ones (boots on a new and on an
# existing copy-on-write file). A boot that failed shows in supervisor.log as
# "booting it once more" (`up` retries once); its console log, the host's
# memory and /dev/shm, sampled every 0.2 s around it, are kept in
# $OUT/fail.N/. Started as root, umllab runs as nobody.
# Environment: UMLLAB (default build/umllab), OUT (default a new /tmp/bootloop.*).
set -u
rounds=${1:-40}
per=${2:-5}
repo=$(cd "$(dirname "$0")/../.." && pwd)
: "${UMLLAB:=$repo/build/umllab}"
out=${OUT:-$(mktemp -d /tmp/bootloop.XXXXXX)}
mkdir -p "$out/state" "$out/cache" "$out/home"
cp "$UMLLAB" "$out/umllab"
runas=()
if [ "$(id -u)" = 0 ]; then
	chmod 755 "$out"
	chown -R nobody:nogroup "$out/state" "$out/cache" "$out/home"
	runas=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
fi
u() { (cd "$out/home" && "${runas[@]}" env HOME="$out/home" XDG_CACHE_HOME="$out/cache" \
	UMLLAB_STATE_DIR="$out/state" "$out/umllab" "$@"); }

{
	echo "name: loop"
	echo "instances:"
	for i in $(seq 1 "$per"); do echo "  n$i: {}"; done
} >"$out/loop.yaml"
chmod 644 "$out/loop.yaml"

# The host's memory and /dev/shm, five times a second, with the time.
sampler() {
	while :; do
		printf '%s %s shm_used_kb=%s shm_free_kb=%s\n' "$(date +%T.%N | cut -c1-12)" \
			"$(awk '/^(MemFree|MemAvailable|Shmem|Committed_AS):/ { printf "%s%s ", $1, $2 }' /proc/meminfo)" \
			"$(df -k --output=used /dev/shm | tail -1 | tr -d ' ')" \
			"$(df -k --output=avail /dev/shm | tail -1 | tr -d ' ')"
		sleep 0.2
	done >>"$out/samples"
}
sampler &
sampler_pid=$!
trap 'kill $sampler_pid 2>/dev/null; u down --wipe loop >/dev/null 2>&1' EXIT

boots=0 fails=0 upfails=0
start=$(date +%s)
for r in $(seq 1 "$rounds"); do
	t0=$(date +%T)
	if ! u up "$out/loop.yaml" >"$out/up.last" 2>&1; then
		upfails=$((upfails + 1))
		cp "$out/up.last" "$out/upfail.$r"
	fi
	boots=$((boots + per))
	n=$(grep -c "booting it once more" "$out/state/loop/supervisor.log" 2>/dev/null)
	if [ "${n:-0}" -gt 0 ]; then
		fails=$((fails + n))
		d="$out/fail.$r"
		mkdir -p "$d"
		grep "booting it once more" "$out/state/loop/supervisor.log" >"$d/which"
		cp "$out/state/loop/"*.log "$d/" 2>/dev/null
		echo "round $r started $t0; disks $([ $((r % 2)) = 0 ] && echo kept || echo new)" >"$d/round"
		awk -v t="$t0" '$1 >= t' "$out/samples" | head -60 >"$d/samples"
		echo "round $r: $n failed boot(s): $(sed 's/.*: //' "$d/which" | head -1)"
	fi
	if [ $((r % 2)) = 1 ]; then u down loop >/dev/null 2>&1; else u down --wipe loop >/dev/null 2>&1; fi
done
secs=$(($(date +%s) - start))
echo "bootloop: $boots boots in $rounds rounds of $per, $fails failed (retried), $upfails up failed, ${secs} s; evidence in $out"
