#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: bench/vm-report-vs-perf.sh BUILD_DIR SECONDS     (inside the lab VM; bench/run.sh)
#
# Like for like: the patch set's events of a real run, recorded by `revokestorm run` with
# trace = perf, turned into text by `perf script`, then read by `revokestorm report`.
# Both CPU times are measured in the same guest, so the ratio holds whatever TCG costs.
set -eu
build=$1 secs=$2
dev=${RS_BENCH_DEVICE:-${RS_IVSHMEM0:?no lab device}}
out=${RS_OUT:-/tmp}/bench/perf
rm -rf "$out"
mkdir -p "$out"
export RS_BENCH_SECONDS=$secs RS_BENCH_DEVICE=$dev
"$build/revokestorm" run bench/max-rate.ini --results "$out/run" -q \
	--set global.trace=perf --set pci-command.verify=false >"$out/ktap.txt" 2>"$out/log.txt" || {
	echo "bench: revokestorm run with trace = perf failed; see $out/log.txt" >&2
	tail -n 5 "$out/log.txt" >&2
	exit 1
}
[ -s "$out/run/perf.data" ] || { echo "bench: no perf.data (is perf installed?)" >&2; exit 4; }
perf=$(command -v perf || ls /usr/bin/perf_* 2>/dev/null | sort -V | tail -n 1)
# cpu_of CMD...: CPU seconds (user + system) of CMD and its children
cpu_of() {
	python3 -c '
import resource, subprocess, sys
subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], "w"), check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f" % (r.ru_utime + r.ru_stime))' "$@"
}
ps=$(cpu_of "$out/script.txt" "$perf" script -i "$out/run/perf.data")
events=$(grep -c ' dma_buf:\| vfio_pci:' "$out/script.txt" || true)
rp=$(cpu_of "$out/report.json" "$build/revokestorm" report --format json "$out/script.txt")
python3 - "$events" "$ps" "$rp" <<'PY'
import sys
n, ps, rp = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print("bench: perf script wrote %d events in %.2f s CPU: %.0f events/s" % (n, ps, n / ps))
print("bench: revokestorm report read them in %.2f s CPU: %.0f events/s" % (rp, n / rp))
print("bench: report / perf script rate ratio %.1f (same events, same guest)" % (ps / rp))
PY
