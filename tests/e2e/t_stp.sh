# The spanning tree lab (labs/stp.md): a ring of switches without spanning
# tree storms (bounded, reported); with it, one port blocks, BPDUs are
# frames Wireshark decodes, a pulled cable heals by RSTP's rapid transition
# (no forward-delay timers), and the handout's checks pass. How fast it heals
# is measured by make bench (its l2 section), not asserted here.
. "$REPO/tests/e2e/lib.sh"
command -v tshark >/dev/null || { fail "tshark is missing (tests/deps.sh installs it)"; finish; }

# 1. The loop: a storm, bounded and reported.
grep -v 'stp:' "$REPO/labs/stp.yaml" | sed 's/^name: stp/name: loop/' >"$T/loop.yaml"
expect_exit 0 "up the ring without spanning tree" -- umllab up "$T/loop.yaml"
# One ping: its ARP request starts the storm (the ping may or may not get
# through it: the storm is bounded).
umllab exec --lab loop h1 -- ping -c 1 -W 2 10.0.0.3 >"$T/last" 2>&1
expect_output "1 packets transmitted" "h1 pinged into the loop"
sleep 1.5
expect_exit 0 "switch S1 in the storm" -- umllab switch --lab loop S1
expect_output "^S1: storm, [0-9 ]+ frames/s, [0-9]+ % broadcast, limited$" "S1 reports the storm"
fps=$(sed -n 's/^S1: storm, \([0-9 ]*\) frames\/s.*/\1/p' "$T/last" | tr -d ' ')
[ -n "$fps" ] && [ "$fps" -lt 100000 ] && ok "the storm is bounded ($fps frames/s at S1)" ||
	fail "the storm is not bounded: ${fps:-?} frames/s"
expect_exit 0 "status in the storm" -- umllab status loop
expect_output "^ +S2: storm, [0-9 ]+ frames/s, [0-9]+ % broadcast, limited$" "status has the storm under S2"
grep -q "warn S2: storm, " "$UMLLAB_STATE_DIR/loop/supervisor.log" &&
	ok "the supervisor's log has the storm" || fail "no storm in supervisor.log"
expect_exit 0 "cut the ring" -- umllab link --lab loop S2 S3 down
sleep 2.5
expect_exit 0 "switch S1 after" -- umllab switch --lab loop S1
grep -q "storm, " "$T/last" && fail "the storm goes on with the ring cut" || ok "the storm is over"
expect_exit 0 "down the loop" -- timeout 30 "$UMLLAB" down loop

# 2. Spanning tree.
expect_exit 0 "up the ring with spanning tree" -- umllab up "$REPO/labs/stp.yaml"
expect_exit 0 "the handout's checks" -- umllab check --spec "$REPO/labs/stp-checks.yaml"
expect_output "6/6 checks, 10 of 10 points" "root S1, S3.S2 blocked, h2 reaches h3"
expect_exit 0 "switch S3 stp" -- umllab switch S3 stp
expect_output "Root ID +4096\.[0-9a-f:]+ \(S1\)" "S3 names S1 as the root"
expect_output "^S3.S2 +Altn BLK 20000 +128.2 +P2p" "S3.S2 is an alternate, blocking"
expect_output "^h3.eth0 +Desg FWD .* Edge" "h3's port is an edge port"
expect_exit 0 "graph" -- umllab graph --format dot
expect_output '"switch/S2" -- "switch/S3" \[label="S2.S3\\n\(blocked\)".*headlabel="X blocked"' \
	"the graph draws the blocked end"
umllab capture S1.S2 -c 1 -f "ether dst 01:80:c2:00:00:00" >"$T/bpdu.pcapng" 2>/dev/null
tshark -n -r "$T/bpdu.pcapng" -V >"$T/last" 2>&1
expect_output "Protocol Version Identifier: Rapid Spanning Tree \(2\)" "tshark decodes an RST BPDU"
expect_output "Port Role: Designated" "... from S1's designated port"

# 3. Pull the cable S3 uses to reach the root: its alternate port takes over
# at once. Without RSTP's rapid transition it would take two forward delays
# (30 s): 10 s tells them apart on a loaded machine.
expect_exit 0 "pull S1-S3" -- umllab link S1 S3 down
for _ in $(seq 100); do
	umllab switch S3 stp >"$T/stp.txt" 2>&1
	grep -Eq "^S3.S2 +Root FWD" "$T/stp.txt" && break
	sleep 0.1
done
grep -Eq "^S3.S2 +Root FWD" "$T/stp.txt" &&
	ok "S3.S2 became S3's root port, forwarding, with no forward-delay wait" ||
	{ fail "S3.S2 did not take over within 10 s"; sed 's/^/      /' "$T/stp.txt"; }
expect_exit 0 "h3 reaches h1 the other way round" -- umllab ping h3 h1 -c 1
expect_exit 0 "put it back" -- umllab link S1 S3 up
sleep 0.5
expect_exit 0 "the checks again" -- umllab check --spec "$REPO/labs/stp-checks.yaml"
expect_output "6/6 checks" "the ring is cut at S3.S2 again"
expect_exit 0 "down" -- timeout 30 "$UMLLAB" down stp
finish
