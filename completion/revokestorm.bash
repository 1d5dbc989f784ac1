# SPDX-License-Identifier: GPL-2.0
# bash completion for revokestorm(1): commands, options, scenario files, and
# --set SECTION.KEY= with the sections and keys of the scenario on the command line.
# Commands come from `revokestorm --help`, sections and keys from `revokestorm check`,
# plugin kinds from `revokestorm list`: the binary being completed is the authority.

_revokestorm_scenario_keys()
{
	# SECTION.KEY= for every key of every section of scenario $2, as `check` resolves it
	"$1" check "$2" 2>/dev/null | awk '
		/^\[global\]/ { sec = "global"; next }
		/^\[[a-z]+ [^]]+\]/ { sec = $2; sub(/\]$/, "", sec); next }
		/^[a-z_0-9]+ *=/ && sec != "" { k = $1; sub(/=.*/, "", k); print sec "." k "=" }'
}

_revokestorm()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local bin=${COMP_WORDS[0]} cmd="" scn="" i w
	COMPREPLY=()
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ -z "$cmd" ]; then
			case $w in -*) ;; *) cmd=$w ;; esac
		elif [ -z "$scn" ] && [[ $w == *.ini ]]; then
			scn=$w
		fi
	done
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$("$bin" --help 2>/dev/null |
			awk '/^  [a-z]/ { print $1 }' | tr -d '|') --help --version" -- "$cur"))
		return
	fi
	# bash splits words at '=' (COMP_WORDBREAKS): "--set" "=" "x" or "--set=x"
	case $prev in
	--set|-S)
		[ -n "$scn" ] || return
		compopt -o nospace 2>/dev/null
		COMPREPLY=($(compgen -W "$(_revokestorm_scenario_keys "$bin" "$scn")" -- "$cur"))
		return ;;
	--results|--results-base)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	--state-file|--socket|-o|--output)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--format|-f)
		[ "$cmd" = report ] && COMPREPLY=($(compgen -W "text json html" -- "$cur"))
		return ;;
	--duration|--seed|--runs|--timeout)
		return ;;
	esac
	case $cmd in
	run|check|minimize)
		if [[ $cur == -* ]]; then
			local opts="--set --duration --seed --help"
			[ "$cmd" = run ] && opts+=" --results --state-file --quiet"
			[ "$cmd" = minimize ] && opts="--runs --timeout --output --help"
			COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		elif [ -z "$scn" ]; then
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X '!*.ini' -- "$cur"))
		fi ;;
	list)
		COMPREPLY=($(compgen -W "--markdown exporter importer trigger load core" -- "$cur")) ;;
	report)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--format --output --help" -- "$cur"))
		else
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -- "$cur"))
		fi ;;
	repro)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--runs --timeout --output --help" -- "$cur"))
		else
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -- "$cur"))
		fi ;;
	daemon)
		COMPREPLY=($(compgen -W "--socket --results-base --help" -- "$cur")) ;;
	ctl)
		COMPREPLY=($(compgen -W "--socket run status stop" -- "$cur")) ;;
	esac
}
complete -F _revokestorm revokestorm
