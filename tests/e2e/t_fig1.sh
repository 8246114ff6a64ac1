# Figure 1: umlA and umlB on switch S1 ping each other; exec, status, down.
. "$REPO/tests/e2e/lib.sh"
lab=$REPO/labs/fig1.yaml

expect_exit 0 "up fig1" -- umllab up "$lab"
expect_output "umlA: running" "up reports umlA running"
expect_output "lab fig1 is up" "up reports the lab up"
expect_exit 0 "status --json right after up" -- umllab status fig1 --json
expect_output '"guest_link":"up"' "the guest told its network before up returned"
[ "$(id -u)" != 0 ] && ok "runs as uid $(id -u), not root" || echo "note: running as root"
for pid in $(lab_pids fig1); do
	# A guest's short-lived processes (its shell starting) may end meanwhile.
	owner=$(stat -c %u "/proc/$pid" 2>/dev/null) || continue
	[ "$owner" = "$(id -u)" ] || fail "process $pid belongs to uid $owner"
done

expect_exit 1 "second up of the same lab refused" -- umllab up "$lab"
expect_output "already up" "second up says the lab is already up"

expect_exit 0 "ping umlA -> umlB" -- umllab ping umlA umlB -c 2
expect_output "2 packets transmitted, 2 packets received" "ping summary from the guest"
expect_exit 0 "ping umlB -> umlA" -- umllab ping umlB umlA -c 1
expect_exit 0 "ping umlA -> 10.0.0.2 by address" -- umllab ping umlA 10.0.0.2 -c 1
expect_exit 1 "ping to an absent address exits 1" -- umllab ping umlA 10.0.0.99 -c 1
expect_exit 2 "ping from an unknown instance exits 2" -- umllab ping umlZ umlA
expect_exit 2 "ping with a bad count exits 2" -- umllab ping umlA umlB -c zero

expect_exit 0 "exec hostname" -- umllab exec umlA -- hostname
[ "$(cat "$T/last")" = "umlA" ] && ok "hostname is umlA" || fail "hostname printed $(cat "$T/last")"
expect_exit 0 "exec ip addr" -- umllab exec umlB -- ip -4 addr show eth0
expect_output "inet 10.0.0.2/24" "umlB has its address"
expect_exit 3 "exec passes the exit status" -- umllab exec umlA -- sh -c 'echo out; echo err >&2; exit 3'
expect_output "^out$" "exec relays stdout"
expect_output "^err$" "exec relays stderr"
umllab exec umlA -- seq 1 3000 >"$T/seq" 2>&1
seq 1 3000 | cmp -s - "$T/seq" && ok "exec output of $(wc -c <"$T/seq") bytes arrives whole and in order" \
	|| fail "long exec output differs"
big=$(head -c 20000 /dev/zero | tr '\0' 'x')
umllab exec umlA -- echo "$big" >"$T/big" 2>&1
[ "$(tr -d '\n' <"$T/big")" = "$big" ] && ok "a 20 KB command arrives whole" || fail "a 20 KB command: $(head -c 200 "$T/big")"
expect_exit 0 "exec with quoting" -- umllab exec umlA -- echo "it's" 'a  b' '$HOME'
[ "$(cat "$T/last")" = "it's a  b \$HOME" ] && ok "arguments arrive as given" || fail "quoting: $(cat "$T/last")"
expect_exit 255 "exec on an unknown instance" -- umllab exec nosuch -- true

expect_exit 0 "status" -- umllab status fig1
expect_output "umlA +running +[0-9]+ +[0-9]+s +0 " "status shows umlA running with a pid"
expect_output "eth0 10.0.0.2/24" "status shows umlB's address"
expect_output "S1 +switch +2 " "status shows S1 in switch mode with 2 ports"
expect_exit 0 "status --json" -- umllab status fig1 --json
python3 - "$T/last" <<'PY' && ok "status --json is valid and complete" || fail "status --json"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["lab"] == "fig1", s
names = {i["name"]: i for i in s["instances"]}
assert names["umlA"]["state"] == "running" and names["umlA"]["pid"] > 0
assert names["umlB"]["interfaces"][0]["ip"] == "10.0.0.2/24"
assert s["switches"][0]["ports"] == 2 and s["switches"][0]["mode"] == "switch"
PY
expect_exit 0 "status by file name" -- umllab status "$lab"
# Addresses a student puts on interfaces of no cable: a VLAN sub-interface made by hand,
# a loopback address; shown marked as the guest's (the agent tells them before exec ends).
expect_exit 0 "a student's eth0.77 and lo address" -- umllab exec umlA -- sh -c \
	'ip link add link eth0 name eth0.77 type vlan id 77 && ip link set eth0.77 up && ip addr add 10.77.0.1/24 dev eth0.77 && ip addr add 10.255.0.1/32 dev lo'
expect_exit 0 "status" -- umllab status fig1
expect_output "umlA +running .* eth0 10.0.0.1/24, lo 10.255.0.1/32 \(guest\), eth0.77 10.77.0.1/24 \(guest\)$" \
	"status shows them, marked (guest), after the cable's"
expect_exit 0 "status --json" -- umllab status fig1 --json
expect_output '"other_interfaces":\[\{"iface":"lo","addresses":\[\],"guest_ips":\["10.255.0.1/32"\]\},\{"iface":"eth0.77","addresses":\[\],"guest_ips":\["10.77.0.1/24"\]\}\]' \
	"JSON: other_interfaces"
expect_exit 0 "remove them" -- umllab exec umlA -- sh -c 'ip link del eth0.77 && ip addr del 10.255.0.1/32 dev lo'
expect_exit 0 "status" -- umllab status fig1
grep -q "eth0.77\|10.255.0.1" "$T/last" && fail "status still shows the removed addresses" || ok "... and no more once removed"

pids=$(lab_pids fig1)
[ -n "$pids" ] && ok "lab processes found: $(echo $pids)" || fail "no lab processes found"
expect_exit 0 "down" -- timeout 30 "$UMLLAB" down fig1
expect_output "lab fig1 is down" "down reports the lab down"
left=""
for pid in $pids; do alive "$pid" && left="$left $pid"; done
[ -z "$left" ] && ok "no process of the lab is left" || fail "still running after down:$left"
ls "$UMLLAB_STATE_DIR/fig1" >"$T/files"
grep -Eq '\.(ctl|notify)$|^control$' "$T/files" && fail "sockets left: $(cat "$T/files")" || ok "sockets removed"
expect_exit 2 "ping after down" -- umllab ping umlA umlB
expect_output "not running|no lab is running" "ping after down says no lab runs"
finish
