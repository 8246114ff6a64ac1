#!/usr/bin/env bash
# tests/e2e/run.sh: run every end-to-end test (t_*.sh) against real UML.
#
# As root, each test runs as the unprivileged user `nobody`: UML and umllab
# need no root, and this proves it. A test whose file says `# e2e: as root`
# starts as root and runs umllab as two unprivileged users itself. Tests run
# three at a time (UMLLAB_TEST_JOBS=1 runs them one by one). Each test gets a private state directory;
# the guest image cache is shared so it is built once. A test that fails
# still has its lab stopped by pid (see lib.sh). Prints "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# The checkout itself, also when the tests run on a copy (below): t_package
# builds the package from its sources.
src=$repo
: "${UMLLAB:=$repo/build/umllab}"
[ -x "$UMLLAB" ] || { echo "e2e: $UMLLAB is not built (run make)"; exit 2; }

work=$(mktemp -d /tmp/umllab-e2e.XXXXXX)
# UMLLAB_TEST_CACHE lets one run of the whole suite (tests/run-all.sh) build
# each image once for the plain and the sanitizer pass; by default every run
# starts from an empty cache, so image builds are always tested.
cache=${UMLLAB_TEST_CACHE:-$work/cache}
chmod 755 "$work"
mkdir -p "$cache"
runas=()
if [ "$(id -u)" = 0 ]; then
	chown nobody:nogroup "$work" "$cache"
	runas=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
	# The checkout may sit where nobody cannot read (under /root, say): then
	# the tests run on a readable copy of what they use.
	if ! "${runas[@]}" test -r "$repo/labs/fig1.yaml" -a -x "$UMLLAB"; then
		mkdir -p "$work/repo/build"
		cp -a "$repo/labs" "$repo/tests" "$work/repo/"
		mkdir -p "$work/repo/core/web" && cp -a "$repo/core/web/page" "$work/repo/core/web/"
		cp "$UMLLAB" "$work/repo/build/umllab"
		[ -x "$(dirname "$UMLLAB")/swprobe" ] && cp "$(dirname "$UMLLAB")/swprobe" "$work/repo/build/"
		chmod -R a+rX "$work/repo"
		repo=$work/repo
		UMLLAB=$repo/build/umllab
		here=$repo/tests/e2e
		echo "e2e: the checkout is not readable by nobody; testing a copy in $repo"
	fi
fi

only=${1:-}
# Tests run three at a time (UMLLAB_TEST_JOBS): most of their time is spent
# waiting for guests. A test whose file says `# e2e: long` starts first, so
# that the run does not end waiting for one slow test. A test whose file says
# `# e2e: alone` (it measures CPU time or latency) or `# e2e: as root` runs by
# itself, after the others.
jobs_max=${UMLLAB_TEST_JOBS:-3}

# Run one test; its report goes to $work/NAME/report, its exit code to
# $work/NAME/rc, and the report to stdout under a lock so that reports of
# tests running at once do not mix.
run_one() {
	local t=$1 name tdir start rc secs
	name=$(basename "$t" .sh)
	tdir="$work/$name"
	mkdir -p "$tdir"
	[ ${#runas[@]} -gt 0 ] && chown nobody:nogroup "$tdir"
	start=$(date +%s.%N)
	# A test marked so acts as several users itself (setpriv): it starts as root.
	local runas_t=("${runas[@]}")
	grep -q '^# e2e: as root' "$t" && runas_t=()
	# Each test is bounded in time (300 s, or what its `# e2e: limit N` line
	# says); on expiry, timeout kills it and its EXIT trap is not run, so
	# lib_reap below stops what it left.
	local limit
	limit=$(sed -n 's/^# e2e: limit \([0-9][0-9]*\).*/\1/p' "$t" | head -n 1)
	timeout -k 5 "${limit:-300}" env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
		HOME="$tdir" UMLLAB="$UMLLAB" REPO="$repo" SRC="$src" T="$tdir" \
		UMLLAB_STATE_DIR="$tdir/state" XDG_CACHE_HOME="$cache" \
		UMLLAB_TEST_CACHE="${UMLLAB_TEST_CACHE:-}" UMLLAB_TEST_CYCLES="${UMLLAB_TEST_CYCLES:-}" \
		UMLLAB_TEST_LARGE_N="${UMLLAB_TEST_LARGE_N:-}" UMLLAB_TEST_HANDOUTS="${UMLLAB_TEST_HANDOUTS:-}" \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
		"${runas_t[@]}" bash "$t" >"$tdir/output" 2>&1
	rc=$?
	bash "$here/reap.sh" "$tdir/state" >>"$tdir/output" 2>&1 || rc=1
	if ls "$tdir"/asan.* >/dev/null 2>&1; then
		echo "sanitizer reports:" >>"$tdir/output"
		cat "$tdir"/asan.* >>"$tdir/output"
		rc=1
	fi
	secs=$(awk "BEGIN{print $(date +%s.%N) - $start}")
	if [ $rc -eq 0 ]; then
		printf 'PASS %-24s %5.1f s\n' "$name" "$secs" >"$tdir/report"
	else
		{
			printf 'FAIL %-24s %5.1f s (exit %d)\n' "$name" "$secs" "$rc"
			sed 's/^/    | /' "$tdir/output" | tail -60
		} >"$tdir/report"
	fi
	echo "$rc" >"$tdir/rc"
	flock "$work/.print" cat "$tdir/report"
}

together=() alone=()
for t in "$here"/t_*.sh; do
	name=$(basename "$t" .sh)
	[ -n "$only" ] && [[ "$name" != *"$only"* ]] && continue
	if grep -q -e '^# e2e: alone' -e '^# e2e: as root' "$t"; then
		alone+=("$t")
	elif grep -q '^# e2e: long' "$t"; then
		together=("$t" ${together[@]+"${together[@]}"})
	else
		together+=("$t")
	fi
done
running=0
for t in "${together[@]}"; do
	if [ "$running" -ge "$jobs_max" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_one "$t" &
	running=$((running + 1))
done
wait
for t in "${alone[@]}"; do
	run_one "$t"
done

passed=0 failed=0
for t in "${together[@]}" "${alone[@]}"; do
	if [ "$(cat "$work/$(basename "$t" .sh)/rc" 2>/dev/null)" = 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
if [ $failed -eq 0 ] && [ -z "${KEEP:-}" ]; then
	rm -rf "$work"
else
	echo "e2e: work files kept in $work"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
