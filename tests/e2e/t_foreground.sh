# up --foreground: the supervisor is the process the caller started (what a
# batch job or a service manager runs). status, ping and down work on it;
# SIGTERM takes the lab down; its exit status says how the lab ended
# (0 down after up, 1 failed to come up, 3 ended before it was up); nothing
# is left running.
. "$REPO/tests/e2e/lib.sh"
lab=$REPO/labs/fig1.yaml

# fg_start OUT [ENV=VAL...]: up --foreground in the background of this shell;
# sets $fg to its pid ("$UMLLAB" itself: a function's $! would be a subshell).
fg_start() {
	local out=$1
	shift
	env "$@" "$UMLLAB" up --foreground "$lab" >"$out" 2>&1 &
	fg=$!
}
# fg_wait_for PATTERN OUT SECS: true once OUT matches, false if up ended first or time ran out.
fg_wait_for() {
	for _ in $(seq $(($3 * 10))); do
		grep -Eq -- "$1" "$2" && return 0
		alive "$fg" || { grep -Eq -- "$1" "$2"; return; }
		sleep 0.1
	done
	return 1
}
# fg_end SECS: wait for $fg to end within SECS (else SIGKILL); sets $rc.
fg_end() {
	for _ in $(seq $(($1 * 10))); do alive "$fg" || break; sleep 0.1; done
	if alive "$fg"; then
		fail "up --foreground (pid $fg) still runs $1 s later"
		kill -KILL "$fg"
	fi
	wait "$fg"
	rc=$?
}
nothing_left() {
	sleep 0.2
	local left
	left=$(pgrep -f -- "uml_dir=$UMLLAB_STATE_DIR/fig1/"; lab_pids fig1)
	[ -z "$left" ] && ok "$1: nothing of the lab is left running" || fail "$1: left running: $left"
	[ ! -e "$UMLLAB_STATE_DIR/fig1/control" ] && [ ! -e "$UMLLAB_STATE_DIR/fig1/supervisor.pid" ] \
		&& ok "$1: no control socket or pid file left" || fail "$1: $(ls "$UMLLAB_STATE_DIR/fig1")"
}

# Up, used like any lab, then SIGTERM.
fg_start "$T/fg1.out"
fg_wait_for "is up and runs in the foreground" "$T/fg1.out" 60 && ok "up --foreground brings the lab up" \
	|| { fail "not up: $(cat "$T/fg1.out")"; }
grep -q "umlA: running after" "$T/fg1.out" && ok "it prints the same progress as up" \
	|| fail "progress: $(cat "$T/fg1.out")"
alive "$fg" && ok "it stays after the lab is up" || fail "it exited after bring-up"
[ "$(cat "$UMLLAB_STATE_DIR/fig1/supervisor.pid" 2>/dev/null)" = "$fg" ] \
	&& ok "the foreground process is the supervisor (supervisor.pid)" \
	|| fail "supervisor.pid $(cat "$UMLLAB_STATE_DIR/fig1/supervisor.pid" 2>&1), up's pid $fg"
[ "$(ps -o sid= -p "$fg" | tr -d ' ')" = "$(ps -o sid= -p $$ | tr -d ' ')" ] \
	&& ok "no new session (setsid)" || fail "the supervisor has a session of its own"
expect_exit 0 "status" -- umllab status
expect_output "umlA +running" "status lists the running instances"
expect_exit 0 "ping between its instances" -- umllab ping umlA umlB -c 1
expect_exit 1 "a second up of the same lab is refused" -- umllab up "$lab"
expect_output "already up \(supervisor pid $fg\)" "it names the foreground supervisor"
kill -TERM "$fg"
fg_end 30
[ "$rc" = 0 ] && ok "SIGTERM after up: exit 0" || fail "SIGTERM after up: exit $rc"
grep -q "lab fig1 is down" "$T/fg1.out" && ok "it says the lab is down" || fail "end: $(tail -3 "$T/fg1.out")"
nothing_left "after SIGTERM"

# `umllab down` ends it too, with 0.
fg_start "$T/fg2.out"
fg_wait_for "is up and runs in the foreground" "$T/fg2.out" 60 || fail "not up: $(cat "$T/fg2.out")"
expect_exit 0 "down of the foreground lab" -- timeout 30 "$UMLLAB" down fig1
fg_end 10
[ "$rc" = 0 ] && ok "ended by down: exit 0" || fail "ended by down: exit $rc"
nothing_left "after down"

# A lab that fails to come up: exit 1, and status says why.
printf '#!/bin/sh\necho "fake kernel: giving up"\nexit 3\n' >"$T/bad-kernel"
chmod +x "$T/bad-kernel"
fg_start "$T/fg3.out" UMLLAB_KERNEL="$T/bad-kernel"
fg_end 60
[ "$rc" = 1 ] && ok "failed to come up: exit 1" || fail "failed to come up: exit $rc: $(cat "$T/fg3.out")"
grep -q "exited with status 3" "$T/fg3.out" && ok "it says which instance failed" || fail "$(cat "$T/fg3.out")"
expect_exit 1 "status of the lab that failed in the foreground" -- umllab status fig1
expect_output "failed to start: .*exited with status 3" "status says why"
nothing_left "after a failed bring-up"

# SIGTERM while it boots (a kernel that never comes up): exit 3.
printf '#!/bin/sh\nexec sleep 60\n' >"$T/slow-kernel"
chmod +x "$T/slow-kernel"
fg_start "$T/fg4.out" UMLLAB_KERNEL="$T/slow-kernel"
fg_wait_for "booting 2 instances" "$T/fg4.out" 30 || fail "no bring-up seen: $(cat "$T/fg4.out")"
sleep 0.5
kill -TERM "$fg"
fg_end 30
[ "$rc" = 3 ] && ok "SIGTERM before it was up: exit 3" || fail "SIGTERM before up: exit $rc: $(cat "$T/fg4.out")"
[ -z "$(pgrep -f -- "$T/slow-kernel")" ] && ok "the booting kernels were stopped" || fail "kernels left"
nothing_left "after SIGTERM during bring-up"

expect_exit 2 "an unknown option is a usage error" -- umllab up --forground "$lab"
finish
