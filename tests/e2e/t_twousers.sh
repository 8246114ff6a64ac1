# e2e: as root (it acts as two unprivileged users itself)
# A shared server: a second local user cannot inject frames into, squat,
# read or stop the first user's lab.
. "$REPO/tests/e2e/lib.sh"
if [ "$(id -u)" != 0 ]; then
	echo "skipped: acting as two users needs root (CI runs as root)"
	exit 0
fi
peer=umllab-peer
id -u "$peer" >/dev/null 2>&1 ||
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$peer"
intruder=$REPO/tests/e2e/intruder.py
mkdir -p "$T/a" "$T/b"
chown nobody:nogroup "$T/a"
chown "$peer:" "$T/b"
# The first user, nobody, owns the lab; the second one is $peer.
as_a() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$T/a" "$@"; }
as_b() {
	setpriv --reuid="$peer" --regid="$(id -g "$peer")" --clear-groups \
		env -u UMLLAB_STATE_DIR -u XDG_CACHE_HOME HOME="$T/b" "$@"
}
umllab() { as_a "$UMLLAB" "$@"; }
# expect_refused DESCRIPTION -- CMD...: CMD must fail (any nonzero exit).
expect_refused() {
	local what=$1
	shift 2
	if "$@" >"$T/last" 2>&1; then
		fail "$what: it succeeded"
		sed 's/^/      /' "$T/last"
	else
		ok "$what"
	fi
}
lib_cleanup() {
	for d in "$UMLLAB_STATE_DIR"/*/ "$T"/a/.umllab-run/*/; do
		[ -d "$d" ] && timeout -k 2 30 setpriv --reuid=nobody --regid=nogroup --clear-groups \
			env HOME="$T/a" UMLLAB_STATE_DIR="$(dirname "$d")" "$UMLLAB" down "$(basename "$d")" \
			>/dev/null 2>&1
	done
	[ -n "${squatter:-}" ] && kill "$squatter" 2>/dev/null
	[ -n "${web:-}" ] && kill "$web" 2>/dev/null
	[ -d "$squatted" ] && [ "$(stat -c %U "$squatted")" = "$peer" ] && rm -rf "$squatted"
	bash "$REPO/tests/e2e/reap.sh" "$UMLLAB_STATE_DIR" >/dev/null 2>&1
	bash "$REPO/tests/e2e/reap.sh" "$T/a/.umllab-run" >/dev/null 2>&1
}
squatted=/tmp/umllab-$(id -u nobody)
[ -e "$squatted" ] && { echo "$squatted exists already; this test needs it free"; exit 1; }

expect_exit 0 "the first user brings figure 1 up" -- umllab up "$REPO/labs/fig1.yaml"
state=$UMLLAB_STATE_DIR/fig1
sup=$(cat "$state/supervisor.pid")
lab_procs() { echo "$sup"; pgrep -f -- "uml_dir=$state/"; }

# ---- injection ----
# No process of the lab holds a socket with an abstract name: such names are
# open to every local user. The check sees one when there is one: the owner
# plugs a client into S1 with the uml_switch daemon protocol, whose data
# sockets are abstract, and sends a frame that umlA must learn from.
as_a python3 "$intruder" abstract $(lab_procs) >"$T/abstract"
[ ! -s "$T/abstract" ] && ok "no socket of the lab has an abstract name" ||
	{ fail "abstract sockets in the lab:"; cat "$T/abstract"; }
expect_exit 0 "the owner plugs into S1 (daemon protocol) and sends an ARP request" -- \
	as_a python3 "$intruder" inject-daemon "$state/S1.ctl" 10.0.0.97 02:00:de:ad:00:97
expect_exit 0 "umlA's neighbours" -- umllab exec umlA ip neigh
expect_output "10.0.0.97 .*02:00:de:ad:00:97" "umlA learnt the owner's frame (the check can see an injection)"

# The other user sends the same request to every unix socket on the host.
expect_exit 0 "the other user sends an ARP request to every unix socket" -- \
	as_b python3 "$intruder" inject-all 10.0.0.98 02:00:de:ad:00:98
expect_output "paths reached 0$" "no socket path of the lab accepted the other user"
sed 's/^/      /' "$T/last" | tail -3
grep -q "$state" /proc/net/unix && ok "(the lab's socket paths are listed in /proc/net/unix)" ||
	fail "the lab's sockets are not in /proc/net/unix: the injection above tried nothing"
expect_exit 0 "umlA's neighbours" -- umllab exec umlA ip neigh
grep -q "10.0.0.98" "$T/last" && fail "the other user's frame reached umlA" ||
	ok "nothing the other user sent reached umlA"
expect_exit 0 "the lab still pings" -- umllab ping umlA umlB -c 1

# ---- squatting ----
# Names another user could take first: the state directory in /tmp, and the
# abstract names umllab once gave its switch ports.
as_b mkdir -m 0700 "$squatted"
mkfifo -m 644 "$T/fifo"
exec 9<>"$T/fifo"	# the squatter holds its names until this closes
# Not through as_b (a function: $! would be a subshell, and a kill would miss
# python), and without fd 9 (python would hold the fifo's write end itself
# and never see it close): left running by every run before this.
setpriv --reuid="$peer" --regid="$(id -g "$peer")" --clear-groups env -u UMLLAB_STATE_DIR \
	-u XDG_CACHE_HOME HOME="$T/b" python3 "$intruder" squat "$sup" 2000 <"$T/fifo" 9>&- \
	>"$T/squat" 2>&1 &
squatter=$!
for _ in $(seq 50); do grep -q holding "$T/squat" 2>/dev/null && break; sleep 0.1; done
grep -q "holding 2000" "$T/squat" && ok "the other user holds 2000 abstract names" ||
	{ fail "squatter: $(cat "$T/squat")"; }
expect_exit 0 "umlA restarts" -- umllab restart umlA
expect_exit 0 "umlA plugs a new card" -- umllab plug umlA eth1 S1 --ip 10.0.1.1/24
expect_exit 0 "and pings through it" -- umllab ping umlA umlB -c 1
# With /tmp/umllab-UID taken, the first user's default state directory moves
# to its home.
cp "$REPO/labs/fig1.yaml" "$T/second.yaml"	# lab "second"
chmod 644 "$T/second.yaml"
expect_exit 0 "a second lab comes up with /tmp/umllab-UID taken" -- \
	as_a env -u UMLLAB_STATE_DIR "$UMLLAB" up "$T/second.yaml"
[ -S "$T/a/.umllab-run/second/control" ] && ok "its state is in ~/.umllab-run" ||
	fail "no ~/.umllab-run/second/control"
expect_exit 0 "and it answers" -- as_a env -u UMLLAB_STATE_DIR "$UMLLAB" ping umlA umlB -c 1
expect_exit 0 "and goes down" -- as_a env -u UMLLAB_STATE_DIR "$UMLLAB" down second
exec 9>&-	# the squatter sees its stdin end and lets go
for _ in $(seq 50); do alive "$squatter" || break; sleep 0.1; done
alive "$squatter" && { fail "the squatter did not end when its stdin closed"; kill "$squatter"; }
wait "$squatter" 2>/dev/null
squatter=
rm -rf "$squatted"

# ---- reading ----
expect_refused "the other user cannot list the lab's directory" -- as_b ls "$state"
expect_refused "nor read its log" -- as_b cat "$state/supervisor.log"
expect_refused "nor read a console log" -- as_b cat "$state/umlA.log"
expect_refused "nor read a disk" -- as_b head -c 1 "$UMLLAB_STATE_DIR/.disks/fig1/umlA.cow"
expect_refused "nor ask for its status" -- as_b env UMLLAB_STATE_DIR="$UMLLAB_STATE_DIR" "$UMLLAB" status fig1
expect_output "belongs to uid|Permission denied|not to you" "and is told why"
expect_refused "nor run a command in a guest" -- \
	as_b env UMLLAB_STATE_DIR="$UMLLAB_STATE_DIR" "$UMLLAB" exec umlA true

# ---- the web page ----
# The owner serves the lab's page on 127.0.0.1 and on a unix socket. The
# other user, without the token, gets the same bare 403 whatever it asks,
# cannot open the socket, the URL file or the server's environment, and
# nothing it got holds the token or the lab's name.
# Not through as_a: $! would be a subshell, and the kill below would miss umllab.
setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$T/a" \
	"$UMLLAB" web fig1 --unix "$T/a/web.sock" >"$T/web.out" 2>&1 &
web=$!
for _ in $(seq 100); do grep -q 'http://.*/t/[0-9a-f]*/' "$T/web.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*/t/[0-9a-f]*/' "$T/web.out" | head -1)
token=${url#*/t/}
token=${token%/}
url_file=$(ls "$UMLLAB_STATE_DIR"/web-*.url 2>/dev/null | head -1)
if [ -n "$url" ] && [ -S "$T/a/web.sock" ] && [ -n "$url_file" ]; then
	ok "the owner serves the lab's page: ${url%%/t/*}/t/TOKEN/ and $T/a/web.sock"
	as_a python3 "$REPO/tests/e2e/web_intruder.py" owner "$url" "$T/a/web.sock" ||
		fails=$((fails + 1))
	as_b python3 "$REPO/tests/e2e/web_intruder.py" other "$(echo "$url" | cut -d/ -f3)" \
		"${#token}" "$T/a/web.sock" "$url_file" "$web" "$T/b/web-got" || fails=$((fails + 1))
	if [ -s "$T/b/web-got" ] && ! grep -q "$token" "$T/b/web-got" &&
		! grep -q -e fig1 -e umlA "$T/b/web-got"; then
		ok "nothing the other user got holds the token or the lab's name"
	else
		fail "the other user got the token or the lab's name: $(grep -a -o -e "$token" -e fig1 -e umlA "$T/b/web-got" | sort -u | tr '\n' ' ')"
	fi
	grep -q "$token" "/proc/$web/cmdline" && fail "the token is on the server's command line" ||
		ok "the token is not on the server's command line (ps shows it to everyone)"
else
	fail "umllab web did not start: $(cat "$T/web.out")"
fi
kill -TERM "$web"
for _ in $(seq 50); do alive "$web" || break; sleep 0.1; done
wait "$web" 2>/dev/null
alive "$web" && fail "umllab web did not end on SIGTERM" || ok "umllab web ended on SIGTERM"
web=

# ---- stopping ----
expect_refused "the other user cannot take the lab down" -- \
	as_b env UMLLAB_STATE_DIR="$UMLLAB_STATE_DIR" "$UMLLAB" down fig1
expect_refused "nor kill its supervisor" -- as_b kill -9 "$sup"
expect_refused "nor kill a kernel" -- as_b kill -9 "$(cat "$state/uml/umlA/pid")"
expect_refused "nor halt a kernel through its mconsole" -- \
	as_b python3 -c 'import socket,sys,struct
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind("")
s.sendto(struct.pack("III", 0xcafebabe, 2, 4) + b"halt".ljust(512, b"\0"), sys.argv[1])' \
	"$state/uml/umlA/mconsole"
expect_exit 0 "the lab is still up and pings" -- umllab ping umlA umlB -c 1
expect_exit 0 "the owner takes it down" -- umllab down fig1
finish
