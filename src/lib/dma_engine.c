// SPDX-License-Identifier: GPL-2.0
/* DMA engines through VFIO: the table of engines, picking one, timing its copies. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <linux/pci_regs.h>

#include "rs_lib/dma_engine.h"

static const struct rs_dma_engine_ops *const engines[] = {
	&rs_dma_edu,
	&rs_dma_ioat,
	&rs_dma_dsa,
};

#define NR_ENGINES	(sizeof(engines) / sizeof(engines[0]))

const struct rs_dma_engine_ops *const *rs_dma_engines(unsigned int *nr)
{
	*nr = NR_ENGINES;
	return engines;
}

/* The table's names, as the dma importer's `engine` option offers them (tested). */
const char *rs_dma_engine_names(void)
{
	return RS_DMA_ENGINE_NAMES;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int rs_dma_engine_open(struct rs_dma_engine *e, struct rs_vfio_dev *d, const char *name,
		       void *mem, uint64_t mem_iova, char *why)
{
	uint16_t vendor = (uint16_t)(d->cfg[PCI_VENDOR_ID] | d->cfg[PCI_VENDOR_ID + 1] << 8);
	uint16_t device = (uint16_t)(d->cfg[PCI_DEVICE_ID] | d->cfg[PCI_DEVICE_ID + 1] << 8);
	bool any = !name || !*name || !strcmp(name, "auto");
	const struct rs_dma_engine_ops *ops = NULL;
	size_t i;
	int ret;

	/* e->ops only once init() succeeded: rs_dma_engine_close() calls its fini() */
	memset(e, 0, sizeof(*e));
	for (i = 0; i < NR_ENGINES && !ops; i++) {
		if (any ? engines[i]->match(vendor, device) : !strcmp(name, engines[i]->name))
			ops = engines[i];
	}
	if (!ops && any)
		return rs_why(why, -ENODEV, "%s (%04x:%04x) is no DMA engine revokestorm drives "
			      "(%s)", d->bdf, vendor, device, rs_dma_engine_names());
	if (!ops)
		return rs_why(why, -EINVAL, "no DMA engine '%s' (there are: %s)", name,
			      rs_dma_engine_names());
	if (!ops->match(vendor, device))
		return rs_why(why, -ENODEV, "%s (%04x:%04x) is no device of DMA engine %s", d->bdf, vendor,
			      device, ops->name);
	e->dev = d;
	e->mem = mem;
	e->mem_iova = mem_iova;
	memset(mem, 0, RS_DMA_ENGINE_MEM);
	ret = rs_vfio_cfg_update16(d, PCI_COMMAND, 0, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER,
				   NULL, NULL, why);
	if (ret)
		return ret;
	e->ops = ops;	/* init() may use it */
	ret = ops->init(e, why);
	if (ret)
		e->ops = NULL;
	return ret;
}

void rs_dma_engine_close(struct rs_dma_engine *e)
{
	if (e->ops && e->ops->fini)
		e->ops->fini(e);
	e->ops = NULL;
}

int rs_dma_engine_copy(struct rs_dma_engine *e, uint64_t src, uint64_t dst, uint64_t len,
		       uint64_t timeout_ns, char *why)
{
	uint64_t t0 = mono_ns();
	int ret;

	if (!len || len > e->max_len)
		return rs_why(why, -EINVAL, "%s: a copy of %llu bytes (at most %llu)",
			      e->ops->name, (unsigned long long)len,
			      (unsigned long long)e->max_len);
	if (src > e->dma_mask || dst > e->dma_mask || len - 1 > e->dma_mask - src ||
	    len - 1 > e->dma_mask - dst)
		return rs_why(why, -ERANGE, "%s: copy 0x%llx -> 0x%llx (%llu bytes) is beyond its "
			      "DMA mask 0x%llx", e->ops->name, (unsigned long long)src,
			      (unsigned long long)dst, (unsigned long long)len,
			      (unsigned long long)e->dma_mask);
	ret = e->ops->copy(e, src, dst, len, timeout_ns, why);
	e->copies++;
	e->busy_ns += mono_ns() - t0;
	return ret;
}
