# A lab that cannot come up: up says what failed on which instance, and stops what it started.
. "$REPO/tests/e2e/lib.sh"
lab=$REPO/labs/fig1.yaml

UMLLAB_KERNEL=$T/no-such-kernel expect_exit 1 "up with a missing kernel" -- umllab up "$lab"
expect_output "user-mode-linux" "the error names the package to install"

# A "kernel" that dies at once: each instance fails during boot.
printf '#!/bin/sh\necho "fake kernel: giving up"\nexit 3\n' >"$T/bad-kernel"
chmod +x "$T/bad-kernel"
UMLLAB_KERNEL=$T/bad-kernel expect_exit 1 "up with a kernel that exits" -- umllab up "$lab"
expect_output "uml(A|B): linux.uml exited with status 3" "the failing instance and its exit status are named"
expect_output "fake kernel: giving up" "the last console lines are shown"
sleep 0.5
[ -z "$(lab_pids fig1 | while read -r p; do alive "$p" && echo "$p"; done)" ] \
	&& ok "nothing of the lab is left running" || fail "processes left: $(lab_pids fig1)"
# The failure is kept: status says the lab failed to start, and why.
expect_exit 1 "status of the lab that failed to start" -- umllab status fig1
expect_output "lab fig1 failed to start: .*exited with status 3" "status fig1 says why it failed"
expect_exit 1 "status of every lab" -- umllab status
expect_output "lab fig1: failed to start: .*exited with status 3" "status lists the failed lab and why"
expect_exit 2 "ping in the lab that failed" -- umllab ping umlA umlB
expect_output "lab fig1 failed to start" "a command on it says it failed to start"
# A name close to a known lab: an error that suggests it.
expect_exit 2 "down of a lab that does not exist" -- umllab down fig
expect_output "there is no lab fig; did you mean fig1\?" "down suggests fig1"
expect_exit 0 "down of the failed lab" -- umllab down fig1
expect_exit 0 "status afterwards" -- umllab status
expect_output "no lab is running" "down forgot the failure"

# A kernel that stops making progress (a silent console) is stopped after the boot limit.
printf '#!/bin/sh\nexec sleep 60\n' >"$T/slow-kernel"
chmod +x "$T/slow-kernel"
UMLLAB_BOOT_TIMEOUT=2 UMLLAB_KERNEL=$T/slow-kernel expect_exit 1 "up with a kernel that hangs" -- umllab up "$lab"
expect_output "stopped making progress while booting: its console was silent for 2 s" "the time limit is named"
sleep 0.5
[ -z "$(pgrep -u "$(id -u)" -f "$T/slow-kernel")" ] && ok "the hung kernels were killed" || fail "hung kernels left"

# Not enough memory for the next boot (a host with 100 MB available): up
# waits for memory as long as a boot may stay silent, then says so.
UMLLAB_BOOT_TIMEOUT=2 UMLLAB_TEST_MEM_AVAILABLE_MB=100 expect_exit 1 "up without memory to boot" -- umllab up "$lab"
expect_output "umlA: not enough memory to boot it: the host has 100 MB available after 0 of 2 instances came up" \
	"up says which instance found no memory, and how much there was"
expect_exit 0 "down of the lab without memory" -- umllab down fig1

# A long state directory: the socket path limit is a clear error.
long=$T/$(printf 'd%.0s' $(seq 90))
UMLLAB_STATE_DIR=$long expect_exit 1 "up with a state dir too long for unix sockets" -- umllab up "$lab"
expect_output "longer than the 107" "the error explains the socket path limit"
UMLLAB_STATE_DIR=$long expect_exit 1 "status after that" -- umllab status
expect_output "fig1: failed to start: .*longer than the 107" "status says the lab failed to start and why"
if grep -q "killed or crashed" "$T/last"; then fail "status calls the failed start a crash"; else ok "not called a crash"; fi
UMLLAB_STATE_DIR=$long timeout 30 "$UMLLAB" down fig1 >/dev/null 2>&1
finish
