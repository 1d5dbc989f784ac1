#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: bench/vm-hung-latency.sh BUILD_DIR PERIOD_MS ROUNDS   (inside the lab VM; bench/run.sh)
#
# bench/hung_latency on the first ivshmem device: how long after dma_buf.hung_importer_ms a
# stuck mock importer is reported, from the trace.  Prints "bench: hung-latency ...".
set -eu
"$1/bench/hung_latency" "${RS_IVSHMEM0:?no lab device}" "$2" "$3" | tee /dev/stderr |
	sed -n 's/^hung_latency: period/bench: hung-latency: period/p'
