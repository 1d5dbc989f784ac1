#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: tests/vm/kselftest_test.sh   (inside the lab VM: make check-vm runs it)
#
# The series' kselftest, tools/testing/selftests/drivers/dma-buf/mock_importer.c
# (kernel-patches/0009), as vm/build-kernel.sh built it next to the lab kernel: the mock
# importer against the iommufd selftest's mock dma-buf and against a VFIO dma-buf of the
# first ivshmem device.  Its own KTAP is the output; exit 0 pass, 1 fail, 4 skipped.
set -u
t=${RS_KERNEL:-/nonexistent}/kselftest/drivers/dma-buf/mock_importer
if [ ! -x "$t" ]; then
	echo "TAP version 13"
	echo "1..1"
	echo "ok 1 kselftest # SKIP no $t: a kernel without kernel-patches/ (or built before they had it)"
	exit 4
fi
export VFIO_SELFTESTS_BDF=${RS_IVSHMEM0:-}
exec "$t"
