// SPDX-License-Identifier: GPL-2.0
/*
 * DMA engine "edu": QEMU's educational device (1234:11e8, docs/specs/edu.rst in QEMU).
 * BAR0 registers: 0x00 identification (0x010000ed), 0x04 liveness (reads back the
 * complement), 0x80 DMA source, 0x88 DMA destination, 0x90 count, 0x98 command (bit 0
 * run, bit 1 direction: 0 from the PCI address into the device's buffer, 1 out of it).
 * The device's buffer is 4 KiB at device address 0x40000; its DMA mask is 28 bits. A
 * transfer runs 100 ms (QEMU virtual clock) after the command is written and clears the
 * run bit when done.  edu ignores the result of its DMA: a write the IOMMU refuses is a
 * fault in the IOMMU and nothing on the device.  A copy is two transfers: from src into
 * the device's buffer, then from the buffer to dst.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rs_lib/dma_engine.h"

#define EDU_ID		0x00
#define EDU_LIVE	0x04
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_CNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_CMD_RUN	0x1
#define EDU_CMD_TO_PCI	0x2
#define EDU_BUF		0x40000ULL
#define EDU_BUF_SIZE	4096u
#define EDU_DMA_MASK	((1ULL << 28) - 1)

static bool edu_match(uint16_t vendor, uint16_t device)
{
	return vendor == 0x1234 && device == 0x11e8;
}

static int edu_rd(struct rs_dma_engine *e, unsigned int off, uint32_t *v)
{
	return rs_vfio_bar_read(e->dev, 0, off, v, 4);
}

static int edu_wr(struct rs_dma_engine *e, unsigned int off, uint32_t v)
{
	return rs_vfio_bar_write(e->dev, 0, off, &v, 4);
}

static uint64_t edu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Wait for the run bit to clear. */
static int edu_idle(struct rs_dma_engine *e, uint64_t deadline, char *why)
{
	uint32_t cmd;
	int ret;

	for (;;) {
		ret = edu_rd(e, EDU_DMA_CMD, &cmd);
		if (ret)
			return rs_why(why, ret, "edu %s: reading the DMA command register: %s",
				      e->dev->bdf, strerror(-ret));
		if (cmd == 0xffffffffu)
			return rs_why(why, -EIO, "edu %s: registers read all ones (memory decoding "
				      "off or the device gone)", e->dev->bdf);
		if (!(cmd & EDU_CMD_RUN))
			return 0;
		if (edu_now() > deadline)
			return rs_why(why, -ETIMEDOUT, "edu %s: a DMA transfer did not finish "
				      "(command 0x%x)", e->dev->bdf, cmd);
		usleep(2000);
	}
}

static int edu_xfer(struct rs_dma_engine *e, uint64_t src, uint64_t dst, uint32_t len,
		    uint32_t cmd, uint64_t deadline, char *why)
{
	int ret = edu_idle(e, deadline, why);

	if (!ret)
		ret = edu_wr(e, EDU_DMA_SRC, (uint32_t)src);
	if (!ret)
		ret = edu_wr(e, EDU_DMA_DST, (uint32_t)dst);
	if (!ret)
		ret = edu_wr(e, EDU_DMA_CNT, len);
	if (!ret)
		ret = edu_wr(e, EDU_DMA_CMD, cmd | EDU_CMD_RUN);
	if (ret)
		return rs_why(why, ret, "edu %s: programming a DMA transfer: %s", e->dev->bdf,
			      strerror(-ret));
	return edu_idle(e, deadline, why);
}

static int edu_init(struct rs_dma_engine *e, char *why)
{
	uint32_t id, live;
	int ret;

	ret = edu_rd(e, EDU_ID, &id);
	if (ret)
		return rs_why(why, ret, "edu %s: reading BAR0: %s", e->dev->bdf, strerror(-ret));
	if ((id & 0xff) != 0xed)
		return rs_why(why, -ENODEV, "edu %s: identification register reads 0x%08x, not "
			      "0x......ed", e->dev->bdf, id);
	ret = edu_wr(e, EDU_LIVE, 0x5a5aa5a5u);
	if (!ret)
		ret = edu_rd(e, EDU_LIVE, &live);
	if (ret || live != ~0x5a5aa5a5u)
		return rs_why(why, ret ? ret : -EIO, "edu %s: liveness check failed (0x%08x)",
			      e->dev->bdf, live);
	e->dma_mask = EDU_DMA_MASK;
	e->max_len = EDU_BUF_SIZE;
	e->reports_faults = false;
	return edu_idle(e, edu_now() + 2000000000ULL, why);
}

static int edu_copy(struct rs_dma_engine *e, uint64_t src, uint64_t dst, uint64_t len,
		    uint64_t timeout_ns, char *why)
{
	uint64_t deadline = edu_now() + timeout_ns;
	int ret;

	ret = edu_xfer(e, src, EDU_BUF, (uint32_t)len, 0, deadline, why);
	if (!ret)
		ret = edu_xfer(e, EDU_BUF, dst, (uint32_t)len, EDU_CMD_TO_PCI, deadline, why);
	return ret;
}

const struct rs_dma_engine_ops rs_dma_edu = {
	.name = "edu",
	.help = "QEMU's edu device: 4 KiB copies through its buffer, 28-bit DMA mask, no fault status",
	.match = edu_match,
	.init = edu_init,
	.copy = edu_copy,
};
