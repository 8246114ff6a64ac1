# e2e: as root (it runs a single-node Slurm cluster; umllab and the jobs run as nobody)
# grade --slurm on a single-node Slurm cluster: --wait over three submissions
# (correct, wrong, a YAML mistake) gives the same summary as a local grade
# of the same set; without --wait, the summary job writes it, and a task
# cancelled before it reported gives its submission 0 with the reason.
. "$REPO/tests/e2e/lib.sh"
. "$REPO/tests/e2e/slurm.sh"
slurm_test_begin sbatch squeue

# Everything of umllab runs as nobody, in this test's directory.
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR" "$T/subs"
chown nobody:nogroup "$TMPDIR" "$T/subs"
as_nobody() { slurm_as nobody "$@"; }
umllab() { as_nobody "$UMLLAB" "$@"; }

slurm_start "$T/slurm-logs" && ok "a single-node Slurm cluster is up" || { fail "no Slurm cluster"; finish; }

subs=$T/subs
cat >"$T/spec.yaml" <<'EOF'
checks:
  - name: umlB has 10.0.0.2/24
    iface: {on: umlB, dev: eth0, address: 10.0.0.2/24}
  - name: umlA reaches umlB
    points: 3
    reach: {from: umlA, to: umlB}
EOF
fig1_like() {
	cat <<EOF
switches:
  S1: {mode: switch}
instances:
  umlA:
    interfaces:
      eth0: {switch: S1, ip: 10.0.0.1/24}
  umlB:
    interfaces:
      eth0: {$2: S1, ip: $1}
EOF
}
mkdir -p "$subs/alice" "$subs/bob" "$subs/dave"
fig1_like 10.0.0.2/24 switch >"$subs/alice/lab.yaml"
fig1_like 10.0.1.2/24 switch >"$subs/bob/lab.yaml"
fig1_like 10.0.0.2/24 swtich >"$subs/dave/lab.yaml"
chown -R nobody:nogroup "$subs" "$T/spec.yaml"

start=$(date +%s)
expect_exit 0 "grade --slurm --wait over 3 submissions" -- \
	umllab grade --slurm --wait --partition test --spec "$T/spec.yaml" -o "$T/out-slurm" "$subs"/*
echo "      (grade --slurm --wait took $(( $(date +%s) - start )) s)"
cp "$T/last" "$T/slurm.out"
expect_output "as Slurm job [0-9]+ \(one task per submission, partition test\)" "it names the job"
expect_output '^\[[1-3]/3\] alice: 4/4 points, 2/2 checks passed$' "a progress line per task as it reports"
expect_output "2 of 3 submissions checked, 1 got 0 without a verdict" "the closing line of a local grade"
start=$(date +%s)
expect_exit 0 "the same set graded locally" -- \
	umllab grade --jobs 2 --spec "$T/spec.yaml" -o "$T/out-local" "$subs"/*
echo "      (local grade took $(( $(date +%s) - start )) s)"
cmp -s "$T/out-slurm/summary.csv" "$T/out-local/summary.csv" \
	&& ok "summary.csv is the same as a local grade's" \
	|| fail "summary.csv differs: $(diff "$T/out-slurm/summary.csv" "$T/out-local/summary.csv")"
python3 - "$T/out-slurm" "$T/out-local" <<'PY' && ok "summary.json and the reports agree with a local grade" || fail "summaries differ"
import json, os, sys
def load(d):
    s = json.load(open(os.path.join(d, "summary.json")))
    for x in s["submissions"]:
        del x["seconds"]
    return s
a, b = load(sys.argv[1]), load(sys.argv[2])
assert a == b, (a, b)
got = {x["submission"]: (x["points"], x["status"]) for x in a["submissions"]}
assert got == {"alice": (4, "checked"), "bob": (0, "checked"), "dave": (0, "validate")}, got
for n in ("alice", "bob", "dave"):
    assert os.path.exists(os.path.join(sys.argv[1], n + ".txt")), n
for n in ("alice", "bob"):
    c = json.load(open(os.path.join(sys.argv[1], n + ".check.json")))
    assert c["points"] == got[n][0], (n, c)
PY
grep -q "^FAIL  umlA reaches umlB (reach) 0/3" "$T/out-slurm/bob.txt" && ok "bob's report from his task" \
	|| fail "bob's report: $(cat "$T/out-slurm/bob.txt" 2>&1)"

# Without --wait: grade returns once submitted; the summary job writes the
# summary after every task, here after one was cancelled.
expect_exit 0 "grade --slurm without --wait" -- \
	umllab grade --slurm --spec "$T/spec.yaml" -o "$T/out-cancel" "$subs/alice" "$subs/dave"
expect_output "job [0-9]+ writes .*/summary.csv" "it says which job writes the summary"
job=$(sed -n 's/.* as Slurm job \([0-9]*\) .*/\1/p' "$T/last")
[ -n "$job" ] && as_nobody scancel "${job}_0"
for _ in $(seq 600); do [ -f "$T/out-cancel/summary.csv" ] && break; sleep 0.1; done
python3 - "$T/out-cancel" <<'PY' && ok "the summary job's summary: 0 for the cancelled task, with why" \
	|| fail "summary after a cancelled task: $(cat "$T/out-cancel/summary.csv" 2>&1)"
import csv, os, sys
rows = {r["submission"]: r for r in csv.DictReader(open(os.path.join(sys.argv[1], "summary.csv"), newline=""))}
a = rows["alice"]
# Cancelled before its task started, or while it ran (grade then says so itself).
# Slurm forgets a task cancelled before it started: the reason says so.
assert a["points"] == "0" and (
    (a["status"] == "slurm" and "task ended without a report: Slurm" in a["reason"])
    or a["status"] == "interrupted"), a
assert rows["dave"]["status"] == "validate", rows["dave"]
PY

# SIGTERM to grade --wait cancels the job, waits for its tasks to end, writes
# the summary and exits 2, as a local grade does.
# (setpriv itself, not a shell function: $! must be grade's pid.)
setpriv --reuid=nobody --regid=nogroup --clear-groups env SLURM_CONF="$SLURM_CONF" \
	"$UMLLAB" grade --slurm --wait --spec "$T/spec.yaml" -o "$T/out-term" "$subs/alice" "$subs/bob" \
	>"$T/term.out" 2>&1 &
gpid=$!
for _ in $(seq 300); do grep -q "as Slurm job" "$T/term.out" && break; sleep 0.1; done
kill -TERM "$gpid"
for _ in $(seq 600); do alive "$gpid" || break; sleep 0.1; done
alive "$gpid" && { fail "grade --wait still runs 60 s after SIGTERM"; kill -KILL "$gpid"; }
wait "$gpid"
rc=$?
[ "$rc" = 2 ] && ok "grade --wait exits 2 after SIGTERM" || fail "grade --wait exited $rc after SIGTERM: $(cat "$T/term.out")"
grep -q "was cancelled; the summary lists what was graded" "$T/term.out" && ok "it says the job was cancelled" \
	|| fail "after SIGTERM: $(cat "$T/term.out")"
[ "$(grep -c '^[a-z]*,0,4,' "$T/out-term/summary.csv" 2>/dev/null)" = 2 ] \
	&& ok "the summary gives 0 to both cancelled submissions" || fail "summary: $(cat "$T/out-term/summary.csv" 2>&1)"

# Usage errors stop grade before anything is submitted.
expect_exit 2 "--wait without --slurm is a usage error" -- umllab grade --wait --spec "$T/spec.yaml" "$subs/alice"
expect_exit 2 "--jobs with --slurm is a usage error" -- umllab grade --slurm --jobs 2 --spec "$T/spec.yaml" "$subs/alice"
expect_exit 2 "no sbatch: exit 2" -- \
	as_nobody env PATH=/nonexistent "$UMLLAB" grade --slurm --spec "$T/spec.yaml" -o "$T/out-nosbatch" "$subs/alice"
expect_output "cannot run sbatch: No such file or directory" "the error names sbatch"

# Nothing of the graded labs is left (the cluster is stopped on exit).
for _ in $(seq 100); do [ -z "$(timeout 5 squeue -h 2>&1)" ] && break; sleep 0.1; done
[ -z "$(timeout 5 squeue -h 2>&1)" ] && ok "no job left in the queue" || fail "jobs left: $(timeout 5 squeue 2>&1)"
left=$(pgrep -f -- "uml_dir=$TMPDIR/")
[ -z "$left" ] && ok "nothing of the graded labs is left running" || fail "left running: $left"
[ -z "$(ls -A "$TMPDIR")" ] && ok "no state directory left in TMPDIR" || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
finish
