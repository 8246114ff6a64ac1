#!/bin/sh
# /usr/lib/umllab/systemctl: systemctl and service for guests that run no systemd (umllab's
# guest layer; /usr/sbin/systemctl, and /usr/sbin/service when the image has none).
#
# umllab's guests boot busybox init, not systemd (it boots in a fraction of the time: see
# docs/kathara.md), as Kathara's own images replace systemctl with a stand-in. Each service's
# /etc/init.d script does the work, as `service` does without systemd:
#   systemctl start|stop|restart|reload|try-restart|reload-or-restart|status NAME...
#   systemctl is-active|is-enabled|enable|disable [--now] NAME...
#   systemctl daemon-reload | list-units | list-unit-files
#   service NAME ACTION | service --status-all
# NAME may end in .service; bind9 and named are the same service, as are ssh and sshd.
# A service with only a systemd unit file runs its ExecStart (simple services in the
# background, their pid in /run/umllab/units/NAME.pid).
set -u
ENABLED=/etc/umllab/enabled
UNITS=/run/umllab/units
prog=${0##*/}

say() { printf '%s\n' "$*" >&2; }

# The init script of a service in $script, or nothing. No $(...) here nor in the
# common paths below: a fork costs about 0.1 s in a UML guest.
find_script() {
	script=
	n=${1%.service}
	case $n in
	bind9|bind) alias=named ;;
	named) alias=bind9 ;;
	ssh) alias=sshd ;;
	sshd) alias=ssh ;;
	*) alias= ;;
	esac
	for c in "$n" $alias; do
		[ -x "/etc/init.d/$c" ] && { script=/etc/init.d/$c; return; }
	done
}

# The init script of a service, or nothing (printed).
script_of() {
	find_script "$1"
	[ -z "$script" ] || printf '%s\n' "$script"
}

unit_file() {
	n=${1%.service}
	for d in /etc/systemd/system /lib/systemd/system /usr/lib/systemd/system; do
		[ -f "$d/$n.service" ] && { printf '%s/%s.service\n' "$d" "$n"; return; }
	done
}

# KEY=VALUE of a unit file's [Service] section (the first one given).
unit_get() {
	sed -n "/^\[Service\]/,/^\[/s/^$2=//p" "$1" | head -n 1 | sed 's/^[-@+!]*//'
}

unit_pid() {
	p=$(cat "$UNITS/$1.pid" 2>/dev/null) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null && echo "$p"
}

unit_do() {
	name=${1%.service}
	file=$2
	action=$3
	mkdir -p "$UNITS"
	case $action in
	start)
		[ -n "$(unit_pid "$name")" ] && return 0
		type=$(unit_get "$file" Type)
		pre=$(unit_get "$file" ExecStartPre)
		cmd=$(unit_get "$file" ExecStart)
		[ -n "$cmd" ] || { say "$prog: $file has no ExecStart"; return 1; }
		[ -n "$pre" ] && { sh -c "$pre" || return 1; }
		case $type in
		oneshot|forking) sh -c "$cmd" ;;
		*)
			setsid sh -c "exec $cmd" > /dev/null 2>&1 < /dev/null &
			echo $! > "$UNITS/$name.pid" ;;
		esac ;;
	stop)
		p=$(unit_pid "$name") && kill "$p"
		rm -f "$UNITS/$name.pid"
		return 0 ;;
	restart|reload|force-reload|try-restart|reload-or-restart)
		unit_do "$1" "$file" stop && unit_do "$1" "$file" start ;;
	status)
		if p=$(unit_pid "$name"); then
			echo "* $name.service - active (running) since boot, pid $p"
		else
			echo "* $name.service - inactive (dead)"
			return 3
		fi ;;
	esac
}

# Do action on one service; its exit status.
one() {
	action=$1
	name=${2%.service}
	find_script "$name"
	s=$script
	if [ -z "$s" ]; then
		f=$(unit_file "$name")
		if [ -n "$f" ]; then
			unit_do "$name" "$f" "$action"
			return
		fi
		say "Failed to $action $name.service: Unit $name.service not found."
		return 5
	fi
	case $action in
	try-restart) "$s" status > /dev/null 2>&1 || return 0; action=restart ;;
	reload-or-restart) action=restart ;;
	esac
	"$s" "$action"
}

enabled() {
	grep -qx "${1%.service}" "$ENABLED" 2>/dev/null
}

if [ "$prog" = service ]; then
	case ${1:-} in
	--status-all)
		for s in /etc/init.d/*; do
			[ -x "$s" ] || continue
			if "$s" status > /dev/null 2>&1; then
				echo " [ + ]  ${s##*/}"
			else
				echo " [ - ]  ${s##*/}"
			fi
		done
		exit 0 ;;
	''|-*) say "Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]"; exit 1 ;;
	esac
	name=$1
	shift
	[ $# -ge 1 ] || { say "Usage: service $name ACTION"; exit 1; }
	if [ "$1" = --full-restart ]; then
		one stop "$name"
		one start "$name"
		exit
	fi
	find_script "$name"
	if [ -n "$script" ]; then
		exec "$script" "$@"
	fi
	one "$1" "$name"
	exit
fi

now=0
quiet=0
action=
set -f
names=
for a in "$@"; do
	case $a in
	--now) now=1 ;;
	-q|--quiet) quiet=1 ;;
	--*|-*) ;;	# --no-pager, --no-block, --system, -l, --full, ...: no meaning here
	*)
		if [ -z "$action" ]; then action=$a; else names="$names $a"; fi ;;
	esac
done
[ -n "$action" ] || action=list-units
rc=0
case $action in
start|stop|restart|reload|force-reload|try-restart|reload-or-restart|condrestart)
	[ "$action" = condrestart ] && action=try-restart
	[ -n "$names" ] || { say "Too few arguments."; exit 1; }
	# One service with an init script (systemctl start frr): the script itself.
	case $names in
	" "*" "*) ;;
	*)
		find_script "${names# }"
		case $action in start|stop|restart|reload|force-reload)
			[ -n "$script" ] && exec "$script" "$action" ;;
		esac ;;
	esac
	for n in $names; do
		one "$action" "$n" || rc=$?
	done ;;
status)
	case $names in
	" "*" "*) ;;
	*) find_script "${names# }"; [ -n "$script" ] && exec "$script" status ;;
	esac
	for n in $names; do
		one status "$n" || rc=$?
	done ;;
is-active)
	for n in $names; do
		if one status "$n" > /dev/null 2>&1; then
			[ $quiet = 1 ] || echo active
		else
			[ $quiet = 1 ] || echo inactive
			rc=3
		fi
	done ;;
enable|disable)
	mkdir -p "${ENABLED%/*}"
	touch "$ENABLED"
	for n in $names; do
		n=${n%.service}
		if [ -z "$(script_of "$n")" ] && [ -z "$(unit_file "$n")" ]; then
			say "Failed to $action unit: Unit file $n.service does not exist."
			rc=1
			continue
		fi
		grep -vx "$n" "$ENABLED" > "$ENABLED.new"; mv "$ENABLED.new" "$ENABLED"
		[ "$action" = enable ] && echo "$n" >> "$ENABLED"
		if [ $now = 1 ]; then
			if [ "$action" = enable ]; then one start "$n" || rc=$?; else one stop "$n" || rc=$?; fi
		fi
	done ;;
is-enabled)
	for n in $names; do
		if enabled "$n"; then echo enabled; else echo disabled; rc=1; fi
	done ;;
daemon-reload|daemon-reexec|reset-failed)
	;;
list-units|list-unit-files)
	for s in /etc/init.d/*; do
		[ -x "$s" ] || continue
		n=${s##*/}
		if "$s" status > /dev/null 2>&1; then st=active; else st=inactive; fi
		printf '%-32s %s\n' "$n.service" "$st"
	done ;;
*)
	say "$prog: '$action' is not something umllab's stand-in for systemctl does (no systemd runs here; see docs/kathara.md)"
	rc=1 ;;
esac
exit $rc
