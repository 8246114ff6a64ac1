# e2e: as root (it makes network namespaces; umllab itself runs as nobody)
# Trunks: switches of two labs joined over VXLAN on 127.0.0.1, and a trunk to
# the Linux kernel's own vxlan device in another network namespace.
. "$REPO/tests/e2e/lib.sh"
asu=()
[ "$(id -u)" = 0 ] && asu=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
umllab() { "${asu[@]}" "$UMLLAB" "$@"; }
ns_u=umllab-vxu-$$ ns_k=umllab-vxk-$$
lib_cleanup() {
	local d
	for d in "$UMLLAB_STATE_DIR"/*/; do
		[ -d "$d" ] && timeout -k 2 30 "${asu[@]}" "$UMLLAB" down "$(basename "$d")" >/dev/null 2>&1
	done
	bash "$REPO/tests/e2e/reap.sh" "$UMLLAB_STATE_DIR" >/dev/null 2>&1
	if [ "$(id -u)" = 0 ]; then
		ip netns del "$ns_u" 2>/dev/null
		ip netns del "$ns_k" 2>/dev/null
	fi
}
trap lib_cleanup EXIT

# Ports for this run: two labs' trunks must not meet another test's.
base=$((20000 + ($$ % 15000) * 2))
pa=$base pb=$((base + 1))
lab_file() {	# NAME INSTANCE IP LISTEN REMOTE
	cat >"$T/$1.yaml" <<EOF
name: $1
switches:
  S1:
    trunks:
      - {vxlan: $5, vni: 4242, listen: $4}
instances:
  $2:
    interfaces:
      eth0: {switch: S1, ip: $3/24}
EOF
}

# ---- (a) two labs on this host, trunked to each other ----
lab_file vxa umlA 10.0.0.1 127.0.0.1:$pa 127.0.0.1:$pb
lab_file vxb umlB 10.0.0.2 127.0.0.1:$pb 127.0.0.1:$pa
umllab up "$T/vxa.yaml" >"$T/up-a" 2>&1 &
up_a=$!
umllab up "$T/vxb.yaml" >"$T/up-b" 2>&1 &
up_b=$!
wait "$up_a" && ok "up vxa" || { fail "up vxa"; sed 's/^/      /' "$T/up-a"; }
wait "$up_b" && ok "up vxb" || { fail "up vxb"; sed 's/^/      /' "$T/up-b"; }
expect_exit 0 "umlA pings umlB of the other lab across the trunk" -- \
	umllab ping --lab vxa umlA 10.0.0.2 -c 3
expect_output "3 packets received" "every echo came back"
# A capture of the trunk by name: its frames both ways, as the guests sent them.
"${asu[@]}" "$UMLLAB" capture vxa S1.trunk0 -f icmp -c 4 -w "$T/trunk.pcapng" >"$T/capture" 2>&1 &
cap=$!
sleep 0.5
expect_exit 0 "umlB pings umlA back" -- umllab ping --lab vxb umlB 10.0.0.1 -c 2
timeout 10 tail --pid="$cap" -f /dev/null
if alive "$cap"; then kill "$cap"; fail "the capture of S1.trunk0 did not end after 4 frames"; fi
tcpdump -nr "$T/trunk.pcapng" >"$T/last" 2>&1
expect_output "10.0.0.2 > 10.0.0.1: ICMP echo request" "the trunk's capture has the requests that came in"
expect_output "10.0.0.1 > 10.0.0.2: ICMP echo reply" "and the replies that went out"
expect_exit 0 "status shows the trunk" -- umllab status vxa
expect_output "^S1.trunk0 +127.0.0.1:$pb +4242 +[1-9][0-9]* +[1-9][0-9]* +0/0" \
	"status: the trunk's remote, VNI, frames both ways and no drops"
umllab status vxb --json >"$T/last" 2>&1
if python3 - "$T/last" "$pa" <<'EOF'; then ok "status --json has the trunk"; else fail "status --json"; cat "$T/last"; fi
import json, sys
t = json.load(open(sys.argv[1]))["trunks"]
assert len(t) == 1 and t[0]["name"] == "S1.trunk0" and t[0]["vni"] == 4242, t
assert t[0]["remote"] == "127.0.0.1:" + sys.argv[2] and t[0]["frames_in"] > 0 and t[0]["frames_out"] > 0, t
EOF
expect_exit 0 "graph of the running lab" -- umllab graph --lab vxa
expect_output "\"switch/S1\" -- \"trunk/S1.trunk0\" \\[label=\"listen 127.0.0.1:$pa\"" "the graph draws the trunk"
# A sender that is not the remote is refused and counted.
python3 -c "
import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(bytes([8,0,0,0,0,0x10,0x92,0]) + b'\xff' * 6 + b'\x02' * 6 + b'\x88\xb5' + b'x' * 46, ('127.0.0.1', $pa))"
sleep 0.3
umllab status vxa --json >"$T/last" 2>&1
python3 -c "import json,sys; t=json.load(open('$T/last'))['trunks'][0]; sys.exit(0 if t['dropped_in'] == 1 else 1)" &&
	ok "a datagram from another sender is dropped and counted" ||
	{ fail "dropped_in is not 1"; cat "$T/last"; }
# A second lab may not take a listen port in use, nor an address the host lacks.
lab_file vxc umlC 10.0.0.3 127.0.0.1:$pa 127.0.0.1:$pb
expect_exit 1 "a trunk on a port in use is refused" -- umllab up "$T/vxc.yaml"
expect_output "vxc.yaml:5:[0-9]+: .*127.0.0.1:$pa is in use" "the error names the file position and the address"
lab_file vxd umlD 10.0.0.4 203.0.113.77:$pa 127.0.0.1:$pb
expect_exit 1 "a trunk on an address the host lacks is refused" -- umllab up "$T/vxd.yaml"
expect_output "vxd.yaml:5:[0-9]+: .*203.0.113.77 is not an address of this host" \
	"the error names the position and the address"
expect_exit 0 "down vxa" -- timeout 30 "${asu[@]}" "$UMLLAB" down vxa
expect_exit 0 "down vxb" -- timeout 30 "${asu[@]}" "$UMLLAB" down vxb

# ---- (b) the kernel's vxlan device at the other end ----
if [ "$(id -u)" != 0 ]; then
	echo "skipped: the kernel vxlan part needs root to make network namespaces (CI runs as root)"
	finish
fi
# Two namespaces joined by a veth pair: the kernel's vxlan device never sends
# to a local address over UDP (it hands such packets to a local vxlan device
# on the same port instead), so umllab's end must be another namespace.
ip netns add "$ns_u" && ip netns add "$ns_k" &&
	ip link add vxu0 netns "$ns_u" type veth peer name vxk0 netns "$ns_k" &&
	ip -n "$ns_u" link set lo up && ip -n "$ns_k" link set lo up &&
	ip -n "$ns_u" addr add 10.199.0.1/30 dev vxu0 && ip -n "$ns_u" link set vxu0 up &&
	ip -n "$ns_k" addr add 10.199.0.2/30 dev vxk0 && ip -n "$ns_k" link set vxk0 up &&
	# srcport pins the kernel's source port (a hash otherwise), which umllab checks.
	ip -n "$ns_k" link add vx0 type vxlan id 77 local 10.199.0.2 remote 10.199.0.1 \
		dstport 4789 srcport 4789 4790 nolearning &&
	ip -n "$ns_k" addr add 10.0.7.9/24 dev vx0 && ip -n "$ns_k" link set vx0 up &&
	ok "namespaces and the kernel's vxlan device are set up" || fail "setting up the namespaces"
lab_file vxk umlK 10.0.7.1 10.199.0.1:4789 10.199.0.2:4789
sed -i 's/vni: 4242/vni: 77/' "$T/vxk.yaml"
expect_exit 0 "up vxk as nobody inside the namespace" -- \
	ip netns exec "$ns_u" "${asu[@]}" "$UMLLAB" up "$T/vxk.yaml"
expect_exit 0 "umlK pings the kernel's vx0 across the trunk" -- umllab ping --lab vxk umlK 10.0.7.9 -c 3
expect_output "3 packets received" "every echo came back from the kernel"
expect_exit 0 "the kernel's namespace pings umlK back" -- ip netns exec "$ns_k" busybox ping -c 2 -W 2 10.0.7.1
# Full-size frames (1514 bytes): 1550-byte datagrams on a 1500-byte veth,
# fragmented by the sender's IP and put together again before the socket.
expect_exit 0 "1500-byte packets cross the trunk both ways" -- \
	umllab exec --lab vxk umlK -- ping -c 2 -s 1472 10.0.7.9
expect_exit 0 "down vxk" -- timeout 30 "${asu[@]}" "$UMLLAB" down vxk
finish
