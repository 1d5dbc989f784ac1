#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: bench/run.sh BUILD_DIR        (make bench; ./run.sh bench)
#
# The benchmarks (never tests: nothing here passes or fails on a number):
#  - revoke rate: revokestorm vs bench/revoke_loop on the same device in one lab VM boot
#    (bench/vm-revoke-rate.sh), reported as a ratio;
#  - report parsing: revokestorm report against perf script on the same recorded events
#    in the lab VM (bench/vm-report-vs-perf.sh), and bench/report_bench on the host;
#  - hung importer report latency from the trace (bench/vm-hung-latency.sh);
#  - the tracer's cost: revoke rate with trace = tracefs against trace = off, the recorder's
#    CPU time and lost events, at the lab's highest rates (bench/vm-trace-cost.sh).
# What kernel-patches/ costs (alternating boots of two kernels) is bench/series-cost.sh,
# make bench-series.  The cost curve is bench/cost-curve.sh; the tool at 4,096 dma-bufs x 4
# importers and the hour-long soak are bench/scale.sh (docs/performance.md).
# Environment: RS_BENCH_SECONDS (10) per measurement, RS_BENCH_ROUNDS (3), FLAVOUR.
# Results go to stdout and BUILD_DIR/bench/results.txt.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: bench/run.sh BUILD_DIR}
secs=${RS_BENCH_SECONDS:-10} rounds=${RS_BENCH_ROUNDS:-3}
mkdir -p "$build/bench"
res="$build/bench/results.txt"
: >"$res"
rc=0
{
	echo "# revokestorm benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, $(uname -m)"
	echo "# revoke rate: ${rounds} rounds of ${secs}s each, lab VM"
} | tee -a "$res"
vmout="$build/bench/vm"
rm -rf "$vmout" "$vmout-perf"
"$top/vm/run-vm.sh" ${FLAVOUR:+--flavour "$FLAVOUR"} -q --out "$vmout" -- \
	bench/vm-revoke-rate.sh "$build" "$secs" "$rounds" 2>&1 | tee -a "$res"
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
grep -a '^bench:' "$vmout/cmd.log" 2>/dev/null | tee -a "$res"
echo "# report vs perf script on the patch set's events of a ${secs}s run, lab VM" | tee -a "$res"
"$top/vm/run-vm.sh" ${FLAVOUR:+--flavour "$FLAVOUR"} -q --out "$vmout-perf" -- \
	bench/vm-report-vs-perf.sh "$build" "$secs" 2>&1 | tee -a "$res"
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
grep -a '^bench:' "$vmout-perf/cmd.log" 2>/dev/null | tee -a "$res"
echo "# hung importer report latency: mock importer stuck, hung_importer_ms=500, 10 rounds, lab VM" | tee -a "$res"
rm -rf "$vmout-hung"
"$top/vm/run-vm.sh" ${FLAVOUR:+--flavour "$FLAVOUR"} -q --out "$vmout-hung" -- \
	bench/vm-hung-latency.sh "$build" 500 10 2>&1 | tee -a "$res"
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
grep -a '^bench:' "$vmout-hung/cmd.log" 2>/dev/null | tee -a "$res"
echo "# tracer cost: ${rounds} rounds of ${secs}s of bench/max-rate.ini, then scenarios/storm-64x3-burst.ini, lab VM" | tee -a "$res"
rm -rf "$vmout-trace"
"$top/vm/run-vm.sh" ${FLAVOUR:+--flavour "$FLAVOUR"} -q --out "$vmout-trace" -- \
	bench/vm-trace-cost.sh "$build" "$secs" "$rounds" 2>&1 | tee -a "$res"
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
grep -a '^bench:' "$vmout-trace/cmd.log" 2>/dev/null | tee -a "$res"
if [ -x "$build/bench/report_bench" ]; then
	"$build/bench/report_bench" --perf 2>&1 | tee -a "$res"
	[ "${PIPESTATUS[0]}" = 0 ] || rc=1
fi
echo "bench: results in $res"
exit $rc
