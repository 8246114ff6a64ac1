#!/bin/sh
# tests/deps.sh: install the Debian packages umllab needs to build, run and test.
# Installs only what is missing; needs root for that (uses sudo when not root).
# `tests/deps.sh --check` only lists what is missing (exit 1 if anything is).
set -eu
# mmdebstrap, genext2fs, uidmap: Debian images built as an ordinary user;
# xz-utils: xz-compressed root-filesystem tarballs.
# clang, libclang-rt-dev: the libFuzzer harnesses (libclang_rt.fuzzer, only recommended by clang);
# llvm: llvm-symbolizer, so a fuzzer's crash report names files and lines.
# libpcap-dev: capture filters (tcpdump expressions); tcpdump, tshark: the tests read captures back;
# gnuplot-nox: make bench's plot.
# libssl-dev: SHA-256 through libcrypto (image checksums);
# xfsprogs, btrfs-progs: mkfs.xfs and mkfs.btrfs, the XFS part of labs/images.md and t_disks.
# slurm-wlm, munge: a single-node Slurm cluster for t_slurm (grade --slurm; tests/e2e/slurm.sh).
# iproute2: `ip netns`, veth and the kernel's vxlan device for t_vxlan (trunks).
# pandoc: the man pages (make man, make install); dpkg-dev, debhelper, lintian:
# the Debian package (make deb, t_package).
# libwebsockets-dev, libwebsockets-evlib-ev: umllab web's HTTP and WebSocket server on libev;
# node-xterm, libjs-xterm: xterm.js for the page's consoles (served from /usr/share, not copied);
# chromium: t_web drives the page in headless Chromium.
PACKAGES="gcc make libc6-dev pkg-config libyaml-dev libev-dev libcurl4-openssl-dev libssl-dev xfsprogs btrfs-progs
libcmocka-dev libpcap-dev tcpdump tshark gnuplot-nox user-mode-linux busybox-static e2fsprogs uml-utilities vde2 python3
procps util-linux graphviz mmdebstrap genext2fs uidmap xz-utils clang libclang-rt-dev
llvm slurm-wlm munge iproute2 pandoc dpkg-dev debhelper lintian
libwebsockets-dev libwebsockets-evlib-ev node-xterm libjs-xterm chromium"

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing="$missing $p"
done

# mmdebstrap's unshare mode (Debian images) maps root to the building user
# with a user namespace, which needs a range of subordinate uids and gids for
# that user. The end-to-end tests run as `nobody` when started as root; an
# ordinary user running this script gets a range too.
subid_users="nobody"
[ "$(id -u)" -ne 0 ] && subid_users="$subid_users $(id -un)"
no_subids=""
for u in $subid_users; do
	grep -qs "^$u:" /etc/subuid && grep -qs "^$u:" /etc/subgid || no_subids="$no_subids $u"
done

if [ -z "$missing" ] && [ -z "$no_subids" ]; then
	echo "deps: every package umllab needs is installed"
	exit 0
fi
[ -n "$missing" ] && echo "deps: missing Debian packages:$missing"
[ -n "$no_subids" ] && echo "deps: no subordinate ids (/etc/subuid, /etc/subgid) for:$no_subids"
[ "${1:-}" = --check ] && exit 1
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "deps: this needs root: run it as root" >&2
	exit 1
fi
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
	echo "deps: installed$missing"
fi
for u in $no_subids; do
	# The next free 65536 ids above every range given so far (and above 100000).
	start=$(cat /etc/subuid /etc/subgid 2>/dev/null |
		awk -F: 'BEGIN { m = 100000 } NF == 3 && $2 + $3 > m { m = $2 + $3 } END { print m }')
	$sudo usermod --add-subuids "$start-$((start + 65535))" --add-subgids "$start-$((start + 65535))" "$u"
	echo "deps: gave $u the subordinate ids $start-$((start + 65535)) (for mmdebstrap)"
done
