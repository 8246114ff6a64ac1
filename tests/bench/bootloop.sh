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
# Environment: UMLLAB (default build/umllab), OUT (default a new /tmp/bootloop.*),
# RAW=1 (kernels started straight, the way umllab did before it confined them).
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

# RAW=1: kernels started straight, as umllab did before `umllab confine` (up
# to commit 95e77a5): UML makes the copy-on-write file itself (cow_user.c,
# write_cow_header) and keeps its memory in /dev/shm (no TMPDIR). A boot
# counts as good once the root file system is mounted.
if [ "${RAW:-0}" = 1 ]; then
	img=$(ls "$out"/cache/umllab/busybox-*.img 2>/dev/null | head -1)
	if [ -z "$img" ]; then u image build "$out/loop.yaml" >/dev/null 2>&1 || u up "$out/loop.yaml" >/dev/null; u down --wipe loop >/dev/null 2>&1; fi
	img=$(ls "$out"/cache/umllab/busybox-*.img | head -1)
	mkdir -p "$out/raw" && chmod 777 "$out/raw"
	for r in $(seq 1 "$rounds"); do
		t0=$(date +%T)
		pids=()
		for i in $(seq 1 "$per"); do
			rm -f "$out/raw/r$i.cow" "$out/raw/r$i.log"
			(cd "$out/home" && exec setsid "${runas[@]}" /usr/bin/linux.uml mem=64M "ubd0=$out/raw/r$i.cow,$img" \
				root=/dev/ubda rw init=/usr/lib/umllab/init "umid=bl$$r$i" "uml_dir=$out/raw" con0=null,fd:1 \
				con=null ssl=null noreboot >"$out/raw/r$i.log" 2>&1) &
			pids+=($!)
		done
		for i in $(seq 1 "$per"); do
			for _ in $(seq 1 300); do
				grep -qE "VFS: Mounted root|Cannot open root|Kernel panic" "$out/raw/r$i.log" 2>/dev/null && break
				sleep 0.1
			done
		done
		for p in $(pgrep -f "umid=bl$$r"); do kill -9 "$p" 2>/dev/null; done
		wait "${pids[@]}" 2>/dev/null
		boots=$((boots + per))
		for i in $(seq 1 "$per"); do
			grep -q "VFS: Mounted root" "$out/raw/r$i.log" && continue
			fails=$((fails + 1))
			d="$out/fail.$r.$i"
			mkdir -p "$d"
			cp "$out/raw/r$i.log" "$d/console"
			awk -v t="$t0" '$1 >= t' "$out/samples" | head -60 >"$d/samples"
			echo "round $r kernel $i: $(grep -E 'Cannot open root|error|Failed|panic' "$out/raw/r$i.log" | head -3 | tr '\n' ' ')"
		done
		rm -rf "$out/raw/bl$$r"*
		echo "round $r: $boots boots, $fails failed so far"
	done
	echo "bootloop (raw): $boots boots in $rounds rounds of $per, $fails failed, $(($(date +%s) - start)) s; evidence in $out"
	exit 0
fi

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
	echo "round $r: $boots boots, $fails failed so far"
done
secs=$(($(date +%s) - start))
echo "bootloop: $boots boots in $rounds rounds of $per, $fails failed (retried), $upfails up failed, ${secs} s; evidence in $out"
