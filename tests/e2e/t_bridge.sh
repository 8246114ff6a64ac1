# e2e: long
# e2e: limit 900
# Interop: a Linux bridge with vlan_filtering and (802.1D) spanning tree
# inside a Debian guest, cabled to two umllab switches that run RSTP and are
# cabled to each other: a loop. The switches speak STP to the bridge's
# ports, agree with it that it is the root, and block their own cable;
# VLAN 10 passes the bridge tagged. A second cable from the bridge to S1
# makes S1 block one of its ports to the bridge (an instance's port), and
# the graph draws both blocked ports. The image is t_debian's (one build
# for both when the suite shares its cache).
. "$REPO/tests/e2e/lib.sh"
# Under a sanitizer build the supervisor runs the same code for a Debian guest
# as for busybox ones (the other tests); the suite must stay under 20 minutes.
if grep -qa __asan_init "$UMLLAB"; then
	echo "skipped: a sanitizer build; the plain pass runs the Linux bridge among umllab switches"
	exit 0
fi
cat >"$T/bridge.yaml" <<'YAML'
name: bridge
images:
  deb:
    debian: bookworm
    packages: [iproute2, iputils-ping, tcpdump, iptables]
switches:
  S1: {stp: true, links: [{to: S2, vlans: [10], cost: 200000}]}
  S2: {stp: true}
instances:
  br:
    image: deb
    interfaces:
      eth0: {switch: S1, vlans: [10]}
      eth1: {switch: S2, vlans: [10]}
      eth2: {switch: S1, vlans: [10]}
    startup:
      - ip link add br0 type bridge vlan_filtering 1 stp_state 1 priority 4096 forward_delay 400 hello_time 100 max_age 600
      - ip link set eth0 master br0
      - ip link set eth1 master br0
      - ip link set eth2 master br0
      - bridge vlan add dev eth0 vid 10
      - bridge vlan add dev eth1 vid 10
      - bridge vlan add dev eth2 vid 10
      - ip link set br0 up
  h1: {interfaces: {eth0: {switch: S1, vlan: 10, ip: 10.0.10.1/24}}}
  h2: {interfaces: {eth0: {switch: S2, vlan: 10, ip: 10.0.10.2/24}}}
YAML
cat >"$T/checks.yaml" <<'YAML'
checks:
  - {name: h1 reaches h2 through the Linux bridge, path: {from: h1, to: h2, via: [br]}}
  - {name: S1 is not the root, stp: {switch: S1, root: false}}
  - {name: S1's root port leads to the bridge, stp: {port: br.eth0, role: root, state: forwarding}}
  - {name: S2 blocks the switches' own cable, stp: {port: S2.S1, role: alternate, state: discarding}}
  - {name: the cable between the switches is a trunk of VLAN 10, vlan: {port: S1.S2, tagged: [10]}}
YAML
expect_exit 0 "the Debian image (iproute2's bridge tool)" -- umllab image build "$T/bridge.yaml"
expect_exit 0 "up" -- umllab up "$T/bridge.yaml"
# The bridge's ports go through listening and learning: 2 x 4 s.
for _ in $(seq 40); do
	umllab switch S2 stp >"$T/stp2.txt" 2>&1
	umllab exec br -- bridge link >"$T/brlink.txt" 2>&1
	umllab switch S1 stp >"$T/stp1.txt" 2>&1
	grep -Eq "^br.eth1 +Root FWD" "$T/stp2.txt" && grep -Eq "^S2.S1 +Altn BLK" "$T/stp2.txt" &&
		grep -Eq "^br.eth2 +Altn BLK" "$T/stp1.txt" &&
		[ "$(grep -c 'state forwarding' "$T/brlink.txt")" = 3 ] && break
	sleep 0.5
done
expect_exit 0 "switch S1 stp" -- umllab switch S1 stp
expect_output "^br.eth0 +Root FWD .*STP \(legacy peer\)" "S1 speaks 802.1D to the bridge, its root port"
expect_output "Hello Time 1 s, Max Age 6 s, Forward Delay 4 s" "S1 runs on the root's (the bridge's) times"
expect_output "^br.eth2 +Altn BLK .*STP \(legacy peer\)" "S1 blocks its second cable to the bridge"
root=$(sed -n 's/.*Root ID *4096\.\([0-9a-f:]*\).*/\1/p' "$T/last")
expect_exit 0 "the bridge's own view" -- umllab exec br -- ip -d link show br0
brid=$(grep -o 'bridge_id [0-9a-f.:]*' "$T/last" | sed 's/bridge_id 1000\.//')
# The kernel writes the MAC without leading zeros (2:f9:...).
norm() {
	local out="" o
	for o in $(echo "$1" | tr ':' ' '); do out="$out${out:+:}$(printf %02x $((16#$o)))"; done
	echo "$out"
}
[ -n "$root" ] && [ "$(norm "$brid")" = "$root" ] &&
	ok "the switches and the bridge agree on the root: the bridge, 4096.$root" ||
	fail "root: switches say '$root', the bridge says '$brid'"
grep -q "root_port 0 " "$T/last" && ok "the bridge thinks itself the root" || fail "the bridge has a root port"
expect_exit 0 "switch S2 stp" -- umllab switch S2 stp
expect_output "^S2.S1 +Altn BLK 200000" "S2 blocks the costly cable between the switches: no loop"
expect_exit 0 "the bridge's ports forward" -- umllab exec br -- bridge link
expect_output "eth0: .* state forwarding" "eth0 forwards"
expect_output "eth1: .* state forwarding" "eth1 forwards"
expect_output "eth2: .* state forwarding" "eth2 forwards (S1 blocks that cable at its end)"
expect_exit 0 "the graph" -- umllab graph --format dot
expect_output '"switch/S1" -- "switch/S2" \[label="S1.S2\\ntrunk 10\\n\(blocked\)".*headlabel="X blocked"' \
	"the graph draws S2's end of the switches' cable blocked"
expect_output 'label="eth2\\nno address\\ntrunk 10\\n\(blocked\)", style=dashed, color="#cc0000".*label="X blocked"' \
	"the graph draws S1's port to br's eth2 blocked"
expect_exit 0 "checks" -- umllab check --spec "$T/checks.yaml"
expect_output "5/5 checks" "VLAN 10 through the bridge, the root and the blocked port as the switches see them"
# Tags pass: the bridge's own port sees VLAN 10 tags.
umllab exec br -- timeout 10 tcpdump -e -n -c 1 -i eth1 icmp >"$T/dump.txt" 2>&1 &
dump=$!
sleep 2
expect_exit 0 "h1 pings h2" -- umllab exec h1 -- ping -c 2 10.0.10.2
for _ in $(seq 100); do alive $dump || break; sleep 0.1; done
grep -q "vlan 10, p 0, ethertype IPv4" "$T/dump.txt" && ok "the bridge took VLAN 10 in tagged" ||
	{ fail "no tagged frame in the bridge"; sed 's/^/      /' "$T/dump.txt"; }
# Pull the bridge's cable to S2: S2's blocked port takes over.
expect_exit 0 "pull br's eth1" -- umllab link br eth1 down
for _ in $(seq 40); do
	umllab switch S2 stp >"$T/stp2.txt" 2>&1
	grep -Eq "^S2.S1 +Root FWD" "$T/stp2.txt" && break
	sleep 0.1
done
grep -Eq "^S2.S1 +Root FWD" "$T/stp2.txt" && ok "S2 reaches the root over S1 now" ||
	{ fail "S2.S1 did not take over"; sed 's/^/      /' "$T/stp2.txt"; }
expect_exit 0 "h1 reaches h2 over the switches' own cable" -- umllab ping h1 h2 -c 1
expect_exit 0 "down" -- timeout 30 "$UMLLAB" down bridge
finish
