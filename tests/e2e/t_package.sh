# e2e: as root (it installs the Debian package into this system, runs it as nobody, purges it)
# The Debian package, as a teacher meets it: `make deb` as an ordinary user
# (dpkg-buildpackage, lintian clean), installed with apt, figure 1 run by
# nobody from /usr/share/umllab/labs with /usr/bin/umllab and nothing of the
# source tree, man pages and Tab completion checked, then purged: no file of
# the package, no process, no user is left.
# e2e: limit 600 (building the package is most of it: 1-3 minutes on 2 cores)
. "$REPO/tests/e2e/lib.sh"
if [ "$(id -u)" != 0 ]; then
	echo "skipped: installing a package needs root (CI runs as root)"
	exit 0
fi
# The package is built from the sources, not from $UMLLAB: the sanitizer
# pass would only build and install the same package again.
if grep -qa __asan_init "$UMLLAB"; then
	echo "skipped: a sanitizer build; the plain pass tests the package"
	exit 0
fi
src=${SRC:-$REPO}
for tool in dpkg-buildpackage dh lintian pandoc apt-get; do
	command -v "$tool" >/dev/null || { fail "$tool is missing: run tests/deps.sh"; finish; }
done
if dpkg-query -W -f='${db:Status-Status}' umllab 2>/dev/null | grep -q installed; then
	fail "the package umllab is installed on this machine already (apt-get purge umllab first)"
	finish
fi
[ -e /usr/bin/umllab ] && { fail "/usr/bin/umllab exists (a make install?): remove it first"; finish; }

run=$T/run          # the user's XDG_RUNTIME_DIR: labs live in $run/umllab
home=$T/home
mkdir -p "$run" "$home" "$T/src"
chown nobody:nogroup "$run" "$home" "$T/src"
chmod 700 "$run"
# nobody with a clean environment, in its home: nothing of the source tree
# or of the test's own state.
as_user() {
	(cd "$home" && setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
		env -i PATH=/usr/bin:/bin HOME="$home" XDG_RUNTIME_DIR="$run" LC_ALL=C.UTF-8 "$@")
}
installed=""
lib_cleanup() {
	local d
	if [ -x /usr/bin/umllab ]; then
		for d in "$run"/umllab/*/; do
			[ -d "$d" ] && timeout -k 2 30 setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
				env -i PATH=/usr/bin:/bin HOME="$home" XDG_RUNTIME_DIR="$run" \
				/usr/bin/umllab down "$(basename "$d")" >/dev/null 2>&1
		done
	fi
	bash "$REPO/tests/e2e/reap.sh" "$run/umllab" >/dev/null 2>&1
	# The machine as it was: the package goes, also when a check failed.
	[ -n "$installed" ] && DEBIAN_FRONTEND=noninteractive timeout 300 apt-get purge -y -qq -o DPkg::Lock::Timeout=120 umllab >/dev/null 2>&1
}
# A signal (run.sh's time limit) still runs the EXIT trap, so the purge.
trap 'exit 143' TERM INT HUP

# ---- build, as an ordinary user, from a copy of the sources ----
tar -C "$src" --exclude=./.git --exclude='./build*' --exclude=./umllab --exclude=./debian/umllab \
	--exclude=./debian/umllab-dbgsym --exclude=./debian/.debhelper --exclude=./debian/files -cf - . |
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- tar -C "$T/src" -xf -
version=$(sed -n '1s/^[^ ]* .\([^ ]*\). .*/\1/p' "$T/src/debian/changelog")
start=$(date +%s)
(cd "$T/src" && setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
	env -i PATH=/usr/bin:/bin HOME="$home" DEB_BUILD_OPTIONS="nocheck parallel=2 noautodbgsym" \
	make deb BUILD="$T/build") >"$T/build.log" 2>&1
rc=$?
deb=$T/build/deb/umllab_${version}_$(dpkg --print-architecture).deb
if [ $rc -eq 0 ] && [ -f "$deb" ]; then
	ok "make deb as nobody: ${deb##*/} in $(($(date +%s) - start)) s, lintian clean"
else
	fail "make deb as nobody (exit $rc); the end of $T/build.log:"
	tail -40 "$T/build.log" | sed 's/^/      /'
	finish
fi
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] && ok "the package's version is debian/changelog's ($version)" ||
	fail "the package's version is $(dpkg-deb -f "$deb" Version), debian/changelog says $version"

# ---- install with the system's package manager ----
getent passwd | cut -d: -f1 | sort >"$T/users.before"
getent group | cut -d: -f1 | sort >"$T/groups.before"
installed=1
expect_exit 0 "apt-get install ${deb##*/}" -- \
	env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=120 --no-install-recommends "$deb"
dpkg -L umllab | sort >"$T/files"
grep -qx /usr/bin/umllab "$T/files" && grep -qx /usr/share/umllab/labs/fig1.yaml "$T/files" &&
	ok "the package holds /usr/bin/umllab and /usr/share/umllab/labs/fig1.yaml" ||
	fail "the package lacks the program or the labs: $(tr '\n' ' ' <"$T/files")"

expect_exit 0 "umllab --version" -- as_user umllab --version
[ "$(cat "$T/last")" = "umllab $version" ] && ok "umllab --version agrees with the package: $(cat "$T/last")" ||
	fail "umllab --version says '$(cat "$T/last")', the package $version"

# ---- man pages: every command of `umllab --help` in umllab(1) ----
for page in man1/umllab.1.gz man5/umllab-topology.5.gz man5/umllab-checks.5.gz; do
	[ -s "/usr/share/man/$page" ] && ok "man page $page" || fail "no man page /usr/share/man/$page"
done
as_user umllab --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }' >"$T/commands"
zcat /usr/share/man/man1/umllab.1.gz >"$T/umllab.1"
missing=""
for c in $(cat "$T/commands"); do
	grep -qx "\.SS umllab $c" "$T/umllab.1" || missing="$missing $c"
done
[ -s "$T/commands" ] && [ -z "$missing" ] &&
	ok "umllab(1) has a section for each of the $(wc -l <"$T/commands") commands of umllab --help" ||
	fail "umllab(1) lacks the commands:$missing"
if command -v man >/dev/null; then
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 /usr/share/man/man5/umllab-topology.5.gz \
		>"$T/topology.txt" 2>"$T/man.err"
	[ ! -s "$T/man.err" ] && grep -q "umllab-topology - " "$T/topology.txt" &&
		ok "man umllab-topology renders at 80 columns without a warning" ||
		{ fail "man umllab-topology:"; head -5 "$T/man.err" | sed 's/^/      /'; }
fi

# ---- figure 1, as nobody, from the installed files only ----
expect_exit 0 "up /usr/share/umllab/labs/fig1.yaml" -- as_user umllab up /usr/share/umllab/labs/fig1.yaml
expect_output "lab fig1 is up" "fig1 is up"
[ -S "$run/umllab/fig1/control" ] && ok "the lab lives in \$XDG_RUNTIME_DIR/umllab" ||
	fail "no lab in $run/umllab/fig1"
pids=$(for f in "$run"/umllab/fig1/supervisor.pid "$run"/umllab/fig1/uml/*/pid; do cat "$f"; done 2>/dev/null)
for pid in $pids; do
	[ "$(stat -c %U "/proc/$pid" 2>/dev/null)" = nobody ] || fail "lab process $pid is not nobody's"
done
expect_exit 0 "ping umlA umlB" -- as_user umllab ping umlA umlB -c 2
expect_output "2 packets transmitted, 2 packets received" "umlA reaches umlB"
expect_exit 0 "check" -- as_user umllab check
expect_output "checks, .* points" "check reports the lab's checks"

# ---- completion: from the state directory, no program run, under 100 ms ----
# PATH is empty: were a Tab to run umllab (or anything), it would find nothing.
complete_test() {
	as_user env PATH=/nonexistent /bin/bash -c '
		source /usr/share/bash-completion/completions/umllab || exit 3
		complete -p umllab >/dev/null || exit 4
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		t0=$EPOCHREALTIME; _umllab; t1=$EPOCHREALTIME
		echo "$(( (${t1/./} - ${t0/./}) / 1000 )) ${COMPREPLY[*]}"' complete "$@"
}
# expect_completion OFFERED WORDS...: Tab on the last of WORDS ("" for a
# new word) offers OFFERED, in under 100 ms.
expect_completion() {
	local want=$1 got ms
	shift
	got=$(complete_test "$@") || { fail "completing '$*': exit $?"; return; }
	ms=${got%% *}
	got=${got#* }
	if [ "$got" = "$want" ] && [ "$ms" -lt 100 ]; then
		ok "$* <Tab>: $want ($ms ms)"
	else
		fail "$* <Tab>: '$got' in $ms ms, expected '$want' in under 100 ms"
	fi
}
expect_completion "$(tr '\n' ' ' <"$T/commands")--help --version" umllab ""
expect_completion "ping" umllab pi
expect_completion "fig1" umllab status ""
expect_completion "umlA umlB" umllab ping ""
expect_completion "umlB" umllab ping umlA umlB
expect_completion "umlA umlB" umllab exec --lab fig1 ""
expect_completion "eth0" umllab unplug umlB ""
expect_completion "S1" umllab plug umlA eth1 ""
expect_completion "S1 umlA.eth0 umlB.eth0 fig1" umllab capture ""
expect_completion "umlA.eth0" umllab capture fig1 umlA
expect_completion "dot svg png" umllab graph --format ""
got=$(complete_test umllab check -)
[[ " ${got#* } " == *" --spec "* && " ${got#* } " == *" --junit "* ]] && ok "check's options: ${got#* }" ||
	fail "check's options: '$got'"

expect_exit 0 "down" -- as_user umllab down fig1
left=""
for pid in $pids; do alive "$pid" && left="$left $pid"; done
[ -n "$pids" ] && [ -z "$left" ] && ok "no process of the lab is left" || fail "after down: pids '$pids', left:$left"

# ---- purge: nothing of the package is left ----
expect_exit 0 "apt-get purge umllab" -- env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q -o DPkg::Lock::Timeout=120 umllab
dpkg-query -W -f='${db:Status-Status}' umllab 2>/dev/null | grep -q installed &&
	fail "umllab is still installed" || { installed=""; ok "umllab is no longer installed"; }
gone=1
while read -r f; do
	# Directories other packages share (/usr/share/man) stay; the package's own go.
	[ -e "$f" ] && ! [ -d "$f" ] && { fail "left after purge: $f"; gone=""; }
done <"$T/files"
for d in /usr/share/umllab /usr/share/doc/umllab; do
	[ -e "$d" ] && { fail "left after purge: $d"; gone=""; }
done
[ -n "$gone" ] && ok "every file of the package is gone ($(wc -l <"$T/files") paths)"
getent passwd | cut -d: -f1 | sort | cmp -s - "$T/users.before" &&
	getent group | cut -d: -f1 | sort | cmp -s - "$T/groups.before" &&
	ok "no user or group was added or removed" || fail "the users or groups changed"
# Processes of the package's program (a deleted one's exe still names it),
# and the lab's kernels (their command line names its directory).
procs=$(pgrep -f -- "$run/")
for p in /proc/[0-9]*; do
	case $(readlink "$p/exe" 2>/dev/null) in /usr/bin/umllab*) procs="$procs ${p#/proc/}" ;; esac
done
[ -z "$procs" ] && ok "no process of the package or of the lab runs" || fail "still running:$procs"
finish
