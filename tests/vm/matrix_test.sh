#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The storm matrix in the lab (tests/vm/run-all.sh runs it): every trigger x every importer
# variant, the buffer count and the timing alternated (docs/storm-matrix.md), on the lab's
# exporters (scenarios/matrix-lab.inc).  Each cell must keep its variant's promise: nothing
# fails, or a deliberate hang is blamed on its culprit; the trace oracle and the live checks
# agree in every cell.  Its KTAP is the matrix's own, one point per cell.
# On the debug kernel (RS_KERNEL_FLAVOUR=debug) it runs the cells of one trigger only,
# to stay inside CI's time (RS_MATRIX_ONLY overrides).  Outside the lab VM it skips (exit 4).
set -u
cd "$(dirname "$0")/../.."
[ "${RS_VM:-}" = 1 ] || { echo "1..0 # SKIP not in the lab VM (RS_VM=1)"; exit 4; }
only=${RS_MATRIX_ONLY:-}
[ -z "$only" ] && [ "${RS_KERNEL_FLAVOUR:-}" = debug ] && only='^pci-command/'
exec build/revokestorm matrix scenarios/matrix-lab.inc --out "${RS_OUT:-/tmp}/matrix" \
	${only:+--only "$only"}
