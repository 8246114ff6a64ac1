# The supervisor itself: killed with SIGKILL, status says so, down cleans up,
# up starts cleanly; a lab whose directory is removed stops itself; and 10
# up/down cycles leak neither processes nor descriptors.
. "$REPO/tests/e2e/lib.sh"
lab=$REPO/labs/fig1.yaml
expect_exit 0 "up" -- umllab up "$lab"
sup=$(cat "$UMLLAB_STATE_DIR/fig1/supervisor.pid")
kids=$(lab_pids fig1 | sort -u)
kill -KILL "$sup"
sleep 0.2
expect_exit 1 "status after the supervisor was killed" -- umllab status
expect_output "supervisor is gone" "status says the supervisor is gone"
expect_exit 2 "ping says so too" -- umllab ping umlA umlB
expect_output "supervisor of lab fig1 is gone.*umllab down fig1" "the message names the lab and what to do"
expect_exit 0 "down without a supervisor" -- timeout 30 "$UMLLAB" down
left=""
for pid in $kids; do alive "$pid" && left="$left $pid"; done
[ -z "$left" ] && ok "nothing of the lab is left" || fail "still running:$left"
[ -z "$(pgrep -f "uml_dir=$UMLLAB_STATE_DIR/fig1/")" ] && ok "no UML process of the lab" || fail "UML processes left"
ls "$UMLLAB_STATE_DIR/fig1" | grep -Eq '\.(ctl|notify)$|^control$' && fail "sockets left" || ok "sockets removed"
expect_exit 0 "up again" -- umllab up "$lab"
expect_exit 0 "ping after the new up" -- umllab ping umlA umlB -c 1

# Restarts inside one supervisor do not leak descriptors.
sup=$(cat "$UMLLAB_STATE_DIR/fig1/supervisor.pid")
fds0=$(ls /proc/"$sup"/fd | wc -l)
for i in 1 2 3; do
	kill -KILL "$(umllab status fig1 --json | python3 -c "import sys,json; print(json.load(sys.stdin)['instances'][0]['pid'])")"
	for _ in $(seq 50); do umllab ping umlA umlB -c 1 >/dev/null 2>&1 && break; sleep 0.2; done
done
fds1=$(ls /proc/"$sup"/fd | wc -l)
[ "$fds1" -le "$fds0" ] && ok "supervisor descriptors after 3 restarts: $fds0 -> $fds1" \
	|| fail "supervisor descriptors grew over restarts: $fds0 -> $fds1"
zombies=$(ps -eo stat=,ppid= | awk -v p="$sup" '$1 ~ /^Z/ && $2 == p' | wc -l)
[ "$zombies" -eq 0 ] && ok "no zombies under the supervisor" || fail "$zombies zombies"
expect_exit 0 "down" -- timeout 30 "$UMLLAB" down fig1

# A lab whose runtime directory is removed under it (a logout emptying
# XDG_RUNTIME_DIR, a clean-up of /tmp) cannot be reached by `down`: it stops
# itself, leaving nothing running.
expect_exit 0 "up, for its runtime directory to be removed" -- umllab up "$lab"
sup=$(cat "$UMLLAB_STATE_DIR/fig1/supervisor.pid")
kids=$(lab_pids fig1 | sort -u)
rm -rf "$UMLLAB_STATE_DIR/fig1"
for _ in $(seq 100); do alive "$sup" || break; sleep 0.1; done
alive "$sup" && fail "the supervisor still runs 10 s after its directory was removed" ||
	ok "the supervisor stopped when its directory was removed"
left=""
for _ in $(seq 50); do
	left=""
	for pid in $kids; do alive "$pid" && left="$left $pid"; done
	[ -z "$left" ] && break
	sleep 0.1
done
[ -z "$left" ] && ok "none of its processes is left" || { fail "still running:$left"; kill -KILL $left 2>/dev/null; }

# The log says a guest synced its disks only when its sync answered: umlB's
# kernel is frozen, so its sync times out and the log says so.
expect_exit 0 "up, to freeze umlB before down" -- umllab up "$lab"
b=$(umllab status fig1 --json | python3 -c "import sys,json; print([i['pid'] for i in json.load(sys.stdin)['instances'] if i['name'] == 'umlB'][0])")
kill -STOP "$b"
expect_exit 0 "down with umlB frozen" -- timeout 30 "$UMLLAB" down fig1
log="$UMLLAB_STATE_DIR/fig1/supervisor.log"
grep -q "umlA: stopped (its guest synced its disks)" "$log" && ok "the log says umlA synced" ||
	fail "no sync of umlA in the log: $(grep 'umlA: stopped' "$log")"
grep -q "umlB: stopped (its disks were not synced" "$log" && ! grep -q "umlB: stopped (its guest synced" "$log" &&
	ok "the log says umlB's disks were not synced" || fail "umlB: $(grep 'umlB: stopped' "$log")"

# 10 up/down cycles of a one-instance lab (they leak nothing). Its startup command adds
# an address: `up` returns once the guest told it, so `status` right after shows it.
printf 'name: cyc\nswitches: {S1: {}}\ninstances:\n  a: {interfaces: {eth0: {switch: S1, ip: 10.9.0.1/24}},\n      startup: [ip addr add 10.9.1.1/24 dev eth0]}\n' >"$T/cyc.yaml"
untold=0
# Every process of these labs names this test's directory on its command line.
base=$(pgrep -f -- "$T/" | wc -l)
first_fds="" last_fds=""
# UMLLAB_TEST_CYCLES: fewer in the sanitizer pass, where each takes twice as long.
cycles=${UMLLAB_TEST_CYCLES:-10}
for i in $(seq "$cycles"); do
	umllab up "$T/cyc.yaml" >"$T/last" 2>&1 || { fail "cycle $i: up failed"; cat "$T/last"; break; }
	umllab status cyc 2>&1 | grep -q "eth0 10.9.0.1/24 10.9.1.1/24 (guest)" || untold=$((untold + 1))
	fds=$(ls /proc/"$(cat "$UMLLAB_STATE_DIR/cyc/supervisor.pid")"/fd | wc -l)
	[ -z "$first_fds" ] && first_fds=$fds
	last_fds=$fds
	timeout 30 "$UMLLAB" down cyc >"$T/last" 2>&1 || { fail "cycle $i: down failed"; break; }
done
after=$(pgrep -f -- "$T/" | wc -l)
[ "$after" -le "$base" ] && ok "processes after $cycles cycles: $base -> $after" || fail "processes grew: $base -> $after"
[ "$untold" -eq 0 ] && ok "status right after up showed the startup's address in all $cycles cycles" ||
	fail "status right after up lacked the startup's address in $untold of $cycles cycles"
[ "$last_fds" -le "$first_fds" ] && ok "supervisor descriptors: first cycle $first_fds, last $last_fds" \
	|| fail "supervisor descriptors grew: $first_fds -> $last_fds"
finish
