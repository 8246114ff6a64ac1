#!/bin/bash
# tests/bench/callgrind-switch.sh UMLLAB SWPROBE OUTDIR TAG: instructions the
# switch thread executes for a fixed `swprobe rtt` (2000 round trips of 64 B)
# on four kinds of switch: daemon-protocol ports, cables, captured cables, hub.
# Instruction counts do not depend on what else the machine runs, so two
# binaries can be compared on a busy machine where `make bench` cannot
# (valgrind's callgrind; prints one summary line per kind).
#   tests/bench/callgrind-switch.sh build/umllab build/swprobe /tmp/cg after
set -u
U=$1; P=$2; OUT=$3; TAG=$4
command -v valgrind >/dev/null || { echo "callgrind-switch: valgrind is missing (Debian package valgrind)"; exit 2; }
mkdir -p "$OUT"
W=$(mktemp -d "$OUT/w.XXXXXX")
chmod 755 "$W"
run() {
	local kind=$1 extra=() probe=()
	rm -rf "${W:?}"/*; mkdir -p "$W/cables"; chmod 700 "$W/cables"
	case $kind in
	cables) for i in 0 1 2 3; do extra+=(--cable "p$i=$W/cables/p$i"); done; probe=(--bess "$W/cables") ;;
	captured) for i in 0 1 2 3; do extra+=(--cable "p$i=$W/cables/p$i"); done
		extra+=(--capture "$W/c.pcapng"); probe=(--bess "$W/cables") ;;
	hub) extra=(--hub) ;;
	esac
	valgrind --tool=callgrind --toggle-collect=switch_thread --callgrind-out-file="$OUT/$TAG.$kind.out" \
		"$U" switch "$W/sw.ctl" "${extra[@]}" 2>"$OUT/$TAG.$kind.vg" &
	local pid=$!
	for _ in $(seq 200); do
		[ -S "$W/sw.ctl" ] && { [ "$kind" = daemon ] || [ "$kind" = hub ] || [ -S "$W/cables/p3" ]; } && break
		sleep 0.1
	done
	timeout 120 "$P" rtt --count 2000 --size 64 "${probe[@]}" "$W/sw.ctl" >"$OUT/$TAG.$kind.rtt" 2>&1
	kill -TERM "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	echo "$TAG $kind: $(grep -h 'summary:' "$OUT/$TAG.$kind.out") instructions"
}
for k in daemon cables captured hub; do run "$k"; done
rm -rf "$W"
