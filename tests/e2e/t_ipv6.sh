# e2e: long
# IPv6 (issue 24), one lab: labs/ipv6.yaml (h1 -S1- r1 -S2- h2, dual-stack, h1's
# IPv6 default route via r1's link-local fe80::1, h2 by SLAAC from r1's `ra:`)
# plus a liar on S1 and an instance with IPv6 off on S2.
#   - dual stack on one switch (h1 and r1 ping each other both ways, figure 1's part)
#   - routed IPv6 through a link-local gateway, SLAAC, NDP in a capture, status, graph
#   - checks: labs/ipv6-checks.yaml passes; IPv6 forwarding off fails it
#   - a liar on S1 answering for h2's IPv6 address passes neither reach nor ping
#   - a planted fault on IPv6 frames (drop icmp6) leaves IPv4 alone
#   - ipv6: false: no IPv6 in that guest
#   - addresses the guest has (netwatch): SLAAC and link-local read from h2, an IPv6
#     address a startup script sets (late, no `ip:`) shown, pinged by name and judged
. "$REPO/tests/e2e/lib.sh"
h2_slaac=2001:db8:2::ff:fe00:201

sed -e 's/^name: ipv6$/name: v6/' "$REPO/labs/ipv6.yaml" >"$T/v6.yaml"
cat >>"$T/v6.yaml" <<'EOF'
  liar:
    interfaces:
      eth0: {switch: S1, ip: [10.0.1.66/24, 2001:db8:1::66/64]}
  off:
    ipv6: false
    interfaces:
      eth0: {switch: S2, ip: 10.0.2.9/24}
  late:
    interfaces:
      eth0: {switch: S1}
    startup:
      - ip -6 addr add 2001:db8:1::55/64 dev eth0
EOF
expect_exit 0 "validate" -- umllab validate "$T/v6.yaml"
expect_exit 0 "up" -- umllab up "$T/v6.yaml"
expect_output "r1: running after .* eth0=2001:db8:1::fe/64 eth0=fe80::1/64" "up lists r1's IPv6 addresses"

# Dual stack on one switch, without a router (figure 1's part).
expect_exit 0 "ping h1 r1 (IPv4)" -- umllab ping h1 r1 -c 1
expect_exit 0 "ping h1 r1 -6" -- umllab ping h1 r1 -6 -c 2
expect_output "PING 2001:db8:1::fe" "-6 pings r1's IPv6 address"
expect_output "switches: S1: 2 echo requests \(from h1\), 2 echo replies \(from r1\)" "ICMPv6 counted"
expect_exit 0 "ping r1 h1 by IPv6 address" -- umllab ping r1 2001:db8:1::1 -c 1
expect_exit 0 "ping h1 fe80::1%eth0" -- umllab ping h1 'fe80::1%eth0' -c 1

# SLAAC: h2's address comes from r1's advertisements (DAD first: poll).
for i in $(seq 1 40); do
	umllab exec h2 -- ip -6 addr show dev eth0 >"$T/addr" 2>&1
	grep -q "$h2_slaac/64" "$T/addr" && ! grep -q tentative "$T/addr" && break
	sleep 0.5
done
grep -q "$h2_slaac/64" "$T/addr" && ok "h2 configured $h2_slaac by SLAAC" || { fail "no SLAAC address"; cat "$T/addr"; }

# status shows both families, and the SLAAC address h2 has (read from the guest).
umllab status v6 >/dev/null 2>&1; sleep 0.5	# the guest tells 200 ms after a change
expect_exit 0 "status" -- umllab status v6
expect_output "h1 +running .*eth0 10.0.1.1/24 2001:db8:1::1/64" "status: h1 dual-stack"
expect_output "h2 +running .*eth0 10.0.2.1/24 $h2_slaac/64 \(SLAAC\)" "status: h2's SLAAC address"
expect_output "late +running .*eth0 2001:db8:1::55/64 \(guest\)" "status: the address late's startup set"
expect_exit 0 "status --json" -- umllab status v6 --json
python3 - "$T/last" <<'PY' && ok "status --json: addresses, slaac, link_local" || fail "status --json"
import json, sys
s = {i["name"]: i for i in json.load(open(sys.argv[1]))["instances"]}
h1 = s["h1"]["interfaces"][0]
assert h1["ip"] == "10.0.1.1/24" and h1["addresses"] == ["10.0.1.1/24", "2001:db8:1::1/64"], h1
assert h1["link_local"].startswith("fe80::"), h1
assert s["h2"]["interfaces"][0]["slaac"] == ["2001:db8:2::ff:fe00:201/64"], s["h2"]
assert s["r1"]["interfaces"][1]["ra"] is True
assert s["off"]["interfaces"][0]["link_local"] is None
# from the guest: h2's link-local address is the EUI-64 of its MAC
assert s["h2"]["interfaces"][0]["link_local"] == "fe80::ff:fe00:201/64", s["h2"]
assert s["late"]["interfaces"][0]["guest_ips"] == ["2001:db8:1::55/64"], s["late"]
PY
expect_exit 0 "graph" -- umllab graph v6
expect_output "eth0\\\\n10.0.2.1/24\\\\n$h2_slaac/64 \(SLAAC\)" "graph: h2's SLAAC address"


# Routed, through the link-local gateway, both ways.
expect_exit 0 "ping h1 h2 -6" -- umllab ping h1 h2 -6 -c 2
expect_output "switches: S1: 2 echo requests \(from h1\), 2 echo replies \(from r1\); S2: 2 echo requests \(from r1\), 2 echo replies \(from h2\)" \
	"both switches carried the ICMPv6 echoes"
expect_exit 0 "ping h2 h1 -6" -- umllab ping h2 h1 -6 -c 1
expect_exit 1 "ping -6 nobody on S1" -- umllab ping h1 2001:db8:1::99 -c 1
expect_output "h1 sent [0-9]+ neighbour solicitations?, and no echo request followed" "neighbour solicitations shown as ARP is"
expect_exit 2 "ping -6 an IPv4 address" -- umllab ping h1 10.0.2.1 -6

# An IPv6 address only the guest knows (its startup set it): ping by name, judged.
expect_exit 0 "ping h1 late -6" -- umllab ping h1 late -6 -c 1
expect_output "PING 2001:db8:1::55" "late's IPv6 address from its guest"
expect_output "switches: S1: 1 echo request \(from h1\), 1 echo reply \(from late\)" "late answered"
expect_exit 2 "ping h1 late -4: it has no IPv4 address" -- umllab ping h1 late -4 -c 1
expect_output "instance late has no IPv4 address to ping" "-4 says so"

# The checks of the handout.
expect_exit 0 "labs/ipv6-checks.yaml passes" -- umllab check v6 --spec "$REPO/labs/ipv6-checks.yaml"

# NDP in a capture: h1 forgets r1 and pings it again.
umllab capture v6 S1 --text -f "icmp6 or arp" --duration 3 >"$T/cap" 2>&1 &
sleep 1
umllab exec h1 -- ip -6 neigh flush dev eth0 >/dev/null 2>&1
umllab ping h1 r1 -6 -c 1 >/dev/null 2>&1
wait
grep -q "from h1.eth0 .*ICMPv6 neighbour solicitation, who-has 2001:db8:1::fe" "$T/cap" && ok "capture: h1's solicitation" \
	|| { fail "capture: no solicitation"; cat "$T/cap"; }
grep -q "from r1.eth0 .*ICMPv6 neighbour advertisement, 2001:db8:1::fe is-at" "$T/cap" && ok "capture: r1's advertisement" \
	|| fail "capture: no advertisement"
grep -q "ICMPv6 echo request, id" "$T/cap" && ok "capture: the echo request" || fail "capture: no echo request"
expect_exit 0 "a capture filter names an instance's IPv6 addresses" -- \
	umllab capture v6 S2 -f "ip6 host h2" --text --duration 1

# A planted fault on IPv6 frames: IPv4 untouched.
expect_exit 0 "drop icmp6 into h2" -- umllab link h2 eth0 set in drop icmp6
expect_exit 1 "ping h1 h2 -6 fails" -- umllab ping h1 h2 -6 -c 1
expect_exit 0 "ping h1 h2 (IPv4) still works" -- umllab ping h1 h2 -c 1
expect_exit 0 "clear" -- umllab link h2 eth0 clear

# IPv6 forwarding off on r1: the switches see the requests stop at r1.
expect_exit 0 "r1 stops forwarding IPv6" -- umllab exec r1 -- sh -c "echo 0 >/proc/sys/net/ipv6/conf/all/forwarding"
grep -E "r1 forwards|h1 reaches h2 over" "$REPO/labs/ipv6-checks.yaml" | sed '1i checks:' >"$T/fwd.yaml"
expect_exit 1 "the checks fail" -- umllab check v6 --spec "$T/fwd.yaml"
expect_output "^FAIL +forwarding +r1 forwards IPv6" "forwarding (the kernel's word) fails"
expect_output "^pass +forwarding +r1 forwards IPv4" "IPv4 forwarding passes"
expect_output "^FAIL +reach +h1 reaches h2 over IPv6" "reach over IPv6 fails"
expect_output "^pass +reach +h1 reaches h2 over IPv4" "reach over IPv4 passes"
expect_exit 0 "r1 forwards IPv6 again" -- umllab exec r1 -- sh -c "echo 1 >/proc/sys/net/ipv6/conf/all/forwarding"

# A liar on S1 takes h2's IPv6 address and h1 is routed to it: h1's pings get
# replies, from the liar's cable. Neither check nor ping is fooled.
expect_exit 0 "the liar takes h2's address" -- umllab exec liar -- ip -6 addr add "$h2_slaac/128" dev eth0
expect_exit 0 "h1 goes to the liar for it" -- umllab exec h1 -- ip -6 route add "$h2_slaac/128" via 2001:db8:1::66 dev eth0
sleep 2	# the liar's duplicate address detection
cat >"$T/liar.yaml" <<'EOF'
checks:
  - {name: h1 reaches h2 over IPv6, reach: {from: h1, to: h2, ipv6: true, count: 2}}
EOF
expect_exit 1 "reach fails against the liar" -- umllab check v6 --spec "$T/liar.yaml"
expect_output "^FAIL +reach +h1 reaches h2 over IPv6" "reach by name fails"
expect_output "h1 printed replies, but no echo reply from h2 crossed S2; the replies came from liar" \
	"it names the liar"
expect_exit 1 "umllab ping h1 h2 -6 exits 1" -- umllab ping h1 h2 -6 -c 2
expect_output "2 packets transmitted, 2 packets received" "the guest got replies"
expect_output "switches: S1: 2 echo requests \(from h1\), 2 echo replies \(from liar\)" "from the liar's cable"
expect_output "disagree: h1 printed replies, but no echo reply from h2 crossed S2; the replies came from liar" \
	"ping says why"
umllab exec h1 -- ip -6 route del "$h2_slaac/128" >/dev/null 2>&1

# ipv6: false: the guest has no IPv6 at all.
expect_exit 0 "off: IPv4 works" -- umllab ping off h2 -c 1
umllab exec off -- ping -6 -c 1 ::1 >"$T/last" 2>&1
expect_output "not supported|Address family" "off: no IPv6 in the guest"
cat >"$T/off.yaml" <<'EOF'
checks:
  - {name: off forwards IPv6, forwarding: {on: off, ipv6: true}}
EOF
expect_exit 1 "off: forwarding ipv6 says no IPv6" -- umllab check v6 --spec "$T/off.yaml"
expect_output "the kernel of off has no IPv6" "the kernel says it has none"

expect_exit 0 "down" -- timeout 60 "$UMLLAB" down --wipe v6

# An IPv4 lab (figure 1) boots without IPv6; plug --ip with an IPv6 address loads it then,
# and the guest's own addresses (netwatch) follow.
sed -e 's/^name: .*//' "$REPO/labs/fig1.yaml" >"$T/four.yaml"
expect_exit 0 "an IPv4 lab up" -- umllab up "$T/four.yaml"
umllab exec umlA -- ls /proc/sys/net/ipv6 >"$T/last" 2>&1
expect_output "No such file" "no IPv6 in an IPv4 lab's guest"
expect_exit 0 "plug umlA eth1 with an IPv6 address" -- umllab plug umlA eth1 S1 --ip 2001:db8:9::1/64
expect_exit 0 "plug umlB eth1 with an IPv6 address" -- umllab plug umlB eth1 S1 --ip 2001:db8:9::2/64
sleep 2	# duplicate address detection (plug does not skip it)
expect_exit 0 "ping umlA 2001:db8:9::2" -- umllab ping umlA 2001:db8:9::2 -c 1
expect_output "switches: S1: 1 echo request \(from umlA\), 1 echo reply \(from umlB\)" "judged by the switch"
expect_exit 0 "status" -- umllab status four
expect_output "eth1 2001:db8:9::1/64 \[plugged live\]" "status: the plugged address"
expect_exit 0 "down" -- timeout 60 "$UMLLAB" down --wipe four
finish
