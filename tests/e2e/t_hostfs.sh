# hostfs confined: /hostlab shows the lab's share (read-write or read-only), and a
# guest that mounts `/`, `..` or the host's /etc through hostfs sees nothing else.
. "$REPO/tests/e2e/lib.sh"
d=$T/hostfs-lab
mkdir -p "$d/shared" "$d/ro" "$d/empty" "$d/links"
echo "from the host" >"$d/shared/hello"
echo "read me" >"$d/ro/notes"
echo "TOP SECRET" >"$d/secret.txt"
ln -s "$d/secret.txt" "$d/shared/abs-link"
ln -s ../secret.txt "$d/shared/rel-link"
cat >"$d/lab.yaml" <<'EOF'
name: hostfs
share: ./shared
instances:
  a:
  r: {share: {dir: ./ro, readonly: true}}
  n: {share: none}
  s: {share: {dir: ./links, symlinks: true}}
EOF
expect_exit 0 "up" -- umllab up "$d/lab.yaml"

expect_exit 0 "a reads the share at /hostlab" -- umllab exec a -- cat /hostlab/hello
expect_output "from the host" "a sees the host's file"
expect_exit 0 "a writes into the share" -- umllab exec a -- sh -c 'echo "from a" > /hostlab/from-a'
[ "$(cat "$d/shared/from-a" 2>/dev/null)" = "from a" ] && ok "the host sees a's file" || fail "no shared/from-a"

# A guest asks hostfs for the host's root, the share's parent, and beyond.
umllab exec a -- sh -c '
	mkdir -p /m/root /m/up /m/far /m/etc
	mount -t hostfs none /m/root -o / && echo "mounted /: $(ls /m/root | tr "\n" " ")"
	mount -t hostfs none /m/up -o .. && echo "mounted .."
	ls /m/up && echo "LISTED-PARENT"
	cat /m/up/secret.txt && echo "READ-SECRET"
	mount -t hostfs none /m/far -o ../../../../../../../.. && ls /m/far && echo "LISTED-HOST-ROOT"
	cat /m/far/etc/passwd && echo "READ-PASSWD"
	mount -t hostfs none /m/etc -o /etc && cat /m/etc/passwd && echo "READ-ETC"
	cat /hostlab/abs-link && echo "FOLLOWED-ABS-LINK"
	cat /hostlab/rel-link && echo "FOLLOWED-REL-LINK"
	ln -s /etc /hostlab/guest-link && mkdir -p /m/link &&
		mount -t hostfs none /m/link -o /guest-link && ls /m/link && echo "FOLLOWED-GUEST-LINK"
	echo done' >"$T/escape" 2>&1
sed 's/^/      /' "$T/escape"
grep -q "^done" "$T/escape" && ok "the escape attempts ran" || fail "the escape script did not run"
grep -q "mounted /: .*hello" "$T/escape" && ok "hostfs \`/\` is the share itself" || fail "/ is not the share"
for what in LISTED-PARENT READ-SECRET LISTED-HOST-ROOT READ-PASSWD READ-ETC FOLLOWED-ABS-LINK \
    FOLLOWED-REL-LINK FOLLOWED-GUEST-LINK; do
	grep -q "^$what" "$T/escape" && fail "the guest got through: $what" || ok "refused: $what"
done
grep -q "TOP SECRET\|root:x:0:0" "$T/escape" && fail "host data leaked into the guest" \
	|| ok "no host data reached the guest"
grep -q "Permission denied" "$T/escape" && ok "the host refused with Permission denied" \
	|| fail "no Permission denied seen"

# A writable share refuses symbolic links made by a guest (one could point
# anywhere on the host, a trap for its user) unless the lab allows them.
expect_exit 1 "a cannot make a symbolic link in its share" -- umllab exec a -- \
	ln -s /etc/shadow /hostlab/made-in-guest
[ ! -L "$d/shared/made-in-guest" ] && ok "no link appeared on the host" || fail "a guest made a link on the host"
expect_exit 0 "a still makes files and directories there" -- umllab exec a -- \
	sh -c 'mkdir /hostlab/dir && echo x > /hostlab/dir/f && mv /hostlab/dir/f /hostlab/dir/g'
[ -f "$d/shared/dir/g" ] && ok "the host sees them" || fail "no shared/dir/g"
expect_exit 0 "with symlinks: true, s makes a link" -- umllab exec s -- ln -s target /hostlab/link
[ "$(readlink "$d/links/link")" = target ] && ok "the host sees s's link" || fail "no links/link"

# Read-only share: readable; not writable, not even after a remount in the guest.
expect_exit 0 "r reads its read-only share" -- umllab exec r -- cat /hostlab/notes
expect_output "read me" "r sees the file"
expect_exit 1 "r cannot write to it" -- umllab exec r -- sh -c 'echo x > /hostlab/x'
expect_exit 1 "nor after remounting it read-write in the guest" -- umllab exec r -- \
	sh -c 'mount -o remount,rw /hostlab && echo x > /hostlab/y'
[ ! -e "$d/ro/x" ] && [ ! -e "$d/ro/y" ] && ok "nothing was written to the read-only share" \
	|| fail "the read-only share was written"

# No share: no /hostlab; hostfs shows an empty, read-only directory.
expect_exit 1 "n has no /hostlab" -- umllab exec n -- ls /hostlab
expect_exit 0 "n may mount hostfs" -- umllab exec n -- sh -c 'mkdir -p /m && mount -t hostfs none /m && ls -A /m'
[ ! -s "$T/last" ] && ok "and it is empty" || { fail "n's hostfs is not empty"; cat "$T/last"; }
expect_exit 1 "n cannot write there" -- umllab exec n -- sh -c 'mkdir -p /m && mount -t hostfs none /m; touch /m/x'

[ "$(cat "$d/secret.txt")" = "TOP SECRET" ] && ok "the file beside the share is untouched" || fail "secret changed"
expect_exit 0 "down" -- umllab down hostfs
finish
