#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: bench/vm-series-cost.sh BUILD_DIR SECONDS    (inside the lab VM; bench/series-cost.sh)
#
# One boot's share of bench/series-cost.sh: bench/revoke_loop's revoke + restore rate on the
# first ivshmem device for SECONDS with every tracepoint off, then, if this kernel has the
# patch set's events, for SECONDS with every dma_buf, vfio_pci and dma_buf_mock event on (a
# private tracefs instance, 4 MiB per CPU, read by nobody: the cost of emitting them).
# Prints "bench: series-cost events=off rate=R" (and events=on).
set -eu
build=$1 secs=$2
dev=${RS_IVSHMEM0:?no lab device}
rate() { "$build/bench/revoke_loop" "$dev" 2 "$secs" | sed -n 's/.*: \([0-9.]*\)\/s$/\1/p'; }

echo "bench: series-cost kernel=$(uname -r) events=off rate=$(rate)"
tr=/sys/kernel/tracing
[ -d $tr/events/vfio_pci ] && grep -q vfio_pci_dmabuf_move_begin $tr/available_events || exit 0
inst=$tr/instances/rs_series_cost
rmdir "$inst" 2>/dev/null || true
mkdir "$inst"
echo 4096 >"$inst/buffer_size_kb"
for sys in dma_buf vfio_pci dma_buf_mock; do
	[ -d "$inst/events/$sys" ] && echo 1 >"$inst/events/$sys/enable"
done
echo "bench: series-cost kernel=$(uname -r) events=on rate=$(rate)"
echo 0 >"$inst/tracing_on"
rmdir "$inst"
