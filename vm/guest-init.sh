#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the revokestorm lab guest.  The host's root is mounted read-only over 9p;
# the writable share "rsout" (the run's directory on the host) carries the command in
# and the results out:
#   rsout/cmd       the command to run (a shell script written by vm/run-vm.sh)
#   rsout/env       environment for it (device names, ...)
#   rsout/rc        written here: the command's exit status
#   rsout/cmd.log   written here: the command's output (also on the console)
# The guest powers off when the command returns; run-vm.sh reads rc.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp TERM=dumb

say() { echo "rs-guest: $*"; }

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs shm /dev/shm
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
out=/run/rsout
mkdir -p $out
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 rsout $out; then
	say "FATAL: cannot mount the results share"
	echo o >/proc/sysrq-trigger
	while :; do :; done
fi
say "up: $(uname -r) $(cat /proc/cmdline)"
hostname rs-guest
ip link set lo up 2>/dev/null || ifconfig lo up 2>/dev/null

# Bind only the emulated test devices, matched by vendor:device, to vfio-pci.
. $out/env
for dev in $RS_VFIO_DEVICES; do
	sys=/sys/bus/pci/devices/$dev
	if [ ! -d "$sys" ]; then
		say "FATAL: test device $dev is missing"
		echo 4 >$out/rc
		echo o >/proc/sysrq-trigger
		while :; do :; done
	fi
	[ -e "$sys/driver" ] && echo "$dev" >"$sys/driver/unbind"
	echo vfio-pci >"$sys/driver_override"
	echo "$dev" >/sys/bus/pci/drivers_probe
	say "bound $dev ($(cat $sys/vendor):$(cat $sys/device)) to $(basename "$(readlink $sys/driver)")"
done
for n in /sys/class/net/*; do
	case ${n##*/} in lo) ;; *) ip link set "${n##*/}" up 2>/dev/null ;; esac
done

# The guest's own tmpfs hides the host's /tmp, /run and /dev/shm: what the command needs from
# there (its directory, a scenario file under /tmp: RS_HOST_PATHS from run-vm.sh) is reached
# through a non-recursive bind mount of the root, which has no submounts.
hostroot=
for p in $RS_HOST_PATHS; do
	if [ -z "$hostroot" ]; then
		mkdir -p /run/hostroot && mount --bind / /run/hostroot && hostroot=/run/hostroot
	fi
	if [ -d "$hostroot$p" ]; then
		mkdir -p "$p"
	else
		mkdir -p "$(dirname "$p")" && touch "$p"
	fi
	if [ -n "$hostroot" ] && mount --bind "$hostroot$p" "$p"; then
		say "host $p reached through $hostroot"
	else
		say "cannot reach the host's $p from the guest"
	fi
done
cd "$RS_CWD" || cd /
say "running: $(head -c 500 $out/cmd)"
{ sh $out/cmd </dev/null; echo $? >/run/rc; } 2>&1 | tee $out/cmd.log
rc=$(cat /run/rc)
say "command exited with $rc"
echo "$rc" >$out/rc
sync
echo o >/proc/sysrq-trigger
# Power-off shuts the 9p transport down, so nothing may be exec'd from here on: if PID 1
# exited (or an exec failed), the kernel would panic before powering off.
while :; do :; done
