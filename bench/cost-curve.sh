#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: bench/cost-curve.sh [--kernel DIR] BUILD_DIR [OUT_DIR]     (bench/run.sh, or alone)
#
# The revoke cost curve of one device (docs/performance.md#cost-curve): revoke and restore
# latency against the number of dma-bufs (RS_CC_COUNTS, default 1 16 256 1024 4096) for
# each importer behaviour (RS_CC_IMPORTERS, default iommufd, mock sync, mock deferred at
# 1 ms), with the kernel's per-stage times from the trace.  One lab VM boot runs every
# measurement (bench/vm-cost-curve.sh, scenarios from the template
# bench/cost-curve/cost-curve.ini); then, on the host, bench/cost-curve-table.py writes
# OUT_DIR/cost-curve.md and gnuplot (Debian's gnuplot-nox) OUT_DIR/cost-curve.svg.
# OUT_DIR defaults to BUILD_DIR/bench/cost-curve.  --kernel: the lab kernel to measure
# (default: the FLAVOUR build, as vm/run-vm.sh picks it), e.g. before and after a patch.
# On a shared machine, run it under the lab's VM lock: flock /tmp/rs-vm.lock bench/cost-curve.sh ...
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/boot-lib.sh"
bench_args cost-curve "$@"
# the guest gets the run's settings from us
bench_guest_env RS_CC_COUNTS RS_CC_IMPORTERS RS_CC_SECONDS
"$top/vm/run-vm.sh" ${FLAVOUR:+--flavour "$FLAVOUR"} "${kernel[@]}" -q --timeout 5400 \
	--name cost-curve --out "$out/vm" -- env "${genv[@]}" bench/vm-cost-curve.sh "$build" /run/rsout/cc
rc=$?
grep -a '^bench:' "$out/vm/cmd.log" 2>/dev/null
[ -d "$out/vm/cc" ] || { echo "bench: cost-curve: no measurements (VM exit $rc)" >&2; exit 1; }
{
	echo "<!-- bench/cost-curve.sh, $(date -u +%Y-%m-%dT%H:%M:%SZ), kernel $(sed -n 's/^bench: cost-curve: kernel \([^,]*\),.*/\1/p' "$out/vm/cmd.log" | head -n 1) -->"
	"$top/bench/cost-curve-table.py" "$out/vm/cc"
} >"$out/cost-curve.md" || rc=1
cat "$out/cost-curve.md"
if command -v gnuplot >/dev/null; then
	gnuplot -e "dat='$out/vm/cc/cost-curve.dat'; out='$out/cost-curve.svg'; n=$(grep -c '^"' "$out/vm/cc/cost-curve.dat")" \
		"$top/bench/cost-curve/cost-curve.gp" && echo "bench: cost-curve plot: $out/cost-curve.svg"
else
	echo "bench: cost-curve: no gnuplot, no plot (apt-get install gnuplot-nox)" >&2
fi
echo "bench: cost-curve table: $out/cost-curve.md"
exit $rc
