# e2e: long
# A Debian image built as an ordinary user (mmdebstrap, no root, no loop
# device), booted with umllab's init, running ip, ping, tcpdump and iptables.
# Needs Debian's archive (apt's mirror) and, for the unprivileged user,
# subordinate ids (tests/deps.sh sets them up for the test user).
. "$REPO/tests/e2e/lib.sh"
# Under a sanitizer build the supervisor runs the same code for a Debian guest
# as for busybox ones (the other tests); the suite must stay under 20 minutes.
if grep -qa __asan_init "$UMLLAB"; then
	echo "skipped: a sanitizer build; the plain pass runs the Debian image and its boot"
	exit 0
fi
d=$T/debian
mkdir -p "$d"
cat >"$d/lab.yaml" <<'EOF'
name: debian
switches:
  S1: {mode: hub}
images:
  deb:
    debian: bookworm
    packages: [iproute2, iputils-ping, tcpdump, iptables]
image: deb
instances:
  r1: {interfaces: {eth0: {switch: S1, ip: 10.0.0.1/24}}}
  r2: {interfaces: {eth0: {switch: S1, ip: 10.0.0.2/24}}}
  tiny: {image: busybox, interfaces: {eth0: {switch: S1, ip: 10.0.0.3/24}}}
EOF

start=$(date +%s)
expect_exit 0 "image build (mmdebstrap as $(id -un))" -- umllab image build "$d/lab.yaml"
# Built here, or (in the second pass of tests/run-all.sh, which shares the
# image cache) found already built by the first.
if [ -n "${UMLLAB_TEST_CACHE:-}" ] && ! grep -q "mmdebstrap: success" "$T/last"; then
	expect_output "deb: .*(cached|debian image)" "the image comes from the shared cache"
else
	expect_output "mmdebstrap: success" "mmdebstrap ran"
fi
expect_output "deb: debian image .*iproute2 iptables iputils-ping tcpdump" "the image names its packages"
echo "      (built in $(($(date +%s) - start)) s)"
expect_exit 0 "up" -- umllab up "$d/lab.yaml"
expect_exit 0 "the guest is Debian" -- umllab exec r1 -- cat /etc/os-release
expect_output "Debian GNU/Linux 12" "bookworm"
expect_exit 0 "ip is iproute2's" -- umllab exec r1 -- sh -c 'readlink -f "$(command -v ip)"; ip -br addr show eth0'
expect_output "^/(usr/)?s?bin/ip$" "ip comes from the image, not busybox"
expect_output "eth0 +UNKNOWN +10.0.0.1/24|eth0 +UP +10.0.0.1/24" "umllab's init set the address with it"
expect_exit 0 "ping between Debian guests" -- umllab ping r1 r2 -c 2
expect_output "2 received" "iputils ping's summary"
expect_exit 0 "ping from Debian to busybox" -- umllab ping r1 tiny -c 1

# tcpdump on r2 sees r1's pings (a hub: r2 would see them anyway).
expect_exit 0 "tcpdump starts on r2" -- umllab exec r2 -- \
	sh -c 'timeout 20 tcpdump -l -n -c 2 -i eth0 icmp > /tmp/cap 2>&1 &'
sleep 1
umllab ping r1 r2 -c 2 >/dev/null 2>&1
sleep 1
expect_exit 0 "tcpdump's capture" -- umllab exec r2 -- cat /tmp/cap
expect_output "IP 10.0.0.1 > 10.0.0.2: ICMP echo request" "tcpdump saw the echo request"

# iptables (legacy: Debian's UML kernel has no nf_tables for IPv4), modules loaded on demand.
expect_exit 0 "iptables drops ICMP on r2" -- umllab exec r2 -- iptables -A INPUT -p icmp -j DROP
expect_exit 1 "so r1's ping fails" -- umllab ping r1 r2 -c 1
expect_exit 0 "the rule is there" -- umllab exec r2 -- sh -c 'iptables -L INPUT -n -v; lsmod'
expect_output "iptable_filter" "its module was loaded from the image"
expect_exit 0 "iptables -F" -- umllab exec r2 -- iptables -F
expect_exit 0 "and r1 reaches r2 again" -- umllab ping r1 r2 -c 1
# Loading bonding must not make a bond0 of its own (modprobe.d from the layer).
expect_exit 0 "ip link add bond0 type bond" -- umllab exec r1 -- ip link add bond0 type bond
expect_exit 0 "down" -- umllab down --wipe debian
expect_exit 0 "image ls" -- umllab image ls
expect_output "debian bookworm \(minbase\) \+ iproute2" "image ls describes the Debian image"
finish
