# e2e: long
# e2e: limit 600
# A Kathara lab directory run unchanged (docs/kathara.md): tests/e2e/labs/kathara/net,
# two FRR routers speaking OSPF, a web and DNS server, pc1; lab.conf's options,
# lab.dep, device folders, shared.startup, a .shutdown, a startup line that fails on
# purpose, a startup that changes a MAC with the interface up; addresses the startups
# set, seen by status, ping, graph and check; a pulled cable seen by the guest; FRR's
# files as in Kathara's FRR image (r2 has only ospfd.conf); [ipv6]=true on r2 and srv
# (Debian images with IPv6, their startups' `ip -6 address add` seen and pinged). Bad
# lab directories are refused at their lines.
# The kathara/frr image is built from Debian's archive (cached by UMLLAB_TEST_CACHE).
# The sanitizer pass skips it: 2.5 minutes of OSPF convergence, where the
# lab.conf reader and the guest's network snapshots are unit-tested and
# fuzzed under ASan/UBSan already (test_labdir, test_guest_net, fuzz_labdir,
# fuzz_guest_net); the suite must stay under 20 minutes.
if grep -qa __asan_init "$UMLLAB"; then
	echo "skipped: a sanitizer build; the plain pass runs the lab directory"
	exit 0
fi
. "$REPO/tests/e2e/lib.sh"
labs=$REPO/tests/e2e/labs/kathara
# The lab directory is the devices' /hostlab, and shared/ is written: a copy of our own.
cp -R "$labs/net" "$T/net"
d=$T/net

expect_exit 1 "a lab.conf with mistakes is refused" -- umllab validate "$labs/bad-conf"
expect_output "bad-conf/lab.conf:3:4: eth0 of r1 is given twice" "the twice-given interface, at its line"
expect_output "bad-conf/lab.conf:4:7: the quote \" is not closed" "the open quote, at its column"
expect_output "bad-conf/lab.conf:5:11: image .kathara/quagga. cannot be built here: Quagga" "quagga refused with the reason"
expect_output "bad-conf/lab.conf:6:11: image .acme/router. is not one umllab knows.*--images FILE" "an unknown image: how to map it"
expect_output "bad-conf/lab.conf:7:10: warning: port .8080:80. of r3 is not honoured" "a published port: a warning"
expect_exit 1 "a circle in lab.dep is refused" -- umllab validate "$labs/bad-dep"
expect_output "bad-dep/lab.dep:1:1: the boot order goes round in a circle: a after b after c after a" "the circle named"

expect_exit 0 "validate the lab directory" -- umllab validate "$d"
expect_output "lab net, 4 instances, 3 switches: OK" "four devices, three collision domains"
expect_exit 0 "convert it to YAML" -- umllab convert "$d" -o "$T/net.yaml"
expect_exit 0 "the YAML is a valid lab" -- umllab validate "$T/net.yaml"
grep -q 'after: \[srv\]' "$T/net.yaml" && ok "lab.dep became after:" || fail "no after: in $T/net.yaml"

start=$(date +%s)
expect_exit 0 "image build (kathara/frr from Debian's archive, or the cache)" -- umllab image build "$d"
echo "      (image ready in $(($(date +%s) - start)) s)"
start=$(date +%s)
expect_exit 0 "up DIR" -- umllab up "$d"
echo "      (up in $(($(date +%s) - start)) s)"
expect_output "warning: pc1: startup command .*kathara run pc1.startup. exited with status 2" "up says pc1's startup failed"
expect_output "pc1.startup:4: exit status 2: ls /no/such/file" "... with the line and the command"
expect_output "No such file or directory" "... and its output"
grep -q "r1: startup command" "$T/last" && fail "r1's startup failed: $(grep -A8 'r1: startup command' "$T/last")" ||
	ok "r1's startup set eth0's MAC with the interface up (and eth1's to the one it has)"

expect_exit 0 "status" -- umllab status net
expect_output "description: OSPF between two FRR routers" "LAB_DESCRIPTION shown"
expect_output "r1 +running .*eth0 10.0.1.1/24 \(guest\), eth1 10.0.12.1/30 \(guest\)" "addresses set by r1.startup, from the guest"
expect_output "srv +running .*eth0 10.0.2.80/24 \(guest\) 10.0.2.53/24 \(guest\) 2001:db8:2::80/64 \(guest\)" \
	"srv's addresses, IPv6 too"
expect_output "startup failed: .*pc1.startup" "status marks pc1"
expect_output "r2 +running .*, lo 10.255.0.2/32 \(guest\)" "r2's loopback address, on no cable"
# No wait: the agent tells what a startup set before it says the startup ended.
expect_exit 0 "r1's eth0 has the MAC its startup set" -- umllab exec r1 -- ip -o link show eth0
expect_output "<[A-Z,_]*,UP[,>].* link/ether 02:42:0a:00:01:01 " "... the new one, and eth0 is up again"
expect_exit 0 "status --json" -- umllab status net --json
expect_output '"guest_ips":\["10.0.1.10/24"\]' "JSON: the guest's addresses"

# OSPF: hello 1 s, point-to-point, so the routes come within seconds of the boot.
for i in $(seq 1 120); do
	umllab exec r1 -- ip route show 10.0.2.0/24 2>/dev/null | grep -q "proto ospf" && break
	sleep 1
done
expect_exit 0 "r1 learned 10.0.2.0/24 by OSPF" -- umllab exec r1 -- ip route show 10.0.2.0/24
expect_output "via 10.0.12.2 dev eth1 proto ospf" "through r2"
expect_exit 0 "ping pc1 srv (srv's address is the one its startup set)" -- umllab ping pc1 srv -c 2
for i in $(seq 1 30); do
	umllab exec r1 -- ip route show 10.255.0.2 2>/dev/null | grep -q "proto ospf" && break
	sleep 1
done
expect_exit 0 "ping r1 r2's loopback (an address of r2 on lo, learnt by OSPF)" -- umllab ping r1 10.255.0.2 -c 1
expect_output "switches: B: 1 echo request \(from r1\), 1 echo reply \(from r2\)" "... answered by r2 over B"
expect_output "switches: .*echo repl" "the switches saw the replies"
expect_exit 0 "the page, by name, from the DNS server" -- umllab exec pc1 -- /root/fetch.sh
expect_output "umllab kathara test page" "apache2 served the device folder's page; bind9 resolved www.lab.test"
expect_exit 0 "[env], and a startup written with CRLF line ends" -- umllab exec pc1 -- curl -s http://10.0.2.80/greeting.txt
expect_output "^hello from srv" "GREETING reached srv.startup"
expect_exit 0 "systemctl status frr" -- umllab exec r1 -- systemctl status frr
expect_exit 0 "service named status (systemctl start bind9 started it)" -- umllab exec srv -- service named status
expect_exit 0 "/etc/init.d/apache2 status" -- umllab exec srv -- /etc/init.d/apache2 status
expect_exit 0 "Kathara's kernel settings, and the lab's own" -- umllab exec r1 -- sh -c \
	'cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/eth0/rp_filter /proc/sys/net/ipv4/icmp_ratelimit /proc/sys/net/ipv6/conf/all/disable_ipv6 /proc/sys/net/ipv4/conf/all/log_martians | tr "\n" " "'
expect_output "^1 0 0 1 1 ?$" "forwarding on, no rp_filter, no ICMP limit, no IPv6; log_martians from [sysctl]"
expect_exit 0 "[ipv6]=true: IPv6 on in srv" -- umllab exec srv -- cat /proc/sys/net/ipv6/conf/all/disable_ipv6
expect_output "^0" "srv runs IPv6 (Debian's image loads the module at boot)"
expect_exit 0 "ping r2 srv -6 (srv's IPv6 address from its startup)" -- umllab ping r2 srv -6 -c 1
expect_output "PING 2001:db8:2::80" "the address srv's startup set"
expect_output "switches: C: 1 echo request \(from r2\), 1 echo reply \(from srv\)" "C carried the ICMPv6 echoes"
expect_exit 0 "the device folder, over /" -- umllab exec r1 -- stat -c "%U %a %n" /etc/frr/frr.conf
expect_output "^frr 640 /etc/frr/frr.conf" "frr.conf owned by frr, mode 640 (as Kathara)"
# Kathara's FRR image has no frr.conf and says `no service integrated-vtysh-config`: r2's
# folder brings only ospfd.conf, which ospfd reads (its route to 10.0.2.0/24 above).
expect_exit 0 "r2: FRR's files as in Kathara's FRR image" -- umllab exec r2 -- sh -c \
	'ls /etc/frr/frr.conf 2>&1; cat /etc/frr/vtysh.conf; vtysh -c "show running-config" | grep -c "^router ospf"'
expect_output "No such file" "no frr.conf (Debian's package ships one; Kathara's image removes it)"
expect_output "^no service integrated-vtysh-config" "vtysh.conf as Kathara's image has it"
expect_output "^1$" "ospfd runs the configuration of ospfd.conf"
expect_exit 0 "shared/ at /shared" -- umllab exec r2 -- cat /shared/started.log
expect_output "srv started" "every device wrote to it"
awk '/srv started/{s=NR} /pc1 started/{p=NR} END{exit !(s && p && s < p)}' "$d/shared/started.log" &&
	ok "lab.dep: pc1 started after srv" || fail "pc1 did not start after srv: $(cat "$d/shared/started.log")"
expect_exit 0 "graph shows the guest's addresses" -- umllab graph net
expect_output "10.0.12.1/30" "r1's address in the drawing"
expect_exit 0 "check (the lab directory's checks.yaml)" -- umllab check net
expect_output "5/5 checks" "every check passes (one over IPv6)"

# A pulled cable: the guest sees it (not RUNNING: dormant), and sees it back.
expect_exit 0 "link r1 eth1 down" -- umllab link r1 eth1 down
sleep 1
expect_exit 0 "r1 sees the cable out" -- umllab exec r1 -- cat /sys/class/net/eth1/operstate
expect_output "^dormant" "eth1 is dormant in the guest"
expect_exit 0 "status" -- umllab status net
expect_output "eth1 10.0.12.1/30 \(guest\) \[link down, dormant in the guest\]" "status says both"
expect_exit 0 "link r1 eth1 up" -- umllab link r1 eth1 up
sleep 1
expect_exit 0 "r1 sees it back" -- umllab exec r1 -- cat /sys/class/net/eth1/operstate
expect_output "^up" "eth1 is up again"

expect_exit 0 "down" -- umllab down net
grep -q "srv stopped" "$d/shared/stopped.log" 2>/dev/null && ok "srv.shutdown ran at down" ||
	fail "srv.shutdown did not run"
# Its kept disks are this directory's: another lab directory also called net
# (many public labs sit in one called `lab`) does not boot on them.
mkdir -p "$T/other"
cp -r "$d" "$T/other/net"
expect_exit 1 "another directory of the same name is refused" -- umllab up "$T/other/net"
expect_output "the disks kept in .* were written by the lab directory $d, not by $T/other/net" \
	"it names both directories"
expect_output "umllab down --wipe net" "and says how to start it afresh"
expect_exit 0 "down --wipe" -- umllab down --wipe net
finish
