// SPDX-License-Identifier: GPL-2.0
/*
 * Importer "dma": a device really DMAs through the importer's mapping, and an oracle
 * checks that a revoke stops it.
 *
 * The DMA engine's device (`device`, e.g. the lab's edu) is opened through its VFIO cdev
 * with an iommufd and IOAS of its own, so it sits behind a real IOMMU paging domain
 * (intel-iommu, virtio-iommu).  Every buffer is IOMMU_IOAS_MAP_FILE'd into that IOAS at a
 * fixed IOVA the engine can reach: the engine's DMA into it is peer-to-peer DMA into the
 * exporter's BAR through the IOMMU.  Each probe copies a 64-byte stamp (run nonce,
 * sequence, cycle, kind, buffer, time, check) from our memory into the buffer; the oracle
 * reads the exporter's memory back through the exporter's own VFIO region (the CPU, not
 * the engine) and says:
 *   - a DMA issued after a revoke returned must not land, and the IOMMU must see the
 *     fault (its fault interrupt count moves; the kernel's fault line names the device
 *     and address when its rate limit lets it through);
 *   - a DMA issued after the restore and the remap must land;
 *   - stamps that landed before a revoke are intact after it.
 * A revoke counts from the exporter's revoke-state epoch, which triggers bump after the
 * kernel call returned.  Every buffer of an exporter covers the same memory, so the
 * stamps of one exporter share a cursor over it.  Violations fail the hook (or, for
 * traffic, the next hook) with the stamp; the counts are rs_count() counters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <linux/pci_regs.h>

#include "rs_lib/dma_engine.h"
#include "rs_lib/iommu_fault.h"
#include "rs_lib/iommufd.h"
#include "rs_lib/plug.h"
#include "rs_lib/revoke.h"
#include "rs_lib/vfio.h"
#include "rs_util.h"

#define STAMP		64u
#define MEM_IOVA	0x100000ULL		/* engine memory, then the stamp page */
#define BUF_IOVA	0x1000000ULL		/* the buffers, from 16 MiB */
#define BUF_ALIGN	(2ULL << 20)
#define MAX_TARGETS	8
#define LANDED_RING	16			/* landed stamps re-checked after a revoke */
#define MAX_PENDING	64			/* "must not land" stamps not checked yet */
#define MAX_LATE	8			/* traffic violations reported at the next hook */

enum probe_kind { K_IMPORT = 1, K_AFTER_REVOKE, K_AFTER_RESTORE, K_TRAFFIC };
static const char *const kind_name[] = {
	"?", "after import", "after revoke", "after restore+remap", "traffic"
};

struct stamp {
	char magic[8];
	uint64_t nonce, seq, cycle;
	uint32_t kind, buf;
	uint64_t t_ns, check, pad;
};

struct rec {
	uint64_t seq, cycle, off, t_ns;
	int kind;
	unsigned int buf;
	bool fault_seen;
	struct stamp s;
};

/* The memory every buffer of one exporter covers. */
struct target {
	struct rs_exporter *ex;
	uint64_t size, stride, iova_base, cursor;
	struct rec landed[LANDED_RING];
	unsigned int nr_landed, landed_head;
	struct rec pending[MAX_PENDING];
	unsigned int nr_pending;
};

struct dma_im {
	struct rs_vfio_dev dev;
	struct rs_iommufd f;		/* dev's iommufd and IOAS (not ours to close) */
	struct rs_dma_engine eng;
	struct rs_iommu_faults faults;
	bool fault_check;
	void *mem;			/* engine memory + one stamp page */
	size_t mem_len;
	uint64_t next_iova;
	uint64_t nonce, seq;
	uint64_t dma_timeout, fault_timeout;
	struct target tgt[MAX_TARGETS];
	unsigned int nr_tgt;
	char late[MAX_LATE][RS_WHY_LEN];
	unsigned int nr_late;
};

struct dma_imp {
	struct target *tgt;
	uint64_t iova;
	bool mapped;
	unsigned long map_epoch;	/* exporter revokes seen when we mapped */
	uint64_t cycle;
};

static const struct rs_opt dma_opts[] = {
	{ "device", RS_OPT_STR, NULL,
	  "PCI name of the DMA engine's device, bound to vfio-pci with a VFIO cdev (lab: $RS_EDU)" },
	{ "engine", RS_OPT_ENUM, "auto", "DMA engine driver; auto: by PCI IDs",
	  "auto|" RS_DMA_ENGINE_NAMES },
	{ "fault_check", RS_OPT_BOOL, "true",
	  "require the IOMMU fault of every DMA issued after a revoke (intel-iommu, virtio-iommu)" },
	{ "fault_timeout", RS_OPT_TIME, "2s", "longest wait for that fault" },
	{ "dma_timeout", RS_OPT_TIME, "5s", "longest wait for one copy of the engine" },
	{ NULL },
};

/* The counters, declared in this order at open. */
static const char *const counter_names[] = {
	"probes", "after_revoke", "blocked", "landed_after_revoke", "faults_seen",
	"faults_missing", "fault_lines", "disagree", "must_land", "landed", "lost",
	"traffic_landed", "intact_checked", "intact_lost", "unchecked", "violations",
};

static uint64_t stamp_check(const struct stamp *s)
{
	const uint64_t *w = (const uint64_t *)s;
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	unsigned int i;

	for (i = 0; i < offsetof(struct stamp, check) / 8; i++)
		h = (h ^ w[i]) * 0x100000001b3ULL;
	return h;
}

static void rec_str(const struct rec *r, char *buf, size_t len)
{
	snprintf(buf, len, "stamp %llu (cycle %llu, %s, buffer %u, offset 0x%llx)",
		 (unsigned long long)r->seq, (unsigned long long)r->cycle, kind_name[r->kind],
		 r->buf, (unsigned long long)r->off);
}

static void violation(struct rs_importer *im, char *why, const char *counter, const char *fmt,
		      ...) __attribute__((format(printf, 4, 5)));
static void violation(struct rs_importer *im, char *why, const char *counter, const char *fmt,
		      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, RS_WHY_LEN, fmt, ap);
	va_end(ap);
	rs_count(&im->o, counter, 1);
	rs_count(&im->o, "violations", 1);
	rs_log(im->o.ctx, "importer %s: ORACLE: %s", im->o.name, why);
}

/* ------------------------------------------------------------ setup */

static void dma_teardown(struct dma_im *m)
{
	if (m->eng.ops)
		rs_dma_engine_close(&m->eng);
	rs_iommu_faults_close(&m->faults);
	rs_vfio_destroy(&m->dev);
	if (m->mem)
		munmap(m->mem, m->mem_len);
	free(m);
}

static int dma_open(struct rs_importer *im)
{
	const char *bdf = rs_sec_str(im->o.sec, "device");
	char why[RS_WHY_LEN];
	struct dma_im *m;
	unsigned int i;
	int ret;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	rs_vfio_init(&m->dev);
	m->faults.kmsg = -1;
	m->dma_timeout = rs_sec_time_ns(im->o.sec, "dma_timeout");
	m->fault_timeout = rs_sec_time_ns(im->o.sec, "fault_timeout");
	m->fault_check = rs_sec_bool(im->o.sec, "fault_check");
	ret = rs_vfio_open(&m->dev, bdf, RS_VFIO_CDEV, why);
	if (ret) {
		dma_teardown(m);
		/* no cdev: no IOMMU (no-IOMMU mode), so nothing could stop its DMA */
		return ret == -ENODEV ? rs_skip(&im->o, "DMA engine device: %s", why) :
					rs_fail(&im->o, ret, why);
	}
	m->f.fd = m->dev.iommufd;
	m->f.ioas_id = m->dev.ioas_id;
	m->f.access_fd = -1;
	m->mem_len = RS_DMA_ENGINE_MEM + 4096;
	m->mem = mmap(NULL, m->mem_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->mem == MAP_FAILED) {
		m->mem = NULL;
		dma_teardown(m);
		return -ENOMEM;
	}
	ret = rs_iommufd_map_user(&m->f, m->mem, m->mem_len, MEM_IOVA, why);
	if (!ret)
		ret = rs_dma_engine_open(&m->eng, &m->dev, rs_sec_str(im->o.sec, "engine"), m->mem,
					 MEM_IOVA, why);
	if (ret) {
		dma_teardown(m);
		return ret == -ENODEV ? rs_skip(&im->o, "%s", why) : rs_fail(&im->o, ret, why);
	}
	ret = rs_iommu_faults_open(&m->faults, m->dev.bdf, why);
	if (ret && m->fault_check) {
		dma_teardown(m);
		return rs_skip(&im->o, "%s (fault_check = false checks the memory only)", why);
	}
	if (ret) {
		rs_log(im->o.ctx, "importer %s: IOMMU faults not checked: %s", im->o.name, why);
		m->fault_check = false;
	}
	m->nonce = rs_rand(&im->o) ^ rs_now_ns();
	m->next_iova = BUF_IOVA;
	for (i = 0; i < sizeof(counter_names) / sizeof(counter_names[0]); i++)
		rs_count(&im->o, counter_names[i], 0);
	rs_log(im->o.ctx, "importer %s: DMA engine %s on %s (IOAS %u), DMA mask 0x%llx, %s%s",
	       im->o.name, m->eng.ops->name, m->dev.bdf, m->dev.ioas_id,
	       (unsigned long long)m->eng.dma_mask, m->fault_check ? "faults of " : "faults unchecked",
	       m->fault_check ? m->faults.iommu : "");
	im->o.priv = m;
	return 0;
}

static void dma_close(struct rs_importer *im)
{
	struct dma_im *m = im->o.priv;

	if (!m)
		return;
	rs_iommufd_unmap(&m->f, MEM_IOVA, m->mem_len, NULL);
	dma_teardown(m);
	im->o.priv = NULL;
}

/* ------------------------------------------------------------ the exporter's memory */

static int target_of(struct rs_importer *im, struct rs_buf *buf, struct target **out,
		     char *why)
{
	struct dma_im *m = im->o.priv;
	struct rs_vfio_dev *d = rs_ex_handle(buf->ex, "vfio");
	struct target *t;
	unsigned int i;

	if (!d)
		return rs_why(why, -RS_ESKIP, "exporter %s (type %s) is not a vfio device: the "
			      "oracle reads the exporter's memory back through its VFIO region",
			      buf->ex->o.name, buf->ex->ops->type);
	for (i = 0; i < m->nr_tgt; i++) {
		if (m->tgt[i].ex == buf->ex) {
			*out = &m->tgt[i];
			return 0;
		}
	}
	/*
	 * The oracle writes stamps and reads them back: it needs memory, a prefetchable BAR
	 * (no side effects of reads or writes), not a device's registers (an nvme's BAR0).
	 */
	if (!(d->cfg[PCI_BASE_ADDRESS_0 + 4 * d->export_bar] & PCI_BASE_ADDRESS_MEM_PREFETCH))
		return rs_why(why, -RS_ESKIP, "exporter %s exports BAR%u of %s, which is not "
			      "prefetchable memory: the oracle's stamps would land in registers",
			      buf->ex->o.name, d->export_bar, d->bdf);
	if (m->nr_tgt == MAX_TARGETS)
		return rs_why(why, -ENOSPC, "at most %d exporters per dma importer", MAX_TARGETS);
	t = &m->tgt[m->nr_tgt];
	memset(t, 0, sizeof(*t));
	t->ex = buf->ex;
	t->size = buf->size;
	t->stride = (buf->size + BUF_ALIGN - 1) & ~(BUF_ALIGN - 1);
	t->iova_base = m->next_iova;
	/* a slot for every stamp kept (landed, pending) and the next one, or one is overwritten */
	if (t->size < (LANDED_RING + MAX_PENDING + 1) * STAMP)
		return rs_why(why, -RS_ESKIP, "buffers of %llu bytes of %s are too small for the DMA "
			      "oracle's stamps: it needs %u bytes", (unsigned long long)buf->size,
			      buf->ex->o.name, (LANDED_RING + MAX_PENDING + 1) * STAMP);
	if (t->iova_base + t->stride * buf->ex->nr_bufs - 1 > m->eng.dma_mask)
		return rs_why(why, -ERANGE, "%u buffers of %llu bytes of %s do not fit below the "
			      "%s engine's DMA mask 0x%llx from IOVA 0x%llx", buf->ex->nr_bufs,
			      (unsigned long long)buf->size, buf->ex->o.name, m->eng.ops->name,
			      (unsigned long long)m->eng.dma_mask,
			      (unsigned long long)t->iova_base);
	m->next_iova += t->stride * buf->ex->nr_bufs;
	m->nr_tgt++;
	*out = t;
	return 0;
}

/* Is the slot at off still wanted (a landed or pending stamp)? */
static bool slot_busy(const struct target *t, uint64_t off)
{
	unsigned int i;

	for (i = 0; i < t->nr_landed; i++)
		if (t->landed[i].off == off)
			return true;
	for (i = 0; i < t->nr_pending; i++)
		if (t->pending[i].off == off)
			return true;
	return false;
}

/* The next free STAMP-sized slot of the target's memory. */
static uint64_t next_slot(struct target *t)
{
	uint64_t slots = t->size / STAMP, off = t->cursor, i;

	for (i = 0; i < slots && slot_busy(t, off); i++)
		off = (off + STAMP) % (slots * STAMP);
	t->cursor = (off + STAMP) % (slots * STAMP);
	return off;
}

/* Read STAMP bytes at off of the exporter's memory through its VFIO region. */
static int target_read(struct target *t, uint64_t off, struct stamp *out, char *why)
{
	struct rs_vfio_dev *d = rs_ex_handle(t->ex, "vfio");
	int ret;

	ret = rs_vfio_get(d, why);
	if (ret)
		return ret;
	ret = rs_vfio_bar_read(d, d->export_bar, d->export_offset + off, out, sizeof(*out));
	rs_vfio_put(d);
	if (ret)
		return rs_why(why, ret, "%s: reading BAR%u at 0x%llx: %s%s", d->bdf, d->export_bar,
			      (unsigned long long)(d->export_offset + off), strerror(-ret),
			      ret == -EIO ? " (memory disabled: revoked)" : "");
	return 0;
}

static unsigned long revokes_of(struct rs_exporter *ex)
{
	struct rs_revoke_ctl *c = rs_ex_handle(ex, "revoke-state");

	return c ? atomic_load(&c->epoch) : 0;
}

/* ------------------------------------------------------------ probes */

/*
 * Copy a fresh stamp into the buffer of imp at the target's next slot.  r gets the
 * record; *faulted whether the IOMMU's fault count moved (when want_fault) within the
 * fault timeout.  0, or -errno of the engine (why).
 */
static int probe(struct rs_importer *im, struct rs_import *imp, int kind, bool want_fault,
		 struct rec *r, char *why)
{
	struct dma_im *m = im->o.priv;
	struct dma_imp *p = imp->priv;
	struct target *t = p->tgt;
	struct stamp *s = (struct stamp *)((char *)m->mem + RS_DMA_ENGINE_MEM);
	uint64_t before = 0, after = 0;
	char line[RS_WHY_LEN];
	int ret;

	memset(r, 0, sizeof(*r));
	r->off = next_slot(t);
	r->seq = ++m->seq;
	r->cycle = p->cycle;
	r->kind = kind;
	r->buf = imp->buf->index;
	r->t_ns = rs_now_ns();
	memset(s, 0, sizeof(*s));
	memcpy(s->magic, "rsDMAst", 8);
	s->nonce = m->nonce;
	s->seq = r->seq;
	s->cycle = r->cycle;
	s->kind = (uint32_t)kind;
	s->buf = r->buf;
	s->t_ns = r->t_ns;
	s->check = stamp_check(s);
	r->s = *s;
	rs_count(&im->o, "probes", 1);
	if (want_fault && m->fault_check)
		rs_iommu_faults_irqs(&m->faults, &before);
	ret = rs_dma_engine_copy(&m->eng, MEM_IOVA + RS_DMA_ENGINE_MEM, p->iova + r->off, STAMP,
				 m->dma_timeout, why);
	if (ret == -EIO && want_fault)
		ret = 0;	/* an engine that reports the fault itself: seen below */
	if (ret)
		return ret;
	if (want_fault && m->fault_check) {
		ret = rs_iommu_faults_wait(&m->faults, before, m->fault_timeout, &after);
		r->fault_seen = ret == 1;
		rs_count(&im->o, r->fault_seen ? "faults_seen" : "faults_missing", 1);
		ret = rs_iommu_faults_kmsg(&m->faults, p->iova + r->off, STAMP, line, sizeof(line));
		if (ret > 0)
			rs_count(&im->o, "fault_lines", (uint64_t)ret);
	}
	return 0;
}

/* Did r's stamp land?  1 yes, 0 no, -errno: could not read (why). */
static int landed(struct target *t, const struct rec *r, struct stamp *now, char *why)
{
	int ret = target_read(t, r->off, now, why);

	if (ret)
		return ret;
	return !memcmp(now, &r->s, sizeof(*now));
}

static void hex16(const void *p, char *out)
{
	const uint8_t *b = p;
	int i;

	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void remember_landed(struct target *t, const struct rec *r)
{
	t->landed[t->landed_head] = *r;
	t->landed_head = (t->landed_head + 1) % LANDED_RING;
	if (t->nr_landed < LANDED_RING)
		t->nr_landed++;
}

/*
 * A DMA through the importer's mapping landed after the revoke returned: the mapping
 * outlived the revoke.  Said to the trace oracle as a claim about the kernel.
 */
static void claim_landed(struct rs_importer *im, struct target *t, const struct rec *r,
			 const char *what)
{
	if (r->buf < t->ex->nr_bufs)
		rs_claim(&im->o, RS_CLAIM_MAPPED_AFTER_REVOKE, &t->ex->bufs[r->buf], what);
}

/*
 * A probe that must not land: checked now if the buffer is live again (a trigger that
 * revoked and restored in one call, or a restore before our remap), else remembered for
 * the restore.  Reading the BAR of a revoked device would fail (memory off) or wake it
 * from low power: not now.
 */
static int check_not_landed(struct rs_importer *im, struct target *t, struct rec *r, char *why)
{
	struct dma_im *m = im->o.priv;
	enum rs_revoke_state st = rs_revoke_get(rs_ex_handle(t->ex, "revoke-state"));
	struct stamp now;
	char what[160], rd[RS_WHY_LEN];
	int ret = st == RS_PULSED || st == RS_LIVE ? landed(t, r, &now, rd) : -EAGAIN;

	rec_str(r, what, sizeof(what));
	if (ret == 1) {
		violation(im, why, "landed_after_revoke", "DMA of %s issued after the revoke "
			  "returned LANDED in %s's memory (IOMMU fault %s)", what, t->ex->o.name,
			  r->fault_seen ? "seen" : "not seen");
		claim_landed(im, t, r, why);
		return -EPROTO;
	}
	if (ret == 0) {
		rs_count(&im->o, "blocked", 1);
		if (m->fault_check && !r->fault_seen) {
			violation(im, why, "disagree", "DMA of %s neither landed nor raised an "
				  "IOMMU fault on %s within %.1f s: the two oracles disagree", what,
				  m->faults.iommu, (double)m->fault_timeout / 1e9);
			return -EPROTO;
		}
		return 0;
	}
	if (t->nr_pending == MAX_PENDING) {
		rs_count(&im->o, "unchecked", 1);
		memmove(t->pending, t->pending + 1, sizeof(t->pending[0]) * (MAX_PENDING - 1));
		t->nr_pending--;
	}
	t->pending[t->nr_pending++] = *r;
	return 0;
}

/*
 * After a restore (or a re-export): the remembered "must not land" stamps did not land,
 * the landed ones are intact.  The first violation's text goes to why.
 */
static int check_target(struct rs_importer *im, struct target *t, char *why)
{
	struct dma_im *m = im->o.priv;
	char what[160], rd[RS_WHY_LEN], h[40];
	struct stamp now;
	unsigned int i;
	int ret, bad = 0;

	for (i = 0; i < t->nr_pending; i++) {
		struct rec *r = &t->pending[i];

		ret = landed(t, r, &now, rd);
		if (ret < 0) {
			if (!bad)
				rs_why(why, ret, "%s", rd);
			return ret;	/* memory still unreadable: keep them */
		}
		rec_str(r, what, sizeof(what));
		if (ret == 1) {
			if (!bad++) {
				violation(im, why, "landed_after_revoke", "DMA of %s issued after the "
					  "revoke LANDED in %s's memory (found after the restore; "
					  "IOMMU fault %s)", what, t->ex->o.name,
					  r->fault_seen ? "seen" : "not seen");
				claim_landed(im, t, r, why);
			} else {
				rs_count(&im->o, "landed_after_revoke", 1);
			}
			continue;
		}
		rs_count(&im->o, "blocked", 1);
		if (m->fault_check && !r->fault_seen && !bad++)
			violation(im, why, "disagree", "DMA of %s neither landed nor raised an "
				  "IOMMU fault on %s: the two oracles disagree", what,
				  m->faults.iommu);
		else if (m->fault_check && !r->fault_seen)
			rs_count(&im->o, "disagree", 1);
	}
	t->nr_pending = 0;
	for (i = 0; i < t->nr_landed; i++) {
		struct rec *r = &t->landed[i];

		ret = landed(t, r, &now, rd);
		if (ret < 0)
			return bad ? -EPROTO : rs_why(why, ret, "%s", rd);
		rs_count(&im->o, "intact_checked", 1);
		if (ret == 1)
			continue;
		rec_str(r, what, sizeof(what));
		hex16(&now, h);
		if (!bad++)
			violation(im, why, "intact_lost", "%s landed before a revoke and is gone "
				  "after it: %s's memory now reads %s...", what, t->ex->o.name, h);
		else
			rs_count(&im->o, "intact_lost", 1);
	}
	if (bad)
		t->nr_landed = 0;	/* reported once */
	return bad ? -EPROTO : 0;
}

/* A probe that must land (after import, after restore + remap, traffic). */
static int probe_lands(struct rs_importer *im, struct rs_import *imp, int kind, char *why)
{
	struct dma_im *m = im->o.priv;
	struct dma_imp *p = imp->priv;
	unsigned long e0 = revokes_of(imp->buf->ex);
	char what[160], rd[RS_WHY_LEN], h[40];
	struct stamp now;
	uint64_t before = 0, after = 0;
	struct rec r;
	int ret;

	if (m->fault_check)
		rs_iommu_faults_irqs(&m->faults, &before);
	ret = probe(im, imp, kind, false, &r, why);
	if (ret)
		return ret;
	if (kind != K_TRAFFIC)
		rs_count(&im->o, "must_land", 1);
	ret = landed(p->tgt, &r, &now, rd);
	if (ret == 1) {
		rs_count(&im->o, kind == K_TRAFFIC ? "traffic_landed" : "landed", 1);
		remember_landed(p->tgt, &r);
		return 0;
	}
	rec_str(&r, what, sizeof(what));
	if (revokes_of(imp->buf->ex) != e0 || p->map_epoch != e0 || ret < 0) {
		/* a revoke came in between, or the memory is off: no verdict */
		rs_count(&im->o, "unchecked", 1);
		return ret < 0 ? rs_why(why, ret, "%s", rd) :
				 rs_why(why, -EAGAIN, "DMA of %s: a revoke came in between", what);
	}
	hex16(&now, h);
	if (m->fault_check)
		rs_iommu_faults_irqs(&m->faults, &after);
	if (kind == K_TRAFFIC)
		return rs_why(why, -EIO, "traffic DMA of %s did not land (memory reads %s...; "
			      "IOMMU faults %+lld)", what, h, (long long)(after - before));
	violation(im, why, "lost", "DMA of %s through a live mapping did not land "
		  "in %s's memory (it reads %s...; IOMMU faults %+lld)", what, imp->buf->ex->o.name,
		  h, (long long)(after - before));
	return -EPROTO;
}

/* ------------------------------------------------------------ import, revoke, restore */

static int map_buf(struct rs_importer *im, struct rs_import *imp, char *why)
{
	struct dma_im *m = im->o.priv;
	struct dma_imp *p = imp->priv;
	int ret;

	p->map_epoch = revokes_of(imp->buf->ex);
	ret = rs_iommufd_map_file(&m->f, imp->buf->fd, 0, imp->buf->size, &p->iova, true, why);
	if (!ret)
		p->mapped = true;
	return ret;
}

/* Traffic violations are found in the traffic thread; the next hook reports them. */
static int late_violation(struct rs_importer *im, char *why)
{
	struct dma_im *m = im->o.priv;

	if (!m->nr_late)
		return 0;
	snprintf(why, RS_WHY_LEN, "%.200s%s", m->late[0], m->nr_late > 1 ? " (and more)" : "");
	m->nr_late = 0;
	return -EPROTO;
}

static void dma_release(struct rs_importer *im, struct rs_import *imp);

static int dma_import(struct rs_importer *im, struct rs_import *imp)
{
	struct dma_imp *p = calloc(1, sizeof(*p));
	char why[RS_WHY_LEN];
	int ret;

	if (!p)
		return -ENOMEM;
	imp->priv = p;
	/* a re-import after a close trigger: what the traffic found since the last hook */
	ret = late_violation(im, why);
	if (!ret)
		ret = target_of(im, imp->buf, &p->tgt, why);
	if (ret)
		goto fail;
	p->iova = p->tgt->iova_base + p->tgt->stride * imp->buf->index;
	ret = map_buf(im, imp, why);
	if (ret)
		goto fail;
	/* after a re-export (a close trigger): what happened while the device was closed */
	ret = check_target(im, p->tgt, why);
	if (!ret)
		ret = probe_lands(im, imp, K_IMPORT, why);
	if (ret == -EAGAIN)
		ret = 0;
	if (ret)
		goto fail;
	imp->live = true;
	return 0;
fail:
	/* the core releases no import that failed: unmap it, or the next one finds its IOVA taken */
	dma_release(im, imp);
	return rs_fail(&im->o, ret, why);
}

static int dma_revoked(struct rs_importer *im, struct rs_import *imp)
{
	struct dma_imp *p = imp->priv;
	char why[RS_WHY_LEN];
	struct rec r;
	int ret;

	imp->live = false;
	if (!p)
		return 0;
	p->cycle++;
	ret = late_violation(im, why);
	if (ret)
		return rs_fail(&im->o, ret, why);
	if (!p->mapped)
		return 0;
	ret = probe(im, imp, K_AFTER_REVOKE, true, &r, why);
	if (ret)
		return rs_fail(&im->o, ret, why);
	rs_count(&im->o, "after_revoke", 1);
	ret = check_not_landed(im, p->tgt, &r, why);
	return ret ? rs_fail(&im->o, ret, why) : 0;
}

static int dma_restored(struct rs_importer *im, struct rs_import *imp)
{
	struct dma_im *m = im->o.priv;
	struct dma_imp *p = imp->priv;
	char why[RS_WHY_LEN];
	int ret;

	if (!p)
		return 0;
	ret = late_violation(im, why);
	if (ret)
		return rs_fail(&im->o, ret, why);
	/* iommufd's revoke is permanent for the area: unmap it and map the buffer again */
	if (p->mapped) {
		ret = rs_iommufd_unmap(&m->f, p->iova, imp->buf->size, why);
		if (ret)
			return rs_fail(&im->o, ret, why);
		p->mapped = false;
	}
	ret = map_buf(im, imp, why);
	if (ret)
		return rs_fail(&im->o, ret, why);
	ret = check_target(im, p->tgt, why);
	if (!ret)
		ret = probe_lands(im, imp, K_AFTER_RESTORE, why);
	if (ret == -EAGAIN)
		ret = 0;
	if (ret)
		return rs_fail(&im->o, ret, why);
	imp->live = true;
	return 0;
}

/*
 * One stamp.  Issued with no revoke since our mapping, it must land (the core decides
 * whether a failure raced a revoke); issued after one, it must not, and landing is kept
 * for the next hook to report (the core counts traffic failures around a revoke as
 * expected, which would hide it).
 */
static int64_t dma_traffic(struct rs_importer *im, struct rs_import *imp)
{
	struct dma_im *m = im->o.priv;
	struct dma_imp *p = imp->priv;
	unsigned long e0 = revokes_of(imp->buf->ex);
	char why[RS_WHY_LEN];
	struct rec r;
	int ret;

	if (!p || !p->mapped)
		return rs_skip(&im->o, "not mapped");
	if (e0 == p->map_epoch) {
		ret = probe_lands(im, imp, K_TRAFFIC, why);
		if (ret == -EAGAIN)
			ret = -EIO;
		return ret ? rs_fail(&im->o, ret, why) : (int64_t)STAMP;
	}
	/* revoked since we mapped, and the revoke returned (the epoch moves after it) */
	ret = probe(im, imp, K_TRAFFIC, true, &r, why);
	if (ret)
		return rs_fail(&im->o, ret, why);
	rs_count(&im->o, "after_revoke", 1);
	ret = check_not_landed(im, p->tgt, &r, why);
	if (ret && m->nr_late < MAX_LATE)
		snprintf(m->late[m->nr_late++], RS_WHY_LEN, "traffic: %.240s", why);
	return rs_skip(&im->o, "revoked since mapped: DMA must not land");
}

static void dma_release(struct rs_importer *im, struct rs_import *imp)
{
	struct dma_im *m = im->o.priv;
	struct dma_imp *p = imp->priv;

	if (!p)
		return;
	if (p->mapped)
		rs_iommufd_unmap(&m->f, p->iova, imp->buf->size, NULL);
	free(p);
	imp->priv = NULL;
	imp->live = false;
}

/*
 * The storm matrix's preset: the lab's edu (or RS_DMA_DEVICE on hardware).  Buffers of
 * exporters that are not prefetchable VFIO BARs (an nvme's registers, the iommufd mock)
 * are skipped with the reason.
 */
static const struct rs_variant dma_variants[] = {
	{ "edu", "device = ${RS_DMA_DEVICE:-${RS_EDU:-0000:00:05.0}}", RS_EXPECT_CLEAN },
	{ NULL },
};

static const struct rs_importer_ops dma_importer = {
	.type = "dma",
	.help = "a DMA engine (edu, ioat, dsa) through VFIO DMAs stamps into the buffers through "
		"its IOMMU domain; the oracle checks revokes stop it",
	.opts = dma_opts,
	.open = dma_open,
	.import = dma_import,
	.revoked = dma_revoked,
	.restored = dma_restored,
	.traffic = dma_traffic,
	.release = dma_release,
	.close = dma_close,
	.variants = dma_variants,
};
RS_REGISTER(importer, dma_importer)
