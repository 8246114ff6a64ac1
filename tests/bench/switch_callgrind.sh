#!/bin/sh
# tests/bench/switch_callgrind.sh: the switch thread's own instructions per frame (callgrind), under swprobe load.
#
#   tests/bench/switch_callgrind.sh UMLLAB SWPROBE [--tag VID] [-- SWITCH_ARGS...]
#
# Starts `UMLLAB switch CTL --cable p0..p3` under valgrind's callgrind
# (collecting only inside switch_forward, a batch from receive to send, so
# start-up, the loop and the main thread do not count), loads it with
# `SWPROBE load --bess` (2 pairs, 64-byte frames, UML-like window), stops
# it, and prints one line:
#   ir=N frames=N ir_per_frame=N
# frames is what the switch says it took in. SWITCH_ARGS are added to the
# switch's command line (such as `--vlan p0=10`); --tag makes swprobe send
# 802.1Q-tagged frames. Instructions are user-space only: the kernel's work
# per datagram (most of a frame's cost, docs/performance.md) is not in them,
# so this compares the switch's own code, path against path. Runs as the
# calling user; needs valgrind.
set -eu
UMLLAB=$1
SWPROBE=$2
shift 2
TAG=""
if [ "${1:-}" = "--tag" ]; then
	TAG="--tag $2"
	shift 2
fi
[ "${1:-}" = "--" ] && shift
T=$(mktemp -d /tmp/swcg.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -m 700 "$T/c"
valgrind --tool=callgrind --toggle-collect=switch_forward --callgrind-out-file="$T/cg.out" \
	"$UMLLAB" switch "$T/ctl" --cable p0="$T/c/p0" --cable p1="$T/c/p1" --cable p2="$T/c/p2" \
	--cable p3="$T/c/p3" "$@" 2>"$T/sw.err" &
PID=$!
i=0
while [ ! -S "$T/c/p3" ]; do
	i=$((i + 1))
	if [ $i -gt 600 ] || ! kill -0 $PID 2>/dev/null; then
		cat "$T/sw.err" >&2
		kill $PID 2>/dev/null || true
		exit 1
	fi
	sleep 0.05
done
# shellcheck disable=SC2086
"$SWPROBE" load --pairs 2 --size 64 --window 32 --secs 4 --warm 0.5 --bess "$T/c" $TAG "$T/ctl" >"$T/load.out" || true
kill -INT $PID
timeout 60 sh -c "while kill -0 $PID 2>/dev/null; do sleep 0.1; done" || kill -KILL $PID
wait $PID 2>/dev/null || true
frames=$(sed -n 's/.*switch stopped: \([0-9]*\) frames in.*/\1/p' "$T/sw.err")
ir=$(sed -n 's/^summary: \([0-9]*\).*/\1/p' "$T/cg.out")
if [ -z "$frames" ] || [ -z "$ir" ] || [ "$frames" -eq 0 ]; then
	cat "$T/sw.err" "$T/load.out" >&2
	exit 1
fi
echo "ir=$ir frames=$frames ir_per_frame=$((ir / frames)) load: $(tail -1 "$T/load.out")"
