#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: bench/series-cost.sh BUILD_DIR [ROUNDS] [SECONDS]       (make bench-series)
#
# What kernel-patches/ costs on the revoke path (issue 8): bench/revoke_loop's revoke +
# restore rate (PCI_COMMAND.MEMORY off/on with an iommufd importer on ivshmem0 BAR2) on the
# lab kernel against the same kernel without the series (the fixes series only, if there
# is one: kernel-patches/fixes; else plain), same config, same device, alternating boots:
# patched, base, patched, base, ... ROUNDS (default 5) pairs of SECONDS (default 10) runs.
# The patched kernel is measured with every event off and with every dma_buf, vfio_pci and
# dma_buf_mock event on.  Prints per round and the medians of the ratios with their range;
# the base kernel's own round-to-round spread is the noise floor.  Never a pass/fail.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: bench/series-cost.sh BUILD_DIR [ROUNDS] [SECONDS]}
rounds=${2:-5} secs=${3:-10}
out=$build/bench/series-cost
mkdir -p "$out"
patched=$("$top/vm/build-kernel.sh" --flavour default)
# the base: the same build with an empty main series (the fixes series stays, as fixes)
basedir=$out/no-patches
mkdir -p "$basedir"
: >"$basedir/series"
base=$("$top/vm/build-kernel.sh" --flavour default --patches "$basedir")

boot() {	# boot KERNEL NAME: rates into the variables off, on
	local k=$1 name=$2 log
	rm -rf "$out/$name"
	flock /tmp/rs-vm.lock "$top/vm/run-vm.sh" --kernel "$k" -q --out "$out/$name" -- \
		bench/vm-series-cost.sh "$build" "$secs" >/dev/null 2>&1 || true
	log=$out/$name/cmd.log
	off=$(sed -n 's/^bench: series-cost .*events=off rate=\([0-9.]*\)$/\1/p' "$log" 2>/dev/null)
	on=$(sed -n 's/^bench: series-cost .*events=on rate=\([0-9.]*\)$/\1/p' "$log" 2>/dev/null)
	[ -n "$off" ] || { echo "bench: series-cost: no rate from $name; see $out/$name" >&2; exit 1; }
}
py() { python3 -c "$1"; }

echo "# series cost: $rounds rounds x ${secs}s, alternating boots; $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs"
echo "# patched: $patched"
echo "# base:    $base (the fixes series only: $(awk '$1 == "fixes" {print $2}' "$base/info") fixes, no patch of kernel-patches/)"
P_off=() P_on=() B=()
for r in $(seq 1 "$rounds"); do
	boot "$patched" "patched-$r"
	P_off+=("$off") P_on+=("$on")
	boot "$base" "base-$r"
	B+=("$off")
	echo "bench: series-cost round $r: patched events off ${P_off[-1]}/s, events on ${P_on[-1]:-?}/s; base ${B[-1]}/s"
done
py "
import statistics as st
p_off=[float(x) for x in '${P_off[*]}'.split()]
p_on=[float(x) for x in '${P_on[*]}'.split() if x]
b=[float(x) for x in '${B[*]}'.split()]
def rng(v): return '%.3f..%.3f' % (min(v), max(v))
off=[p/q for p, q in zip(p_off, b)]
print('bench: series-cost ratio events off: median %.3f (rounds %s; range %s)' % (st.median(off), ' '.join('%.3f' % x for x in off), rng(off)))
if p_on:
    on=[p/q for p, q in zip(p_on, b)]
    print('bench: series-cost ratio events on:  median %.3f (rounds %s; range %s)' % (st.median(on), ' '.join('%.3f' % x for x in on), rng(on)))
# noise floor: the same (base) kernel from one boot to the next
nb=[b[i + 1] / b[i] for i in range(len(b) - 1)]
np=[p_off[i + 1] / p_off[i] for i in range(len(p_off) - 1)]
print('bench: series-cost noise floor: base boot-to-boot ratio range %s, patched %s; base rate median %.1f/s (range %.1f..%.1f)' % (rng(nb) if nb else '-', rng(np) if np else '-', st.median(b), min(b), max(b)))
"
