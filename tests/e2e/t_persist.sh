# e2e: long
# Disks: each instance writes to its own copy-on-write file, which `down` keeps
# and `down --wipe` removes; an image that changed under a disk is refused with
# an explanation, never booted.
. "$REPO/tests/e2e/lib.sh"
# A cache of its own: this test removes the image from under its labs, and
# other tests run at the same time on the shared cache.
export XDG_CACHE_HOME=$T/cache
d=$T/persist
mkdir -p "$d/root/bin" "$d/root/etc"
cat >"$d/lab.yaml" <<'EOF'
name: persist
instances:
  a:
  b:
EOF
state=$UMLLAB_STATE_DIR/persist
# Disks live apart from the runtime files (with UMLLAB_STATE_DIR, under its .disks/).
disks=$UMLLAB_STATE_DIR/.disks/persist

expect_exit 0 "up" -- umllab up "$d/lab.yaml"
expect_exit 0 "a writes a file" -- umllab exec a -- sh -c 'echo "written before down" > /root/note'
sleep 2	# the guest flushes its writes every second; `down` halts at once
expect_exit 0 "down" -- umllab down persist
expect_output "disks are kept" "down says the disks are kept"
[ -f "$disks/a.cow" ] && ok "a's copy-on-write file is still there" || fail "no $disks/a.cow"
[ ! -e "$state/a.cow" ] && ok "and not in the runtime directory" || fail "a.cow in $state"

# A disk where older versions kept it (the runtime directory) is moved on `up`, once.
mv "$disks/a.cow" "$state/a.cow"
expect_exit 0 "up with a disk in the old place" -- umllab up "$d/lab.yaml"
expect_output "moved 1 disk of lab persist from .* to .*/.disks/persist" "up says it moved the disk"
[ -f "$disks/a.cow" ] && [ ! -e "$state/a.cow" ] && ok "the disk moved" || fail "a.cow did not move"
expect_exit 0 "down" -- umllab down persist

expect_exit 0 "up again" -- umllab up "$d/lab.yaml"
expect_exit 0 "a's file survived down and up" -- umllab exec a -- cat /root/note
expect_output "written before down" "with its content"
expect_exit 1 "b, on its own disk, does not have it" -- umllab exec b -- cat /root/note
expect_exit 0 "down --wipe" -- umllab down --wipe persist
expect_output "removed 2 disks" "down --wipe says what it removed"
[ ! -e "$disks/a.cow" ] && ok "the copy-on-write files are gone" || fail "a.cow is still there"
expect_exit 0 "up after the wipe" -- umllab up "$d/lab.yaml"
expect_exit 1 "a starts afresh from its image" -- umllab exec a -- cat /root/note
expect_exit 0 "down" -- umllab down persist

# The image is removed and built again under the disks: same name, new file.
img=$(python3 -c "
d = open('$disks/a.cow', 'rb').read(4128)
print(d[32:].split(b'\0')[0].decode())")
[ -f "$img" ] && ok "a's disk is made over $img" || fail "cannot read a.cow's image"
expect_exit 1 "image rm keeps an image that disks are made over" -- umllab image rm "$(basename "$img")"
expect_output "disks of lab persist" "and names the lab"
expect_exit 0 "image rm --force removes it" -- umllab image rm --force "$(basename "$img")"
sleep 1.1	# a rebuilt image gets a later mtime
expect_exit 1 "up on a rebuilt image is refused" -- umllab up "$d/lab.yaml"
expect_output "changed under" "the image change is explained"
expect_output "down --wipe persist" "and how to start afresh"
[ -z "$(lab_pids persist)" ] && ok "nothing was started" || fail "processes left: $(lab_pids persist)"

# A lab whose image definition changes (a local file is edited).
cp /bin/busybox "$d/root/bin/busybox"
ln -sf busybox "$d/root/bin/sh"
echo one >"$d/root/etc/version"
tar -C "$d/root" --owner=0 --group=0 -cf "$d/root.tar" .
cat >"$d/file.yaml" <<'EOF'
name: filelab
images:
  mine: {file: root.tar}
instances:
  c: {image: mine}
EOF
expect_exit 0 "up on a local tarball" -- umllab up "$d/file.yaml"
expect_exit 0 "it is that tarball" -- umllab exec c -- cat /etc/version
expect_output "^one" "with its file"
expect_exit 0 "down" -- umllab down filelab
echo two >"$d/root/etc/version"
tar -C "$d/root" --owner=0 --group=0 -cf "$d/root.tar" .
expect_exit 1 "up after the tarball changed is refused" -- umllab up "$d/file.yaml"
expect_output "instance c cannot start on what it wrote before" "the instance is named"
expect_output "holds changes made over the image" "the other image is explained"
expect_exit 0 "down --wipe filelab" -- umllab down --wipe filelab
expect_exit 0 "up starts afresh on the new tarball" -- umllab up "$d/file.yaml"
expect_exit 0 "it is the new tarball" -- umllab exec c -- cat /etc/version
expect_output "^two" "with the new file"
expect_exit 0 "down --wipe" -- umllab down --wipe filelab
finish
