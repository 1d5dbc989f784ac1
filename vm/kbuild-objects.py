#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""About how many objects kbuild will compile for a configured build (vm/progress.sh's total).

usage: vm/kbuild-objects.py SRC BUILD_DIR      prints a number

Reads BUILD_DIR/.config and walks the Kbuild makefiles of SRC the way kbuild
descends: from the top-level directories into every obj-y/obj-$(CONFIG_X)=y directory,
counting the objects whose condition holds (a composite object counts its parts).  It does
not evaluate make functions or ifdef blocks, so it is an estimate ("of about N") for a first
build, when no earlier build log can say: for the lab's default config it says 1702, the
build compiled 1783 (kernel 173 estimated / 171 built, net 198/198, fs 148/142, lib 126/120,
block 33/33).
"""
import os
import re
import sys

TOP = ["init", "usr", "arch/x86", "kernel", "certs", "mm", "fs", "ipc", "security", "crypto",
       "block", "io_uring", "lib", "arch/x86/lib", "drivers", "sound", "net", "virt"]


def config(path):
    on = set()
    for line in open(path):
        m = re.match(r"(CONFIG_\w+)=y$", line.strip())
        if m:
            on.add(m.group(1))
    return on


def makefile_lines(d):
    for name in ("Kbuild", "Makefile"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            text = open(p, errors="replace").read().replace("\\\n", " ")
            return [re.sub(r"#.*", "", l) for l in text.split("\n")]
    return []


def holds(cond, on):
    """kbuild's -y / -$(CONFIG_X) suffix: true when y, or the option is =y."""
    if cond == "y":
        return True
    m = re.fullmatch(r"\$\((CONFIG_\w+)\)", cond)
    return bool(m) and m.group(1) in on


def count_dir(src, rel, on, seen):
    if rel in seen:
        return 0
    seen.add(rel)
    lines = makefile_lines(os.path.join(src, rel))
    parts = {}	# composite object -> its parts (those whose condition holds)
    objs, subdirs = [], []
    for l in lines:
        m = re.match(r"\s*([\w.-]+)-(y|objs|\$\(CONFIG_\w+\))\s*[:+]?=\s*(.*)", l)
        if not m:
            continue
        var, cond, vals = m.groups()
        if cond != "objs" and not holds(cond, on):
            continue
        toks = vals.split()
        if var in ("obj", "core", "lib"):
            for t in toks:
                (subdirs if t.endswith("/") else objs).append(t)
        elif var not in ("subdir", "always", "extra", "targets", "hostprogs", "userprogs",
                         "ccflags", "asflags", "ldflags", "cflags", "CFLAGS", "AFLAGS",
                         "KASAN_SANITIZE", "GCOV_PROFILE", "UBSAN_SANITIZE", "KCOV_INSTRUMENT",
                         "OBJECT_FILES_NON_STANDARD", "KCSAN_SANITIZE", "KMSAN_SANITIZE"):
            parts.setdefault(var, []).extend(t for t in toks if t.endswith(".o"))
    n = 0
    for o in objs:
        base = o[:-2]
        n += len(parts[base]) if base in parts and parts[base] else 1
    for s in subdirs:
        n += count_dir(src, os.path.normpath(os.path.join(rel, s)), on, seen)
    return n


def main(argv):
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    src, build = argv[1:]
    on = config(os.path.join(build, ".config"))
    seen = set()
    print(sum(count_dir(src, d, on, seen) for d in TOP))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
