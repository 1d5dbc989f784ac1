#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: bench/vm-revoke-rate.sh BUILD_DIR SECONDS ROUNDS    (inside the lab VM; bench/run.sh)
#
# Revokes per second on one device, in one boot: bench/revoke_loop (the smallest C loop
# doing the cycle: two config writes, a failing map, an unmap and a map) against
# `revokestorm run bench/max-rate.ini`, the same cycle through the engine, once with
# `verify = false` (the same syscalls as the loop) and once with the default `verify =
# true` (a read-back of PCI_COMMAND after each write).  Each round runs the three in turn,
# so drift of a loaded host hits all alike.  Prints one line per measurement and the
# median ratios over the rounds.
set -eu
build=$1 secs=$2 rounds=$3
dev=${RS_BENCH_DEVICE:-${RS_IVSHMEM0:?no lab device}}
out=${RS_OUT:-/tmp}/bench
mkdir -p "$out"
export RS_BENCH_SECONDS=$secs RS_BENCH_DEVICE=$dev

# engine RATE_VAR NAME [--set ...]: one revokestorm run, its rate into RATE_VAR
engine() {
	local var=$1 name=$2 res="$out/$2-$r"
	shift 2
	rm -rf "$res"
	if ! "$build/revokestorm" run bench/max-rate.ini --results "$res" -q "$@" \
		>"$res.ktap" 2>"$res.log"; then
		echo "bench: revokestorm failed; see $res.log" >&2
		tail -n 5 "$res.log" >&2
		exit 1
	fi
	# revokes over the time its phase ran (setup and cleanup excluded, as the loop's
	# timer excludes its own)
	printf -v "$var" '%s' "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ph = d["phases"][0]
print("%.1f" % (d["counters"]["revokes"] / (ph["end_s"] - ph["start_s"])))' "$res/results.json")"
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
ratio() { python3 -c "print('%.3f' % ($1 / $2))"; }

same=() dflt=()
for r in $(seq 1 "$rounds"); do
	line=$("$build/bench/revoke_loop" "$dev" 2 "$secs")
	loop=$(printf '%s\n' "$line" | sed -n 's/.*: \([0-9.]*\)\/s$/\1/p')
	engine fast noverify --set pci-command.verify=false
	engine full verify
	echo "bench: round $r: revoke_loop $loop/s, revokestorm verify=false $fast/s, revokestorm default $full/s"
	same+=("$(ratio "$fast" "$loop")")
	dflt+=("$(ratio "$full" "$loop")")
done
echo "bench: revoke-rate ratio $(median "${same[@]}") (revokestorm verify=false / revoke_loop: same syscalls; rounds ${same[*]})"
echo "bench: revoke-rate ratio $(median "${dflt[@]}") (revokestorm default / revoke_loop: with PCI_COMMAND read-back; rounds ${dflt[*]})"
