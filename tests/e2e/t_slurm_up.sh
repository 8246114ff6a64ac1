# e2e: as root (it runs a single-node Slurm cluster; umllab and the job run as nobody)
# up --slurm: figure 1 over two tasks of one allocation (here both on the one
# node), one instance each, placed by `host:` the other way round from file
# order (umlA in part 1, umlB in part 0), their switches trunked over loopback: each part
# is a lab on its node, umlA pings umlB across the trunk; `status`, `ping`,
# `exec` and `down` of the whole lab reach the parts through srun, and down
# ends the job, leaving nothing.
. "$REPO/tests/e2e/lib.sh"
. "$REPO/tests/e2e/slurm.sh"
slurm_test_begin salloc srun
as_nobody() { slurm_as nobody "$@"; }
umllab() { as_nobody "$UMLLAB" "$@"; }
lab="$T/fig1.yaml"
sed -e 's/^  umlA:$/  umlA:\n    host: 1/' -e 's/^  umlB:$/  umlB:\n    host: 0/' "$REPO/labs/fig1.yaml" >"$lab"
chmod 644 "$lab"
grep -q "host: 1" "$lab" || { fail "could not write the lab with host:"; finish; }
slurm_start "$T/slurm-logs" && ok "a single-node Slurm cluster is up" || { fail "no Slurm cluster"; finish; }

expect_exit 1 "up --slurm outside an allocation is refused" -- umllab up --slurm "$lab"
expect_output "not in one \(SLURM_JOB_ID is not set\): .salloc -N2 umllab up --slurm" "it says how to run it"

# (setpriv itself, not a shell function: $! must be salloc's pid.)
setpriv --reuid=nobody --regid=nogroup --clear-groups env SLURM_CONF="$SLURM_CONF" \
	salloc -N1 -n2 "$UMLLAB" up --slurm "$lab" >"$T/up.out" 2>&1 &
sp=$!
for _ in $(seq 600); do
	[ "$(grep -c 'is up and runs in the foreground' "$T/up.out")" = 2 ] && break
	alive "$sp" || break
	sleep 0.1
done
[ "$(grep -c 'is up and runs in the foreground' "$T/up.out")" = 2 ] && ok "both parts are up" \
	|| fail "parts not up: $(cat "$T/up.out")"
grep -q "^0: umllab: part 0 of 2 of lab fig1 on .* as lab fig1-p0: umlB;" "$T/up.out" \
	&& grep -q "^1: umllab: part 1 of 2 of lab fig1 on .* as lab fig1-p1: umlA;" "$T/up.out" \
	&& ok "one instance per part, where host: puts it, each part says so" || fail "parts: $(grep 'part' "$T/up.out")"
expect_exit 0 "status of part 1" -- umllab status fig1-p1
expect_output "S1.trunk0 +127.0.0.1:[0-9]+" "part 1's switch has a trunk to part 0"
expect_exit 0 "umlA (part 1) pings umlB (part 0) across the trunk" -- umllab ping --lab fig1-p1 umlA 10.0.0.2 -c 2
expect_output "echo replies \(from S1.trunk0\)" "the replies came in on the trunk"

# The whole lab by its own name, from where it was started: srun reaches the parts.
expect_exit 0 "status of the whole lab" -- umllab status fig1
expect_output "^0: .*umlB +running" "status shows part 0's umlB"
expect_output "^1: .*umlA +running" "status shows part 1's umlA"
umllab status --json fig1 >"$T/status.json" 2>"$T/last"
[ $? -eq 0 ] && ok "status --json of the whole lab" || fail "status --json of the whole lab: $(cat "$T/last")"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
parts = d["parts"]
assert d["lab"] == "fig1" and isinstance(d["slurm_job"], int), d
assert [p["lab"] for p in parts] == ["fig1-p0", "fig1-p1"], parts
assert [[i["name"] for i in p["instances"]] for p in parts] == [["umlB"], ["umlA"]], parts
' "$T/status.json" && ok "one JSON object: each part's status, umlB in part 0 and umlA in part 1" ||
	fail "status --json of the whole lab: $(cat "$T/status.json")"
expect_exit 0 "ping umlA umlB by name, across the parts" -- umllab ping --lab fig1 umlA umlB -c 2
expect_output "switches: S1: 2 echo requests \(from umlA\), 2 echo replies \(from S1.trunk0\)" \
	"the switches saw the ping cross the trunk"
expect_exit 0 "exec on umlB, in part 0" -- umllab exec --lab fig1 umlB -- hostname
expect_output "^umlB$" "exec ran on umlB"
expect_exit 255 "exec on an instance the lab does not have (as for any lab)" -- umllab exec --lab fig1 umlZ -- true
expect_output "lab fig1 has no instance umlZ" "it says so"

expect_exit 0 "down of the whole lab" -- umllab down fig1
for _ in $(seq 300); do alive "$sp" || break; sleep 0.1; done
if alive "$sp"; then
	fail "salloc still runs 30 s after down"
	job=$(timeout 5 squeue -h -u nobody -o %i | head -1)
	[ -n "$job" ] && as_nobody scancel "$job"
	sleep 2
	kill -KILL "$sp" 2>/dev/null
fi
wait "$sp"
grep -q "^0: umllab: lab fig1-p0 is down" "$T/up.out" && grep -q "^1: umllab: lab fig1-p1 is down" "$T/up.out" \
	&& ok "down took both parts down cleanly" || fail "after down: $(tail -8 "$T/up.out")"
expect_exit 2 "the lab is gone with its job" -- umllab status fig1
sleep 0.3
# A part that fails to come up ends the other (srun --kill-on-bad-exit): part
# 1's kernel fails to start here (a wrapper that fails in task 1 only).
printf '%s\n' '#!/bin/sh' \
	'[ "$SLURM_PROCID" = 1 ] && { echo "kernel refused in task 1 (t_slurm_up)"; exit 1; }' \
	'exec /usr/bin/linux.uml "$@"' >"$T/kernel"
chmod 755 "$T/kernel"
setpriv --reuid=nobody --regid=nogroup --clear-groups env SLURM_CONF="$SLURM_CONF" UMLLAB_KERNEL="$T/kernel" \
	salloc -N1 -n2 "$UMLLAB" up --slurm "$lab" >"$T/up2.out" 2>&1 &
sp=$!
for _ in $(seq 600); do alive "$sp" || break; sleep 0.1; done
alive "$sp" && { fail "salloc still runs 60 s after a part failed"; kill -KILL "$sp"; }
wait "$sp"
grep -q "^1: .*umlA: .*exited with status 1" "$T/up2.out" && ok "part 1 says its kernel failed" \
	|| fail "part 1's failure: $(grep '^1:' "$T/up2.out" | tail -5)"
grep -Eq "^0: umllab: lab fig1-p0 (is down|was taken down before it was up)" "$T/up2.out" \
	&& ok "and part 0 was taken down with it" \
	|| fail "part 0 after part 1 failed: $(grep '^0:' "$T/up2.out" | tail -5)"

left=$(pgrep -f -- "uml_dir=$UMLLAB_STATE_DIR/"; pgrep -u nobody -f -- "up --slurm-part")
[ -z "$left" ] && ok "nothing of the lab is left running" || fail "left running: $left"
finish
