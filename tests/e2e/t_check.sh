# e2e: long
# umllab check: every kind passing and failing on a routed lab, evidence from
# the switches against a guest whose ping only prints success, --json,
# --junit, --watch, spec mistakes; umllab ping's switch evidence.
. "$REPO/tests/e2e/lib.sh"
d=$REPO/tests/e2e/labs/check

expect_exit 2 "a spec with a mistake: no verdict" -- umllab check --spec "$d/bad.yaml"
expect_output "bad.yaml:3:23: unknown key \`too\` in check \`typo\`" "the mistake at FILE:LINE:COL"
expect_exit 2 "no lab running: no verdict" -- umllab check --spec "$d/pass.yaml"

expect_exit 0 "up" -- umllab up "$d/lab.yaml"

expect_exit 0 "the lab's own checks pass" -- umllab check chk
expect_output "^pass +reach +h1 reaches h2 \(3/3\)" "one line per check with its points"
expect_output "^2/2 checks, 5 of 5 points" "the total"

expect_exit 0 "every kind passing" -- umllab check --spec "$d/pass.yaml" --junit "$T/pass.xml"
expect_output "^11/11 checks, 14 of 14 points" "all eleven pass"
for k in reach no_reach path iface route forwarding command frames; do
	grep -Eq "^pass +$k " "$T/last" && ok "$k passes" || fail "$k does not pass"
done
python3 - "$T/pass.xml" <<'PY' && ok "JUnit read back: 11 tests, no failures" || fail "JUnit of the passing run"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suite = root.find("testsuite")
assert suite.get("tests") == "11" and suite.get("failures") == "0", suite.attrib
assert len(suite.findall("testcase")) == 11 and not suite.findall("testcase/failure")
PY

# Every kind failing, once, as JSON (the contract with grade) and JUnit.
umllab check --spec "$d/fail.yaml" --json --junit "$T/fail.xml" >"$T/fail.json" 2>"$T/err"
code=$?
[ "$code" = 1 ] && ok "exit 1 when checks fail" || fail "every kind failing: exit $code: $(cat "$T/err")"
python3 - "$T/fail.json" <<'PY' && ok "--json: one object per the contract, every kind failing with why" \
	|| fail "--json: $(head -c 600 "$T/fail.json")"
import json, re, sys
r = json.load(open(sys.argv[1]))
assert r["lab"] == "chk" and r["passed"] == 0 and r["total"] == 10, r
assert r["points"] == 0 and r["max_points"] == 11, r
c = r["checks"][0]
assert set(c) == {"name", "kind", "passed", "points", "max_points", "expected", "seen"}, c
assert c["name"] == "h1 reaches nobody" and c["kind"] == "reach" and c["max_points"] == 2
kinds = {x["kind"] for x in r["checks"] if not x["passed"] and x["points"] == 0 and x["seen"]}
assert kinds == {"reach", "no_reach", "path", "iface", "route", "forwarding", "command", "frames"}, kinds
seen = {x["name"]: x["seen"] for x in r["checks"]}
def want(name, pattern):
    assert re.search(pattern, seen[name]), (name, seen[name])
want("the liar reaches h1", r"^liar printed replies, but no echo request from liar to 10.0.1.1 crossed any switch")
want("h1 to h2 through h2", r"^the requests went h1 > r1$")
want("h1 isolated from h2", r"^h1 got replies; switches: S1: 1 echo request \(from h1\), 1 echo reply \(from r1\); S2: 1 echo request \(from r1\), 1 echo reply \(from h2\)")
want("wrong prefix", r"address 10.0.2.254/24")
want("no such route", r"10.0.2.0/24 via 10.0.1.254 dev eth0")
want("h1 forwards", r"says ip_forward 0$")
want("exit 3", r"^exit 3")
want("no udp on S1", r"^S1 carried 0 udp port 9 frames from h1")
want("an unknown instance", r"^lab chk has no instance nobody$")
PY
python3 - "$T/fail.xml" <<'PY' && ok "JUnit read back: 10 failures with messages" || fail "JUnit of the failing run"
import sys, xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot().find("testsuite")
assert suite.get("failures") == "10", suite.attrib
msgs = [f.get("message") for f in suite.findall("testcase/failure")]
assert len(msgs) == 10 and any("liar printed replies" in m for m in msgs), msgs
PY

expect_exit 1 "ping from the liar exits 1" -- umllab ping liar h1
expect_output "3 packets received" "the liar's ping printed success"
expect_output "switches: no switch carried an echo request or reply of it" "ping says what the switches carried"
expect_output "disagree: liar printed replies, but no echo request from liar to 10.0.1.1 crossed any switch" \
	"ping says the guest and the switches disagree"
expect_exit 0 "an honest ping across the router" -- umllab ping h1 h2 -c 2
expect_output "switches: S1: 2 echo requests \(from h1\), 2 echo replies \(from r1\); S2: 2 echo requests \(from r1\), 2 echo replies \(from h2\)" \
	"ping lists each switch crossed"

# --watch: progress lines until Ctrl-C; nothing of it left behind.
"$UMLLAB" check chk --watch >"$T/watch" 2>&1 &
wpid=$!
sleep 3
kill -INT "$wpid"
for i in $(seq 50); do alive "$wpid" || break; sleep 0.2; done
alive "$wpid" && { fail "--watch still runs after Ctrl-C"; kill -9 "$wpid"; } || ok "--watch ends on Ctrl-C"
wait "$wpid" 2>/dev/null
grep -Eq "2/2 checks, 5 of 5 points" "$T/watch" && ok "--watch shows the progress" || fail "--watch: $(cat "$T/watch")"
sleep 1
umllab status chk --json >"$T/st" && python3 -c "
import json,sys; s=json.load(open(sys.argv[1])); assert all(i['state']=='running' for i in s['instances'])" "$T/st" \
	&& ok "the lab runs on after --watch" || fail "lab after --watch: $(cat "$T/st")"
expect_exit 0 "checks run again after --watch" -- umllab check chk

# An impostor: r1's cable out, the liar takes r1's address. h1 gets real
# replies, but none from r1's cable.
expect_exit 0 "r1's cable out" -- umllab link r1 eth0 down
expect_exit 0 "the liar takes r1's address" -- umllab exec liar -- ip addr add 10.0.1.254/24 dev eth0
expect_exit 0 "h1 forgets r1's MAC" -- umllab exec h1 -- ip neigh flush dev eth0
expect_exit 1 "ping h1 r1, answered by the impostor, exits 1" -- umllab ping h1 r1 -c 1
expect_output "disagree: h1 printed replies, but no echo reply from r1 crossed S1; the replies came from liar" \
	"ping names who answered instead"

expect_exit 0 "down" -- timeout 30 "$UMLLAB" down --wipe chk
expect_exit 2 "check after down: no verdict" -- umllab check chk
finish
