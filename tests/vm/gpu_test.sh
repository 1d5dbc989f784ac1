#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# virtio-gpu as a revocable importer of VFIO dma-bufs (vm/run-vm.sh --gpu, docs/lab.md):
# scenarios/virtio-gpu.ini runs with the gpu importer importing for real, and the patch
# set's events show virtio-gpu's PCI device attaching dynamically, being invalidated and
# unmapping after each invalidation.  Without a virtio-gpu (the default lab) it skips.
set -u
cd "$(dirname "$0")/../.."
bin=build/revokestorm
[ "${RS_VM:-}" = 1 ] || { echo "1..0 # SKIP not in the lab VM (RS_VM=1)"; exit 4; }
[ -n "${RS_GPU:-}" ] || { echo "1..0 # SKIP no virtio-gpu in this lab (vm/run-vm.sh --gpu)"; exit 4; }
. tests/ktap.sh
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
json() { python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print($2)" "$1"; }

echo "TAP version 13"
echo "1..5"
echo "# $RS_GPU: $(cat /sys/bus/pci/devices/$RS_GPU/vendor):$(cat /sys/bus/pci/devices/$RS_GPU/device), driver $(basename "$(readlink /sys/bus/pci/devices/$RS_GPU/driver)")"
dmesg | grep -iE 'virtio_gpu|virtio-gpu|\[drm\]|p2pdma|ACS' | sed 's/^/# dmesg: /' | tail -n 12
res="$out/gpu"
"$bin" run scenarios/virtio-gpu.ini --duration 6s --results "$res" -q >"$res.ktap" 2>"$res.log"
rc=$?
ok $(( rc != 0 )) "virtio-gpu scenario passes (exit $rc)" "$(grep -E '^not ok|^# ' "$res.ktap"; tail -n 8 "$res.log")"
imp=$(json "$res/results.json" '[i["result"] for i in d["importers"][0]["imports"]]' 2>/dev/null)
ok $([ "$imp" = "['pass', 'pass']" ]; echo $?) "virtio-gpu imported both buffers revocably ($imp)" \
	"$(grep -E 'importer gpu' "$res.log" | head -n 5)"
"$bin" report "$res" --format json -o "$res/report.json" >"$res.report.log" 2>&1
gpu=$(json "$res/report.json" '[i for i in d["importers"] if i["name"] == "'"$RS_GPU"'"][0]' 2>/dev/null)
echo "# report, importer $RS_GPU: $gpu"
att=$(json "$res/report.json" '[i for i in d["importers"] if i["name"] == "'"$RS_GPU"'"][0]["attaches"]' 2>/dev/null)
inv=$(json "$res/report.json" '[i for i in d["importers"] if i["name"] == "'"$RS_GPU"'"][0]["invalidations"]' 2>/dev/null)
unm=$(json "$res/report.json" '[i for i in d["importers"] if i["name"] == "'"$RS_GPU"'"][0]["unmaps_after_invalidate"]' 2>/dev/null)
ok $(( ${att:-0} < 2 )) "the events show $RS_GPU attaching dynamically ($att attaches)" "$(tail -n 5 "$res.report.log")"
ok $(( ${inv:-0} < 1 )) "the events show $RS_GPU invalidated by revokes ($inv invalidations)" "$(head -n 30 "$res/report.json")"
# A restore invalidates too (the importer may map again), and owes no unmap: only the
# invalidations of a revoke, while mapped, must each be followed by the importer's unmap.
rinv=$(json "$res/report.json" 'sum(b["count"] for b in d["breakdown"] if b["importer"] == "'"$RS_GPU"'" and b["direction"] == "revoke" and b["stage"] == "invalidate_attach")' 2>/dev/null)
ok $(( ${unm:-0} < 1 || ${unm:-0} != ${rinv:-0} )) "$RS_GPU unmapped after every revoke's invalidation ($unm of $rinv; $inv invalidations with the restores')" \
	"$("$bin" report "$res" 2>&1 | head -n 40)"
ktap_end gpu
