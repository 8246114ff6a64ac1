# umllab web (issue 26): the page in headless Chromium on figure 1 (topology, console, capture,
# link down, checks, restart), the server's security, the speed targets, the lab going on when
# the server stops or crashes, and --grade. The browser part is tests/e2e/web_page.py.
# e2e: alone (it measures the supervisor's CPU time and latencies)
. "$REPO/tests/e2e/lib.sh"
lab=$REPO/labs/fig1.yaml
if ! command -v chromium >/dev/null || [ ! -d /usr/share/nodejs/xterm/lib ]; then
	fail "chromium and node-xterm are needed (tests/deps.sh installs them)"
	finish
fi

expect_exit 0 "up fig1" -- umllab up "$lab"
sup=$(cat "$UMLLAB_STATE_DIR/fig1/supervisor.pid")

# wait_url FILE: the URL the server printed (empty after 10 s).
wait_url() {
	local i
	for i in $(seq 100); do
		grep -qo 'http://[^ ]*/t/[0-9a-f]*/' "$1" 2>/dev/null && break
		sleep 0.1
	done
	grep -o 'http://[^ ]*/t/[0-9a-f]*/' "$1" | head -1
}

"$UMLLAB" web fig1 --unix "$T/web.sock" >"$T/web.out" 2>&1 &
web=$!
url=$(wait_url "$T/web.out")
[ -n "$url" ] && ok "umllab web prints the URL to open: $url" || { fail "no URL"; cat "$T/web.out"; }
port=$(echo "$url" | sed 's|http://127.0.0.1:\([0-9]*\)/.*|\1|')
case $url in http://127.0.0.1:*) ok "bound to 127.0.0.1 by default" ;; *) fail "not on 127.0.0.1: $url" ;; esac
[ "$(ss -ltnH "sport = :$port" | awk '{print $4}')" = "127.0.0.1:$port" ] &&
	ok "the listening socket is 127.0.0.1:$port only" || fail "listening: $(ss -ltnH "sport = :$port")"

# The supervisor's cost with an open page (its feed, `watch`) against none, over 4 s each.
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks=$(getconf CLK_TCK)
a=$(cpu "$sup"); sleep 4; b=$(cpu "$sup")
python3 - "$url" <<'PY' &
import os, sys, time
sys.path.insert(0, os.environ["REPO"] + "/tests/e2e")
from wsclient import WebSocket
u = sys.argv[1]
w = WebSocket(u.replace("http://", "ws://") + "ws?kind=lab&lab=fig1", {"Origin": "http://" + u.split("/")[2]})
end = time.time() + 4.8
while time.time() < end:
    w.recv()
PY
feed=$!
sleep 0.5
c=$(cpu "$sup"); sleep 4; d=$(cpu "$sup")
wait $feed
idle=$(awk "BEGIN{printf \"%.2f\", ($b - $a) * 100 / $ticks / 4}")
open=$(awk "BEGIN{printf \"%.2f\", ($d - $c) * 100 / $ticks / 4}")
echo "measure: supervisor CPU over 4 s: ${idle} % of a core without a page, ${open} % with a page's feed open"
awk "BEGIN{exit !($open < 1.0)}" && ok "an open page costs the supervisor under 1 % of a core (${open} %)" ||
	fail "an open page costs the supervisor ${open} % of a core"

UMLLAB="$UMLLAB" python3 "$REPO/tests/e2e/web_page.py" "$url" "$T" "$T/web.sock" || fails=$((fails + 1))

# The lab is not affected by the server's crash.
kill -9 "$web"
wait "$web" 2>/dev/null
expect_exit 0 "status after the web server was killed" -- umllab status fig1
[ "$(cat "$UMLLAB_STATE_DIR/fig1/supervisor.pid")" = "$sup" ] && kill -0 "$sup" &&
	ok "the supervisor is the same, still running, after the server's crash" || fail "the supervisor changed"
expect_exit 0 "ping after the web server was killed" -- umllab ping umlA umlB -c 1
rm -f "$UMLLAB_STATE_DIR"/web-*.url

# Ctrl-C (SIGTERM here) ends it cleanly: its URL file and socket go.
"$UMLLAB" web --unix "$T/web2.sock" >"$T/web2.out" 2>&1 &
web=$!
url=$(wait_url "$T/web2.out")
[ -n "$url" ] && ok "umllab web without a lab serves every lab of the user" || fail "no URL: $(cat "$T/web2.out")"
labs=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' "${url}api/labs")
[ "$labs" = '{"lab":null,"grade":false,"labs":["fig1"]}' ] && ok "it lists the running labs" || fail "labs: $labs"
kill -TERM "$web"
for i in $(seq 50); do alive "$web" || break; sleep 0.1; done
wait "$web"; rc=$?
[ $rc -eq 0 ] && ! ls "$UMLLAB_STATE_DIR"/web-*.url >/dev/null 2>&1 && [ ! -e "$T/web2.sock" ] &&
	ok "SIGTERM ends the server (exit 0), its URL file and socket removed" || fail "after SIGTERM: rc $rc, $(ls "$UMLLAB_STATE_DIR" "$T")"
expect_exit 0 "the lab runs on after the server stopped" -- umllab ping umlA umlB -c 1

# --listen 127.0.0.1:PORT, and Ctrl-C (SIGINT: libev's handler replaces the
# SIG_IGN a background job starts with).
lport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$UMLLAB" web fig1 --listen "127.0.0.1:$lport" >"$T/web4.out" 2>&1 &
web=$!
url=$(wait_url "$T/web4.out")
[ "${url%%/t/*}" = "http://127.0.0.1:$lport" ] && [ "$(ss -ltnH "sport = :$lport" | awk '{print $4}')" = "127.0.0.1:$lport" ] &&
	ok "--listen 127.0.0.1:$lport listens there, and the URL says so" || fail "--listen: $url $(cat "$T/web4.out")"
expect_exit 2 "--listen on an IPv6 address is refused" -- umllab web fig1 --listen "[::1]:$lport"
expect_output "not an IPv4 address" "and says why"
kill -INT "$web"
for i in $(seq 50); do alive "$web" || break; sleep 0.1; done
wait "$web"; rc=$?
[ $rc -eq 0 ] && ! ls "$UMLLAB_STATE_DIR"/web-*.url >/dev/null 2>&1 &&
	ok "Ctrl-C (SIGINT) ends the server, exit 0, its URL file removed" || fail "after SIGINT: rc $rc"
expect_exit 0 "the lab runs on after Ctrl-C" -- umllab ping umlA umlB -c 1

# --grade: a grading directory, live.
mkdir -p "$T/grade"
"$UMLLAB" web --grade "$T/grade" >"$T/web3.out" 2>&1 &
web=$!
url=$(wait_url "$T/web3.out")
# Before grade wrote anything: an empty directory (the sanitizer build died here, qsort of NULL).
g=$(python3 - "$url" <<'PY' 2>&1
import os, sys
sys.path.insert(0, os.environ["REPO"] + "/tests/e2e")
from wsclient import WebSocket
u = sys.argv[1]
w = WebSocket(u.replace("http://", "ws://") + "ws?kind=grade", {"Origin": "http://" + u.split("/")[2]})
print(w.recv()[1].decode())
PY
)
case $g in *'"files":[],"summary":null}'*) alive "$web" ;; *) false ;; esac &&
	ok "an empty grading directory shows as no files, and the server lives" || fail "empty --grade: $g"
python3 "$REPO/tests/e2e/web_grade_page.py" "$url" "$T/grade" "$T" || fails=$((fails + 1))
kill -TERM "$web"
wait "$web"

expect_exit 0 "down" -- umllab down fig1
finish
