# A stock linux.uml, started by hand with ethN=daemon, plugs into a umllab switch.
. "$REPO/tests/e2e/lib.sh"
expect_exit 0 "up fig1" -- umllab up "$REPO/labs/fig1.yaml"
umllab status fig1 --json >"$T/status.json"
read -r ctl img < <(python3 -c "
import json; s = json.load(open('$T/status.json')); print(s['switches'][0]['socket'], s['image'])")
[ -S "$ctl" ] && ok "S1's control socket is $ctl" || fail "no control socket at $ctl"
[ -f "$img" ] && ok "image $img" || fail "no image at $img"

mkdir -p "$T/uml"
stock=""
start_stock() {
	rm -f "$T/stock.cow"
	# From a directory the kernel can read: UML makes the disk paths absolute
	# with getcwd(), and fails to open its root disk where that is denied.
	cd "$T" || return
	setsid /usr/bin/linux.uml mem=64M "ubd0=$T/stock.cow,$img" root=/dev/ubda rw umid=stock \
	"uml_dir=$T/uml" con0=null,fd:1 con=null ssl=null "hostfs=$T/uml" noreboot \
	"eth0=daemon,02:00:00:00:00:33,unix,$ctl" umllab.name=stock umllab.ip=eth0:10.0.0.3/24 \
	</dev/null >"$T/stock.log" 2>&1 &
	stock=$!
}
# UML's userspace processes run in sessions of their own: find them all.
stop_stock() {
	[ -n "$stock" ] || return 0
	kill -KILL -- "-$stock" 2>/dev/null
	pkill -KILL -f -- "uml_dir=$T/uml" 2>/dev/null
	wait "$stock" 2>/dev/null
	for _ in $(seq 50); do pgrep -f -- "uml_dir=$T/uml" >/dev/null || break; sleep 0.1; done
}
trap 'stop_stock; lib_cleanup' EXIT

# Debian's kernel now and then fails to open its root disk at boot (ENOMEM,
# about 1 boot in 50; umllab retries such a boot itself): one more try here.
reached=1
for attempt in 1 2; do
	start_stock
	for _ in $(seq 40); do
		if umllab ping umlA 10.0.0.3 -c 1 >"$T/last" 2>&1; then reached=0; break; fi
		kill -0 "$stock" 2>/dev/null || break
		sleep 0.5
	done
	[ $reached -eq 0 ] && break
	grep -q "Unable to mount root fs" "$T/stock.log" || break
	echo "note: attempt $attempt: the kernel could not mount its root disk; once more"
	stop_stock
done
[ $reached -eq 0 ] && ok "umlA pings the hand-started kernel at 10.0.0.3" \
	|| { fail "the hand-started kernel never answered"; tail -20 "$T/stock.log"; }
expect_exit 0 "status" -- umllab status fig1
expect_output "S1 +switch +3 " "S1 has 3 ports with the stock kernel plugged in"
stop_stock
for _ in $(seq 50); do
	umllab status fig1 >"$T/last" 2>&1
	grep -Eq "S1 +switch +2 " "$T/last" && break
	sleep 0.1
done
expect_output "S1 +switch +2 " "its port leaves the switch when the kernel dies"
expect_exit 0 "umlA still pings umlB" -- umllab ping umlA umlB -c 1
expect_exit 0 "down" -- timeout 30 "$UMLLAB" down fig1
finish
