#!/bin/bash
# tests/bench/switch_budget.sh: a switch's system calls, context switches and wake-ups per frame under swprobe's load (perf stat).
#
#   tests/bench/switch_budget.sh UMLLAB SWPROBE KIND SENDERS WINDOW SIZE [load]
#
# KIND: umllab (daemon-protocol ports), cables (umllab's cables), captured
# (cables, every frame captured into a pcapng file) or uml_switch. Starts the
# switch, attaches `perf stat` to it (software events only: this needs no
# hardware counters, which VMs often lack), runs `swprobe light` (SENDERS
# sending threads, or one thread sending from two ports when SENDERS is 1,
# at most WINDOW frames in flight in total, SIZE-byte frames; with `load`:
# `swprobe load`, 2 pairs of ports, WINDOW per stream), stops both and
# prints one line per run: per frame the generator sent, the switch process's
# system calls (all, and the ones forwarding uses), context switches (its
# threads slept or were preempted), wake-ups it caused (sched_wakeup in its
# threads: the receivers and capture readers it woke; a wake-up the kernel
# hands to an idle CPU counts there, so a lower bound), page faults and CPU
# time. Counts do not depend much on what else the machine runs, so two
# switches or two builds compare on a busy machine (how many frames one
# wake-up finds still does); CPU time does. Needs perf, and root or
# perf_event_paranoid <= 1 to attach. Stops what it starts by pid.
set -u
[ $# -ge 6 ] || { echo "usage: $0 UMLLAB SWPROBE KIND SENDERS WINDOW SIZE [load]" >&2; exit 2; }
U=$1 P=$2 KIND=$3 S=$4 WIN=$5 SIZE=$6 MODE=${7:-light}
command -v perf >/dev/null || { echo "switch_budget: perf is missing (Debian package linux-perf)" >&2; exit 2; }
W=$(mktemp -d /tmp/swbudget.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -m 700 "$W/c"
probe=()
cables=()
for i in 0 1 2 3 4; do cables+=(--cable "p$i=$W/c/p$i"); done
case $KIND in
umllab) cmd=("$U" switch "$W/ctl") ;;
cables) cmd=("$U" switch "$W/ctl" "${cables[@]}"); probe=(--bess "$W/c") ;;
captured) cmd=("$U" switch "$W/ctl" "${cables[@]}" --capture "$W/cap.pcapng"); probe=(--bess "$W/c") ;;
uml_switch) cmd=(uml_switch -unix "$W/ctl") ;;
*) echo "switch_budget: KIND is umllab, cables, captured or uml_switch" >&2; exit 2 ;;
esac
"${cmd[@]}" </dev/null >/dev/null 2>"$W/sw.err" &
pid=$!
for _ in $(seq 200); do
	[ -S "$W/ctl" ] && { [ ${#probe[@]} -eq 0 ] || [ -S "$W/c/p4" ]; } && break
	sleep 0.05
done
EV=raw_syscalls:sys_enter,context-switches,sched:sched_wakeup,page-faults,task-clock
for s in epoll_wait recvmmsg sendmmsg epoll_ctl poll recvfrom sendto read write; do EV+=",syscalls:sys_enter_$s"; done
perf stat -x, -e "$EV" -p "$pid" -o "$W/perf.out" &
perf=$!
sleep 0.7	# attached before the first frame
if [ "$MODE" = load ]; then
	args=(load --pairs 2 --window "$WIN" --size "$SIZE" --secs 1.5 --warm 0)
else
	args=(light --senders "$S" --window "$WIN" --size "$SIZE" --secs 1.5 --warm 0)
fi
out=$(timeout 60 "$P" "${args[@]}" "${probe[@]}" --pid "$pid" "$W/ctl")
kill -INT "$perf" 2>/dev/null
wait "$perf" 2>/dev/null
kill -INT "$pid" 2>/dev/null
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
sent=$(echo "$out" | tr ' ' '\n' | sed -n 's/^sent=//p')
[ -n "$sent" ] && [ "$sent" -gt 0 ] || { echo "switch_budget: no frames: $out" >&2; exit 1; }
echo "$out" | tr ' ' '\n' | grep -E '^(fps|others)=' | tr '\n' ' ' >"$W/head"
awk -F, -v sent="$sent" -v what="$KIND senders=$S window=$WIN size=$SIZE $MODE" -v head="$(cat "$W/head")" '
	$1 ~ /^[0-9.]+$/ { n[$3] = $1 }
	END {
		printf "%s: %s| per frame: syscalls %.2f (epoll_wait %.2f recvmmsg %.2f sendmmsg %.2f epoll_ctl %.2f poll %.2f recvfrom %.2f sendto %.2f read %.2f write %.2f), context switches %.2f, wake-ups %.2f, page faults %.3f, CPU %.2f us\n",
		    what, head, n["raw_syscalls:sys_enter"] / sent, n["syscalls:sys_enter_epoll_wait"] / sent,
		    n["syscalls:sys_enter_recvmmsg"] / sent, n["syscalls:sys_enter_sendmmsg"] / sent,
		    n["syscalls:sys_enter_epoll_ctl"] / sent, n["syscalls:sys_enter_poll"] / sent,
		    n["syscalls:sys_enter_recvfrom"] / sent, n["syscalls:sys_enter_sendto"] / sent,
		    n["syscalls:sys_enter_read"] / sent, n["syscalls:sys_enter_write"] / sent,
		    n["context-switches"] / sent, n["sched:sched_wakeup"] / sent, n["page-faults"] / sent,
		    n["task-clock"] * 1000 / sent
	}' "$W/perf.out"
