// SPDX-License-Identifier: GPL-2.0
/*
 * DMA engine "dsa": Intel Data Streaming Accelerator (Sapphire Rapids 8086:0b25, Granite
 * Rapids-D 8086:11fb, Diamond Rapids 8086:1212), set up the way the vfio selftests do:
 * reset, work queue 0 dedicated with all of the device's WQ space, group 0 with WQ 0
 * and engine 0, device and WQ enabled; one MEMMOVE descriptor submitted with MOVDIR64B
 * to WQ 0's portal (BAR2), polled through its completion record, which names the fault
 * address when the copy faults.  Register offsets and fields: the DSA architecture
 * specification, as in the kernel's drivers/dma/idxd/registers.h; descriptors from
 * <linux/idxd.h>.  Untested here: the lab has no DSA (docs/hardware.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/idxd.h>

#include "rs_lib/dma_engine.h"

#define DSA_GENCAP		0x10
#define  GENCAP_MAX_XFER_SHIFT(v)	(((v) >> 16) & 0x1f)
#define  GENCAP_MAX_BATCH_SHIFT(v)	(((v) >> 21) & 0xf)
#define DSA_WQCAP		0x20
#define  WQCAP_TOTAL_SIZE(v)	((v) & 0xffff)
#define  WQCAP_NUM_WQS(v)	(((v) >> 16) & 0xff)
#define  WQCAP_CFG_SIZE(v)	(((v) >> 24) & 0xf)
#define  WQCAP_ATS(v)		(((v) >> 50) & 1)
#define DSA_GRPCAP		0x30
#define DSA_ENGCAP		0x38
#define DSA_TABLE		0x60	/* grpcfg [15:0], wqcfg [31:16], in 256-byte units */
#define DSA_CMD			0xa0	/* command in [24:20], operand [19:0] */
#define DSA_CMDSTS		0xa8
#define  CMDSTS_ACTIVE		0x80000000u
#define DSA_SWERR		0xc0
#define DSA_CMD_ENABLE_DEVICE	1
#define DSA_CMD_RESET_DEVICE	5
#define DSA_CMD_ENABLE_WQ	6
#define DSA_WQCFG_MIN		5	/* a WQCFG entry is 1 << (cfg_size + 5) bytes */
#define DSA_DESC_OFF		0	/* in e->mem: the descriptor (64-byte aligned) */
#define DSA_COMP_OFF		128	/* and its completion record (32-byte aligned) */

struct dsa_state {
	void *bar0, *portal;
	uint64_t bar0_size, portal_size;
};

static bool dsa_match(uint16_t vendor, uint16_t device)
{
	return vendor == 0x8086 && (device == 0x0b25 || device == 0x11fb || device == 0x1212);
}

static uint64_t dsa_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t rdq(struct dsa_state *s, unsigned int off)
{
	return *(volatile uint64_t *)((char *)s->bar0 + off);
}

static uint32_t rdl(struct dsa_state *s, unsigned int off)
{
	return *(volatile uint32_t *)((char *)s->bar0 + off);
}

static void wrl(struct dsa_state *s, unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)((char *)s->bar0 + off) = v;
}

static void wrq(struct dsa_state *s, unsigned int off, uint64_t v)
{
	*(volatile uint64_t *)((char *)s->bar0 + off) = v;
}

static int dsa_swerr(struct dsa_state *s, struct rs_dma_engine *e, char *why)
{
	uint64_t w0 = rdq(s, DSA_SWERR);

	if (!(w0 & 1))
		return 0;
	return rs_why(why, -EIO, "dsa %s: software error 0x%016llx, fault address 0x%llx",
		      e->dev->bdf, (unsigned long long)w0,
		      (unsigned long long)rdq(s, DSA_SWERR + 16));
}

static int dsa_command(struct rs_dma_engine *e, uint32_t cmd, uint32_t operand, char *why)
{
	struct dsa_state *s = e->priv;
	uint64_t deadline = dsa_now() + 5000000000ULL;
	uint32_t st;
	int ret;

	wrl(s, DSA_CMD, cmd << 20 | (operand & 0xfffff));
	for (;;) {
		ret = dsa_swerr(s, e, why);
		if (ret)
			return ret;
		st = rdl(s, DSA_CMDSTS);
		if (!(st & CMDSTS_ACTIVE))
			break;
		if (dsa_now() > deadline)
			return rs_why(why, -ETIMEDOUT, "dsa %s: command %u did not finish",
				      e->dev->bdf, cmd);
		usleep(1000);
	}
	if (st & 0xff)
		return rs_why(why, -EIO, "dsa %s: command %u failed: status 0x%x", e->dev->bdf,
			      cmd, st & 0xff);
	return 0;
}

#ifdef __x86_64__
static void movdir64b(void *portal, const void *desc)
{
	rs_dma_wmb();
	asm volatile(".byte 0x66, 0x0f, 0x38, 0xf8, 0x02"	/* movdir64b (%rdx), %rax */
		     : : "a"(portal), "d"(desc) : "memory");
}
#endif

static void dsa_unmap(struct dsa_state *s)
{
	if (s->bar0)
		munmap(s->bar0, s->bar0_size);
	if (s->portal)
		munmap(s->portal, s->portal_size);
	s->bar0 = s->portal = NULL;
}

static int dsa_setup(struct rs_dma_engine *e, struct dsa_state *s, char *why)
{
	uint64_t gencap, wqcap, table, grpcfg, wqcfg;
	uint32_t word[16] = { 0 };
	unsigned int i, nwords;
	int ret;

	ret = dsa_command(e, DSA_CMD_RESET_DEVICE, 0, why);
	if (ret)
		return ret;
	gencap = rdq(s, DSA_GENCAP);
	wqcap = rdq(s, DSA_WQCAP);
	if (!WQCAP_NUM_WQS(wqcap) || !(rdq(s, DSA_GRPCAP) & 0xff) || !(rdq(s, DSA_ENGCAP) & 0xff))
		return rs_why(why, -ENODEV, "dsa %s: no work queue, group or engine", e->dev->bdf);
	table = rdq(s, DSA_TABLE);
	grpcfg = (table & 0xffff) * 0x100;
	wqcfg = ((table >> 16) & 0xffff) * 0x100;
	/* WQ 0: all of the WQ space, dedicated, priority 1, ATS off (faults stay faults) */
	word[0] = (uint32_t)WQCAP_TOTAL_SIZE(wqcap);
	word[2] = 1u << 0 | (uint32_t)WQCAP_ATS(wqcap) << 2 | 1u << 4;
	word[3] = (uint32_t)GENCAP_MAX_XFER_SHIFT(gencap) | (uint32_t)GENCAP_MAX_BATCH_SHIFT(gencap) << 5;
	word[8] = 1u << DSA_OPCODE_MEMMOVE | 1u << DSA_OPCODE_BATCH;	/* op_config[0] */
	nwords = (1u << (WQCAP_CFG_SIZE(wqcap) + DSA_WQCFG_MIN)) / 4;
	if (nwords > 16)
		nwords = 16;
	for (i = 0; i < nwords; i++)
		wrl(s, (unsigned int)(wqcfg + i * 4), word[i]);
	/* group 0: WQ 0 and engine 0 */
	wrq(s, (unsigned int)grpcfg, 1);
	wrq(s, (unsigned int)(grpcfg + 32), 1);
	ret = dsa_command(e, DSA_CMD_ENABLE_DEVICE, 0, why);
	if (!ret)
		ret = dsa_command(e, DSA_CMD_ENABLE_WQ, 0, why);
	if (ret)
		return ret;
	e->dma_mask = ~0ULL;
	e->max_len = 1ULL << (GENCAP_MAX_XFER_SHIFT(gencap) < 20 ?
			      GENCAP_MAX_XFER_SHIFT(gencap) : 20);
	e->reports_faults = true;
	return 0;
}

static int dsa_init(struct rs_dma_engine *e, char *why)
{
	struct dsa_state *s;
	int ret;

#ifndef __x86_64__
	return rs_why(why, -EOPNOTSUPP, "dsa %s: MOVDIR64B submission is x86-64 only",
		      e->dev->bdf);
#endif
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ret = rs_vfio_bar_mmap(e->dev, 0, &s->bar0, &s->bar0_size, why);
	if (!ret)
		ret = rs_vfio_bar_mmap(e->dev, 2, &s->portal, &s->portal_size, why);
	if (!ret) {
		e->priv = s;
		ret = dsa_setup(e, s, why);
	}
	if (ret) {
		dsa_unmap(s);
		free(s);
		e->priv = NULL;
	}
	return ret;
}

static void dsa_fini(struct rs_dma_engine *e)
{
	struct dsa_state *s = e->priv;
	char why[RS_WHY_LEN];

	if (!s)
		return;
	dsa_command(e, DSA_CMD_RESET_DEVICE, 0, why);
	dsa_unmap(s);
	free(s);
	e->priv = NULL;
}

static int dsa_copy(struct rs_dma_engine *e, uint64_t src, uint64_t dst, uint64_t len,
		    uint64_t timeout_ns, char *why)
{
	struct dsa_state *s = e->priv;
	struct dsa_hw_desc *d = (struct dsa_hw_desc *)((char *)e->mem + DSA_DESC_OFF);
	struct dsa_completion_record *c =
		(struct dsa_completion_record *)((char *)e->mem + DSA_COMP_OFF);
	uint64_t deadline = dsa_now() + timeout_ns;
	uint8_t st;
	int ret;

	memset(d, 0, sizeof(*d));
	memset((void *)c, 0, sizeof(*c));
	d->opcode = DSA_OPCODE_MEMMOVE;
	d->flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	d->priv = 1;
	d->src_addr = src;
	d->dst_addr = dst;
	d->xfer_size = (uint32_t)len;
	d->completion_addr = e->mem_iova + DSA_COMP_OFF;
#ifdef __x86_64__
	movdir64b(s->portal, d);
#endif
	for (;;) {
		ret = dsa_swerr(s, e, why);
		if (ret)
			return ret;
		st = c->status;
		if (st)
			break;
		if (dsa_now() > deadline)
			return rs_why(why, -ETIMEDOUT, "dsa %s: the copy did not complete",
				      e->dev->bdf);
		usleep(100);
	}
	if ((st & 0x7f) == DSA_COMP_SUCCESS)
		return 0;
	return rs_why(why, -EIO, "dsa %s: copy completed with status 0x%x, %u bytes done, "
		      "fault address 0x%llx", e->dev->bdf, st, c->bytes_completed,
		      (unsigned long long)c->fault_addr);
}

const struct rs_dma_engine_ops rs_dma_dsa = {
	.name = "dsa",
	.help = "Intel DSA (SPR, GNR-D, DMR): dedicated WQ 0, MEMMOVE via MOVDIR64B; the "
		"completion record names a fault",
	.match = dsa_match,
	.init = dsa_init,
	.fini = dsa_fini,
	.copy = dsa_copy,
};
