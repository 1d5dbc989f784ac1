#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: tests/outputs/build-perf.sh [KSRC]
#
# Build perf from the lab kernel's own source (tools/perf of KSRC, default the fetched
# tree): the "guest perf" of tests/vm/perf_report_test.sh, which reads the guest kernel's
# events with the perf of the same version.  A minimal perf: libtraceevent (Debian's
# libtraceevent-dev) for tracepoints, no python, perl, BPF or GUI.  Cached in
# $RS_CACHE/perf/<version>/perf; prints its path.  A few minutes of CPU, at nice 10.
set -euo pipefail
cd "$(dirname "$0")/../.."
. vm/lib.sh
src=${1:-$(vm/fetch-source.sh)}
ver=$(rs_tree_version "$src") || rs_die $RS_EXIT_USAGE "$src is not a kernel tree"
dir=$RS_CACHE/perf/$ver
if [ -x "$dir/perf" ]; then
	echo "$dir/perf"
	exit 0
fi
rs_need_pkgs make gcc flex bison pkg-config libelf-dev libtraceevent-dev libzstd-dev zlib1g-dev
rs_say "building perf $ver from $src/tools/perf into $dir (log: $dir.log)"
mkdir -p "$dir.build"
# AR=gcc-ar: GNU ar autoloads every plugin of /usr/lib/bfd-plugins, and clang's LLVMgold
# there aborts on perf's objects ("LLVM ERROR: Invalid encoding")
nice -n 10 make -s -C "$src/tools/perf" O="$dir.build" AR=gcc-ar NO_LIBPYTHON=1 NO_LIBPERL=1 NO_JEVENTS=1 \
	NO_LIBBPF=1 BUILD_BPF_SKEL=0 NO_SLANG=1 NO_GTK2=1 NO_LIBUNWIND=1 NO_LIBNUMA=1 NO_LIBCAP=1 \
	NO_BABELTRACE=1 NO_LIBLLVM=1 NO_CAPSTONE=1 NO_LIBPFM4=1 NO_AUXTRACE=1 WERROR=0 \
	-j"$(nproc)" >"$dir.log" 2>&1 || rs_die $RS_EXIT_FAIL "perf build failed; see $dir.log"
mkdir -p "$dir"
cp "$dir.build/perf" "$dir/perf"
rm -rf "$dir.build"
echo "$dir/perf"
