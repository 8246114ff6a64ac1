# umllab grade over a small class: one correct submission (startup command and
# share directory beside its file), one partly wrong, one that does not come up,
# one with a YAML mistake, one directory with two lab files, one sharing a
# directory outside its own; --jobs 2; the
# summaries read back with python3; nothing left running.
. "$REPO/tests/e2e/lib.sh"
subs=$T/subs
mkdir -p "$subs/alice/share" "$subs/bob" "$subs/carol" "$subs/dave" "$subs/erin" "$subs/frank"
# Grading's state directories go under TMPDIR: here, so leftovers are found.
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR"

cat >"$T/spec.yaml" <<'EOF'
checks:
  - name: umlA has 10.0.0.1/24
    iface: {on: umlA, dev: eth0, address: 10.0.0.1/24}
  - name: umlB has 10.0.0.2/24
    iface: {on: umlB, dev: eth0, address: 10.0.0.2/24}
  - name: umlA reaches umlB
    points: 3
    reach: {from: umlA, to: umlB}
  - name: the startup command wrote the answer
    command: {on: umlB, run: "cat /tmp/answer", expect: {stdout: "^42$"}}
EOF

# A figure-1-sized lab; $1 is umlB's address, $2 extra top-level lines.
fig1_like() {
	printf '%s' "$2"
	cat <<EOF
switches:
  S1: {mode: switch}
instances:
  umlA:
    interfaces:
      eth0: {switch: S1, ip: 10.0.0.1/24}
  umlB:
    startup: ["cp /hostlab/answer /tmp/answer 2>/dev/null || true"]
    interfaces:
      eth0: {switch: S1, ip: $1}
EOF
}
# alice: correct; her startup command copies the answer from her share directory.
fig1_like 10.0.0.2/24 $'share: share\n' >"$subs/alice/lab.yaml"
echo 42 >"$subs/alice/share/answer"
# bob: umlB on the wrong subnet, no share.
fig1_like 10.0.1.2/24 "" >"$subs/bob/fig1.yaml"
# carol: a disk image that is not one: validates, does not come up.
fig1_like 10.0.0.2/24 $'images:\n  mine: {file: disk.img}\n' | sed 's|^  umlA:|  umlA:\n    image: mine|' \
	>"$subs/carol/lab.yaml"
echo "not a disk" >"$subs/carol/disk.img"
# dave: a typo in a key.
fig1_like 10.0.0.2/24 "" | sed 's|{switch: S1, ip: 10.0.0.2/24}|{swtich: S1, ip: 10.0.0.2/24}|' \
	>"$subs/dave/lab.yaml"
# frank: shares a directory outside his submission (someone else's).
fig1_like 10.0.0.2/24 $'share: ../alice/share\n' >"$subs/frank/lab.yaml"
# erin: two lab files and no lab.yaml.
cp "$REPO/labs/fig1.yaml" "$subs/erin/a.yaml"
cp "$REPO/labs/fig1.yaml" "$subs/erin/b.yaml"

umllab validate "$subs/alice/lab.yaml" >/dev/null 2>&1 && ok "alice's lab is valid" || fail "alice's lab: $(umllab validate "$subs/alice/lab.yaml" 2>&1)"

start=$(date +%s)
expect_exit 0 "grade exits 0 when every submission was graded" -- \
	umllab grade --spec "$T/spec.yaml" -o "$T/out" --jobs 2 "$subs"/*
echo "      (grade took $(( $(date +%s) - start )) s)"
cp "$T/last" "$T/grade.out"
expect_output '^\[[1-6]/6\] alice: 6/6 points, 4/4 checks passed$' "a progress line for alice (not a tty)"
expect_output '^\[[1-6]/6\] dave: 0/6 points \(the lab file has mistakes: ' "a progress line gives dave's reason"
[ "$(grep -c '^\[[1-6]/6\] ' "$T/grade.out")" = 6 ] && ok "one line per finished submission" \
	|| fail "progress lines: $(cat "$T/grade.out")"

python3 - "$T/out" <<'PY' && ok "summary.csv and summary.json say who got what, and why" || fail "summaries"
import csv, json, os, sys
out = sys.argv[1]
rows = {r["submission"]: r for r in csv.DictReader(open(os.path.join(out, "summary.csv"), newline=""))}
assert set(rows) == {"alice", "bob", "carol", "dave", "erin", "frank"}, rows.keys()
def row(name, points, status):
    r = rows[name]
    assert (r["points"], r["max_points"], r["status"]) == (str(points), "6", status), r
    return r
assert row("alice", 6, "checked")["failed_checks"] == ""
b = row("bob", 1, "checked")
assert "umlA reaches umlB" in b["failed_checks"] and "umlB has 10.0.0.2/24" in b["failed_checks"], b
assert "answer" in b["failed_checks"], b
assert "disk.img is neither" in row("carol", 0, "up")["reason"], rows["carol"]
d = row("dave", 0, "validate")["reason"]
assert "lab.yaml:" in d and "swtich" in d, d
assert "2 YAML files" in row("erin", 0, "submission")["reason"], rows["erin"]
f = row("frank", 0, "refused")["reason"]
assert "lab.yaml:1:8: share: `../alice/share` leads outside the submission's directory" in f, f
s = json.load(open(os.path.join(out, "summary.json")))
assert s["max_points"] == 6 and s["submissions_count"] == 6 and s["checked"] == 2, s
subs = {x["submission"]: x for x in s["submissions"]}
assert subs["alice"]["points"] == 6 and subs["alice"]["failed"] == []
fb = {f["name"]: f for f in subs["bob"]["failed"]}
assert fb["umlA reaches umlB"]["max_points"] == 3 and fb["umlA reaches umlB"]["seen"], fb
assert subs["carol"]["status"] == "up" and subs["carol"]["points"] == 0
assert subs["dave"]["status"] == "validate" and "swtich" in subs["dave"]["reason"]
# A report per submission; check's own JSON for those it gave a verdict on.
for n in ("alice", "bob", "carol", "dave", "erin", "frank"):
    assert os.path.exists(os.path.join(out, n + ".txt")), n
c = json.load(open(os.path.join(out, "alice.check.json")))
assert c["points"] == 6 and c["max_points"] == 6, c
assert not os.path.exists(os.path.join(out, "carol.check.json"))
PY
grep -q "^FAIL  umlA reaches umlB (reach) 0/3" "$T/out/bob.txt" && ok "bob's report shows the failed check" \
	|| fail "bob's report: $(cat "$T/out/bob.txt")"

# Nothing left running, no state directory left.
sleep 0.5
left=$(pgrep -f -- "uml_dir=$TMPDIR/"; pgrep -u "$(id -u)" -f -- "$subs/")
[ -z "$left" ] && ok "nothing of the graded labs is left running" || fail "left running: $left"
[ -z "$(ls -A "$TMPDIR")" ] && ok "the state directories were removed" || fail "left in TMPDIR: $(ls -A "$TMPDIR")"

# SIGTERM while labs run: grade stops the steps, takes every lab down, writes
# the summary, exits 2.
"$UMLLAB" grade --spec "$T/spec.yaml" -o "$T/out3" --jobs 2 "$subs/alice" "$subs/bob" >"$T/term.out" 2>&1 &
gpid=$!
for _ in $(seq 300); do
	pgrep -f -- "uml_dir=$TMPDIR/" >/dev/null && break
	sleep 0.1
done
pgrep -f -- "uml_dir=$TMPDIR/" >/dev/null && ok "kernels of the graded labs run" || fail "no kernel came up to interrupt"
kill -TERM "$gpid"
for _ in $(seq 600); do kill -0 "$gpid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$gpid" 2>/dev/null; then
	fail "grade still runs 60 s after SIGTERM"
	kill -KILL "$gpid"
fi
wait "$gpid"
rc=$?
[ "$rc" = 2 ] && ok "grade exits 2 after SIGTERM" || { fail "grade exited $rc after SIGTERM"; cat "$T/term.out"; }
grep -q "interrupted" "$T/out3/summary.csv" && ok "the summary says what was interrupted" \
	|| fail "summary after SIGTERM: $(cat "$T/out3/summary.csv" 2>&1)"
grep -Eq ': *"?'$'\r''?$' "$T/out3/summary.csv" && fail "a reason ends with an empty ': ': $(cat "$T/out3/summary.csv")" \
	|| ok "no reason ends with an empty ': '"
left=$(pgrep -f -- "uml_dir=$TMPDIR/"; pgrep -u "$(id -u)" -f -- "$subs/")
[ -z "$left" ] && ok "nothing left running after SIGTERM" || fail "left running after SIGTERM: $left"
[ -z "$(ls -A "$TMPDIR")" ] && ok "no state directory left after SIGTERM" || fail "left in TMPDIR: $(ls -A "$TMPDIR")"

# Grading itself failing: exit 2, and nothing started.
printf 'checks:\n  - name: x\n    reach: {from: umlA}\n' >"$T/bad-spec.yaml"
expect_exit 2 "a spec with mistakes: exit 2" -- umllab grade --spec "$T/bad-spec.yaml" -o "$T/out2" "$subs/alice"
expect_output "bad-spec.yaml:3:" "the spec's mistake is named with its line"
[ ! -e "$T/out2/summary.csv" ] && ok "nothing graded with a bad spec" || fail "graded with a bad spec"
expect_exit 2 "an output directory that cannot be made: exit 2" -- \
	umllab grade --spec "$T/spec.yaml" -o /proc/nope "$subs/alice"
expect_exit 2 "--jobs 0 is a usage error" -- umllab grade --spec "$T/spec.yaml" --jobs 0 "$subs/alice"
finish
