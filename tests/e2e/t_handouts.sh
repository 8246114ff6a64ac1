# e2e: long
# e2e: limit 900
# The handouts (labs/*.md) followed as written: tests/tools/handout.py runs
# each one's commands in order and compares what they print with the
# outputs it shows (normalised: times, pids, MACs...). As a student: a home
# of its own with a copy of labs/ in ~/umllab, umllab on PATH (a link to the
# binary under test), a fresh state directory and image cache. Parts that
# cannot run here say why in the handout (<!-- handout-test: ... -->).
#
# HANDOUTS names the handouts (labs/NAME.md); by default the ones `make
# check` runs, which take about a minute together; `make handouts` runs
# every one (HANDOUTS=all).
. "$REPO/tests/e2e/lib.sh"
check_set="fig1 capture arp-fault troubleshoot"
want=${HANDOUTS:-$check_set}
home=$T/home
mkdir -p "$home/umllab" "$T/bin"
cp -r "$REPO/labs" "$home/umllab/"
ln -s "$UMLLAB" "$T/bin/umllab"
cd "$home/umllab" || exit 1
if [ "$want" = all ]; then
	files=$(ls labs/*.md)
else
	files=$(for h in $want; do echo "labs/$h.md"; done)
fi
# $TMPDIR short: grade's sockets live under it.
mkdir -p "$T/tmp"
env -u XDG_CACHE_HOME HOME="$home" USER="$(id -un)" PATH="$T/bin:$PATH" TMPDIR="$T/tmp" \
	python3 "$REPO/tests/tools/handout.py" ${VERBOSE:+--verbose} $files
rc=$?
[ "$rc" = 0 ] && ok "every handout's outputs match" || fail "handouts differ from what they show (above)"
finish
