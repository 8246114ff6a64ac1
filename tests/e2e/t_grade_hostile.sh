# e2e: as root (the teacher grades as root; grade runs the labs as nobody)
# umllab grade over a hostile class (issue 22): each submission tries to read
# the teacher's files, fetch from the host, reach another lab, exhaust the
# host or fool the reports. Each gets 0 with its reason, the teacher's
# secret appears in no output, and two labs boot at all (a guest printing
# escape sequences, and one writing more than the limit into its share).
. "$REPO/tests/e2e/lib.sh"
if [ "$(id -u)" != 0 ]; then
	echo "skipped: the teacher grading as root needs root (CI runs as root)"
	exit 0
fi
# The teacher's own files: a directory only root may read.
home=$(mktemp -d /tmp/umllab-teacher.XXXXXX)
httpd_pid=
cleanup() {
	[ -n "$httpd_pid" ] && kill "$httpd_pid" 2>/dev/null
	rm -rf "$home"
	lib_cleanup
}
trap cleanup EXIT
secret=SECRET-VALUE-hunter2
printf 'mem: %s\n' "$secret" >"$home/secret.yaml"
printf 'switches: {}\ninstances: {}\n# %s\n' "$secret" >"$home/secret2.yaml"
chmod 600 "$home/secret.yaml" "$home/secret2.yaml"
secret_sha=$(sha256sum "$home/secret.yaml" | cut -d' ' -f1)
mkdir -p "$home/solutions"
chmod 700 "$home" "$home/solutions"

class=$T/class
mkdir -p "$class" "$T/tmp" "$T/www"
export TMPDIR=$T/tmp
echo "an image nobody may fetch" >"$T/www/img"
head -c 3000000 /dev/zero >"$T/www/big"
python3 "$REPO/tests/e2e/httpd.py" --dir "$T/www" --port-file "$T/port" --log "$T/httpd.log" \
	>/dev/null 2>&1 &
httpd_pid=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
port=$(cat "$T/port")

cat >"$T/spec.yaml" <<'EOF'
checks:
  - name: umlA has 10.0.0.1/24
    iface: {on: umlA, dev: eth0, address: 10.0.0.1/24}
  - name: umlA reaches umlB
    reach: {from: umlA, to: umlB}
  - name: the answer
    command: {on: umlB, run: "cat /tmp/answer", expect: {stdout: "^42$"}}
grade:
  limits: {written: 64M}
EOF

# A figure-1-sized lab: $1 top-level lines, $2 umlB's startup command,
# $3 lines for S1.
fig1() {
	printf '%s' "$1"
	cat <<EOF
switches:
  S1:
    mode: switch
$3
instances:
  umlA:
    interfaces:
      eth0: {switch: S1, ip: 10.0.0.1/24}
  umlB:
    startup: ["$2"]
    interfaces:
      eth0: {switch: S1, ip: 10.0.0.2/24}
EOF
}
sub() { mkdir -p "$class/$1" && cat >"$class/$1/lab.yaml"; }
zeros=0000000000000000000000000000000000000000000000000000000000000000

fig1 "" "echo 42 >/tmp/answer" "" >"$home/solutions/lab.yaml"
# 1. A url with percent-encoded dots, up to the teacher's secret.
fig1 "images:
  x: {url: \"file://$class/enc/%2e%2e/%2e%2e/%2e%2e$home/secret.yaml\", sha256: $zeros}
" "echo 42 >/tmp/answer" "" | sed 's|^  umlA:|  umlA:\n    image: x|' | sub enc
# 2. lab.yaml a link to the teacher's file; a submission that is a link.
mkdir -p "$class/linkfile"
ln -s "$home/secret2.yaml" "$class/linkfile/lab.yaml"
ln -s "$home/solutions" "$class/linkdir"
# 3. A mirror and a url on this host.
fig1 "images:
  deb: {debian: bookworm, mirror: \"http://127.0.0.1:$port/debian\"}
" "echo 42 >/tmp/answer" "" | sed 's|^  umlA:|  umlA:\n    image: deb|' | sub mirror
fig1 "images:
  x: {url: \"http://127.0.0.1:$port/img\", sha256: $(sha256sum "$T/www/img" | cut -d' ' -f1)}
" "echo 42 >/tmp/answer" "" | sed 's|^  umlA:|  umlA:\n    image: x|' | sub url
# 4. Two submissions trunked to each other's ports.
fig1 "" "echo 42 >/tmp/answer" "    trunks: [{vxlan: 127.0.0.1:47891, listen: 127.0.0.1:47892, vni: 7}]" | sub trunk1
fig1 "" "echo 42 >/tmp/answer" "    trunks: [{vxlan: 127.0.0.1:47892, listen: 127.0.0.1:47891, vni: 7}]" | sub trunk2
# 12. 512 instances of 4G; a disk of 1024G; a guest writing 200 MB into its share.
{
	printf 'switches:\n  S1: {mode: switch}\ninstances:\n'
	for i in $(seq 512); do printf '  h%d: {mem: 4G}\n' "$i"; done
} | sub many
fig1 "" "echo 42 >/tmp/answer" "" | sed 's|^  umlA:|  umlA:\n    disks: [{size: 1024G}]|' | sub bigdisk
fig1 "share: .
" "dd if=/dev/zero of=/hostlab/big bs=1M count=200; echo 42 >/tmp/answer" "" | sub hog
# 13. A 250-character directory name; a guest printing escape sequences
# (and writing into its share, which must not reach the class directory).
long=$(printf 'x%.0s' $(seq 250))
fig1 "" "echo 42 >/tmp/answer" "" | sed 's|^  umlA:|  umlA:\n    mem: 1G|' | sub "$long"
fig1 "share: .
" "printf '\\\\033]0;HACKED-TITLE\\\\007\\\\033[31mFAKE: 10/10 points\\\\n' >/tmp/answer; echo hi >/hostlab/graffiti" "" | sub escape
before=$(cd "$class" && find . | sort | md5sum)

umllab validate "$class/escape/lab.yaml" >"$T/v.out" 2>&1 && ok "the escape lab is valid" || fail "escape lab: $(cat "$T/v.out")"
start=$(date +%s)
expect_exit 0 "grade as root exits 0 over the hostile class" -- \
	umllab grade --spec "$T/spec.yaml" -o "$T/out" --jobs 2 "$class"/*
echo "      (grade took $(( $(date +%s) - start )) s)"
cp "$T/last" "$T/grade.out"
expect_output "the labs run as nobody" "grade says the labs run as nobody"

python3 - "$T/out" "$long" <<'PY' && ok "every hostile submission got 0 with its reason" || { fail "summaries"; cat "$T/out/summary.csv"; }
import csv, os, sys
out, long = sys.argv[1], sys.argv[2]
rows = {r["submission"]: r for r in csv.DictReader(open(os.path.join(out, "summary.csv"), newline=""))}
def refused(name, *words):
    r = rows[name]
    assert (r["points"], r["status"]) == ("0", "refused"), r
    for w in words:
        assert w in r["reason"], (name, w, r["reason"])
refused("enc", "is a file of the grading host", "/../../../")
refused("linkfile", "lab.yaml -> ", "is a symbolic link")
refused("linkdir", "is a symbolic link (to ", "never a link")
refused("mirror", "the mirror http://127.0.0.1:", "allow: {mirror:")
refused("url", "url `http://127.0.0.1:", "is not allowed")
refused("trunk1", "has a trunk to 127.0.0.1:47891")
refused("trunk2", "has a trunk to 127.0.0.1:47892")
refused("many", "instances: 512, over the limit of 16",
        "instance h1 (and 511 more) has mem: 4 GiB, over the limit of 256 MiB",
        "come to 2 TiB, over the limit of 1 GiB (limit mem_total")
refused("bigdisk", "may write 1 TiB, over the limit of 1 GiB (limit disk")
refused("hog", "the lab wrote", "over the limit of 64 MiB", "limit written")
# The long name: cut, a hash at its end, and a report of its own.
ln = [n for n in rows if n.startswith("xxxx")]
assert len(ln) == 1 and len(ln[0]) <= 64, ln
refused(ln[0], "mem: 1 GiB, over the limit of 256 MiB")
assert os.path.exists(os.path.join(out, ln[0] + ".txt"))
# The escape lab was graded (as nobody), and its answer failed.
e = rows["escape"]
assert e["status"] == "checked" and e["points"] == "2", e
for name in rows:
    assert os.path.exists(os.path.join(out, name + ".txt")), name
PY
# Nothing of the guests' escape sequences reaches a report; they show as ^[.
if grep -rlq $'\033' "$T/out" "$T/grade.out"; then
	fail "an escape byte reached $(grep -rl $'\033' "$T/out" "$T/grade.out")"
else
	ok "no escape byte in any report or on the terminal"
fi
grep -qF '^[]0;HACKED-TITLE^G^[[31mFAKE: 10/10 points' "$T/out/escape.txt" && ok "the escapes show as ^[ in escape.txt" \
	|| fail "escape.txt: $(grep seen "$T/out/escape.txt")"
# The teacher's secret, and its hash, appear nowhere.
if grep -rqe "$secret" -e "$secret_sha" "$T/out" "$T/grade.out"; then
	fail "the secret leaked into $(grep -rle "$secret" -e "$secret_sha" "$T/out" "$T/grade.out")"
else
	ok "the teacher's secret appears in no output"
fi
[ ! -s "$T/httpd.log" ] && ok "nothing was fetched from 127.0.0.1" || fail "fetched: $(cat "$T/httpd.log")"
[ "$(cd "$class" && find . | sort | md5sum)" = "$before" ] && ok "the class directory is unchanged (shares wrote into grade's copy)" \
	|| fail "the class directory changed: $(cd "$class" && find . -newer "$T/spec.yaml")"
sleep 0.5
left=$(pgrep -f -- "uml_dir=$TMPDIR/"; pgrep -u nobody -f -- "$TMPDIR/")
[ -z "$left" ] && ok "nothing of the graded labs is left running" || fail "left running: $left"
[ -z "$(ls -A "$TMPDIR")" ] && ok "grade's work directory was removed" || fail "left in TMPDIR: $(ls -A "$TMPDIR")"

# Limits and rules on the command line; a bad one stops grade before anything runs.
expect_exit 2 "--limit with an unknown name is a usage error" -- \
	umllab grade --spec "$T/spec.yaml" -o "$T/out2" --limit cpus=2 "$class/many"
expect_output "there is no limit .cpus." "it names the unknown limit"
# (Without XDG_CACHE_HOME, grade keeps an image cache of its own for the run.)
# An allowed download is still held to the written limit as it comes in.
mkdir -p "$T/class2"
fig1 "images:
  x: {url: \"http://127.0.0.1:$port/big\", sha256: $(sha256sum "$T/www/big" | cut -d' ' -f1)}
" "echo 42 >/tmp/answer" "" | sed 's|^  umlA:|  umlA:\n    image: x|' >"$T/class2/urlbig.yaml"
expect_exit 0 "--limit and --allow raise a limit and allow a url" -- \
	env -u XDG_CACHE_HOME "$UMLLAB" grade --spec "$T/spec.yaml" -o "$T/out2" --limit instances=600 \
	--limit written=1M --allow "url=http://127.0.0.1:$port/" "$class/many" "$class/url" "$T/class2/urlbig.yaml"
python3 - "$T/out2" <<'PY' && ok "the reasons follow the raised limit and the allowed url" || { fail "out2"; cat "$T/out2/summary.csv"; }
import csv, os, sys
rows = {r["submission"]: r for r in csv.DictReader(open(os.path.join(sys.argv[1], "summary.csv"), newline=""))}
m = rows["many"]
assert m["status"] == "refused" and "limit instances" not in m["reason"] and "limit mem" in m["reason"], m
u = rows["url"]
assert u["status"] == "up" and u["points"] == "0", u
b = rows["urlbig"]
assert b["status"] == "up" and "is bigger than 1048576 bytes" in b["reason"], b
PY
[ -z "$(ls -A "$TMPDIR")" ] && ok "nothing of the downloads is left" || fail "left in TMPDIR: $(ls -AR "$TMPDIR")"
grep -q 'GET /img' "$T/httpd.log" && ok "the allowed url was fetched" || fail "httpd log: $(cat "$T/httpd.log")"
expect_exit 2 "grade as root with --user root is refused" -- \
	umllab grade --spec "$T/spec.yaml" -o "$T/out3" --user root "$class/many"
expect_output "never run as root" "it says why"
finish
