#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: vm/check-findings-series.sh [--build] SERIES BUILD_DIR BINARY:TEST,...
#
# The tests of docs/findings.md on another kernel series than the lab's (e.g. 7.3, whose
# finding #5 7.2 does not have), on its two kernels: stock (no patch: each test expects
# the bug where that series has it) and default (the fixes series, the fixes for SERIES
# alone in kernel-patches/fixes/SERIES/, then the main series: each test expects the fix).
# Without --build a kernel that is not cached is a SKIP with the command that builds it,
# so `./run.sh check` proves the fixes wherever those kernels are built and never spends
# two cold kernel builds; `make check-findings-7.3` builds them.
# Prints KTAP, one point per kernel.  exit: 0 ok or skipped; 1 a test failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

build=0
[ "${1:-}" = --build ] && { build=1; shift; }
series=${1:?usage: vm/check-findings-series.sh [--build] SERIES BUILD_DIR BINARY:TEST,...}
bdir=${2:?usage: vm/check-findings-series.sh [--build] SERIES BUILD_DIR BINARY:TEST,...}
shift 2
[ $# -gt 0 ] || rs_die $RS_EXIT_USAGE "no BINARY:TEST given"
export RS_KERNEL_SERIES=$series
echo "TAP version 13"
echo "1..2"
n=0 rc=0
for flavour in stock default; do
	n=$((n + 1))
	what="findings on Linux $series $flavour"
	if [ $build = 0 ]; then
		art=$(RS_NO_FETCH=1 "$RS_TOP/vm/build-kernel.sh" --flavour $flavour --print-dir 2>/dev/null)
		if [ -z "$art" ] || [ ! -f "$art/.complete" ]; then
			echo "ok $n $what # SKIP no Linux $series $flavour lab kernel cached" \
				"(make check-findings-$series builds it: a cold kernel build)"
			continue
		fi
	fi
	# the boot's own output as diagnostics, so that the KTAP above stays one level
	if "$RS_TOP/vm/run-vm.sh" --flavour $flavour --name "findings-$series-$flavour" \
		-- tests/vm/run-all.sh --strict "$bdir" "$@" 2>&1 | sed 's/^/# /'; then
		echo "ok $n $what"
	else
		echo "not ok $n $what"
		rc=1
	fi
done
exit $rc
