# The daemon protocol, interoperating: our probe client judges umllab's switch
# and the stock uml_switch alike, in switch and hub mode, with abstract and
# filesystem-named client sockets.
. "$REPO/tests/e2e/lib.sh"
probe=$(dirname "$UMLLAB")/swprobe
[ -x "$probe" ] || { fail "swprobe is not built at $probe"; finish; }

bg=""
# uml_switch ignores SIGTERM; ours must exit cleanly on it (and remove its socket).
stop_sig=TERM
stop_bg() { [ -n "$bg" ] && { kill -$stop_sig "$bg" 2>/dev/null; timeout 5 tail --pid="$bg" -f /dev/null; kill -KILL "$bg" 2>/dev/null; }; bg=""; }
trap 'stop_bg; lib_cleanup' EXIT
wait_socket() { for _ in $(seq 50); do [ -S "$1" ] && return 0; sleep 0.1; done; return 1; }

# run_switch DESCRIPTION EXPECT FS -- CMD...: start a switch, probe it, stop it.
# FS=fs probes with filesystem-named client sockets too (uml_switch cannot
# tell such ports apart and floods their frames; umllab's switch must not).
run_switch() {
	local what=$1 expect=$2 fs=$3 ctl=$T/sw.ctl
	shift 4
	rm -f "$ctl"
	"$@" >"$T/switch.log" 2>&1 &
	bg=$!
	if ! wait_socket "$ctl"; then fail "$what: no control socket"; stop_bg; return; fi
	expect_exit 0 "$what: probe, abstract client sockets" -- "$probe" -n 3 --expect "$expect" "$ctl"
	mkdir -p "$T/fs"
	[ "$fs" = fs ] && expect_exit 0 "$what: probe, filesystem client sockets" -- "$probe" -n 3 --expect "$expect" --fs "$T/fs" "$ctl"
	stop_bg
}

# The probe's own verdicts, checked against the reference switch first.
if command -v uml_switch >/dev/null; then
	stop_sig=KILL
	run_switch "uml_switch" switch abstract -- uml_switch -unix "$T/sw.ctl"
	run_switch "uml_switch -hub" hub abstract -- uml_switch -hub -unix "$T/sw.ctl"
fi
stop_sig=TERM
run_switch "umllab switch" switch fs -- "$UMLLAB" switch "$T/sw.ctl"
run_switch "umllab switch --hub" hub fs -- "$UMLLAB" switch --hub "$T/sw.ctl"
[ ! -e "$T/sw.ctl" ] && ok "umllab switch removes its socket on exit" || fail "socket left at $T/sw.ctl"
expect_exit 1 "a control path longer than sun_path is refused" -- "$UMLLAB" switch "$T/$(printf 'x%.0s' $(seq 120))"
expect_output "longer than" "the error names the problem"
finish
