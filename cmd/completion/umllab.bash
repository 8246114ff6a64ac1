# cmd/completion/umllab.bash: bash completion for umllab (installed as
# bash-completion/completions/umllab): commands and their options, lab
# names, instances, interfaces, switches and capture targets.
#
# Commands and options come from `umllab --help` and `umllab CMD --help`,
# so they cannot drift from the program: the installed script holds those
# texts (make puts them in with cmd/completion/mkcompletion.py), and this file
# sourced as it is asks the program, once per shell. The names come from the
# running labs' state directories (core/base/state.h): a lab is never
# contacted, and a Tab runs no other program: a few milliseconds.

# The state root, as core/base/state.c state_root() finds it.
_umllab_root() {
	local r
	if [[ -n ${UMLLAB_STATE_DIR-} ]]; then
		r=$UMLLAB_STATE_DIR
	elif [[ ${XDG_RUNTIME_DIR-} == /* && -w $XDG_RUNTIME_DIR ]]; then
		r=$XDG_RUNTIME_DIR/umllab
	else
		r=/tmp/umllab-$UID
		# Another user took that name first: umllab uses ~/.umllab-run.
		if [[ (-e $r || -L $r) && (-L $r || ! -d $r || ! -O $r) && ${HOME-} == /* ]]; then
			r=$HOME/.umllab-run
		fi
	fi
	_umllab_root_dir=$r
}

# _umllab_labs [all]: the running labs (their supervisor's pid is alive and
# its control socket is there); with `all`, also those a `down` still has
# work for (a dead supervisor's pid file, a failed `up`).
_umllab_labs() {
	local d pid
	_umllab_lab_names=()
	_umllab_root
	for d in "$_umllab_root_dir"/*/; do
		d=${d%/}
		[[ -e $d/labfile ]] || continue
		if [[ -S $d/control && -r $d/supervisor.pid ]] && read -r pid <"$d/supervisor.pid" &&
			[[ $pid =~ ^[0-9]+$ && -d /proc/$pid ]]; then
			_umllab_lab_names+=("${d##*/}")
		elif [[ ${1-} == all && (-e $d/supervisor.pid || -e $d/failed) ]]; then
			_umllab_lab_names+=("${d##*/}")
		fi
	done
}

# The lab directories to take names from: the lab named on the command line
# (--lab LAB, or a positional LAB), else every running lab.
_umllab_lab_dirs() {
	_umllab_lab_dirs_found=()
	_umllab_root
	if [[ -n $_umllab_lab ]]; then
		local name=${_umllab_lab##*/}
		name=${name%.yaml}
		name=${name%.yml}
		[[ -d $_umllab_root_dir/$name ]] && _umllab_lab_dirs_found=("$_umllab_root_dir/$name")
		return
	fi
	local l
	_umllab_labs
	for l in "${_umllab_lab_names[@]}"; do
		_umllab_lab_dirs_found+=("$_umllab_root_dir/$l")
	done
}

# Instances: a console log each (NAME.log; supervisor.log is the
# supervisor's), and a cable per interface (cables/NAME.IFACE).
_umllab_instances() {
	local d f n
	local -A seen=()
	_umllab_lab_dirs
	for d in "${_umllab_lab_dirs_found[@]}"; do
		for f in "$d"/*.log "$d"/cables/*; do
			[[ -e $f ]] || continue
			n=${f##*/}
			[[ $f == */cables/* ]] && n=${n%.*} || n=${n%.log}
			[[ $n == supervisor || -n ${seen[$n]-} ]] && continue
			seen[$n]=1
			_umllab_w+=("$n")
		done
	done
}

# The interfaces of instance $1 (cables/INSTANCE.IFACE).
_umllab_ifaces() {
	local d f
	_umllab_lab_dirs
	for d in "${_umllab_lab_dirs_found[@]}"; do
		for f in "$d/cables/$1".*; do
			[[ -e $f ]] && _umllab_w+=("${f##*/$1.}")
		done
	done
}

# Switches and hubs: a control socket each (NAME.ctl).
_umllab_switches() {
	local d f n
	_umllab_lab_dirs
	for d in "${_umllab_lab_dirs_found[@]}"; do
		for f in "$d"/*.ctl; do
			[[ -e $f ]] || continue
			n=${f##*/}
			_umllab_w+=("${n%.ctl}")
		done
	done
}

# Capture targets: switches, and cables (INSTANCE.IFACE).
_umllab_targets() {
	local d f
	_umllab_switches
	for d in "${_umllab_lab_dirs_found[@]}"; do
		for f in "$d"/cables/*; do
			[[ -e $f ]] && _umllab_w+=("${f##*/}")
		done
	done
}

# Cached images, by the file name `umllab image ls` shows.
_umllab_images() {
	local c f
	if [[ ${XDG_CACHE_HOME-} == /* ]]; then c=$XDG_CACHE_HOME/umllab; else c=${HOME-}/.cache/umllab; fi
	for f in "$c"/*; do
		[[ -f $f && $f != *.info && $f != *.initrd && $f != *.part ]] && _umllab_w+=("${f##*/}")
	done
}

# Commands and options, read from the program's own help once per shell.
declare -gA _umllab_opts=() _umllab_argopts=() _umllab_optvals=() _umllab_help=()
_umllab_commands=""
# @HELP@ (make puts `umllab --help` and each `umllab CMD --help` here)

# The help of command $1 (main: `umllab --help`) into _umllab_text.
_umllab_help_of() {
	if [[ -n ${_umllab_help[$1]+set} ]]; then
		_umllab_text=${_umllab_help[$1]}
	elif [[ $1 == main ]]; then
		_umllab_text=$("$_umllab_prog" --help 2>/dev/null)
	else
		_umllab_text=$("$_umllab_prog" "$1" --help 2>/dev/null)
	fi
}

_umllab_learn_commands() {
	[[ -n $_umllab_commands ]] && return
	local line in="" _umllab_text
	_umllab_help_of main
	while IFS= read -r line; do
		[[ $line == commands: ]] && { in=1; continue; }
		[[ -n $in && $line =~ ^\ \ ([a-z][a-z-]*)\  ]] && _umllab_commands+="${BASH_REMATCH[1]} "
		[[ -n $in && -z $line ]] && in=""
	done <<<"$_umllab_text"
}

# The options of command $1: from its usage line (`[-c N]`: -c takes a
# value; `[--format dot|svg|png]`: these values) and from its option table
# (`  -s, --spec FILE  the checks`).
_umllab_learn_options() {
	local cmd=$1 line word next i opts="--help " argopts=" --lab -l "
	[[ -n ${_umllab_opts[$cmd]+set} ]] && return
	local -a w
	local _umllab_text
	_umllab_help_of "$cmd"
	while IFS= read -r line; do
		if [[ $line == usage:* ]]; then
			read -ra w <<<"${line//\[/ [}"
			for ((i = 0; i < ${#w[@]}; i++)); do
				word=${w[i]#[}
				[[ $word == -* ]] || continue
				word=${word%%]*}
				[[ $word == -- || $word == -*=* ]] && continue
				opts+="$word "
				[[ ${w[i]} == *] ]] && continue
				next=${w[i + 1]-}
				next=${next%%]*}
				if [[ $next == [A-Z]* ]]; then
					argopts+="$word "
				elif [[ $next == *'|'* && $next != -* ]]; then
					argopts+="$word "
					_umllab_optvals[$cmd $word]=${next//|/ }
				fi
			done
		elif [[ $line =~ ^\ *(-[A-Za-z0-9],\ )?(--?[a-z][-a-z0-9]*)(\ [A-Z][A-Za-z]*)?\ \ +[^\ ] ]]; then
			word=${BASH_REMATCH[1]%, }
			[[ -n $word ]] && opts+="$word "
			opts+="${BASH_REMATCH[2]} "
			if [[ -n ${BASH_REMATCH[3]} ]]; then
				argopts+="${BASH_REMATCH[2]} "
				[[ -n $word ]] && argopts+="$word "
			fi
		fi
	done <<<"$_umllab_text"
	# --lab takes a lab wherever the usage shows it ([--lab] LAB too).
	[[ $opts == *--lab* ]] && opts+="-l "
	# Each once: the usage line and the table name the same options.
	local o uniq=" "
	for o in $opts; do [[ $uniq == *" $o "* ]] || uniq+="$o "; done
	_umllab_opts[$cmd]=$uniq
	_umllab_argopts[$cmd]=$argopts
}

# Offer the words (each argument may hold several, space-separated) that
# start with the current word; no subshell.
_umllab_add() {
	local w
	local -a ws
	read -ra ws <<<"$*"
	for w in "${ws[@]}"; do
		[[ $w == "$_umllab_cur"* ]] && COMPREPLY+=("$w")
	done
}

# Offer the names a helper (_umllab_instances, ...) finds.
_umllab_offer() {
	_umllab_w=()
	"$@"
	_umllab_add "${_umllab_w[@]}"
}

# Files: those whose name ends in one of $1 (e.g. "yaml yml"; empty: any),
# and directories.
_umllab_files() {
	local f ext ok
	local -a exts
	read -ra exts <<<"$1"
	compopt -o filenames 2>/dev/null
	local IFS=$'\n'
	for f in $(compgen -f -- "$_umllab_cur"); do
		ok=""
		if [[ -d $f || ${#exts[@]} -eq 0 ]]; then ok=1; else
			for ext in "${exts[@]}"; do [[ $f == *.$ext ]] && ok=1; done
		fi
		[[ -n $ok ]] && COMPREPLY+=("$f")
	done
}

_umllab() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=""
	local _umllab_cur=$cur _umllab_prog=${COMP_WORDS[0]} _umllab_lab=""
	local _umllab_root_dir
	local -a _umllab_lab_names=() _umllab_lab_dirs_found=() _umllab_w=()
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	# ~/bin/umllab, ./umllab: run as typed; else from PATH.
	_umllab_prog=${_umllab_prog/#\~/$HOME}
	[[ $_umllab_prog == */* && -x $_umllab_prog ]] || _umllab_prog=umllab

	_umllab_learn_commands
	if ((COMP_CWORD == 1)); then
		_umllab_add "$_umllab_commands --help --version"
		return
	fi
	# The command as typed, or the one its unique prefix names.
	local cmd=${COMP_WORDS[1]} c found=""
	for c in $_umllab_commands; do
		[[ $c == "$cmd" ]] && { found=$c; break; }
		[[ $c == "$cmd"* ]] && { [[ -n $found ]] && { found=""; break; }; found=$c; }
	done
	[[ -z $found ]] && return
	cmd=$found
	_umllab_learn_options "$cmd"

	# The words before the cursor: --lab's value, the positional arguments.
	local -a pos=()
	local i w after_dashdash=""
	for ((i = 2; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ -n $after_dashdash ]]; then
			pos+=("$w")
		elif [[ $w == -- ]]; then
			after_dashdash=1
			pos+=(--)
		elif [[ $w == -* ]]; then
			if [[ " ${_umllab_argopts[$cmd]} " == *" $w "* ]]; then
				((i++))
				[[ $w == --lab || $w == -l ]] && _umllab_lab=${COMP_WORDS[i]-}
			fi
		else
			pos+=("$w")
		fi
	done

	# The value of an option.
	if [[ -z $after_dashdash && $prev == -* && " ${_umllab_argopts[$cmd]} " == *" $prev "* ]]; then
		case $prev in
		--lab | -l) _umllab_labs; _umllab_add "${_umllab_lab_names[*]}" ;;
		--spec | -s | --junit | -w | -o | --out | --capture) _umllab_files "" ;;
		*) [[ -n ${_umllab_optvals[$cmd $prev]-} ]] && _umllab_add "${_umllab_optvals[$cmd $prev]}" ;;
		esac
		return
	fi
	if [[ -z $after_dashdash && $cur == -* ]]; then
		_umllab_add "${_umllab_opts[$cmd]}"
		return
	fi

	# Positional arguments: what each command takes (its usage line).
	local n=${#pos[@]}
	case $cmd in
	up | validate) ((n == 0)) && _umllab_files "yaml yml" ;;
	grade) _umllab_files "yaml yml" ;;
	status | check | down | graph)
		if ((n == 0)); then
			[[ $cmd == down ]] && _umllab_labs all || _umllab_labs
			_umllab_add "${_umllab_lab_names[*]}"
			[[ $cmd == graph ]] && _umllab_files "yaml yml"
		fi
		;;
	ping)
		((n < 2)) && _umllab_offer _umllab_instances
		;;
	exec | logs | console | stop | start | restart)
		((n == 0)) && _umllab_offer _umllab_instances
		;;
	mconsole)
		if ((n == 0)); then
			_umllab_offer _umllab_instances
		elif ((n == 1)); then
			_umllab_add "version help proc sysrq config remove log stop go halt reboot cad"
		fi
		;;
	plug)
		case $n in
		0) _umllab_offer _umllab_instances ;;
		1)
			# The interfaces the instance does not have yet.
			_umllab_w=()
			_umllab_ifaces "${pos[0]}"
			local used=" ${_umllab_w[*]} " free="" k
			for ((k = 0; k < 16; k++)); do
				[[ $used == *" eth$k "* ]] || free+="eth$k "
			done
			_umllab_add "$free"
			;;
		2) _umllab_offer _umllab_switches ;;
		esac
		;;
	unplug | link)
		case $n in
		0) _umllab_offer _umllab_instances ;;
		1) _umllab_offer _umllab_ifaces "${pos[0]}" ;;
		2) [[ $cmd == link ]] && _umllab_add "down up set clear reset" ;;
		*)
			[[ $cmd == link && ${pos[2]} == set ]] &&
				_umllab_add "in out delay jitter loss burst duplicate corrupt reorder rate limit mtu match drop"
			;;
		esac
		;;
	capture)
		# [LAB] TARGET...: the first word may be a lab.
		if ((n > 0)) && [[ -z $_umllab_lab ]]; then
			_umllab_labs
			[[ " ${_umllab_lab_names[*]} " == *" ${pos[0]} "* ]] && _umllab_lab=${pos[0]}
		fi
		_umllab_offer _umllab_targets
		if ((n == 0)) && [[ -z $_umllab_lab ]]; then
			_umllab_labs
			_umllab_add "${_umllab_lab_names[*]}"
		fi
		;;
	image)
		if ((n == 0)); then
			_umllab_add "ls build rm"
		elif [[ ${pos[0]} == build ]]; then
			((n == 1)) && _umllab_files "yaml yml"
		elif [[ ${pos[0]} == rm ]]; then
			_umllab_offer _umllab_images
			_umllab_add "--force --all"
		fi
		;;
	switch)
		# A running lab's switch (then stp, --json), or a control socket path.
		if ((n == 0)); then
			_umllab_offer _umllab_switches
			_umllab_files ""
		else
			_umllab_add "stp --json"
		fi
		;;
	confine)
		# After --: the kernel, then its parameters.
		[[ -n $after_dashdash && ${#pos[@]} -eq 1 ]] && COMPREPLY+=($(compgen -c -- "$cur"))
		;;
	esac
}

complete -F _umllab umllab
