#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: bench/scale.sh [--kernel DIR] BUILD_DIR [OUT_DIR]
#
# Scale of the tool itself (docs/performance.md#scale): one lab VM boot runs
# bench/scale/scale.ini (bench/vm-scale.sh), RS_SCALE_COUNT dma-bufs (default 4096) x 4
# importers for RS_SCALE_DURATION (default 120s), then bench/scale-summary.py prints
# setup time, revokes, RSS and fds over the run from its results.json and intervals.jsonl.
# The soak of docs/performance.md: RS_SCALE_COUNT=1024 RS_SCALE_DURATION=1h
# RS_SCALE_INTERVAL=60s RS_SCALE_TRACE=off.  OUT_DIR defaults to BUILD_DIR/bench/scale.  --kernel: the lab
# kernel (default: the FLAVOUR build, as vm/run-vm.sh picks it).
# On a shared machine, run it under the lab's VM lock: flock /tmp/rs-vm.lock bench/scale.sh ...
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/boot-lib.sh"
bench_args scale "$@"
# the guest gets the run's settings from us
bench_guest_env RS_SCALE_COUNT RS_SCALE_DURATION RS_SCALE_INTERVAL RS_SCALE_TRACE
"$top/vm/run-vm.sh" ${FLAVOUR:+--flavour "$FLAVOUR"} "${kernel[@]}" -q --timeout 10800 \
	--name scale --out "$out/vm" -- env "${genv[@]}" bench/vm-scale.sh "$build" /run/rsout/scale
rc=$?
grep -a '^bench:' "$out/vm/cmd.log" 2>/dev/null
[ -f "$out/vm/scale/run/results.json" ] ||
	{ echo "bench: scale: no results (VM exit $rc)" >&2; exit 1; }
"$top/bench/scale-summary.py" "$out/vm/scale/run" | tee "$out/scale.md" || rc=1
echo "bench: scale summary: $out/scale.md"
exit $rc
