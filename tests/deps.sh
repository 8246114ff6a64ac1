#!/bin/sh
# tests/deps.sh: install the Debian packages umllab needs to build, run and test.
# Installs only what is missing; needs root for that (uses sudo when not root).
# `tests/deps.sh --check` only lists what is missing (exit 1 if anything is).
set -eu
PACKAGES="gcc make libc6-dev pkg-config libyaml-dev libev-dev libcurl4-openssl-dev
libcmocka-dev user-mode-linux busybox-static e2fsprogs uml-utilities vde2 python3
procps util-linux"

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: every package umllab needs is installed"
	exit 0
fi
echo "deps: missing Debian packages:$missing"
[ "${1:-}" = --check ] && exit 1
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "deps: installing them needs root: run as root: apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: installed$missing"
