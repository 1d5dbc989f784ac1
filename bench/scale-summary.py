#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""usage: bench/scale-summary.py RESULTS_DIR

What one bench/scale.sh run says about the tool at scale, from the run's results.json and
intervals.jsonl: dma-bufs and imports set up, setup time, revokes and their latency, and
RSS and open fds after setup, at the end, and their range over the run's intervals."""
import json
import os
import sys


def fmt_ns(ns):
    if ns is None:
        return "-"
    for unit, div in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= div:
            return "%.2f %s" % (ns / div, unit)
    return "%d ns" % ns


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    try:
        res = json.load(open(os.path.join(d, "results.json")))
    except (OSError, ValueError) as e:
        sys.exit("scale-summary: %s/results.json: %s" % (d, e))
    ivs = []
    try:
        with open(os.path.join(d, "intervals.jsonl")) as f:
            ivs = [json.loads(l) for l in f if l.strip()]
    except (OSError, ValueError) as e:
        print("scale-summary: %s/intervals.jsonl: %s" % (d, e), file=sys.stderr)
    run = [i for i in ivs if i.get("phase")]
    exps = res.get("exporters", [])
    bufs = sum(len(e.get("buffers", [])) for e in exps)
    imports = sum(1 for m in res.get("importers", []) for i in m.get("imports", [])
                  if i.get("result") == "pass")
    lk = res.get("leak_check", {})
    first, last = lk.get("first", {}), lk.get("last", {})
    pairs = res.get("pairs", [])
    rv = pairs[0].get("latency", {}).get("revoke", {}) if pairs else {}
    print("| what | value |")
    print("|---|---|")
    print("| status | %s (exit %s) |" % (res.get("status"), res.get("exit_code")))
    print("| kernel | %s |" % res.get("kernel", {}).get("release"))
    print("| dma-bufs | %d on %d device(s) |" % (bufs, len(exps)))
    print("| importers | %d |" % len(res.get("importers", [])))
    print("| imports up | %d |" % imports)
    setup = res.get("setup_s")
    print("| setup | %s |" % ("-" if setup is None else "%.1f s" % setup))
    print("| run | %.0f s, %d status intervals |" % (res.get("elapsed_s", 0), len(run)))
    print("| revokes | %d (p50 %s, p99 %s) |" % (rv.get("count", 0), fmt_ns(rv.get("p50_ns")),
                                                  fmt_ns(rv.get("p99_ns"))))
    print("| RSS after setup -> end | %s -> %s KiB |" % (first.get("rss_kb"), last.get("rss_kb")))
    print("| fds after setup -> end | %s -> %s |" % (first.get("fds"), last.get("fds")))
    if run:
        rss = [i["rss_kb"] for i in run if i.get("rss_kb", -1) >= 0]
        fds = [i["fds"] for i in run if i.get("fds", 0) > 0]
        if rss:
            print("| RSS over the run | %d .. %d KiB (range %d KiB) |" %
                  (min(rss), max(rss), max(rss) - min(rss)))
        if fds:
            print("| fds over the run | %d .. %d |" % (min(fds), max(fds)))
    print("| leak check | %s: %s |" % (lk.get("result"), lk.get("detail")))
    return 0 if res.get("status") == "pass" else 1


if __name__ == "__main__":
    sys.exit(main())
