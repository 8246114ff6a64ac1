# e2e: long
# A shared server (issue 13): a guest flooding its agent channel or its
# console leaves every file umllab writes bounded; idle or half-closed
# control connections neither lock out nor freeze the supervisor; a
# request to a stopped supervisor fails in time, with a clear message.
. "$REPO/tests/e2e/lib.sh"
lab=$REPO/labs/fig1.yaml
dir=$UMLLAB_STATE_DIR/fig1
ctl=$dir/control
expect_exit 0 "up" -- umllab up "$lab"
sup=$(cat "$dir/supervisor.pid")

# CPU ticks (user + system, 1/100 s) the supervisor has used so far.
ticks() { awk '{ print $14 + $15 }' "/proc/$sup/stat"; }
# ticks_over SECONDS: ticks used over that many seconds from now.
ticks_over() { local a b; a=$(ticks); sleep "$1"; b=$(ticks); echo $((b - a)); }
size() { stat -c %s "$1" 2>/dev/null || echo 0; }

# The control protocol, spoken by hand (core/base/control.h: version 2,
# {u16 version, u16 type, u32 len} + payload; 1 request, 2 stdout, 4 exit).
cat >"$T/ctl.py" <<'EOF'
import os, socket, struct, sys, time

def request(path, args, how):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(path)
    payload = b''.join(a.encode() + b'\0' for a in args)
    s.sendall(struct.pack('=HHI', 2, 1, len(payload)) + payload)
    if how == 'half':
        s.shutdown(socket.SHUT_WR)
    elif how.startswith('close-after-'):
        s.shutdown(socket.SHUT_WR)
        time.sleep(float(how[len('close-after-'):]))
        s.close()
        return b'', None
    data = b''
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    out, code = b'', None
    while len(data) >= 8:
        _, t, n = struct.unpack('=HHI', data[:8])
        body, data = data[8:8 + n], data[8 + n:]
        if t == 2:
            out += body
        elif t == 4:
            code = struct.unpack('=I', body)[0]
    return out, code

def idle(path, n, hold, nonblock):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 64)), hard))
    socks, failed = [], 0
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if nonblock:
            s.setblocking(False)
        else:
            s.settimeout(10)
        for _ in range(100):
            try:
                s.connect(path)
                break
            except BlockingIOError:
                if nonblock:
                    failed += 1
                    break
                time.sleep(0.05)	# the backlog is full for now
            except OSError:
                failed += 1
                break
        socks.append(s)
    print('opened %d (%d failed)' % (n - failed, failed), flush=True)
    time.sleep(hold)

cmd, path = sys.argv[1], sys.argv[2]
if cmd == 'idle':
    idle(path, int(sys.argv[3]), float(sys.argv[4]), sys.argv[5] == 'nonblock')
elif cmd == 'repeat':
    want, n, how = sys.argv[3], int(sys.argv[4]), sys.argv[5]
    args = sys.argv[6:]
    good = 0
    for _ in range(n):
        out, code = request(path, args, how)
        good += code == 0 and (want.encode() in out if want != '=hi' else out == b'hi\n')
    print(good)
elif cmd == 'once':
    out, code = request(path, sys.argv[4:], sys.argv[3])
    sys.stdout.write(out.decode(errors='replace'))
EOF

# ---- 3. a guest cannot fill the host's disk ----
log=$dir/supervisor.log
s0=$(size "$log")
umllab exec umlA -- sh -c 'timeout 5 sh -c "yes umllab: > /proc/mconsole"' >/dev/null 2>&1 &
flood=$!
umllab exec umlA -- sh -c 'i=0; while [ $i -lt 2000 ]; do echo "umllab:o x"; echo "umllab:e 1"; \
	echo "umllab:ready z"; i=$((i+1)); done > /proc/mconsole' >/dev/null 2>&1 &
flood2=$!
sleep 3
expect_exit 0 "ping from the other instance during the flood" -- timeout 60 "$UMLLAB" ping umlB umlA -c 1
wait "$flood" "$flood2"
expect_exit 0 "ping after the flood" -- timeout 60 "$UMLLAB" ping umlA umlB -c 1
s1=$(size "$log")
grown=$((s1 - s0))
[ "$grown" -lt 65536 ] && ok "supervisor.log grew by $grown bytes during a 5 s flood" \
	|| fail "supervisor.log grew by $grown bytes during a 5 s flood"
[ "$s1" -le 1048576 ] && [ "$(size "$log.1")" -le 1048576 ] && ok "supervisor.log is under 1 MiB" \
	|| fail "supervisor.log is $s1 bytes, .1 $(size "$log.1")"
grep -Eq "warn [0-9]+ similar messages from umlA suppressed" "$log" \
	&& ok "the log counts what it suppressed: $(grep -c 'similar messages from umlA suppressed' "$log") summary lines" \
	|| fail "no 'suppressed' line in supervisor.log"
n=$(grep -c "malformed message from the guest agent ignored" "$log")
[ "$n" -lt 100 ] && ok "$n malformed-message lines written" || fail "$n malformed-message lines written"

# The console log is bounded too: 1 MiB, then NAME.log.1.
umllab exec umlA -- sh -c 'timeout 4 sh -c "yes 0123456789abcdefghijklmnopqrstuvwxyz > /dev/console"' >/dev/null 2>&1
c0=$(size "$dir/umlA.log") c1=$(size "$dir/umlA.log.1")
[ "$c0" -le 1048576 ] && [ "$c1" -le 1048576 ] && ok "console log after a console flood: $c0 + $c1 bytes" \
	|| fail "console log after a console flood: $c0 + $c1 bytes"
expect_exit 0 "ping after the console flood" -- timeout 60 "$UMLLAB" ping umlA umlB -c 1

# ---- 5. a client that half-closes after its request gets its answer ----
got=$(python3 "$T/ctl.py" repeat "$ctl" umlA 20 half status)
[ "$got" = 20 ] && ok "status with the client's side shut down: $got answers of 20" \
	|| fail "status with the client's side shut down: $got answers of 20"
got=$(python3 "$T/ctl.py" repeat "$ctl" =hi 20 half exec umlA "echo hi")
[ "$got" = 20 ] && ok "exec echo hi with the client's side shut down: $got answers of 20" \
	|| fail "exec echo hi with the client's side shut down: $got answers of 20"
# ... and one that goes away altogether cancels its command in the guest,
# whether it half-closed first or not (the CLI killed: its socket closes).
in_guest() { umllab exec umlA -- sh -c "ps | grep '[s]leep $1' || true"; }
python3 "$T/ctl.py" once "$ctl" close-after-2 exec umlA "sleep 47"
sleep 3
[ -z "$(in_guest 47)" ] && ok "a half-closed client that leaves cancels its exec" \
	|| fail "sleep 47 still runs in the guest after its client left"
"$UMLLAB" exec umlA -- sleep 48 >/dev/null 2>&1 &
cli=$!	# the CLI itself, not a subshell running the umllab function
sleep 2
[ -n "$(in_guest 48)" ] && ok "exec sleep 48 runs" || fail "exec sleep 48 did not start"
kill -TERM "$cli"
wait "$cli" 2>/dev/null
sleep 2
[ -z "$(in_guest 48)" ] && ok "killing umllab exec cancels the command in the guest" \
	|| fail "sleep 48 still runs in the guest after its CLI was killed"

# ---- 4. idle connections neither lock out nor freeze the supervisor ----
fds0=$(ls "/proc/$sup/fd" | wc -l)
python3 "$T/ctl.py" idle "$ctl" 1000 20 block >"$T/idle.out" 2>&1 &
idle=$!
for _ in $(seq 100); do grep -q opened "$T/idle.out" && break; sleep 0.2; done
ok "1000 idle connections: $(cat "$T/idle.out")"
t0=$(date +%s%N)
expect_exit 0 "status with 1000 idle connections open" -- timeout 30 "$UMLLAB" status fig1
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 8000 ] && ok "status answered in $ms ms" || fail "status took $ms ms"
used=$(ticks_over 3)
[ "$used" -lt 60 ] && ok "supervisor CPU over 3 s with idle clients: $used ticks" \
	|| fail "supervisor spins: $used ticks of CPU over 3 s"
kill "$idle" 2>/dev/null
wait "$idle" 2>/dev/null
fds=$(ls "/proc/$sup/fd" | wc -l)
sleep 6
fds_after=$(ls "/proc/$sup/fd" | wc -l)
[ "$fds_after" -le $((fds0 + 2)) ] && ok "idle connections closed: $fds0 -> $fds -> $fds_after descriptors" \
	|| fail "idle connections left open: $fds0 -> $fds -> $fds_after descriptors"

# Out of descriptors: accept pauses instead of spinning, idle clients make
# room, busy ones are served in turn.
lim=$(prlimit --pid "$sup" --nofile --noheadings --raw -o SOFT,HARD)
read -r soft hard <<<"$lim"
prlimit --pid "$sup" --nofile=$((fds_after + 8)):"$hard"
python3 "$T/ctl.py" idle "$ctl" 80 15 block >"$T/idle.out" 2>&1 &
idle=$!
for _ in $(seq 100); do grep -q opened "$T/idle.out" && break; sleep 0.2; done
expect_exit 0 "status with the supervisor out of descriptors" -- timeout 30 "$UMLLAB" status fig1
pids=""
for i in $(seq 12); do
	"$UMLLAB" exec umlA -- sh -c "sleep 2; echo done $i" >"$T/busy.$i" 2>&1 &
	pids="$pids $!"
done
used=$(ticks_over 3)
[ "$used" -lt 100 ] && ok "supervisor CPU over 3 s out of descriptors: $used ticks" \
	|| fail "supervisor spins out of descriptors: $used ticks over 3 s"
good=0
for p in $pids; do wait "$p" && good=$((good + 1)); done
[ "$good" = 12 ] && ok "12 execs at once with 8 descriptors to spare: all answered" \
	|| { fail "$good of 12 execs answered"; cat "$T"/busy.*; }
kill "$idle" 2>/dev/null
wait "$idle" 2>/dev/null
prlimit --pid "$sup" --nofile="$soft":"$hard"
grep -q "cannot accept control connections" "$log" && ok "the pause is logged" \
	|| ok "(no accept pause was needed: idle connections made room)"

# ---- 4. every CLI request is bounded in time ----
kill -STOP "$sup"
t0=$(date +%s%N)
UMLLAB_TIMEOUT=2 timeout 30 "$UMLLAB" status fig1 >"$T/last" 2>&1
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && ok "status to a stopped supervisor fails (exit $rc, $ms ms)" \
	|| fail "status to a stopped supervisor: exit $rc after $ms ms"
expect_output "supervisor of lab fig1 did not answer within 2 s \(pid $sup is stopped" \
	"the message names the lab, the time and the supervisor's state"
expect_output "supervisor.log" "the message says where to look"
# With its listen backlog full, connect() itself times out.
python3 "$T/ctl.py" idle "$ctl" 200 3 nonblock >"$T/idle.out" 2>&1 &
idle=$!
for _ in $(seq 100); do grep -q opened "$T/idle.out" && break; sleep 0.2; done
UMLLAB_TIMEOUT=2 timeout 30 "$UMLLAB" exec umlA -- true >"$T/last" 2>&1
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && ok "exec with the backlog full fails in time (exit $rc)" \
	|| fail "exec with the backlog full: exit $rc"
expect_output "did not answer within 2 s" "... with the same message"
pids_before="$(cat "$dir/uml/umlA/pid") $(cat "$dir/uml/umlB/pid")"
kill -CONT "$sup"
wait "$idle" 2>/dev/null
expect_exit 0 "the lab answers again after SIGCONT" -- timeout 60 "$UMLLAB" ping umlA umlB -c 1
# The supervisor's own pause is not the guests' silence: no restart.
sleep 3
[ "$(cat "$dir/uml/umlA/pid") $(cat "$dir/uml/umlB/pid")" = "$pids_before" ] &&
	ok "the watchdog did not take the supervisor's pause for hung guests" ||
	fail "guests were restarted after the supervisor was stopped: $(grep -i hung "$log" | tail -2)"
expect_exit 0 "down" -- timeout 60 "$UMLLAB" down fig1

# `up` waits as long as its supervisor boots the lab, but not for one that
# is stopped.
UMLLAB_TIMEOUT=2 "$UMLLAB" up "$lab" >"$T/up.out" 2>&1 &
up=$!
for _ in $(seq 200); do [ -s "$dir/supervisor.pid" ] && break; sleep 0.05; done
sup=$(cat "$dir/supervisor.pid")
kill -STOP "$sup"
for _ in $(seq 200); do alive "$up" || break; sleep 0.1; done
if alive "$up"; then
	fail "up still waits for a stopped supervisor after 20 s"
	kill "$up"
else
	wait "$up"
	rc=$?
	cp "$T/up.out" "$T/last"
	[ "$rc" -ne 0 ] && ok "up gives up on a stopped supervisor (exit $rc)" \
		|| fail "up with a stopped supervisor: exit $rc"
	expect_output "supervisor of lab fig1 \(pid $sup\) has been stopped for 2 s" \
		"... and says why"
fi
kill -CONT "$sup"
expect_exit 0 "down after that" -- timeout 60 "$UMLLAB" down fig1
finish
