// SPDX-License-Identifier: GPL-2.0
/*
 * The IOMMU fault observer's pure parts (src/lib/iommu_fault.c): the fault interrupt's
 * count in /proc/interrupts, and the kernel's fault lines of intel-iommu and
 * virtio-iommu; and that those lines are not kernel reports that fail a run (the DMA
 * oracle provokes them on purpose).
 */
#include <stdint.h>

#include "kselftest_harness.h"
#include "rs_lib/iommu_fault.h"
#include "rs_watch.h"

static const char *interrupts =
	"           CPU0       CPU1       \n"
	"  0:         40          0   IO-APIC   2-edge      timer\n"
	" 24:          3          4  DMAR-MSI    0-edge      dmar0\n"
	" 25:         11          0  PCI-MSIX-0000:00:09.0   0-edge      virtio1-config\n"
	" 26:        100         23  PCI-MSIX-0000:00:09.0   1-edge      virtio1-request\n"
	" 27:          2          5  PCI-MSIX-0000:00:09.0   2-edge      virtio1-event\n"
	" 28:          9          9  PCI-MSI 1-edge      xdmar0\n"
	" 21:          1          2  IO-APIC  21-fasteoi   virtio0\n"
	"NMI:          0          0   Non-maskable interrupts\n";

TEST(proc_interrupts)
{
	uint64_t n = 0;

	ASSERT_EQ(0, rs_proc_interrupts_count(interrupts, "dmar0", &n));
	EXPECT_EQ(7, n);
	ASSERT_EQ(0, rs_proc_interrupts_count(interrupts, "virtio1-event", &n));
	EXPECT_EQ(7, n);
	ASSERT_EQ(0, rs_proc_interrupts_count(interrupts, "virtio1-request", &n));
	EXPECT_EQ(123, n);
	EXPECT_EQ(-ENOENT, rs_proc_interrupts_count(interrupts, "dmar1", &n));
	EXPECT_EQ(-ENOENT, rs_proc_interrupts_count(interrupts, "virtio1", &n));
	/* virtio-iommu on INTx: the device's name alone */
	ASSERT_EQ(0, rs_proc_interrupts_count(interrupts, "virtio0", &n));
	EXPECT_EQ(3, n);
	EXPECT_EQ(-ENOENT, rs_proc_interrupts_count("", "dmar0", &n));
}

TEST(fault_lines)
{
	const char *intel = "DMAR: [DMA Write NO_PASID] Request device [0000:00:05.0] fault addr "
			    "0x1000000 [fault reason 0x05] PTE Write access is not set";
	const char *viommu = "virtio_iommu virtio1: fault from EP 40 at 0x1001000 [W]";
	uint64_t addr = 0;

	EXPECT_TRUE(rs_iommu_fault_line(intel, "0000:00:05.0", 0x28, &addr));
	EXPECT_EQ(0x1000000, addr);
	EXPECT_FALSE(rs_iommu_fault_line(intel, "0000:00:06.0", 0x30, &addr));
	EXPECT_TRUE(rs_iommu_fault_line(viommu, "0000:00:05.0", 40, &addr));
	EXPECT_EQ(0x1001000, addr);
	EXPECT_FALSE(rs_iommu_fault_line(viommu, "0000:00:05.0", 4, &addr));
	EXPECT_FALSE(rs_iommu_fault_line("DMAR: DRHD: handling fault status reg 2",
					 "0000:00:05.0", 0x28, &addr));
}

/* The faults a DMA after a revoke provokes never fail the run by themselves. */
TEST(fault_lines_are_not_reports)
{
	EXPECT_EQ(RS_KLOG_NONE, rs_klog_classify("DMAR: DRHD: handling fault status reg 2"));
	EXPECT_EQ(RS_KLOG_NONE, rs_klog_classify("DMAR: [DMA Write NO_PASID] Request device "
						 "[0000:00:05.0] fault addr 0x1000000 [fault "
						 "reason 0x05] PTE Write access is not set"));
	EXPECT_EQ(RS_KLOG_NONE, rs_klog_classify("virtio_iommu virtio1: fault from EP 40 at "
						 "0x1000000 [W]"));
}

TEST_HARNESS_MAIN
