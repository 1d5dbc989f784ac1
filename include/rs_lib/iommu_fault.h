/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Seeing the IOMMU fault of a DMA that must not land.  Two sources, both the kernel's:
 *  - the IOMMU's fault interrupt count in /proc/interrupts (intel-iommu: "dmarN", its
 *    fault event; virtio-iommu: its event queue's, "virtioN-event", "virtioN-virtqueues"
 *    or, on INTx, "virtioN"), which the kernel
 *    counts for every fault it is told of, however its log is rate limited;
 *  - the fault lines of the kernel log naming the device and address (intel-iommu's
 *    dmar_fault_do_one(), virtio-iommu's viommu_fault_handler(); both rate limited).
 */
#ifndef RS_LIB_IOMMU_FAULT_H
#define RS_LIB_IOMMU_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rs_lib/common.h"
#include "rs_lib/pci.h"

struct rs_iommu_faults {
	char bdf[RS_BDF_LEN];
	char iommu[64];		/* "intel-iommu dmar0", "virtio-iommu virtio1" */
	char irq[48];		/* the /proc/interrupts name counted */
	unsigned int rid;	/* PCI requester ID (bus << 8 | devfn) */
	int kmsg;		/* /dev/kmsg, read from where it stood at open; -1: none */
};

/*
 * Find bdf's IOMMU and its fault interrupt.  -ENODEV (why): the device has no IOMMU;
 * -EOPNOTSUPP: an IOMMU whose faults we cannot count.
 */
int rs_iommu_faults_open(struct rs_iommu_faults *f, const char *bdf, char *why);
void rs_iommu_faults_close(struct rs_iommu_faults *f);
/* The fault interrupts so far (all CPUs). */
int rs_iommu_faults_irqs(struct rs_iommu_faults *f, uint64_t *n);
/*
 * Wait up to timeout_ns for the count to pass before; *now gets the last count read.
 * 1: it did, 0: it did not, -errno.
 */
int rs_iommu_faults_wait(struct rs_iommu_faults *f, uint64_t before, uint64_t timeout_ns,
			 uint64_t *now);
/*
 * Kernel log lines since the last call reporting a fault of our device in the page(s)
 * of [iova, iova + len): how many (0 when rate limited away); line gets the last one.
 */
int rs_iommu_faults_kmsg(struct rs_iommu_faults *f, uint64_t iova, uint64_t len, char *line,
			 size_t n);

/* Pure parts (unit tested). */
/* The count of the /proc/interrupts line whose last word is name; -ENOENT if none. */
int rs_proc_interrupts_count(const char *text, const char *name, uint64_t *n);
/* Is msg an IOMMU fault line of requester rid (bdf, for intel)?  *addr gets the address. */
bool rs_iommu_fault_line(const char *msg, const char *bdf, unsigned int rid, uint64_t *addr);

#endif /* RS_LIB_IOMMU_FAULT_H */
