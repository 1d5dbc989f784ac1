#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: lava/make-rootfs.sh REVOKESTORM.deb OUT.cpio.gz      (as root)
#
# The device under test's root filesystem for lava/qemu-lab-job.yaml: Debian bookworm
# (debootstrap --variant=minbase from this machine's mirror, cached in $RS_CACHE/debian/),
# the package's runtime dependencies, the .deb itself in /root for the test definition to
# install, and /sbin/rs-init, which mounts proc, sys, dev, tracefs and debugfs and gives
# the serial console a root shell with the prompt "rs-dut# ".  Packed as a gzip'ed cpio: the
# kernel unpacks it into RAM (an initramfs), so the DUT needs no disk driver or module.
set -euo pipefail
cd "$(dirname "$0")/.."
. vm/lib.sh
. vm/debian.sh
deb=$(cd "$(dirname "${1:?usage: make-rootfs.sh REVOKESTORM.deb OUT.cpio.gz}")" && pwd)/$(basename "$1")
out=${2:?usage: make-rootfs.sh REVOKESTORM.deb OUT.cpio.gz}
[ "$(id -u)" = 0 ] || rs_die $RS_EXIT_ENV "needs root (debootstrap, chroot)"
rs_need_pkgs debootstrap cpio gzip
root=$(mktemp -d /tmp/rs-rootfs.XXXXXX)
trap 'umount "$root/proc" 2>/dev/null || true; rm -rf "$root"' EXIT

rs_bookworm_minbase "$root" ||
	rs_die $RS_EXIT_ENV "no bookworm to start from; see $RS_CACHE/debian/debootstrap.log"

# the .deb's dependencies, so that the test definition installs it with no network
deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/(.*//; s/|.*//; s/ //g' | grep -v '^$')
mount -t proc proc "$root/proc"
rs_say "installing the dependencies of $(basename "$deb"): $(echo $deps)"
chroot "$root" sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(echo $deps) kmod pciutils" \
	>"$RS_CACHE/debian/rootfs-apt.log" 2>&1 ||
	rs_die $RS_EXIT_ENV "apt-get in the rootfs failed; see $RS_CACHE/debian/rootfs-apt.log"
umount "$root/proc"
cp "$deb" "$root/root/revokestorm.deb"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
	"$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*

cat >"$root/sbin/rs-init" <<'EOF'
#!/bin/sh
# PID 1 of the LAVA device under test: mount what the kernel interfaces need, then a root
# shell on the serial console (its controlling terminal) for LAVA to drive.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
hostname rs-dut
export HOME=/root TERM=dumb PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PS1='rs-dut# '
while :; do
	setsid sh -c 'exec bash --norc -i <>/dev/ttyS0 >&0 2>&1'
done
EOF
chmod +x "$root/sbin/rs-init"
(cd "$root" && find . -xdev | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
rs_say "rootfs: $out ($(du -h "$out" | cut -f1))"
