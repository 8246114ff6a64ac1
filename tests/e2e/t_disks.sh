# e2e: long
# Extra disks (`disks:`) and XFS/Btrfs images, the seed's way and without
# root on the host: make sparse files, mkfs.xfs and mkfs.btrfs them, give
# them to a guest as ubd1 and up, fill them from inside (root in the guest),
# then boot other instances from them as their images (labs/images.md).
. "$REPO/tests/e2e/lib.sh"
d=$T/disks
mkdir -p "$d"
cd "$d" || exit 1
mkfs_xfs=/sbin/mkfs.xfs
mkfs_btrfs=/sbin/mkfs.btrfs
[ -x "$mkfs_xfs" ] || { fail "no $mkfs_xfs (tests/deps.sh installs xfsprogs)"; finish; }

truncate -s 1G data.xfs && "$mkfs_xfs" -q data.xfs && ok "mkfs.xfs on a sparse file, no root" \
	|| fail "mkfs.xfs failed"
btrfs=no
# The ASan pass (make asan sets UMLLAB_TEST_CYCLES) does XFS only: Btrfs takes
# the same code in umllab (its magic aside), and each copies a whole root.
if [ -x "$mkfs_btrfs" ] && [ -z "${UMLLAB_TEST_CYCLES:-}" ]; then
	truncate -s 256M data.btrfs && "$mkfs_btrfs" -q data.btrfs >/dev/null && btrfs=yes \
		&& ok "mkfs.btrfs on a sparse file, no root" || fail "mkfs.btrfs failed"
fi

cat >bad.yaml <<'EOF'
instances:
  m:
    disks: [missing.xfs, {size: 2K}]
EOF
expect_exit 1 "validate refuses a missing disk file and a tiny size" -- umllab validate bad.yaml
expect_output "bad.yaml:3:13: file \`missing.xfs\` of instance m does not exist" "with file:line:col"
expect_output "bad.yaml:3:33: size \`2K\` of instance m is out of range" "and the size's place"

{
	echo "name: maker"
	echo "instances:"
	echo "  maker:"
	echo "    disks:"
	echo "      - data.xfs"
	echo "      - {size: 64M}"
	[ $btrfs = yes ] && echo "      - data.btrfs"
} >maker.yaml
expect_exit 0 "up with extra disks" -- umllab up maker.yaml
pid=$(cat "$UMLLAB_STATE_DIR/maker/uml/maker/pid" 2>/dev/null)
tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qx "ubd1=$d/data.xfs" \
	&& ok "the kernel has ubd1=data.xfs" || fail "no ubd1= on the kernel's line"
fresh=$UMLLAB_STATE_DIR/.disks/maker/maker.ubd2.img
[ "$(stat -c %s "$fresh" 2>/dev/null)" = 67108864 ] && ok "the fresh disk is a 64M file beside the instance's disk" \
	|| fail "no 64M $fresh"
expect_exit 0 "the guest sees it as ubdc, 64M" -- umllab exec maker -- cat /sys/block/ubdc/size
expect_output "^131072" "131072 sectors"
copy='cp -a /bin /etc /linuxrc /root /sbin /usr /var /mnt/ && mkdir /mnt/dev /mnt/proc /mnt/sys /mnt/tmp /mnt/run /mnt/mnt'
expect_exit 0 "the guest mounts the XFS disk and copies its root there" -- \
	umllab exec maker -- sh -c "mount /dev/ubdb /mnt && grep ubdb /proc/mounts && $copy && echo made-on-xfs > /mnt/root/origin && umount /mnt"
expect_output "/dev/ubdb /mnt xfs" "it is XFS"
if [ $btrfs = yes ]; then
	expect_exit 0 "and the same on the Btrfs disk" -- \
		umllab exec maker -- sh -c "mount /dev/ubdd /mnt && grep ubdd /proc/mounts && $copy && echo made-on-btrfs > /mnt/root/origin && umount /mnt"
	expect_output "/dev/ubdd /mnt btrfs" "it is Btrfs"
fi
expect_exit 0 "down" -- umllab down maker
expect_exit 0 "down --wipe" -- umllab down --wipe maker
[ ! -e "$fresh" ] && ok "down --wipe removes the fresh disk" || fail "$fresh is still there"
[ -f data.xfs ] && ok "and leaves the student's own file" || fail "data.xfs is gone"

{
	echo "name: fromfs"
	echo "images:"
	echo "  x: {file: data.xfs}"
	[ $btrfs = yes ] && echo "  b: {file: data.btrfs}"
	echo "instances:"
	echo "  onxfs: {image: x, disks: [{file: data.xfs, readonly: true}]}"
	[ $btrfs = yes ] && echo "  onbtrfs: {image: b}"
} >fromfs.yaml
expect_exit 0 "up from the XFS (and Btrfs) images" -- umllab up fromfs.yaml
expect_output "copying the XFS image" "the XFS image is recognized"
expect_exit 0 "its root is XFS" -- umllab exec onxfs -- sh -c 'grep " / " /proc/mounts; cat /root/origin'
expect_output "^/dev/(root|ubda) / xfs" "mounted as XFS"
expect_output "^made-on-xfs" "with what the maker wrote"
# nouuid: the root is a copy of that same file system, and XFS refuses a
# second mount of one UUID.
expect_exit 0 "a readonly disk is read-only in the guest" -- umllab exec onxfs -- sh -c \
	'cat /sys/block/ubdb/ro; mount -t xfs -o ro,nouuid /dev/ubdb /mnt && cat /mnt/root/origin && umount /mnt'
expect_output "^1" "ubdb is read-only"
expect_output "^made-on-xfs" "and readable"
if [ $btrfs = yes ]; then
	expect_exit 0 "the other's root is Btrfs" -- umllab exec onbtrfs -- sh -c 'grep " / " /proc/mounts; cat /root/origin'
	expect_output "^/dev/(root|ubda) / btrfs" "mounted as Btrfs"
	expect_output "^made-on-btrfs" "with what the maker wrote"
fi
expect_exit 0 "down --wipe" -- umllab down --wipe fromfs

# An empty XFS image boots too: its initramfs brings umllab's layer
# (busybox, init, agent) onto the instance's disk.
truncate -s 400M empty.xfs && "$mkfs_xfs" -q empty.xfs
printf 'images:\n  e: {file: empty.xfs}\ninstances:\n  z: {image: e}\n' >empty.yaml
expect_exit 0 "up on an empty XFS image" -- umllab up empty.yaml
expect_exit 0 "it runs commands" -- umllab exec z -- sh -c 'grep " / " /proc/mounts; grep -o "initrd=[^ ]*" /proc/cmdline'
expect_output "^/dev/ubda / xfs" "on its XFS root"
expect_output "^initrd=.*\\.img\\.initrd" "through the image's initramfs"
expect_exit 0 "down --wipe" -- umllab down --wipe empty
finish
