#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The storm matrix in the lab (`make check-vm`, `make check-matrix`), in its short form: `--cover`, every
# trigger once and every importer variant once, the buffer count and the timing alternated
# (docs/storm-matrix.md), on the lab's exporters (scenarios/matrix-lab.inc).  Each cell must keep its variant's promise: nothing
# fails, or a deliberate hang is blamed on its culprit; the trace oracle and the live checks
# agree in every cell.  Its KTAP is the matrix's own, one point per cell.
# Cells of 5 s: a first cycle of 2 s cells could starve on a loaded CI machine under TCG.
# RS_MATRIX_ARGS replaces "--cover --seconds 5" (e.g. RS_MATRIX_ARGS=--full for a nightly run; the quick
# matrix is RS_MATRIX_ARGS=" ").  Outside the lab VM it skips (exit 4).
set -u
cd "$(dirname "$0")/../.." || exit 4
[ "${RS_VM:-}" = 1 ] || { echo "1..0 # SKIP not in the lab VM (RS_VM=1)"; exit 4; }
# make check-vm and make check-matrix set RS_MATRIX; check-vm-debug does not: on the debug
# kernel a cell's setup overruns its limit under TCG (docs/storm-matrix.md, "Known problems").
[ -n "${RS_MATRIX:-}" ] || { echo "1..0 # SKIP the storm matrix runs on the default kernel (make check-vm, make check-matrix; RS_MATRIX=1): on the debug kernel its cells' setup overruns their limits under TCG"; exit 4; }
# shellcheck disable=SC2086 # RS_MATRIX_ARGS is a list of options
exec "${RS_BUILD:-build}"/revokestorm matrix scenarios/matrix-lab.inc --out "${RS_OUT:-/tmp}/matrix" \
	${RS_MATRIX_ARGS:---cover --seconds 5}
