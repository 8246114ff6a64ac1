# e2e: long
# Downloaded images: a real HTTP server on 127.0.0.1 serves a root-filesystem
# tarball; umllab downloads it (resuming a dropped connection), verifies its
# SHA-256, caches it, and boots it. A wrong checksum caches nothing; an
# interrupted download resumes at the next `up`; file:// and raw ext images work.
. "$REPO/tests/e2e/lib.sh"
cache=$XDG_CACHE_HOME/umllab

# A tiny root file system: busybox and a file to find in the guest.
root=$T/rootfs
mkdir -p "$root/bin" "$root/etc"
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
echo "served over http" >"$root/etc/hello"
mkdir -p "$T/www"
tar -C "$root" --owner=0 --group=0 -czf "$T/www/root.tar.gz" . || fail "cannot make the tarball"
echo "another image" >"$root/etc/again"
tar -C "$root" --owner=0 --group=0 -cJf "$T/www/again.tar.xz" . || fail "cannot make the tarball"
echo "not the image you want" >"$T/www/wrong.tar.gz"
cp "$T/www/root.tar.gz" "$T/www/stall.tar.gz"
sum=$(sha256sum "$T/www/root.tar.gz" | cut -d' ' -f1)
size=$(stat -c %s "$T/www/root.tar.gz")
# Images are named by their checksum: one that is in no cache.
nosum() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# The server drops the first answer for root.tar.gz after a third of it, and
# the first two for again.tar.xz after 100 kB; stall.tar.gz never comes.
python3 "$REPO/tests/e2e/httpd.py" --dir "$T/www" --port-file "$T/port" --log "$T/http.log" \
	--drop "/root.tar.gz:$((size / 3)):1" --drop "/again.tar.xz:100000:2" \
	--stall /stall.tar.gz &
httpd=$!
trap 'kill $httpd 2>/dev/null; wait $httpd 2>/dev/null; lib_cleanup' EXIT
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
port=$(cat "$T/port")
[ -n "$port" ] && ok "http server on 127.0.0.1:$port" || fail "the http server did not start"
url=http://127.0.0.1:$port

lab() {	# lab NAME URL SHA256: a one-instance lab on that image
	cat >"$T/$1.yaml" <<EOF
name: $1
images:
  net: {url: "$2", sha256: $3}
instances:
  a: {image: net}
EOF
}

# 1. Download with a dropped connection: resumed with a Range request, then booted.
lab dl "$url/root.tar.gz" "$sum"
expect_exit 0 "up on a downloaded tarball (the connection drops once)" -- umllab up "$T/dl.yaml"
expect_output "download interrupted" "the dropped connection is reported"
grep -q "GET /root.tar.gz range=bytes=$((size / 3))-" "$T/http.log" \
	&& ok "the download resumed at byte $((size / 3))" || { fail "no resumed request"; cat "$T/http.log"; }
expect_exit 0 "the guest runs on the downloaded root" -- umllab exec a -- cat /etc/hello
expect_output "served over http" "its file is there"
expect_exit 0 "down" -- umllab down dl
[ -f "$cache/downloads/$sum" ] && ok "the verified download is kept by its checksum" \
	|| fail "no $cache/downloads/$sum"
expect_exit 0 "image ls" -- umllab image ls
expect_output "url +.*url-" "image ls lists the url image"

# 2. Cache hit: another lab on the same URL downloads nothing.
requests=$(grep -c . "$T/http.log")
lab dl2 "$url/root.tar.gz" "$sum"
expect_exit 0 "up on the same image again" -- umllab up "$T/dl2.yaml"
[ "$(grep -c . "$T/http.log")" -eq "$requests" ] && ok "no request: the image came from the cache" \
	|| { fail "the server was asked again"; tail -3 "$T/http.log"; }
expect_exit 0 "down" -- umllab down dl2

# 3. A wrong checksum: refused, and nothing is cached.
# Only what downloads make (url-* images, downloads/): the cache is shared
# with the tests running beside this one, which build images of their own.
cache_downloads() { { ls -A "$cache" | grep '^url-'; ls -A "$cache/downloads"; } | sort; }
before=$(cache_downloads)
lab bad "$url/wrong.tar.gz" "$(nosum wrong)"
expect_exit 1 "up with a wrong sha256 fails" -- umllab up "$T/bad.yaml"
expect_output "checksum mismatch" "the checksum mismatch is named"
expect_output "nothing was kept" "the message says nothing was kept"
[ "$(cache_downloads)" = "$before" ] && ok "nothing new in the cache" \
	|| { fail "the cache changed"; ls -la "$cache" "$cache/downloads"; }
[ -z "$(lab_pids bad)" ] && ok "nothing of the lab was started" || fail "lab bad left processes"

# 4. Interrupted for good, then resumed by the next up.
sum2=$(sha256sum "$T/www/again.tar.xz" | cut -d' ' -f1)
lab again "$url/again.tar.xz" "$sum2"
UMLLAB_DOWNLOAD_RETRIES=0 expect_exit 1 "up without retries fails on a dropped connection" \
	-- umllab up "$T/again.yaml"
expect_output "received so far are kept" "it says the partial download is kept"
[ -f "$cache/downloads/$sum2.part" ] && ok "the partial download is in the cache" || fail "no .part file"
UMLLAB_DOWNLOAD_RETRIES=0 expect_exit 1 "dropped again" -- umllab up "$T/again.yaml"
expect_output "resuming the download" "the second try resumes"
expect_exit 0 "the third try completes it" -- umllab up "$T/again.yaml"
expect_exit 0 "the xz tarball's image boots" -- umllab exec a -- cat /etc/again
[ "$(grep -c 'GET /again.tar.xz range=bytes=' "$T/http.log")" -ge 2 ] \
	&& ok "later tries asked only for the rest" || { fail "no ranged requests"; cat "$T/http.log"; }
expect_exit 0 "down" -- umllab down again

# 5. A server that stalls: the time limit ends it.
lab slow "$url/stall.tar.gz" "$(nosum stall)"
UMLLAB_DOWNLOAD_STALL=2 UMLLAB_DOWNLOAD_RETRIES=0 expect_exit 1 "a stalled download times out" \
	-- timeout 60 "$UMLLAB" up "$T/slow.yaml"
expect_output "too slow|timed out|Operation too slow" "the timeout is named"

# 6. Not found: said, not retried forever.
lab gone "$url/missing.tar.gz" "$(nosum gone)"
expect_exit 1 "a missing file fails" -- umllab up "$T/gone.yaml"
expect_output "answered 404" "the 404 is named"

# 7. file:// and a raw ext4 image (not a tarball).
mkfs.ext4 -q -F -d "$root" "$T/raw.img" 16M || /sbin/mkfs.ext4 -q -F -d "$root" "$T/raw.img" 16M
rawsum=$(sha256sum "$T/raw.img" | cut -d' ' -f1)
lab raw "file://$T/raw.img" "$rawsum"
expect_exit 0 "up on a raw ext4 image from a file:// URL" -- umllab up "$T/raw.yaml"
expect_exit 0 "it boots with its own files" -- umllab exec --lab raw a -- cat /etc/hello
expect_exit 0 "down" -- umllab down raw
finish
