#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: bench/vm-trace-cost.sh BUILD_DIR SECONDS ROUNDS    (inside the lab VM; bench/run.sh)
#
# What recording the kernel events costs, in one boot:
#  - revoke rate of bench/max-rate.ini (the lab's fastest cycle) with trace = off and with
#    trace = tracefs, in turn each round, as a ratio; with the recorder's CPU time, the time
#    spent writing trace.txt after the run, and the events the kernel dropped;
#  - scenarios/storm-64x3-burst.ini (the lab's highest event rate: 128 dma-bufs, three
#    importers, bursts): events recorded and dropped, recorder and conversion CPU time.
# Prints "bench:" lines; nothing here passes or fails on a number.
set -eu
build=$1 secs=$2 rounds=$3
dev=${RS_BENCH_DEVICE:-${RS_IVSHMEM0:?no lab device}}
out=${RS_OUT:-/tmp}/bench/trace
rm -rf "$out"
mkdir -p "$out"
export RS_BENCH_SECONDS=$secs RS_BENCH_DEVICE=$dev

# run NAME SCENARIO [--set ...]: one revokestorm run into $out/NAME
run() {
	local name=$1 scn=$2 res="$out/$1"
	shift 2
	if ! "$build/revokestorm" run "$scn" --results "$res" -q "$@" >"$res.ktap" 2>"$res.log"; then
		echo "bench: revokestorm run $scn ($name) failed; see $res.log" >&2
		tail -n 5 "$res.log" >&2
		exit 1
	fi
}
# field NAME EXPR: a Python expression over results.json (d) and its trace (t)
field() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = d.get("trace", {})
ph = d["phases"][0]
rate = d["counters"]["revokes"] / (ph["end_s"] - ph["start_s"])
print(eval(sys.argv[2]))' "$out/$1/results.json" "$2"
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

ratios=()
for r in $(seq 1 "$rounds"); do
	run off-$r bench/max-rate.ini
	run on-$r bench/max-rate.ini --set global.trace=tracefs
	off=$(field off-$r '"%.1f" % rate')
	on=$(field on-$r '"%.1f" % rate')
	ratios+=("$(python3 -c "print('%.3f' % ($on / $off))")")
	echo "bench: round $r: max-rate trace=off $off/s, trace=tracefs $on/s," \
		"$(field on-$r '"%d events, %d lost, recorder %.2f s CPU, trace.txt %.2f s CPU" % (t["events"], t["lost_events"], t["recorder_cpu_s"], t["convert_cpu_s"])')"
done
echo "bench: tracing revoke-rate ratio $(median "${ratios[@]}") (trace=tracefs / trace=off, bench/max-rate.ini; rounds ${ratios[*]})"

run storm scenarios/storm-64x3-burst.ini --duration "${secs}s"
echo "bench: storm-64x3-burst ${secs}s: $(field storm '"%d revokes, %d events (%.0f/s), %d lost in %d gaps, ring buffer %d KiB x %d CPUs, raw %.1f MiB, recorder %.2f s CPU, trace.txt %.2f s CPU" % (d["counters"]["revokes"], t["events"], t["events"] / (ph["end_s"] - ph["start_s"]), t["lost_events"], len(t["gaps"]), t["buffer_kb_per_cpu"], t["cpus"], t["raw_bytes"] / 2**20, t["recorder_cpu_s"], t["convert_cpu_s"])')"
