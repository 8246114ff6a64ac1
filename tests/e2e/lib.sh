# tests/e2e/lib.sh: helpers for end-to-end tests; source it first.
# Environment from run.sh: UMLLAB (the binary), REPO, SRC (the checkout, where
# REPO may be a copy of its labs and tests), T (this test's private
# directory), UMLLAB_STATE_DIR, XDG_CACHE_HOME.
set -u
fails=0
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$T/asan:print_stacktrace=1"

umllab() { "$UMLLAB" "$@"; }

# Stop every lab this test started, by `down` with a time limit, then by pid.
lib_cleanup() {
	local d
	for d in "$UMLLAB_STATE_DIR"/*/; do
		[ -d "$d" ] || continue
		timeout -k 2 30 "$UMLLAB" down "$(basename "$d")" >/dev/null 2>&1
	done
	bash "$REPO/tests/e2e/reap.sh" "$UMLLAB_STATE_DIR" >/dev/null 2>&1
}
trap lib_cleanup EXIT

# True when pid runs (a zombie waiting to be reaped does not count). The
# stat file is read once: a process that ends between two reads is gone.
alive() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] || return 1
	case "${st##*) }" in Z*) return 1 ;; esac
	return 0
}

ok() { echo "ok: $*"; }
fail() { echo "FAILED: $*"; fails=$((fails + 1)); }

# expect_exit CODE DESCRIPTION -- CMD...: run CMD (output to $T/last), check its exit code.
expect_exit() {
	local want=$1 what=$2
	shift 3
	"$@" >"$T/last" 2>&1
	local got=$?
	if [ "$got" -eq "$want" ]; then ok "$what"; else
		fail "$what: exit $got, expected $want"; sed 's/^/      /' "$T/last"; fi
}

# expect_output PATTERN DESCRIPTION: the last command's output matches PATTERN (grep -E).
expect_output() {
	if grep -Eq -- "$1" "$T/last"; then ok "$2"; else
		fail "$2: output does not match /$1/"; sed 's/^/      /' "$T/last"; fi
}

# The pids of everything a lab runs: its supervisor and its kernels' process groups.
lab_pids() {
	local lab=$1 f pid
	for f in "$UMLLAB_STATE_DIR/$lab"/supervisor.pid "$UMLLAB_STATE_DIR/$lab"/uml/*/pid; do
		[ -f "$f" ] && pid=$(cat "$f") && kill -0 "$pid" 2>/dev/null && echo "$pid"
	done
	pgrep -f -- "uml_dir=$UMLLAB_STATE_DIR/$lab/" || true
}

finish() {
	if [ "$fails" -eq 0 ]; then echo "all checks passed"; exit 0; fi
	echo "$fails checks failed"; exit 1
}
