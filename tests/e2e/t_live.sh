# Live labs: mconsole commands, network cards plugged in and out of a running
# instance, cables pulled and put back, the live wiring kept across restarts.
. "$REPO/tests/e2e/lib.sh"
expect_exit 0 "up" -- umllab up "$REPO/tests/e2e/labs/live.yaml"
ports() { umllab status live --json | python3 -c "
import sys, json
print([s for s in json.load(sys.stdin)['switches'] if s['name'] == '$1'][0]['ports'])"; }

expect_exit 0 "mconsole version" -- umllab mconsole umlA version
expect_output "^Linux umlA 6\\." "the kernel answers with its version"
expect_exit 0 "mconsole proc meminfo" -- umllab mconsole umlA proc meminfo
expect_output "^MemTotal:" "proc meminfo arrives"
expect_exit 0 "mconsole help (a reply in several parts)" -- umllab mconsole umlA help
expect_output "sysrq" "help lists sysrq"
expect_exit 1 "a command the kernel rejects exits 1" -- umllab mconsole umlA frobnicate
expect_exit 2 "mconsole on an unknown instance" -- umllab mconsole nosuch version
# A long reply in one burst (the kernel sends it without waiting): every
# part must arrive, the last one too (with an unconnected client socket
# the receive queue's 10 datagrams lost some, 2 to 9 times in 10).
umllab exec umlA -- dmesg -n 8 >/dev/null
for i in 1 2 3 4 5 6 7 8 9 10; do
	expect_exit 0 "sysrq m with the console at level 8 ($i)" -- umllab mconsole umlA sysrq m
	expect_output "pages RAM" "the whole report came back ($i)"
done
umllab exec umlA -- dmesg -n 4 >/dev/null
printf 'version\nconfig ubd0\n' | umllab mconsole umlA >"$T/last" 2>&1
expect_output "umlA.cow" "interactive mode: line by line; config ubd0 shows its copy-on-write file"

expect_exit 1 "umlA cannot reach umlC yet" -- umllab ping umlA 10.0.1.3 -c 1
[ "$(ports S2)" = 1 ] && ok "S2 has one port" || fail "S2 has $(ports S2) ports"
expect_exit 0 "plug eth1 into S2" -- umllab plug umlA eth1 S2 --ip 10.0.1.1/24
expect_output "eth1 plugged into S2" "plug says what it did"
[ "$(ports S2)" = 2 ] && ok "S2 has two ports" || fail "S2 has $(ports S2) ports"
expect_exit 0 "umlA pings umlC over the new card" -- umllab ping umlA umlC -c 2
# UML's vector driver drops what its transmit ring cannot take: a byte queue
# limit keeps TCP's excess in the qdisc instead (image/guest/guest_util.h): the
# guest's boot sets it on the card it booted with, its agent on the plugged one.
expect_exit 0 "byte queue limits" -- umllab exec umlA -- \
	cat /sys/class/net/eth0/queues/tx-0/byte_queue_limits/limit_max /sys/class/net/eth1/queues/tx-0/byte_queue_limits/limit_max
[ "$(grep -c '^16384$' "$T/last")" = 2 ] && ok "16384 bytes on the card it booted with and on the plugged one" ||
	{ fail "byte queue limits: expected 16384 twice"; sed 's/^/      /' "$T/last"; }
expect_exit 0 "status" -- umllab status live
expect_output "eth1 10.0.1.1/24 \[plugged live\]" "status shows the live cable"

expect_exit 0 "link down" -- umllab link umlA eth1 down
expect_exit 1 "ping fails while the cable is out" -- umllab ping umlA umlC -c 1
expect_exit 0 "status" -- umllab status live
expect_output "link down" "status shows the link down"
expect_exit 0 "link up" -- umllab link umlA eth1 up
expect_exit 0 "ping works again" -- umllab ping umlA umlC -c 1

# The live wiring survives a restart by the watchdog.
kill -KILL "$(umllab status live --json | python3 -c "import sys,json; print(json.load(sys.stdin)['instances'][0]['pid'])")"
for _ in $(seq 60); do umllab ping umlA umlC -c 1 >/dev/null 2>&1 && break; sleep 0.25; done
expect_exit 0 "after a restart umlA still reaches umlC over eth1" -- umllab ping umlA umlC -c 1

# Mistakes: a clear error, nothing changed.
expect_exit 2 "plug an interface in use" -- umllab plug umlA eth1 S2
expect_output "already has eth1" "says the interface is in use"
expect_exit 2 "plug into an unknown switch" -- umllab plug umlA eth2 S9
expect_output "no switch S9" "names the switch"
expect_exit 2 "plug into an unknown instance" -- umllab plug umlZ eth2 S2
expect_exit 2 "plug a bad interface name" -- umllab plug umlA wlan0 S2
expect_exit 2 "plug an address in use" -- umllab plug umlB eth1 S2 --ip 10.0.1.3/24
expect_output "already used by umlC" "names who has it"
expect_exit 2 "unplug an unknown interface" -- umllab unplug umlA eth7
expect_exit 2 "link on an unknown interface" -- umllab link umlA eth7 down
expect_exit 0 "stop umlB" -- umllab stop umlB
expect_exit 2 "plug into a stopped instance" -- umllab plug umlB eth1 S2
expect_output "stopped" "says it is not running"
[ "$(ports S2)" = 2 ] && ok "S2 still has two ports after the mistakes" || fail "S2 has $(ports S2) ports"

# A capture of the cable, started while it is on S2, follows it to S1.
"$UMLLAB" capture umlA.eth1 -w "$T/moved.pcapng" >"$T/moved.out" 2>&1 &
cap=$!
for _ in $(seq 100); do [ -s "$T/moved.pcapng" ] && break; sleep 0.1; done
expect_exit 0 "unplug eth1" -- umllab unplug umlA eth1
for _ in $(seq 20); do [ "$(ports S2)" = 1 ] && break; sleep 0.1; done
[ "$(ports S2)" = 1 ] && ok "its port left S2" || fail "S2 has $(ports S2) ports"
expect_exit 1 "umlC is out of reach again" -- umllab ping umlA 10.0.1.3 -c 1
expect_exit 0 "plug eth1 into S1 instead" -- umllab plug umlA eth1 S1 --ip 10.0.5.1/24
# Nobody has 10.0.5.9: umlA's ARP requests for it leave by eth1.
umllab exec umlA -- ping -c 2 -W 1 10.0.5.9 >/dev/null 2>&1
kill -INT "$cap"
wait "$cap"
grep -Eq "capture ended \(stopped\): [1-9][0-9]* frames? captured" "$T/moved.out" &&
	grep -aq "a port of switch S1" "$T/moved.pcapng" &&
	ok "the capture of umlA.eth1 followed it from S2 to S1" ||
	fail "the capture did not follow the cable to S1: $(cat "$T/moved.out")"
expect_exit 0 "unplug eth1 from S1" -- umllab unplug umlA eth1
expect_exit 0 "down" -- timeout 30 "$UMLLAB" down live
finish
