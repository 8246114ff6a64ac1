# The VLAN lab (labs/vlans.md): access and trunk ports, a link between two
# switches as a trunk, a router on a stick with VLAN sub-interfaces made at
# boot, the switches' view, tags on the trunk, frames refused for their VLAN,
# and the handout's checks.
. "$REPO/tests/e2e/lib.sh"
expect_exit 0 "up the VLAN lab" -- umllab up "$REPO/labs/vlans.yaml"
expect_exit 0 "the handout's checks" -- umllab check --spec "$REPO/labs/vlans-checks.yaml"
expect_output "8/8 checks, 12 of 12 points" "every check passes (VLANs, router on a stick, isolation)"
expect_exit 0 "r1 made its sub-interfaces at boot" -- umllab exec r1 -- cat /proc/net/vlan/config
expect_output "eth0.10 +\| 10 +\| eth0" "eth0.10 on eth0, VLAN 10"
expect_output "eth0.20 +\| 20 +\| eth0" "eth0.20 on eth0, VLAN 20"
expect_exit 0 "switch S1" -- umllab switch S1
expect_output "^h1.eth0 +instance h1 +up +access 10 " "h1's port: access 10"
expect_output "^S1.S2 +switch S2 +up +trunk 10,20 " "the link's end: a trunk of 10 and 20"
expect_output "^10 +02:[0-9a-f:]+ +h1.eth0 " "h1's MAC learnt in VLAN 10"
expect_exit 0 "switch S2 --json" -- umllab switch S2 --json
expect_output '"name":"r1.eth0","to":"instance r1","connected":true,"link":"up","vlans":"trunk 10,20"' \
	"JSON: r1's port is a trunk"
expect_exit 0 "status" -- umllab status vlans
expect_output "r1 +running .* eth0 \(no address\), eth0.10 10.0.10.254/24, eth0.20 10.0.20.254/24$" \
	"status shows r1's VLAN sub-interfaces with the file's addresses"
expect_exit 0 "status --json has the ports and the table" -- umllab status --json
expect_output '"other_interfaces":\[\{"iface":"eth0.10","addresses":\["10.0.10.254/24"\],"guest_ips":\["10.0.10.254/24"\]\}' \
	"JSON: a sub-interface's addresses, the file's and the guest's"
expect_output '"port_list":\[' "status --json lists the switches' ports"
expect_output '"fdb":\[\{"vlan":' "status --json has the address tables"

# The trunk carries h1's frames tagged with VLAN 10.
umllab capture S1.S2 -c 2 -f "vlan and icmp" --text >"$T/trunk.txt" 2>&1 &
cap=$!
sleep 1
expect_exit 0 "h1 pings h3 across the trunk" -- umllab exec h1 -- ping -c 1 10.0.10.3
for _ in $(seq 50); do alive $cap || break; sleep 0.1; done
kill $cap 2>/dev/null
grep -Eq "to +S1.S2 .*VLAN 10, IPv4 10.0.10.1 > 10.0.10.3" "$T/trunk.txt" &&
	ok "the echo request crossed the trunk tagged with VLAN 10" ||
	{ fail "no tagged echo request on S1.S2"; sed 's/^/      /' "$T/trunk.txt"; }

# Conditions on the cable between the switches, as on an instance's: 100 ms
# each way on the trunk (a lower bound: a loaded machine only adds).
expect_exit 0 "delay the trunk" -- umllab link S1 S2 set delay 100ms
expect_output "^S1.S2: conditions: delay 100ms" "S1.S2 takes conditions"
expect_exit 0 "h1 pings h3 across the delayed trunk" -- umllab exec h1 -- ping -c 2 10.0.10.3
min=$(sed -n 's|.*min/avg/max = \([0-9]*\)\..*|\1|p' "$T/last")
[ -n "$min" ] && [ "$min" -ge 199 ] && ok "the round trip took the trunk's delay twice ($min ms)" ||
	fail "round trip ${min:-?} ms across a trunk delayed 100 ms each way"
expect_exit 0 "the trunk's conditions" -- umllab link S1 S2
expect_output "^S1.S2 \(switch S1 to switch S2\): link up" "umllab link S1 S2 shows the cable"
expect_output "delay 100ms" "... and its conditions"
expect_exit 0 "clear them" -- umllab link S1 S2 clear

# An access port takes no tags: h1's own VLAN 20 frames are refused and counted.
expect_exit 1 "h1 sends tagged frames of VLAN 20" -- umllab exec h1 -- sh -c \
	'ip link add link eth0 name eth0.20 type vlan id 20 && ip link set eth0.20 up &&
	 ip addr add 10.0.20.99/24 dev eth0.20 && ping -c 1 -W 1 10.0.20.2'
expect_exit 0 "switch S1 again" -- umllab switch S1
expect_output "^h1.eth0 .*access 10 +[1-9]" "S1 counted them on h1.eth0 (VLAN DROPS)"
expect_exit 0 "the graph shows VLANs" -- umllab graph --format dot
expect_output 'eth0\\nno address\\ntrunk 10,20\\neth0.10 10.0.10.254/24' "r1's trunk and sub-interfaces"
expect_output '"switch/S1" -- "switch/S2" \[label="S1.S2\\ntrunk 10,20"' "the trunk between the switches"
expect_exit 0 "down" -- timeout 30 "$UMLLAB" down vlans
finish
