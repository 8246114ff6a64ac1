# Bad topologies: every mistake named with file:line:column; up starts nothing.
. "$REPO/tests/e2e/lib.sh"
cat >"$T/bad.yaml" <<'YAML'
name: bad
switches:
  S1: {mode: swtich}
instances:
  umlA:
    interfaces:
      eth0: {switch: S2, ip: 10.0.0.300/24}
  umlA:
    mem: lots
YAML
expect_exit 1 "validate a bad file" -- umllab validate "$T/bad.yaml"
expect_output "bad.yaml:3:[0-9]+: .*mode" "bad mode reported with line 3"
expect_output "bad.yaml:7:[0-9]+: .*S2" "undefined switch reported with line 7"
expect_output "bad.yaml:7:[0-9]+: .*10.0.0.300" "bad address reported with line 7"
expect_output "bad.yaml:8:[0-9]+: .*umlA" "duplicate instance reported with line 8"
expect_exit 1 "up of a bad file" -- umllab up "$T/bad.yaml"
expect_output "nothing was started" "up says nothing was started"
[ ! -e "$UMLLAB_STATE_DIR/bad" ] && ok "no state for the bad lab" || fail "state created for a bad lab"
expect_exit 1 "a missing file" -- umllab validate "$T/nope.yaml"
expect_output "nope.yaml" "the missing file is named"
expect_exit 1 "up of a missing file" -- umllab up "$T/nope.yaml"
[ "$(wc -l <"$T/last")" -eq 1 ] && expect_output "nope.yaml: cannot open" "up of a missing file: one message" \
	|| { fail "up of a missing file: one message expected"; sed 's/^/      /' "$T/last"; }
expect_exit 0 "validate fig1" -- umllab validate "$REPO/labs/fig1.yaml"
# A kernel command line UML would refuse (16 interfaces of 8 IPv6 addresses): at the
# instance, before anything starts.
python3 - >"$T/big.yaml" <<'PY'
print("switches: {S1: {}}\ninstances:\n  small:\n    interfaces: {eth0: {switch: S1, ip: 10.0.0.1/24}}\n  big:\n    interfaces:")
for i in range(16):
    print("      eth%d: {switch: S1, ip: [%s]}" % (i, ", ".join("2001:db8:%x:%x::1/64" % (i + 1, k + 1) for k in range(8))))
PY
expect_exit 1 "validate: a kernel command line too long" -- umllab validate "$T/big.yaml"
expect_output "big.yaml:5:3: instance big: its kernel command line would be [0-9]+ bytes, and UML takes at most 4095: its 16 interfaces take [0-9]+ \(each names its cable's socket under .*/big\), its addresses [0-9]+" \
	"the instance, its line's length, what takes the room"
expect_exit 1 "up of it" -- umllab up "$T/big.yaml"
expect_output "nothing was started" "up starts nothing"
[ ! -e "$UMLLAB_STATE_DIR/big" ] && ok "no state for it" || fail "state created for a lab that cannot start"
expect_exit 2 "no arguments" -- umllab validate
expect_exit 0 "--help" -- umllab --help
for c in up down status ping exec validate switch; do
	expect_exit 0 "$c --help" -- umllab "$c" --help
done
expect_exit 2 "unknown command" -- umllab frobnicate
expect_exit 2 "status of a lab that is not running" -- umllab status nolab
# A lab that does not exist is an error, never "was not running".
expect_exit 2 "down of a lab that does not exist" -- umllab down nolab
expect_output "there is no lab nolab" "down says there is no such lab"
expect_exit 2 "down --lab of a lab that does not exist" -- umllab down --lab nolab
expect_exit 2 "ping -c without a number" -- umllab ping umlA umlB -c
expect_output "-c needs a count" "ping -c says the count is missing"
expect_exit 126 "confine without uml_dir=" -- umllab confine -- linux.uml mem=64M
expect_output "give the kernel uml_dir=DIR" "confine says why the kernel cannot start"
expect_exit 126 "confine with a kernel not on PATH" -- umllab confine -- no-such-linux.uml uml_dir="$T/uml"
expect_output "no-such-linux.uml: not found on PATH" "confine names the missing kernel"
# A tool that fails with a long error log: its last lines, one per line,
# folded, not one huge line (a fake mmdebstrap first on PATH).
mkdir -p "$T/fakebin"
printf '#!/bin/sh\nfor i in $(seq 1 20); do echo "E: failure $i: a long line that goes on and on and on, to be wider than the one hundred columns of a line" >&2; done\nexit 25\n' >"$T/fakebin/mmdebstrap"
chmod +x "$T/fakebin/mmdebstrap"
cat >"$T/deb.yaml" <<'YAML'
images:
  deb: {debian: bookworm}
image: deb
switches: {S1: {}}
instances:
  a: {interfaces: {eth0: {switch: S1, ip: 10.0.0.1/24}}}
YAML
PATH=$T/fakebin:$PATH XDG_CACHE_HOME=$T/cache expect_exit 1 "a failing mmdebstrap" -- umllab image build "$T/deb.yaml"
if grep -q "subordinate" "$T/last"; then ok "skipped: no subordinate ids here for mmdebstrap"; else
	expect_output "mmdebstrap failed \(exit 25\); the end of what it printed:" "the tool's failure is named"
	expect_output "^    \| E: failure 20: " "its last line is on a line of its own"
	[ "$(grep -c '^    | E: failure' "$T/last")" -eq 8 ] && ok "its last 8 lines are shown" \
		|| fail "lines shown: $(grep -c '^    | E: failure' "$T/last")"
	[ "$(grep '^    |' "$T/last" | awk '{ if (length($0) > 110) n++ } END { print n + 0 }')" -eq 0 ] \
		&& ok "long lines are folded" || fail "a line is longer than 110 columns"
fi
expect_exit 2 "an unknown option" -- umllab status --frob
expect_output "usage: umllab status" "a usage error shows the usage"
finish
