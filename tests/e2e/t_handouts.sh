# e2e: long
# e2e: limit 1200
# The handouts (labs/*.md) followed as written: tests/tools/handout.py runs
# each one's commands in order and compares what they print with the
# outputs it shows (normalised: times, pids, MACs...; exit statuses kept).
# As a student: a home of its own holding a copy of labs/ in ~/umllab,
# umllab on PATH (a link to the binary under test), umllab's default
# directories under it (XDG_RUNTIME_DIR for the labs' state, ~/.local/state
# for disks, ~/.cache for images, built once first as figure 1 would).
# Parts that cannot run here say why in the handout
# (<!-- handout-test: skip: ... -->).
#
# UMLLAB_TEST_HANDOUTS names the handouts to follow (NAME for labs/NAME.md,
# or `all`):
# by default the five that `make check` follows (1 to 2 minutes together);
# `make handouts` follows every one (5 to 7 minutes on 2 cores).
. "$REPO/tests/e2e/lib.sh"
check_set="fig1 arp-fault troubleshoot tcp-conditions capture"
want=${UMLLAB_TEST_HANDOUTS:-$check_set}
if grep -qa __asan_init "$UMLLAB"; then
	echo "skipped: a sanitizer build; the plain pass follows the handouts"
	exit 0
fi
home=$T/home
run=$T/run
mkdir -p "$home/umllab" "$T/bin" "$T/tmp" "$run"
chmod 700 "$run"
cp -r "$REPO/labs" "$home/umllab/"
ln -s "$UMLLAB" "$T/bin/umllab"
# lib.sh's cleanup and reap.sh look here for what a failed run left.
export UMLLAB_STATE_DIR=$run/umllab
cd "$home/umllab" || exit 1
if [ "$want" = all ]; then
	files=$(ls labs/*.md)
else
	files=$(for h in $want; do echo "labs/$h.md"; done)
fi
student() {
	# TMPDIR short: grade's sockets live under it.
	env -u UMLLAB_STATE_DIR -u XDG_CACHE_HOME -u XDG_STATE_HOME HOME="$home" USER="$(id -un)" \
		PATH="$T/bin:$PATH" TMPDIR="$T/tmp" XDG_RUNTIME_DIR="$run" "$@"
}
# The form first, nothing run: every handout is well formed, and an empty output
# block is refused unless marked `no output` (it would match any silent command).
student python3 "$REPO/tests/tools/handout.py" --check labs/*.md >"$T/check.out" 2>&1 &&
	ok "every handout is well formed (--check)" || { fail "handouts not well formed"; cat "$T/check.out"; }
printf '# e\n\n```sh\ntrue\necho hi\n```\n\n```\n```\n' >"$T/empty.md"
student python3 "$REPO/tests/tools/handout.py" "$T/empty.md" >"$T/last" 2>&1
[ $? = 1 ] && ok "an empty output block is refused" || fail "an empty output block was not refused"
expect_output "^FAIL .*empty.md: not well formed \(nothing was run\)" "... before anything runs"
expect_output "empty.md:8: an empty output block: .*no output" "... at its line, with what to do"
printf '# m\n\n```sh\ntrue\n```\n\n<!-- handout-test: no output -->\n```\n```\n\n```sh\necho oops\n```\n\n<!-- handout-test: no output -->\n```\n```\n' >"$T/marked.md"
student python3 "$REPO/tests/tools/handout.py" "$T/marked.md" >"$T/last" 2>&1
[ $? = 1 ] && ok "a block marked no output compares" || fail "a marked block compared nothing"
expect_output "marked.md:16: marked .no output., but .echo oops. printed:" "... each command of its block"
grep -q "marked.md:8" "$T/last" && fail "the silent command's marked block failed" || ok "... and passes a silent one"
student umllab image build labs/fig1.yaml >"$T/image.out" 2>&1 ||
	{ fail "the busybox image: $(cat "$T/image.out")"; finish; }
student python3 "$REPO/tests/tools/handout.py" $files
rc=$?
[ "$rc" = 0 ] && ok "the handouts print what they show" || fail "handouts differ from what they show (above)"
left=$(ls "$run/umllab" 2>/dev/null | while read -r lab; do
	[ -S "$run/umllab/$lab/control" ] && echo "$lab"; done)
[ -z "$left" ] && ok "every handout took its labs down" || fail "labs still up after the handouts: $left"
bash "$REPO/tests/e2e/reap.sh" "$run/umllab" && ok "nothing of the handouts' labs left running" ||
	fail "processes of the handouts' labs were left running"
finish
