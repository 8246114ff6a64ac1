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
expect_exit 2 "the lab is not running afterwards" -- umllab status fig1

# A kernel that never finishes booting is stopped at the time limit.
printf '#!/bin/sh\nexec sleep 60\n' >"$T/slow-kernel"
chmod +x "$T/slow-kernel"
UMLLAB_BOOT_TIMEOUT=2 UMLLAB_KERNEL=$T/slow-kernel expect_exit 1 "up with a kernel that hangs" -- umllab up "$lab"
expect_output "did not finish booting within 2 s" "the time limit is named"
sleep 0.5
[ -z "$(pgrep -u "$(id -u)" -f "$T/slow-kernel")" ] && ok "the hung kernels were killed" || fail "hung kernels left"

# A long state directory: the socket path limit is a clear error.
long=$T/$(printf 'd%.0s' $(seq 90))
UMLLAB_STATE_DIR=$long expect_exit 1 "up with a state dir too long for unix sockets" -- umllab up "$lab"
expect_output "longer than the 107" "the error explains the socket path limit"
UMLLAB_STATE_DIR=$long timeout 30 "$UMLLAB" down fig1 >/dev/null 2>&1
finish
