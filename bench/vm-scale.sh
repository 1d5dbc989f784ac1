#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: bench/vm-scale.sh BUILD_DIR OUT_DIR      (inside the lab VM; bench/scale.sh)
#
# One `revokestorm run` of bench/scale/scale.ini (RS_SCALE_COUNT dma-bufs x 4 importers,
# RS_SCALE_DURATION, RS_SCALE_INTERVAL, RS_SCALE_TRACE) with the results in OUT_DIR/run: results.json
# (setup_s, leak_check) and intervals.jsonl (RSS, fds, revokes per status interval).  The
# soft open-file limit starts at Debian's 1024: revokestorm raises it itself.
set -u
build=$1 out=$2
mkdir -p "$out"
# 4,096 dma-bufs x 4 importers need more descriptors than PID 1's hard limit (4096):
# the hard one is ours to raise, as an admin would for such a run.
ulimit -Hn 65536 2>/dev/null && ulimit -Sn 1024 2>/dev/null
echo "bench: scale: kernel $(uname -r), open-file limit soft $(ulimit -Sn) hard $(ulimit -Hn)," \
	"${RS_SCALE_COUNT:-4096} dma-bufs, ${RS_SCALE_DURATION:-120s}"
t0=$(date +%s)
"$build/revokestorm" run bench/scale/scale.ini --results "$out/run" -q >"$out/run.ktap" 2>"$out/run.log"
rc=$?
echo "bench: scale: exit $rc, $(($(date +%s) - t0))s wall"
[ "$rc" = 0 ] || tail -n 20 "$out/run.log"
exit $rc
