#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: bench/vm-cost-curve.sh BUILD_DIR OUT_DIR      (inside the lab VM; bench/cost-curve.sh)
#
# The cost curve's measurements, all in one boot: for each importer behaviour
# (RS_CC_IMPORTERS, default "iommufd sync deferred") and each number of dma-bufs
# (RS_CC_COUNTS, default "1 16 256 1024 4096"), one `revokestorm run` of
# bench/cost-curve/cost-curve.ini (the template: RS_CC_COUNT, RS_CC_IMPORTER and
# RS_CC_DURATION pick the run) with the kernel's events collected (trace = tracefs), then
# `revokestorm report --format json` of that run.  OUT_DIR/IMPORTER-COUNT/ holds each run's
# results.json, trace.txt and report.json; bench/cost-curve-table.py reads them.
#
# Durations: RS_CC_SECONDS (default 10) for up to 16 dma-bufs, 2x for 256, 3x for 1,024,
# 6x for 4,096 (a revoke of 4,096 dma-bufs with a 1 ms deferred importer takes seconds).
set -u
build=$1 out=$2
counts=${RS_CC_COUNTS:-1 16 256 1024 4096}
importers=${RS_CC_IMPORTERS:-iommufd sync deferred}
secs=${RS_CC_SECONDS:-10}
mkdir -p "$out"

# 4,096 dma-bufs are 4,096 descriptors: more than the hard limit PID 1 gets from the kernel
# (4096); revokestorm raises its soft limit to the hard one, the hard one is ours to raise.
ulimit -Hn 65536 2>/dev/null && ulimit -n 65536 2>/dev/null
echo "bench: cost-curve: kernel $(uname -r), open-file limit $(ulimit -n) (hard $(ulimit -Hn))"
rc=0
for imp in $importers; do
	for n in $counts; do
		if [ "$n" -le 16 ]; then d=$secs
		elif [ "$n" -le 256 ]; then d=$((secs * 2))
		elif [ "$n" -le 1024 ]; then d=$((secs * 3))
		else d=$((secs * 6)); fi
		res=$out/$imp-$n
		rm -rf "$res"
		t0=$(date +%s)
		RS_CC_COUNT=$n RS_CC_IMPORTER=$imp RS_CC_DURATION=${d}s \
			"$build/revokestorm" run bench/cost-curve/cost-curve.ini --results "$res" -q \
			>"$res.ktap" 2>"$res.log"
		run=$?
		"$build/revokestorm" report --format json -o "$res/report.json" "$res" \
			2>"$res.report.log"
		rep=$?
		echo "bench: cost-curve $imp $n dma-bufs: ${d}s run, exit $run, report exit $rep, $(($(date +%s) - t0))s wall"
		[ "$run" = 0 ] || { rc=1; tail -n 5 "$res.log"; }
	done
done
exit $rc
