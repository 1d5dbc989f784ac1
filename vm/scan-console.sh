#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: vm/scan-console.sh CONSOLE_LOG [REGEX...] [--allow-file FILE]
#
# Print one line per kernel report found in a console log ("LINE: text"): oops, BUG,
# WARNING, lockdep, KASAN/UBSAN, hung task, RCU stall, soft lockup, panic.  A bare
# "Call Trace:" is not a report: sysrq-w/-t dumps, which revokestorm asks for, have them.
# Only kernel lines (with a printk timestamp) count: the console also carries the
# command's own output.  A report whose
# first line matches one of the REGEX arguments, or a line of FILE, is allowed (not
# printed).  Exit 0 if none was printed, 1 otherwise.
set -u
log=$1; shift
allow=()
while [ $# -gt 0 ]; do
	if [ "$1" = --allow-file ]; then
		[ -f "${2:-}" ] && while IFS= read -r l; do [ -n "$l" ] && allow+=("$l"); done <"$2"
		shift 2
		continue
	fi
	allow+=("$1")
	shift
done
[ -f "$log" ] || exit 0
pat='(BUG:|Oops|WARNING:|kernel BUG at|general protection fault|Kernel panic|KASAN:|UBSAN:|KFENCE:'
pat+='|possible circular locking dependency|possible recursive locking|inconsistent lock state'
pat+='|suspicious RCU usage|INFO: task .* blocked for more than|rcu: INFO: .* detected stall'
pat+='|soft lockup|hard LOCKUP|list_add corruption|list_del corruption|refcount_t:)'
found=0
while IFS= read -r hit; do
	n=${hit%%:*}
	text=${hit#*:}
	ok=0
	for a in "${allow[@]}"; do
		if printf '%s' "$text" | grep -Eq -- "$a"; then ok=1; break; fi
	done
	[ $ok = 1 ] && continue
	printf '%s: %s\n' "$n" "$(printf '%s' "$text" | sed 's/^\[ *[0-9.]*\] //' | cut -c1-200)"
	found=1
done < <(grep -naE "^\[ *[0-9]+\.[0-9]+\] .*$pat" "$log" | tr -d '\r')
exit $found
