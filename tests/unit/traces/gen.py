#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes the report test samples in this directory (run from anywhere; output is
checked in, so the tests never need Python).  Events and fields follow
docs/trace-events.md exactly; each scenario is rendered in the formats it is used in:
tracefs `trace` text, `perf script` default output, and `perf trace` (raw fields,
zero fields left out, as perf trace prints tracepoints)."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
EXP = dict(exp_name="vfio_pci_core", size=16384)
DEV = "0000:00:03.0"
A1, A2 = 0x00000000a1b2c3d4, 0x00000000e5f60718
IMP1, IMP2 = "0000:00:04.0", "0000:00:05.0"
TRIG = ["command_memory", "pm_d3hot", "flr", "af_flr", "reset", "hot_reset", "low_power", "close"]
GROUP = {"vfio_pci_dmabuf": "vfio_pci", "dma_buf_mock": "dma_buf_mock"}
# TP_printk field order per event (docs/trace-events.md); "attachment" prints as attachment:%p
ORDER = {
    "dma_buf_export": "exp_name size ino",
    "dma_buf_put": "exp_name size ino",
    "dma_buf_fd": "exp_name size ino fd",
    "dma_buf_dynamic_attach": "exp_name size ino attachment is_dynamic dev_name",
    "dma_buf_detach": "exp_name size ino attachment is_dynamic dev_name",
    "dma_buf_invalidate_begin": "exp_name size ino nr_attach",
    "dma_buf_invalidate_attach": "exp_name size ino attachment is_dynamic revocable peer2peer dev_name duration_ns",
    "dma_buf_invalidate_end": "exp_name size ino nr_attach duration_ns",
    "dma_buf_map_attachment": "exp_name size ino attachment is_dynamic dev_name ret",
    "dma_buf_unmap_attachment": "exp_name size ino attachment is_dynamic dev_name since_invalidate_ns",
    "dma_buf_unmap_wait_hung": "exp_name size ino attachment dev_name driver mapped since_invalidate_ms waited_ms",
    "vfio_pci_dmabuf_move_begin": "dev ino size revoke trigger",
    "vfio_pci_dmabuf_fence_wait": "dev ino revoke duration_ns ret",
    "vfio_pci_dmabuf_unmap_wait": "dev ino duration_ns",
    "vfio_pci_dmabuf_move_end": "dev ino revoke trigger duration_ns",
    "dma_buf_mock_attach": "ino handle behaviour dev_name ret",
    "dma_buf_mock_unmap": "ino handle behaviour reason",
    "dma_buf_mock_invalidate": "ino handle behaviour",
}
# perf trace prints the struct fields: the pointer is "attach", map/unmap's value "val"
RAW = {"attachment": "attach"}
RAW_VAL = {"dma_buf_map_attachment": "ret", "dma_buf_unmap_attachment": "since_invalidate_ns"}
STRS = {"exp_name", "dev_name", "dev", "driver", "behaviour", "reason"}


def group(ev):
    for p, g in GROUP.items():
        if ev.startswith(p):
            return g
    return "dma_buf"


class Trace:
    def __init__(self):
        self.ev = []

    def add(self, us, comm, pid, cpu, ev, **f):
        self.ev.append((us, comm, pid, cpu, ev, f))

    def kv(self, ev, f):
        out = []
        for k in ORDER[ev].split():
            v = f[k]
            if k == "attachment":
                out.append("attachment:%016x" % v)
            else:
                out.append("%s=%s" % (k, v))
        return " ".join(out)

    def tracefs(self):
        lines = ["# tracer: nop", "#", "# entries-in-buffer/entries-written: %d/%d   #P:2" % (len(self.ev), len(self.ev)),
                 "#", "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION",
                 "#              | |         |   |||||     |         |"]
        for us, comm, pid, cpu, ev, f in self.ev:
            lines.append("%16s-%-7d [%03d] ..... %6d.%06d: %s: %s" % (
                comm, pid, cpu, us // 1000000, us % 1000000, ev, self.kv(ev, f)))
        return "\n".join(lines) + "\n"

    def perf_script(self):
        lines = []
        for us, comm, pid, cpu, ev, f in self.ev:
            name = "%s:%s:" % (group(ev), ev)
            lines.append("%16s %6d [%03d] %6d.%06d: %40s %s" % (
                comm, pid, cpu, us // 1000000, us % 1000000, name, self.kv(ev, f)))
        return "\n".join(lines) + "\n"

    def perf_trace(self):
        t0 = self.ev[0][0]
        lines = []
        for us, comm, pid, cpu, ev, f in self.ev:
            parts = []
            for k in ORDER[ev].split():
                v = f[k]
                name = RAW.get(k, k)
                if RAW_VAL.get(ev) == k:
                    name = "val"
                if k == "trigger":
                    v = TRIG.index(v)
                if k == "attachment":
                    if not v:
                        continue
                    parts.append("%s: 0xffff8881%08x" % (name, v & 0xffffffff))
                    continue
                if k in STRS:
                    parts.append('%s: "%s"' % (name, v))
                    continue
                if int(v) == 0:
                    continue  # perf trace leaves zero fields out
                parts.append("%s: %s" % (name, v))
            ms = (us - t0) / 1000.0
            lines.append("%10.3f %s/%d %s:%s(%s)" % (ms, comm, pid, group(ev), ev, ", ".join(parts)))
        return "\n".join(lines) + "\n"


def att(t, us, comm, pid, cpu, ev, a, dev, ino=4242, **kw):
    t.add(us, comm, pid, cpu, ev, ino=ino, attachment=a, is_dynamic=1, dev_name=dev, **EXP, **kw)


def setup(t, us=100000100, ino=4242, atts=((A1, IMP1), (A2, IMP2))):
    t.add(us, "revokestorm", 1187, 1, "dma_buf_export", ino=ino, **EXP)
    t.add(us + 10, "revokestorm", 1187, 1, "dma_buf_fd", ino=ino, fd=7, **EXP)
    for i, (a, dev) in enumerate(atts):
        att(t, us + 100 + 100 * i, "revokestorm", 1190, 0, "dma_buf_dynamic_attach", a, dev, ino)
        att(t, us + 150 + 100 * i, "revokestorm", 1190, 0, "dma_buf_map_attachment", a, dev, ino, ret=0)


def revoke(t, us, trigger, ino=4242, atts=((A1, IMP1), (A2, IMP2)), unmap_after_end=None,
           skip_unmap=(), end=True, inv_ns=(1500, 2100), unmap_gap=30, sync=()):
    """One revoke: move_begin, invalidate, fence wait, importers unmap, unmap wait, move_end.
    Attachments in sync unmap inside their invalidate callback, so their unmap comes before
    their invalidate_attach (the kernel traces the unmap before the exporter's unmap op)."""
    k = dict(dev=DEV, ino=ino)
    t.add(us, "revokestorm", 1191, 1, "vfio_pci_dmabuf_move_begin", size=16384, revoke=1, trigger=trigger, **k)
    t.add(us + 2, "revokestorm", 1191, 1, "dma_buf_invalidate_begin", ino=ino, nr_attach=len(atts), **EXP)
    x = us + 2
    for i, (a, dev) in enumerate(atts):
        x += 2
        if a in sync:
            att(t, x - 1, "revokestorm", 1191, 1, "dma_buf_unmap_attachment", a, dev, ino,
                since_invalidate_ns=(x - 1 - us - 2) * 1000 + 150)
        att(t, x, "revokestorm", 1191, 1, "dma_buf_invalidate_attach", a, dev, ino, revocable=1, peer2peer=1,
            duration_ns=inv_ns[i % len(inv_ns)])
    x += 1
    t.add(x, "revokestorm", 1191, 1, "dma_buf_invalidate_end", ino=ino, nr_attach=len(atts),
          duration_ns=(x - us - 2) * 1000 - 200, **EXP)
    x += 1
    t.add(x, "revokestorm", 1191, 1, "vfio_pci_dmabuf_fence_wait", revoke=1, duration_ns=950,
          ret=9223372036854775807, **k)
    inv = x
    later = []
    for i, (a, dev) in enumerate(atts):
        if a in skip_unmap or a in sync:
            continue
        x += unmap_gap
        if unmap_after_end == a:
            later.append((a, dev))
            continue
        att(t, x, "kworker/0:1", 58, 0, "dma_buf_unmap_attachment", a, dev, ino,
            since_invalidate_ns=(x - inv + 3) * 1000)
    x += 5
    if not end:
        return x
    t.add(x, "revokestorm", 1191, 1, "vfio_pci_dmabuf_unmap_wait", duration_ns=(x - inv) * 1000, **k)
    t.add(x + 1, "revokestorm", 1191, 1, "vfio_pci_dmabuf_move_end", revoke=1, trigger=trigger,
          duration_ns=(x + 1 - us) * 1000, **k)
    x += 1
    for a, dev in later:
        x += 40
        att(t, x, "kworker/0:1", 58, 0, "dma_buf_unmap_attachment", a, dev, ino,
            since_invalidate_ns=(x - inv) * 1000)
    return x


def restore(t, us, trigger, ino=4242, atts=((A1, IMP1), (A2, IMP2)), remap=True):
    k = dict(dev=DEV, ino=ino)
    t.add(us, "revokestorm", 1191, 1, "vfio_pci_dmabuf_move_begin", size=16384, revoke=0, trigger=trigger, **k)
    t.add(us + 2, "revokestorm", 1191, 1, "dma_buf_invalidate_begin", ino=ino, nr_attach=len(atts), **EXP)
    x = us + 2
    for a, dev in atts:
        x += 1
        att(t, x, "revokestorm", 1191, 1, "dma_buf_invalidate_attach", a, dev, ino, revocable=1, peer2peer=1,
            duration_ns=400)
    x += 1
    t.add(x, "revokestorm", 1191, 1, "dma_buf_invalidate_end", ino=ino, nr_attach=len(atts),
          duration_ns=(x - us - 2) * 1000 - 100, **EXP)
    x += 1
    t.add(x, "revokestorm", 1191, 1, "vfio_pci_dmabuf_fence_wait", revoke=0, duration_ns=610,
          ret=9223372036854775807, **k)
    x += 3
    t.add(x, "revokestorm", 1191, 1, "vfio_pci_dmabuf_move_end", revoke=0, trigger=trigger,
          duration_ns=(x - us) * 1000, **k)
    if remap:
        for a, dev in atts:
            x += 20
            att(t, x, "revokestorm", 1190, 0, "dma_buf_map_attachment", a, dev, ino, ret=0)
    return x


def teardown(t, us, ino=4242, atts=((A1, IMP1), (A2, IMP2)), mapped=True):
    x = us
    for a, dev in atts:
        if mapped:
            x += 10
            att(t, x, "revokestorm", 1190, 0, "dma_buf_unmap_attachment", a, dev, ino, since_invalidate_ns=0)
        x += 10
        att(t, x, "revokestorm", 1190, 0, "dma_buf_detach", a, dev, ino)
    x += 10
    t.add(x, "revokestorm", 1187, 1, "dma_buf_put", ino=ino, **EXP)
    return x


def write(name, text):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(text)


def clean():
    t = Trace()
    setup(t)
    x = revoke(t, 100010000, "command_memory")
    # a map attempt while revoked fails: counted as a map error, not a violation
    att(t, x + 50, "revokestorm", 1190, 0, "dma_buf_map_attachment", A1, IMP1, ret=-19)
    x = restore(t, x + 500, "command_memory")
    x = revoke(t, x + 5000, "flr", inv_ns=(1800, 2600), unmap_gap=45)
    x = restore(t, x + 800, "flr")
    x = revoke(t, x + 5000, "command_memory", inv_ns=(1300, 2000), unmap_gap=25, sync=(A1,))
    x = restore(t, x + 500, "command_memory")
    teardown(t, x + 1000)
    return t


def main():
    t = clean()
    write("clean.tracefs.txt", t.tracefs())
    write("clean.perf-script.txt", t.perf_script())
    write("clean.perf-trace.txt", t.perf_trace())

    # (a) a map that succeeds while the dma-buf is revoked
    t = Trace()
    setup(t)
    x = revoke(t, 100010000, "pm_d3hot")
    att(t, x + 50, "revokestorm", 1190, 0, "dma_buf_map_attachment", A1, IMP1, ret=0)
    x = restore(t, x + 500, "pm_d3hot", remap=False)
    att(t, x + 20, "revokestorm", 1190, 0, "dma_buf_map_attachment", A2, IMP2, ret=0)
    teardown(t, x + 1000)
    write("viol-map-while-revoked.perf-script.txt", t.perf_script())

    # (b) an invalidated attachment never unmapped: a non-VFIO exporter's move_notify
    t = Trace()
    amd = dict(exp_name="amdgpu", size=2097152)
    t.add(100000100, "Xorg", 901, 0, "dma_buf_export", ino=5150, **amd)
    t.add(100000200, "ib_send_bw", 2201, 1, "dma_buf_dynamic_attach", ino=5150, attachment=0x7c1d22e0,
          is_dynamic=1, dev_name="0000:03:00.0", **amd)
    t.add(100000300, "ib_send_bw", 2201, 1, "dma_buf_map_attachment", ino=5150, attachment=0x7c1d22e0,
          is_dynamic=1, dev_name="0000:03:00.0", ret=0, **amd)
    # a pinned importer (no invalidate callback: revocable=0) is walked but owes no unmap
    t.add(100000400, "rdma_pin", 2202, 0, "dma_buf_dynamic_attach", ino=5150, attachment=0x5e11a000,
          is_dynamic=0, dev_name="0000:03:00.1", **amd)
    t.add(100000500, "rdma_pin", 2202, 0, "dma_buf_map_attachment", ino=5150, attachment=0x5e11a000,
          is_dynamic=0, dev_name="0000:03:00.1", ret=0, **amd)
    t.add(100050000, "kworker/1:2", 77, 1, "dma_buf_invalidate_begin", ino=5150, nr_attach=2, **amd)
    t.add(100050002, "kworker/1:2", 77, 1, "dma_buf_invalidate_attach", ino=5150, attachment=0x5e11a000,
          is_dynamic=0, revocable=0, peer2peer=1, dev_name="0000:03:00.1", duration_ns=80, **amd)
    t.add(100050004, "kworker/1:2", 77, 1, "dma_buf_invalidate_attach", ino=5150, attachment=0x7c1d22e0,
          is_dynamic=1, revocable=1, peer2peer=1, dev_name="0000:03:00.0", duration_ns=2500, **amd)
    t.add(100050005, "kworker/1:2", 77, 1, "dma_buf_invalidate_end", ino=5150, nr_attach=2,
          duration_ns=3900, **amd)
    t.add(100090000, "ib_send_bw", 2201, 1, "dma_buf_detach", ino=5150, attachment=0x7c1d22e0,
          is_dynamic=1, dev_name="0000:03:00.0", **amd)
    t.add(100090010, "ib_send_bw", 2201, 1, "dma_buf_put", ino=5150, **amd)
    write("viol-never-unmapped.tracefs.txt", t.tracefs())

    # (c) a revoke whose move_end comes before an attachment's unmap
    t = Trace()
    setup(t)
    x = revoke(t, 100010000, "reset", unmap_after_end=A2)
    x = restore(t, x + 500, "reset")
    teardown(t, x + 1000)
    write("viol-early-move-end.perf-script.txt", t.perf_script())

    # (d) a restore without a revoke since the export
    t = Trace()
    setup(t)
    x = restore(t, 100010000, "low_power", remap=False)
    teardown(t, x + 1000)
    write("viol-restore-without-revoke.perf-trace.txt", t.perf_trace())

    # hung importer: the mock importer (behaviour stuck) holds its mapping; two
    # hung-importer periods; the test releases it, the revoke completes.
    t = Trace()
    setup(t, atts=((A1, IMP1),))
    t.add(100000400, "revokestorm", 1190, 0, "dma_buf_mock_attach", ino=4242, handle=1, behaviour="stuck",
          dev_name=IMP1, ret=0)
    x = revoke(t, 100010000, "flr", atts=((A1, IMP1),), skip_unmap=(A1,), end=False)
    t.add(x + 1, "revokestorm", 1190, 0, "dma_buf_mock_invalidate", ino=4242, handle=1, behaviour="stuck")
    for n in (1, 2):
        att_f = dict(ino=4242, attachment=A1, dev_name=IMP1, driver="virtio-pci", mapped=1,
                     since_invalidate_ms=10000 * n, waited_ms=10000 * n, **EXP)
        t.add(x + 10000000 * n, "revokestorm", 1191, 1, "dma_buf_unmap_wait_hung", **att_f)
    y = x + 25000000
    t.add(y, "revokestorm", 1190, 0, "dma_buf_mock_unmap", ino=4242, handle=1, behaviour="stuck", reason="release")
    att(t, y + 2, "revokestorm", 1190, 0, "dma_buf_unmap_attachment", A1, IMP1, since_invalidate_ns=(y + 2 - x) * 1000)
    att(t, y + 5, "revokestorm", 1190, 0, "dma_buf_detach", A1, IMP1)
    t.add(y + 8, "revokestorm", 1191, 1, "vfio_pci_dmabuf_unmap_wait", dev=DEV, ino=4242, duration_ns=(y + 8 - x) * 1000)
    t.add(y + 9, "revokestorm", 1191, 1, "vfio_pci_dmabuf_move_end", dev=DEV, ino=4242, revoke=1, trigger="flr",
          duration_ns=(y + 9 - 100010000) * 1000)
    write("hung-importer.tracefs.txt", t.tracefs())

    # truncated: the clean tracefs text cut in the middle of a line
    text = clean().tracefs()
    cut = text.index("vfio_pci_dmabuf_move_end", len(text) // 2) + 40
    write("truncated.tracefs.txt", text[:cut])

    # garbled: three bad lines in the clean perf script text
    lines = clean().perf_script().splitlines()
    lines[5] = lines[5].replace("ino=4242", "ino=42x2", 1)
    lines.insert(9, "this is not a trace line")
    lines.insert(20, lines[20].split(" exp_name=")[0] + " exp_name=vfio_pci_core size=16384")
    write("garbled.perf-script.txt", "\n".join(lines) + "\n")


main()
