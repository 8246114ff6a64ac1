#!/bin/sh
# labs/demo.sh: figure 1 end to end: up, ping both ways, status, down.
# Runs umllab as the invoking user; as root, as the unprivileged user
# `nobody` (UML needs no root, and should not have it).
set -eu
home=""
repo=$(cd "$(dirname "$0")/.." && pwd)
umllab="$repo/umllab"
lab="$repo/labs/fig1.yaml"
if [ "$(id -u)" -eq 0 ]; then
	home=$(mktemp -d /tmp/umllab-demo.XXXXXX)
	chmod 755 "$home"
	chown nobody:nogroup "$home"
	echo "demo: running as root: umllab runs as user nobody (state in $home)"
	# nobody may not reach the checkout (under /root, say): use a copy.
	if ! setpriv --reuid=nobody --regid=nogroup --clear-groups -- test -x "$umllab" -a -r "$lab"; then
		cp "$umllab" "$lab" "$home/"
		chmod a+rx "$home/umllab"
		chmod a+r "$home/fig1.yaml"
		umllab=$home/umllab
		lab=$home/fig1.yaml
	fi
	run() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
		env HOME="$home" UMLLAB_STATE_DIR="$home/state" XDG_CACHE_HOME="$home/cache" "$@"; }
else
	run() { "$@"; }
fi
set -x
run "$umllab" up "$lab"
trap 'run "$umllab" down --wipe fig1; [ -n "${home:-}" ] && rm -rf "$home"' EXIT
run "$umllab" ping umlA umlB
run "$umllab" ping umlB umlA -c 1
run "$umllab" exec umlA -- ip -4 addr show eth0
run "$umllab" status fig1
