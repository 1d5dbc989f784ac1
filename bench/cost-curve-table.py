#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# usage: bench/cost-curve-table.py OUT_DIR      (bench/cost-curve.sh)
#
# Reads OUT_DIR/IMPORTER-COUNT/{results.json,report.json} (bench/vm-cost-curve.sh) and
# prints the cost curve as a Markdown table; writes OUT_DIR/cost-curve.dat (one block per
# importer, for gnuplot).  Device latencies are revokestorm's own timing of the trigger's
# revoke and restore calls (CLOCK_MONOTONIC around the PCI_COMMAND write); the per-dma-buf
# stages are the kernel's, from the trace (`revokestorm report`): `move` is one dma-buf's
# vfio_pci_dma_buf_move() step, `inv_attach` the importer's invalidate callback,
# `completion` VFIO's wait for the importer's unmap, `unmap_after` the importer's unmap
# since the invalidation.
import json
import os
import re
import sys

ORDER = {"iommufd": 0, "sync": 1, "deferred": 2}
NAMES = {"iommufd": "iommufd", "sync": "mock sync", "deferred": "mock deferred 1 ms"}


def fmt(ns):
    if ns is None:
        return "-"
    if ns >= 1e9:
        return "%.2f s" % (ns / 1e9)
    if ns >= 1e6:
        return "%.2f ms" % (ns / 1e6)
    return "%.0f µs" % (ns / 1e3)


def stage(rep, direction, name):
    """p50 of one stage of one direction (the largest-count entry if several)."""
    best = None
    for b in rep.get("breakdown", []):
        if b.get("direction") == direction and b.get("stage") == name:
            if best is None or b["count"] > best["count"]:
                best = b
    return best


def main():
    out = sys.argv[1]
    runs = []
    for d in os.listdir(out):
        m = re.fullmatch(r"([a-z]+)-([0-9]+)", d)
        if not m or not os.path.isfile(os.path.join(out, d, "results.json")):
            continue
        runs.append((ORDER.get(m.group(1), 9), int(m.group(2)), m.group(1), d))
    runs.sort()
    print("| importer | dma-bufs | status | revokes | setup | revoke p50 | revoke p99 | "
          "revoke p50 / dma-buf | restore p50 | restore p99 | move p50 | inv_attach p50 | "
          "completion p50 | unmap_after p50 | events lost |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    dat = {}
    for _, n, imp, d in runs:
        res = json.load(open(os.path.join(out, d, "results.json")))
        try:
            rep = json.load(open(os.path.join(out, d, "report.json")))
        except (OSError, ValueError):
            rep = {}
        pair = res["pairs"][0] if res.get("pairs") else {}
        lat = pair.get("latency", {})
        rv, rs = lat.get("revoke", {}), lat.get("restore", {})
        cnt = rv.get("count", 0)
        p50 = rv.get("p50_ns") if cnt else None
        cells = {}
        for key, direction, st in (("move", "revoke", "move"),
                                   ("inv", "revoke", "invalidate_attach"),
                                   ("comp", "revoke", "completion_wait"),
                                   ("unmap", "revoke", "unmap_after_invalidate")):
            b = stage(rep, direction, st)
            cells[key] = b["p50_ns"] if b else None
        lost = sum(i.get("lost_events", 0) for i in rep.get("inputs", [])) if rep else None
        setup = res.get("setup_s")
        print("| %s | %d | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            NAMES.get(imp, imp), n, res.get("status"), cnt,
            "%.1f s" % setup if setup is not None else "-",
            fmt(p50), fmt(rv.get("p99_ns") if cnt else None),
            fmt(p50 / n if p50 is not None else None),
            fmt(rs.get("p50_ns") if rs.get("count") else None),
            fmt(rs.get("p99_ns") if rs.get("count") else None),
            fmt(cells["move"]), fmt(cells["inv"]), fmt(cells["comp"]), fmt(cells["unmap"]),
            "-" if lost is None else str(lost)))
        if cnt:
            dat.setdefault(imp, []).append((n, p50 / 1e6, rs.get("p50_ns", 0) / 1e6,
                                            (cells["move"] or 0) / 1e6))
    with open(os.path.join(out, "cost-curve.dat"), "w") as f:
        f.write("# dma-bufs revoke_p50_ms restore_p50_ms move_per_dmabuf_p50_ms\n")
        for imp in sorted(dat, key=lambda k: ORDER.get(k, 9)):
            f.write('"%s"\n' % NAMES.get(imp, imp))
            for row in dat[imp]:
                f.write("%d %.6f %.6f %.6f\n" % row)
            f.write("\n\n")


main()
