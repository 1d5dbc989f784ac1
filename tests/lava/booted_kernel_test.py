#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Host test of tests/lava/booted_kernel.py (make check-unit, well under a second): a
synthetic bzImage (an x86 setup header with its kernel_version string), a lab info file,
and console and KTAP texts as lava-run records them.  The kernel that booted must be the one
given, and a lab kernel; a different build of the same release, another kernel, a second
boot, a run without uname, a missing info file or a file that is no bzImage must not pass.
Prints KTAP.
"""
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = "7.2.13+ (root@vm) #8 SMP PREEMPT Wed Dec  2 04:40:27 UTC 2026"
GCC = "(gcc (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40)"


def bzimage(path, banner):
	img = bytearray(0x1000)
	img[0x202:0x206] = b"HdrS"
	struct.pack_into("<H", img, 0x20E, 0x400 - 0x200)
	img[0x400:0x400 + len(banner) + 1] = banner.encode() + b"\0"
	open(path, "wb").write(img)


def console(banner):	# the banner as the console shows it: the compiler after the builder
	rel, who, build = banner.split(" ", 2)
	return "c\x1b[?7l[    0.000000] Linux version %s %s %s %s\n" % (rel, who, GCC, build)


def ktap(banner):
	rel, _, build = banner.split(" ", 2)
	return "KTAP version 1\n# kernel: Linux %s %s\n1..1\nok 1 phase.main\n" % (rel, build)


def run(d, kernel, con, kt, info=True):
	kdir = os.path.join(d, "k%d" % run.n)
	run.n += 1
	os.mkdir(kdir)
	if info:
		open(os.path.join(kdir, "info"), "w").write("version 7.2.13\nflavour default\nkey 0123\n")
	if isinstance(kernel, str):
		bzimage(os.path.join(kdir, "bzImage"), kernel)
	else:
		open(os.path.join(kdir, "bzImage"), "wb").write(kernel)
	open(os.path.join(d, "console"), "w").write(con)
	open(os.path.join(d, "ktap"), "w").write(kt)
	p = subprocess.run([sys.executable, os.path.join(HERE, "booted_kernel.py"),
			    os.path.join(kdir, "bzImage"), os.path.join(d, "console"),
			    os.path.join(d, "ktap")], capture_output=True, text=True)
	return p.returncode, p.stdout + p.stderr


run.n = 0
OTHER_BUILD = LAB.replace("#8", "#3").replace("04:40:27", "16:17:22")
DEBIAN = "6.1.0-57-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)"
CASES = [
	("the lab kernel booted and ran the scenario", 0, (LAB, console(LAB), ktap(LAB))),
	("another build of the same release booted", 1, (LAB, console(OTHER_BUILD), ktap(OTHER_BUILD))),
	("Debian's kernel booted instead", 1, (LAB, console(DEBIAN), ktap(DEBIAN))),
	("the console says the lab kernel, uname another", 1, (LAB, console(LAB), ktap(OTHER_BUILD))),
	("the device booted twice", 1, (LAB, console(LAB) * 2, ktap(LAB))),
	("no boot on the console", 1, (LAB, "", ktap(LAB))),
	("revokestorm printed no '# kernel:' line", 1, (LAB, console(LAB), "KTAP version 1\n1..0\n")),
	("the given kernel is not a lab kernel (no info file)", 1, (DEBIAN, console(DEBIAN), ktap(DEBIAN), False)),
	("the given file is not a bzImage", 2, (b"\x7fELF" + bytes(0x1000), console(LAB), ktap(LAB))),
]

print("KTAP version 1")
print("1..%d" % len(CASES))
failed = 0
with tempfile.TemporaryDirectory(prefix="rs-booted-kernel.") as d:
	for i, (name, want, args) in enumerate(CASES, 1):
		rc, out = run(d, *args)
		if rc == want:
			print("ok %d booted_kernel: %s (exit %d)" % (i, name, rc))
		else:
			failed += 1
			print("not ok %d booted_kernel: %s: exit %d, expected %d" % (i, name, rc, want))
			print("".join("# %s\n" % l for l in out.splitlines()), end="")
print("booted_kernel: %d passed, %d failed" % (len(CASES) - failed, failed))
sys.exit(1 if failed else 0)
