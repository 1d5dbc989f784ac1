#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: tests/completion/completion_test.sh REVOKESTORM [COMPLETION_FILE]
#
# Drives the bash completion (completion/revokestorm.bash, or the installed file) as bash
# does, through COMP_WORDS/COMP_CWORD, against the binary: commands, scenario files,
# --set SECTION.KEY= from the scenario on the line, report formats.  Prints KTAP.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
comp=${2:-$(dirname "$0")/../../completion/revokestorm.bash}
cd "$(dirname "$0")/../.."
. "$comp"
n=0 fail=0
# expect NAME "WANT..." WORD...: completing the last WORD offers at least every WANT
expect() {
	local name=$1 want=$2 w missing=()
	shift 2
	COMP_WORDS=("$bin" "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	_revokestorm
	for w in $want; do
		printf '%s\n' "${COMPREPLY[@]}" | grep -qxF -- "$w" || missing+=("$w")
	done
	n=$((n + 1))
	if [ ${#missing[@]} = 0 ] && [ ${#COMPREPLY[@]} -gt 0 ]; then
		echo "ok $n completion: $name"
	else
		fail=$((fail + 1))
		echo "not ok $n completion: $name: missing ${missing[*]:-everything}"
		echo "# offered: ${COMPREPLY[*]:0:20}"
	fi
}
echo "KTAP version 1"
echo "1..8"
expect "every command of --help" "run check list daemon ctl report repro minimize help" ""
expect "a command by its prefix" "report repro" re
expect "scenario files after run" "scenarios/smoke.ini scenarios/trigger-reset.ini" run scenarios/
expect "run's options" "--set --duration --seed --results --state-file --quiet" run scenarios/smoke.ini --
expect "--set offers the scenario's sections and keys" \
	"global.duration= global.hang_timeout= bar.device= bar.bar= map.mock_domains= cmd.interval=" \
	run scenarios/smoke.ini --set ""
expect "--set completes a section's keys" "bar.device= bar.bar= bar.size=" check scenarios/smoke.ini --set bar.
expect "list's kinds" "exporter importer trigger load core --markdown" list ""
expect "report's formats" "text json html" report --format ""
echo "completion: $((n - fail)) passed, $fail failed"
[ $fail = 0 ]
