# Two instances on one root: by default one read-only image and a copy-on-write
# file each; with unsafe_shared_root, one writable disk that both kernels mount
# (UML's lock overridden with ubd0c=), which labs/shared-root.md shows breaking.
. "$REPO/tests/e2e/lib.sh"
state=$UMLLAB_STATE_DIR
disks=$UMLLAB_STATE_DIR/.disks	# disks live apart from the runtime files
expect_exit 0 "up labs/shared-root.yaml" -- umllab up "$REPO/labs/shared-root.yaml"
[ -f "$disks/shared-root/a.cow" ] && [ -f "$disks/shared-root/b.cow" ] \
	&& ok "a and b each have a copy-on-write file" || fail "missing COW files"
expect_exit 0 "a writes" -- umllab exec a -- sh -c 'echo from-a > /root/note'
expect_exit 1 "b does not see a's file" -- umllab exec b -- cat /root/note
expect_exit 0 "down --wipe" -- umllab down --wipe shared-root

expect_exit 0 "up labs/shared-root-unsafe.yaml" -- umllab up "$REPO/labs/shared-root-unsafe.yaml"
u=$state/shared-root-unsafe
ud=$disks/shared-root-unsafe
[ -f "$ud/shared-busybox.img" ] && [ ! -e "$ud/a.cow" ] && ok "both boot from one writable disk" \
	|| { fail "no shared disk"; ls -la "$u"; }
for i in a b; do
	pid=$(cat "$u/uml/$i/pid" 2>/dev/null)
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "ubd0c=$ud/shared-busybox.img" \
		&& ok "$i runs with ubd0c= on it (UML's lock off)" || fail "$i's kernel line has no ubd0c="
done
# What the two kernels make of each other's writes varies from run to run
# (that is the point): shown, not checked.
umllab exec a -- sh -c 'echo from-a > /root/a; sync' >/dev/null 2>&1
umllab exec b -- sh -c 'echo from-b > /root/b; sync' >/dev/null 2>&1
echo "      a sees: $(umllab exec a -- ls /root 2>&1 | tr '\n' ' ')"
echo "      b sees: $(umllab exec b -- ls /root 2>&1 | tr '\n' ' ')"
expect_exit 0 "down keeps the shared disk" -- umllab down shared-root-unsafe
[ -f "$ud/shared-busybox.img" ] && ok "the shared disk is kept" || fail "the shared disk is gone"
expect_exit 0 "down --wipe" -- umllab down --wipe shared-root-unsafe
[ ! -e "$ud/shared-busybox.img" ] && [ ! -e "$ud/shared-busybox.img.origin" ] \
	&& ok "down --wipe removes it" || fail "the shared disk is still there"
finish
