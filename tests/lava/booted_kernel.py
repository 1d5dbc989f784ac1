#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""usage: booted_kernel.py KERNEL CONSOLE KTAP

Did the LAVA device boot KERNEL, and is KERNEL a lab kernel?  So that a job that boots some
other kernel (a wrong URL, a device dictionary's default, a lab's fallback) cannot pass
tests/lava/lava_test.sh.  KERNEL is the bzImage the job was given; CONSOLE the device's
console text from lava-run's log; KTAP the run's KTAP.  Three witnesses must agree:

- KERNEL's own banner, read from its x86 boot setup header (kernel_version: "7.2.13+
  (root@vm) #8 SMP PREEMPT <date>"), and the artifact directory it sits in
  (vm/build-kernel.sh's `info`: version, flavour, key), which only a lab kernel has;
- the console's "Linux version ..." line of the one boot: the same release, builder and build
  (number and date); the console's line also names the compiler, the setup header's does not;
- the "# kernel: Linux RELEASE VERSION" line revokestorm printed (uname on the device): the
  banner's release and build.

Prints what it compared; exit 0 when all agree, 1 when not, 2 on bad input.
"""
import os
import re
import struct
import sys


def banner_of(path):
	"""The kernel_version string of an x86 bzImage (boot protocol >= 2.00), or an error."""
	with open(path, "rb") as f:
		head = f.read(0x10000)
	if len(head) < 0x210 or head[0x202:0x206] != b"HdrS":
		raise ValueError("%s is not an x86 bzImage (no HdrS setup header)" % path)
	off = struct.unpack_from("<H", head, 0x20E)[0] + 0x200
	end = head.find(b"\0", off)
	if off < 0x200 or end < 0:
		raise ValueError("%s has no kernel_version string in its setup header" % path)
	return head[off:end].decode("ascii", "replace")


def parts(banner):
	"""(release, builder, build) of a banner "REL (USER@HOST) [(COMPILER...)] #N ..."."""
	m = re.match(r"(\S+) (\(\S+\)) (?:.* )?(#\d+ .*?)\s*$", banner)
	return m.groups() if m else (banner.split(" ", 1)[0], "", "")


def lab_info(kernel):
	"""The key/value lines of vm/build-kernel.sh's info file next to KERNEL, or None."""
	path = os.path.join(os.path.dirname(os.path.abspath(kernel)), "info")
	if not os.path.isfile(path):
		return None
	info = {}
	for line in open(path):
		k, _, v = line.strip().partition(" ")
		info[k] = v
	return info


def main(argv):
	if len(argv) != 4:
		print(__doc__.strip().splitlines()[0], file=sys.stderr)
		return 2
	kernel, console, ktap = argv[1:]
	try:
		banner = banner_of(kernel)
		text = open(console, errors="replace").read()
		run = open(ktap, errors="replace").read()
	except (OSError, ValueError) as e:
		print("booted_kernel.py: %s" % e, file=sys.stderr)
		return 2
	release, _, build = want = parts(banner)
	bad = []
	print("given: %s" % kernel)
	print("its banner: Linux version %s" % banner)

	info = lab_info(kernel)
	if info is None:
		bad.append("%s is not a lab kernel: no vm/build-kernel.sh info file next to it" % kernel)
	else:
		print("lab kernel: version %s flavour %s key %s" % (info.get("version"), info.get("flavour"),
								    info.get("key")))
		ver = info.get("version", "")
		if not ver or not re.match(re.escape(ver) + r"(\D|$)", release):
			bad.append("the info file says version %r, the bzImage %r" % (ver, release))

	# LAVA logs the console line by line; the banner may follow the firmware's escape codes
	boots = re.findall(r"Linux version (.*?)\r?$", text, re.M)
	if len(boots) != 1:
		bad.append("the console shows %d boots (Linux version lines), not one" % len(boots))
	for b in boots:
		print("console: Linux version %s" % b)
		if parts(b) != want:
			bad.append("the device booted Linux %s, not the given kernel: %s" % (" ".join(parts(b)),
											 " ".join(want)))

	uname = re.findall(r"^# kernel: Linux (\S+) (.*?)\s*$", run, re.M)
	if not uname:
		bad.append("the run's KTAP has no '# kernel:' line (did revokestorm run?)")
	for rel, ver in uname:
		print("revokestorm ran on: Linux %s %s" % (rel, ver))
		if rel != release or ver != build:
			bad.append("revokestorm ran on Linux %s %s, not the given kernel's %s %s" %
				   (rel, ver, release, build))
	print("\n".join(bad))
	return 1 if bad else 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
