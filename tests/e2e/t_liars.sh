# e2e: long
# Checks and `umllab ping` against liars (issue 22, items 5-9): the student is
# root in every guest and writes the lab file. One lab hosts them all:
#
#   a (10.0.1.1) -S1- r1 (10.0.1.254, 10.0.2.254) -S2- b (10.0.2.1)
#   a (10.0.4.1) -D-  r2 (10.0.4.254, 10.0.2.253) -S2- b; b answers a by r2
#   t (10.0.1.50) -S3- e (10.0.1.60, and 10.0.9.9 on switch "b")
#   switch "b": named like instance b; its trunk's far end (vxecho.py)
#     answers for b's address 10.0.2.1
#
# r1 also has t's address (it answers a's pings to t); e also has a's
# address, and pings t with the payload pattern of a's ping, which a's shell
# leaves in the shared directory. a's shell prints success when /etc/fake
# exists. Each part fails against the judge before (the switches' frames
# counted apart, a whole-switch tap before the receiver's conditions, ports
# attributed by their names).
. "$REPO/tests/e2e/lib.sh"
d=$REPO/tests/e2e/labs/liars

base=$((20000 + ($$ % 15000) * 2 + 1))
pl=$base pv=$((base + 1))
mkdir -p "$T/share"
cat >"$T/share/liar-sh" <<'EOF'
#!/bin/busybox ash
# a's shell (the agent runs `/bin/sh -c CMD` when a command is not plain
# words): each ping's pattern goes to
# the share, a file name (another kernel's hostfs reads names afresh); with
# /etc/fake the ping runs, and its output is replaced by success.
case "$2" in
ping*)
	tag=${2#* -p }
	tag=${tag%% *}
	: >"/hostlab/tag-$tag"
	if [ -f /etc/fake ]; then
		/bin/busybox ash -c "$2" >/dev/null 2>&1
		echo "3 packets transmitted, 3 packets received, 0% packet loss"
		exit 0
	fi
	;;
esac
exec /bin/busybox ash "$@"
EOF
# a's ping: the agent runs a command of plain words itself, the first on its
# PATH (/sbin first), with no shell; the same lie as liar-sh's.
cat >"$T/share/liar-ping" <<'EOF'
#!/bin/busybox ash
args=" $*"
tag=${args#* -p }
tag=${tag%% *}
: >"/hostlab/tag-$tag"
if [ -f /etc/fake ]; then
	/bin/busybox ping "$@" >/dev/null 2>&1
	echo "3 packets transmitted, 3 packets received, 0% packet loss"
	exit 0
fi
exec /bin/busybox ping "$@"
EOF
cat >"$T/share/echoer" <<'EOF'
# e: pings t from a's address with the pattern of a's ping.
while :; do
	for f in /hostlab/tag-*; do
		[ "$f" = "/hostlab/tag-*" ] && continue
		rm -f "$f"
		ping -q -c 8 -i 0.2 -W 1 -I 10.0.1.1 -p "${f#/hostlab/tag-}" 10.0.1.50 &
	done
	sleep 0.1
done
EOF
cat >"$T/liars.yaml" <<EOF
name: liars
share: ./share
switches:
  S1: {}
  S2: {}
  S3: {}
  D: {}
  b:
    trunks:
      - {vxlan: 127.0.0.1:$pv, vni: 42, listen: 127.0.0.1:$pl}
instances:
  a:
    interfaces:
      eth0: {switch: S1, ip: 10.0.1.1/24}
      eth1: {switch: D, ip: 10.0.4.1/24}
    routes:
      - {to: 10.0.2.0/24, via: 10.0.1.254}
    startup:
      - "cp /hostlab/liar-sh /tmp/sh && chmod 755 /tmp/sh && mv -f /tmp/sh /bin/sh"
      - "cp /hostlab/liar-ping /sbin/ping && chmod 755 /sbin/ping"
  r1:
    forward: true
    interfaces:
      eth0: {switch: S1, ip: 10.0.1.254/24}
      eth1: {switch: S2, ip: 10.0.2.254/24}
    startup:
      - "ip addr add 10.0.1.50/24 dev eth0"
  r2:
    forward: true
    interfaces:
      eth0: {switch: S2, ip: 10.0.2.253/24}
      eth1: {switch: D, ip: 10.0.4.254/24}
    routes:
      - {to: 10.0.1.0/24, via: 10.0.4.1}
  b:
    interfaces:
      eth0: {switch: S2, ip: 10.0.2.1/24}
    routes:
      - {to: 10.0.1.0/24, via: 10.0.2.253}
  t:
    interfaces:
      eth0: {switch: S3, ip: 10.0.1.50/24}
  e:
    interfaces:
      eth0: {switch: S3, ip: 10.0.1.60/24}
      eth1: {switch: b, ip: 10.0.2.9/24}
    startup:
      - "ip addr add 10.0.1.1/24 dev eth0"
      - "sh /hostlab/echoer >/dev/null 2>&1 </dev/null &"
EOF
timeout 600 python3 "$REPO/tests/e2e/vxecho.py" "$pv" "$pl" 42 10.0.2.1 >"$T/vxecho.log" 2>&1 &
vx=$!
trap 'kill "$vx" 2>/dev/null; lib_cleanup' EXIT
expect_exit 0 "up" -- umllab up "$T/liars.yaml"

# Item 8: the reply comes back by another switch; the source did get it.
expect_exit 0 "asymmetric route: reach and path pass" -- umllab check liars --spec "$d/asym.yaml"
expect_exit 0 "umllab ping a b, the replies coming back over D" -- umllab ping a b -c 2
expect_output "switches: .*D: 0 echo requests, 2 echo replies \(from r2\)" "the replies crossed D"

# Item 5: replies from a liar on a's side, requests from an echoer on t's.
expect_exit 1 "a liar and an echoer: reach and path fail" -- umllab check liars --spec "$d/liar5.yaml"
expect_output "^FAIL +reach +a reaches t" "reach fails"
expect_output "^FAIL +path +a to t directly" "path fails"
# On a loaded machine the echoer's pings may miss the check's window: then
# t sent no reply at all, and the judge says so first. Either refutes a.
# (One reply is "1 echo reply": the count decides the word.)
if grep -Eq "S3: [0-9]+ echo requests? \(from e\), [0-9]+ echo repl(y|ies) \(from t\)" "$T/last"; then
	ok "the echoer did get t's replies meanwhile"
	expect_output "a printed replies, but none of its echo requests reached t's cables; they reached r1" \
		"it says where the requests went"
else
	expect_output "a printed replies, but no echo reply from t crossed S3; the replies came from r1" \
		"the echoer was late: it says t sent no reply, and that r1's replies came instead"
fi
expect_exit 1 "umllab ping a t exits 1" -- umllab ping a t -c 6
expect_output "disagree: a printed replies, but (none of its echo requests reached t's cables|no echo reply from t crossed S3)" \
	"ping says why (the echoer may be late for a short ping)"

# Item 6: what a's cable drops was not delivered to a.
expect_exit 0 "a's cable drops the ICMP that comes to it" -- umllab link a eth0 set in drop icmp
expect_exit 0 "no_reach passes: r1's replies never reached a" -- umllab check liars --spec "$d/drop6.yaml"
expect_exit 0 "a's shell fakes its pings" -- umllab exec a -- touch /etc/fake
expect_exit 1 "reach fails, though a printed replies" -- umllab check liars --spec "$d/fake6.yaml"
expect_output "a printed replies, but no echo reply from 10.0.1.254 reached a's cables: the switches took in 2 and delivered none to a" \
	"it says the replies were not delivered"
expect_exit 1 "umllab ping a r1 exits 1" -- umllab ping a r1 -c 2
expect_output "disagree: a printed replies, but no echo reply from 10.0.1.254 reached a's cables" "ping says why"
umllab exec a -- rm -f /etc/fake >/dev/null 2>&1
expect_exit 0 "a's cable clear" -- umllab link a eth0 clear

# Item 7: frames from the trunk of the switch called b are not instance b's.
expect_exit 1 "the trunk answers for b: reach and frames fail" -- umllab check liars --spec "$d/trunk7.yaml"
expect_output "^FAIL +reach +e reaches b" "reach fails"
expect_output "e printed replies, but no echo reply from b crossed S2; the replies came from b.trunk0" \
	"it names the trunk"
expect_output "^FAIL +frames +b sends on switch b" "frames from: b fails"
expect_exit 1 "umllab ping e b exits 1" -- umllab ping e b -c 2
expect_output "replies \(from b.trunk0\)" "ping shows the trunk"

# Item 9: b ignores pings. Plain no_reach passes (no reply came back); strict fails.
expect_exit 0 "b ignores echo requests" -- umllab exec b -- sh -c "echo 1 >/proc/sys/net/ipv4/icmp_echo_ignore_all"
expect_exit 1 "no_reach strict fails: a's requests reached b" -- umllab check liars --spec "$d/strict9.yaml" -v
expect_output "^pass +no_reach +no reply from b" "plain no_reach passes"
expect_output "^FAIL +no_reach +a isolated from b" "strict fails"
expect_output "[0-9] echo requests? of a's ping reached b's cables" "it says a's requests reached b"
expect_exit 0 "r1 drops the ICMP it sends to S2" -- umllab link r1 eth1 set out drop icmp
expect_exit 0 "no_reach strict passes when the network stops a" -- umllab check liars --spec "$d/strict9-cut.yaml"

expect_exit 0 "down" -- timeout 60 "$UMLLAB" down --wipe liars
kill "$vx" 2>/dev/null
wait "$vx" 2>/dev/null
finish
