// SPDX-License-Identifier: GPL-2.0
/*
 * DMA engine "ioat": Intel QuickData (I/OAT) version 3.2/3.3 (Skylake-SP and later,
 * 8086:2021), channel 0, one copy descriptor chained to itself, polled through the
 * channel status register; an error halts the channel, which the copy reports with the
 * channel error registers.  The register layout is the one the kernel's ioatdma driver
 * and the vfio selftests use (drivers/dma/ioat/registers.h, hw.h); untested here: the
 * lab has no I/OAT device (docs/hardware.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rs_lib/dma_engine.h"

#define IOAT_XFERCAP		0x01	/* 8-bit: log2 of the largest transfer */
#define IOAT_VERSION		0x08	/* 8-bit: 0x32, 0x33 */
#define IOAT_CHAN0		0x80	/* channel 0's registers */
#define IOAT_CHANCTRL		0x00	/* 16-bit */
#define  IOAT_CHANCTRL_INT_REARM	0x0001
#define  IOAT_CHANCTRL_ERR_ABORT	0x0008
#define IOAT_CHANCMD		0x04	/* 8-bit */
#define  IOAT_CHANCMD_SUSPEND	0x04
#define  IOAT_CHANCMD_RESET	0x20
#define IOAT_DMACOUNT		0x06	/* 16-bit */
#define IOAT_CHANSTS		0x08	/* 64-bit; low 3 bits the state */
#define  IOAT_ST_ACTIVE		0
#define  IOAT_ST_DONE		1
#define  IOAT_ST_SUSPENDED	2
#define  IOAT_ST_HALTED		3
#define IOAT_CHAINADDR		0x10	/* 64-bit */
#define IOAT_CHANERR		0x28	/* 32-bit, write 1s to clear */
#define IOAT_CFG_DMAUNCERRSTS	0x148	/* config space, 32-bit */
#define IOAT_CFG_CHANERR_INT	0x180	/* config space, 32-bit */

/* The 64-byte descriptor (hw.h struct ioat_dma_descriptor), a copy: op 0 in ctl[31:24]. */
struct ioat_desc {
	uint32_t size;
	uint32_t ctl;
	uint64_t src, dst, next;
	uint64_t rsv[4];
};

static bool ioat_match(uint16_t vendor, uint16_t device)
{
	return vendor == 0x8086 && device == 0x2021;
}

static uint64_t ioat_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int rd(struct rs_dma_engine *e, unsigned int off, void *v, size_t len)
{
	return rs_vfio_bar_read(e->dev, 0, off, v, len);
}

static int wr(struct rs_dma_engine *e, unsigned int off, uint64_t v, size_t len)
{
	return rs_vfio_bar_write(e->dev, 0, off, &v, len);	/* little endian */
}

static int ioat_state(struct rs_dma_engine *e, unsigned int *st)
{
	uint64_t v = 0;
	int ret = rd(e, IOAT_CHAN0 + IOAT_CHANSTS, &v, 8);

	*st = (unsigned int)(v & 7);
	return ret;
}

static void ioat_errors(struct rs_dma_engine *e, char *why, const char *what)
{
	uint32_t chanerr = 0, inter = 0, unc = 0;

	rd(e, IOAT_CHAN0 + IOAT_CHANERR, &chanerr, 4);
	rs_vfio_cfg_read(e->dev, IOAT_CFG_CHANERR_INT, &inter, 4);
	rs_vfio_cfg_read(e->dev, IOAT_CFG_DMAUNCERRSTS, &unc, 4);
	rs_why(why, -EIO, "ioat %s: %s: CHANERR 0x%x, CHANERR_INT 0x%x, DMAUNCERRSTS 0x%x",
	       e->dev->bdf, what, chanerr, inter, unc);
	/* clear them, for the next copy */
	wr(e, IOAT_CHAN0 + IOAT_CHANERR, chanerr, 4);
	rs_vfio_cfg_write(e->dev, IOAT_CFG_CHANERR_INT, &inter, 4);
	rs_vfio_cfg_write(e->dev, IOAT_CFG_DMAUNCERRSTS, &unc, 4);
}

static int ioat_reset(struct rs_dma_engine *e, char *why)
{
	uint64_t deadline = ioat_now() + 5000000000ULL;
	unsigned int st;
	uint8_t cmd;
	char ignore[RS_WHY_LEN];
	int ret;

	ioat_errors(e, ignore, "reset");
	ret = wr(e, IOAT_CHAN0 + IOAT_CHANCMD, IOAT_CHANCMD_RESET, 1);
	while (!ret) {
		ret = rd(e, IOAT_CHAN0 + IOAT_CHANCMD, &cmd, 1);
		if (ret || !(cmd & IOAT_CHANCMD_RESET))
			break;
		if (ioat_now() > deadline)
			return rs_why(why, -ETIMEDOUT, "ioat %s: channel reset did not finish",
				      e->dev->bdf);
		usleep(1000);
	}
	if (!ret)
		ret = ioat_state(e, &st);
	if (ret)
		return rs_why(why, ret, "ioat %s: channel reset: %s", e->dev->bdf, strerror(-ret));
	if (st != IOAT_ST_HALTED)
		return rs_why(why, -EIO, "ioat %s: channel state %u after reset (expected halted)",
			      e->dev->bdf, st);
	return 0;
}

static int ioat_init(struct rs_dma_engine *e, char *why)
{
	uint8_t ver = 0, cap = 0;
	int ret;

	ret = rd(e, IOAT_VERSION, &ver, 1);
	if (!ret)
		ret = rd(e, IOAT_XFERCAP, &cap, 1);
	if (ret)
		return rs_why(why, ret, "ioat %s: reading BAR0: %s", e->dev->bdf, strerror(-ret));
	if (ver != 0x32 && ver != 0x33)
		return rs_why(why, -ENODEV, "ioat %s: version 0x%x (0x32 or 0x33 supported)",
			      e->dev->bdf, ver);
	ret = ioat_reset(e, why);
	if (ret)
		return ret;
	e->dma_mask = (1ULL << 48) - 1;
	e->max_len = cap && cap < 20 ? 1ULL << cap : 1ULL << 20;
	e->reports_faults = true;
	return 0;
}

static void ioat_fini(struct rs_dma_engine *e)
{
	char why[RS_WHY_LEN];

	ioat_reset(e, why);
}

static int ioat_copy(struct rs_dma_engine *e, uint64_t src, uint64_t dst, uint64_t len,
		     uint64_t timeout_ns, char *why)
{
	volatile struct ioat_desc *d = e->mem;
	uint64_t deadline = ioat_now() + timeout_ns;
	unsigned int st;
	int ret;

	d->size = (uint32_t)len;
	d->ctl = 0;			/* copy, no interrupt, no completion write */
	d->src = src;
	d->dst = dst;
	d->next = e->mem_iova;		/* a ring of one */
	rs_dma_wmb();
	ret = wr(e, IOAT_CHAN0 + IOAT_CHAINADDR, e->mem_iova, 8);
	if (!ret)
		ret = wr(e, IOAT_CHAN0 + IOAT_CHANCTRL,
			 IOAT_CHANCTRL_INT_REARM | IOAT_CHANCTRL_ERR_ABORT, 2);
	if (!ret)
		ret = wr(e, IOAT_CHAN0 + IOAT_DMACOUNT, 1, 2);
	if (ret)
		return rs_why(why, ret, "ioat %s: starting a copy: %s", e->dev->bdf,
			      strerror(-ret));
	for (;;) {
		ret = ioat_state(e, &st);
		if (ret)
			return rs_why(why, ret, "ioat %s: channel status: %s", e->dev->bdf,
				      strerror(-ret));
		if (st == IOAT_ST_DONE)
			break;
		if (st == IOAT_ST_HALTED) {
			ioat_errors(e, why, "the copy halted the channel");
			ioat_reset(e, NULL);
			return -EIO;
		}
		if (ioat_now() > deadline)
			return rs_why(why, -ETIMEDOUT, "ioat %s: the copy did not finish (state %u)",
				      e->dev->bdf, st);
		usleep(100);
	}
	/* suspended between copies, as the vfio selftest driver leaves it */
	ret = wr(e, IOAT_CHAN0 + IOAT_CHANCMD, IOAT_CHANCMD_SUSPEND, 1);
	while (!ret && !(ret = ioat_state(e, &st)) && st != IOAT_ST_SUSPENDED) {
		if (ioat_now() > deadline)
			return rs_why(why, -ETIMEDOUT, "ioat %s: the channel did not suspend",
				      e->dev->bdf);
		usleep(100);
	}
	return ret ? rs_why(why, ret, "ioat %s: suspend: %s", e->dev->bdf, strerror(-ret)) : 0;
}

const struct rs_dma_engine_ops rs_dma_ioat = {
	.name = "ioat",
	.help = "Intel I/OAT 3.2/3.3 (8086:2021), channel 0, polled; a fault halts the channel",
	.match = ioat_match,
	.init = ioat_init,
	.fini = ioat_fini,
	.copy = ioat_copy,
};
