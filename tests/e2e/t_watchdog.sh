# e2e: alone (its faults and restarts are timed; another test's load would blur them)
# The watchdog: each kind of fault is detected with its cause, the instance
# comes back with its disk, and its neighbours never lose their link.
. "$REPO/tests/e2e/lib.sh"
lab=$REPO/labs/watchdog.yaml
expect_exit 0 "up watchdog lab" -- umllab up "$lab"

field() {	# field INSTANCE KEY: one field of the instance in status --json
	umllab status watchdog --json | python3 -c "
import sys, json
s = json.load(sys.stdin)
print([i for i in s['instances'] if i['name'] == '$1'][0]['$2'])"
}

# wait_back INSTANCE RESTARTS: until it runs again after that many restarts.
wait_back() {
	for _ in $(seq 100); do
		# One status for both: read apart, a stopped kernel still "running"
		# and the next status's restart count looked like a comeback.
		[ "$(umllab status watchdog --json | python3 -c "
import sys, json
i = [i for i in json.load(sys.stdin)['instances'] if i['name'] == '$1'][0]
print(i['state'] == 'running' and i['restarts'] >= $2)")" = True ] && return 0
		sleep 0.2
	done
	return 1
}

# A real hang (not SIGSTOP): a guest program that takes the guest's CPU for
# good, so the kernel runs but never answers (tests/e2e/labs/hang.c).
faults="kill9 sigstop sysrq-mconsole sysrq-inside"
if ${CC:-cc} -Os -static -nostdlib -fno-stack-protector -fno-asynchronous-unwind-tables -Wl,--build-id=none \
	-Wl,-N -Wl,--no-warn-rwx-segments -s -o "$T/hang" "$REPO/tests/e2e/labs/hang.c" 2>"$T/hang.err"; then
	faults="$faults hang-inside"
	hang_b64=$(base64 -w0 "$T/hang")
else
	ok "hang-inside: skipped, no C compiler here ($(head -c 200 "$T/hang.err"))"
fi

n=0
for fault in $faults; do
	n=$((n + 1))
	umllab exec web -- sh -c "echo $fault > /root/mark-$fault; sync" >/dev/null
	pid=$(field web pid)
	# The neighbours ping each other all through the crash and the restart.
	umllab exec client -- ping -q -c 50 -i 0.1 10.0.0.3 >"$T/neighbour" 2>&1 &
	bgping=$!
	sleep 0.3
	case $fault in
	kill9) kill -KILL "$pid"; want="killed by signal 9" ;;
	sigstop) kill -STOP "$pid"; want="hung: no answer on its mconsole" ;;
	sysrq-mconsole)
		# It never answers: umllab says how the kernel ended, at once.
		expect_exit 0 "sysrq c through umllab mconsole" -- timeout 4 "$UMLLAB" mconsole web sysrq c
		expect_output "web: .sysrq c. ended its kernel \(kernel panic: sysrq triggered crash\); the watchdog restarts it" \
			"mconsole says the kernel panicked and is restarted"
		want="kernel panic: sysrq triggered crash" ;;
	sysrq-inside) umllab exec web -- sh -c 'echo c > /proc/sysrq-trigger' >/dev/null 2>&1
		want="kernel panic: sysrq triggered crash" ;;
	hang-inside)
		# RT throttling off, then the spinner: nothing else in the guest runs.
		umllab exec web -- sh -c "echo $hang_b64 | base64 -d >/tmp/hang && chmod +x /tmp/hang &&
			echo -1 >/proc/sys/kernel/sched_rt_runtime_us && (/tmp/hang &)" >/dev/null 2>&1
		want="hung: no answer on its mconsole" ;;
	esac
	if wait_back web "$n"; then ok "$fault: web is running again (restart $n)"; else
		fail "$fault: web did not come back"; umllab status watchdog; fi
	cause=$(field web cause)
	[[ "$cause" == *"$want"* ]] && ok "$fault: cause recorded: $cause" || fail "$fault: cause is '$cause', expected '$want'"
	case $fault in
	sigstop|hang-inside)
		# Seen within 2.5 s of the last answer (and a little for a busy
		# machine: a kernel kept from the CPU gets more time).
		silent=$(sed -n 's/.*for \([0-9.]*\) s.*/\1/p' <<<"$cause")
		awk -v s="${silent:-99}" 'BEGIN { exit !(s <= 3.25) }' && ok "$fault: seen after $silent s of silence" ||
			fail "$fault: seen after '$silent' s of silence (target 2.5 s)"
		[ "$fault" = sigstop ] && why="its process is stopped" || why="used the CPU"
		[[ "$cause" == *"$why"* ]] && ok "$fault: the cause says why: $why" || fail "$fault: the cause does not say '$why'" ;;
	esac
	expect_exit 0 "$fault: client reaches web again" -- umllab ping client web -c 1
	marks=$(umllab exec web -- sh -c 'cat /root/mark-*' | tr '\n' ' ')
	[[ "$marks" == *"$fault"* ]] && ok "$fault: the file written before the crash is still there ($marks)" \
		|| fail "$fault: files before the crash: '$marks'"
	expect_exit 0 "$fault: web ran its startup commands again" -- umllab exec web -- cat /tmp/motd
	wait "$bgping"
	grep -q " 0% packet loss" "$T/neighbour" && ok "$fault: client and peer lost no packet meanwhile" \
		|| { fail "$fault: the neighbours lost packets"; cat "$T/neighbour"; }
	ps -o stat= -p "$pid" >/dev/null 2>&1 && fail "$fault: the old kernel $pid still exists" || ok "$fault: the old kernel is gone"
done

# restart: never leaves the instance down, with its cause.
pid=$(field fragile pid)
kill -KILL "$pid"
sleep 2
[ "$(field fragile state)" = failed ] && ok "restart: never: fragile stays failed" \
	|| fail "fragile is $(field fragile state)"
[ "$(field fragile restarts)" = 0 ] && ok "fragile was not restarted" || fail "fragile was restarted"
expect_exit 0 "status" -- umllab status watchdog
expect_output "fragile +failed" "status shows fragile failed"
expect_output "last cause: linux.uml was killed by signal 9" "status shows its cause"
expect_exit 0 "start fragile by hand" -- umllab start fragile
expect_exit 0 "fragile answers again" -- umllab ping client fragile -c 1

# The console log survives restarts and tells the story.
expect_exit 0 "logs web" -- umllab logs web
expect_output "Linux version" "the log holds boot messages"
expect_output "restarting web \(restart 4" "the log holds the restarts"
[ "$(grep -c 'Linux version' "$T/last")" -ge 5 ] && ok "the log holds all five boots" || fail "boots in log: $(grep -c 'Linux version' "$T/last")"

# stop and restart by hand are not crashes.
expect_exit 0 "stop peer" -- umllab stop peer
sleep 1
[ "$(field peer state)" = stopped ] && ok "peer stays stopped" || fail "peer is $(field peer state)"
expect_exit 0 "restart peer (from stopped)" -- umllab restart peer
expect_exit 0 "restart client" -- umllab restart client
expect_exit 0 "client reaches peer" -- umllab ping client peer -c 1
expect_exit 0 "mconsole halt goes through stop" -- umllab mconsole peer halt
[ "$(field peer state)" = stopped ] && ok "peer halted through mconsole is stopped, not failed" \
	|| fail "peer is $(field peer state)"
# A command that crashes this kernel unexpectedly (sysrq t): said at once,
# not after the 5 s an answer is waited for.
expect_exit 1 "sysrq t crashes client's kernel" -- timeout 4 "$UMLLAB" mconsole client sysrq t
expect_output "client: its kernel ended before it answered .sysrq t." "mconsole says the kernel ended"
expect_exit 0 "down" -- timeout 60 "$UMLLAB" down watchdog
finish
