// SPDX-License-Identifier: GPL-2.0
/*
 * Importer "iommufd": IOMMU_IOAS_MAP_FILE of each buffer into an IOAS of our own, with
 * IOMMUFD_TEST mock domains attached so a revoke really unmaps (mock) page tables.
 *
 * iommufd's revoke is permanent for a mapping: `revoked` checks a new MAP_FILE fails
 * with ENODEV (or, after a trigger that revoked and un-revoked in one call, that it
 * works again); `restored` unmaps and maps again.
 *
 * Traffic: iommufd's in-kernel accesses (IOMMU_TEST_OP_ACCESS_RW) refuse dma-buf pages
 * with EINVAL (pages.c iopt_pages_rw_access/iopt_area_*: iopt_is_dmabuf), so nothing
 * moves through the mapping itself.  "bar" reads the same BAR span through the VFIO
 * device's region (pread: EIO while memory is disabled, and it takes the memory_lock a
 * revoke holds); "access" issues ACCESS_RW anyway and reports its errno.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rs_lib/iommufd.h"
#include "rs_lib/plug.h"
#include "rs_lib/revoke.h"
#include "rs_lib/vfio.h"

enum { VIA_AUTO, VIA_BAR, VIA_ACCESS, VIA_NONE };

struct iommufd_im {
	struct rs_iommufd f;
	int via;
	uint64_t traffic_bytes;
	pthread_mutex_t lock;	/* one IOAS shared by the imports */
};

struct iommufd_imp {
	uint64_t iova, len;
	bool mapped;
	unsigned long ino;	/* of the buffer mapped: a re-export changes it */
	void *bounce;
};

static const struct rs_opt iommufd_im_opts[] = {
	{ "mock_domains", RS_OPT_INT, "1",
	  "IOMMUFD_TEST mock domains attached to the IOAS (0: none, the IOAS only)", NULL, 0,
	  RS_IOMMUFD_MAX_MOCK },
	{ "via", RS_OPT_ENUM, "auto",
	  "traffic path: bar (pread of the exported BAR span through the VFIO region), "
	  "access (IOMMU_TEST_OP_ACCESS_RW: EINVAL on dma-buf pages), none; auto: bar "
	  "for a vfio exporter, else none", "auto|bar|access|none" },
	{ "traffic_bytes", RS_OPT_SIZE, "4KiB", "bytes per traffic call" },
	{ NULL },
};

static int iommufd_im_open(struct rs_importer *im)
{
	int64_t nr = rs_sec_int(im->o.sec, "mock_domains");	/* 0..RS_IOMMUFD_MAX_MOCK */
	char why[RS_WHY_LEN];
	struct iommufd_im *m;
	int ret, i;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	m->via = rs_sec_enum(im->o.sec, "via");	/* VIA_* are in the choices' order */
	m->traffic_bytes = rs_sec_size(im->o.sec, "traffic_bytes");
	ret = rs_iommufd_open(&m->f, why);
	if (ret) {
		free(m);
		return rs_fail(&im->o, ret, why);
	}
	for (i = 0; i < nr; i++) {
		ret = rs_iommufd_mock_domain(&m->f, why);
		if (ret == -EOPNOTSUPP) {
			rs_log(im->o.ctx, "importer %s: no mock domains: %s; mapping into the IOAS "
			       "alone (a revoke then has no page table to unmap)", im->o.name, why);
			break;
		}
		if (ret) {
			rs_iommufd_close(&m->f);
			free(m);
			return rs_fail(&im->o, ret, why);
		}
	}
	if (m->via == VIA_ACCESS && rs_iommufd_access_create(&m->f, why)) {
		rs_iommufd_close(&m->f);
		free(m);
		return rs_skip(&im->o, "traffic via access: %s", why);
	}
	im->o.priv = m;
	return 0;
}

static int map_locked(struct iommufd_im *m, struct rs_import *imp, struct iommufd_imp *p,
		      char *why)
{
	int ret;

	p->len = imp->buf->size;
	ret = rs_iommufd_map_file(&m->f, imp->buf->fd, 0, p->len, &p->iova, false, why);
	if (ret)
		return ret;
	p->mapped = true;
	p->ino = imp->buf->ino;
	return 0;
}

static int iommufd_im_import(struct rs_importer *im, struct rs_import *imp)
{
	struct iommufd_im *m = im->o.priv;
	struct iommufd_imp *p = calloc(1, sizeof(*p));
	char why[RS_WHY_LEN];
	int ret;

	if (!p)
		return -ENOMEM;
	pthread_mutex_lock(&m->lock);
	ret = map_locked(m, imp, p, why);
	pthread_mutex_unlock(&m->lock);
	if (ret) {
		free(p);	/* a failed import is never released */
		return rs_fail(&im->o, ret, why);
	}
	imp->priv = p;
	imp->live = true;
	return 0;
}

static int iommufd_im_revoked(struct rs_importer *im, struct rs_import *imp)
{
	struct iommufd_im *m = im->o.priv;
	struct rs_revoke_ctl *rc = rs_ex_handle(imp->buf->ex, "revoke-state");
	enum rs_revoke_state st = rs_revoke_get(rc);
	char why[RS_WHY_LEN];
	uint64_t iova = 0;
	bool woken;
	int ret;

	imp->live = false;
	if (imp->buf->fd < 0)
		return 0;
	woken = st == RS_REVOKED_WAKE && rs_revoke_woken(rc, 0);
	pthread_mutex_lock(&m->lock);
	ret = rs_iommufd_map_file(&m->f, imp->buf->fd, 0, imp->buf->size, &iova, false, why);
	if (!ret)
		rs_iommufd_unmap(&m->f, iova, imp->buf->size, NULL);
	pthread_mutex_unlock(&m->lock);
	if (st == RS_PULSED) {
		/* revoked and un-revoked already: a new mapping must work again */
		return ret ? rs_fail(&im->o, ret, why) : 0;
	}
	if (st == RS_REVOKED_WAKE && (!ret || ret == -ENODEV)) {
		ret = rs_revoke_wake_check(rc, woken, !ret, why);
		return ret ? rs_err(&im->o, EPROTO, "a new IOMMU_IOAS_MAP_FILE of %s buffer %u: "
				    "%s", imp->buf->ex->o.name, imp->buf->index, why) : 0;
	}
	if (ret == -ENODEV)
		return 0;
	if (!ret)
		return rs_err(&im->o, EPROTO, "a new IOMMU_IOAS_MAP_FILE of %s buffer %u "
			      "succeeded while it is %s (expected ENODEV)", imp->buf->ex->o.name,
			      imp->buf->index, rs_revoke_state_name(st));
	return rs_fail(&im->o, ret, why);
}

static int iommufd_im_restored(struct rs_importer *im, struct rs_import *imp)
{
	struct iommufd_im *m = im->o.priv;
	struct iommufd_imp *p = imp->priv;
	char why[RS_WHY_LEN];
	int ret = 0;

	pthread_mutex_lock(&m->lock);
	if (p->mapped) {
		/* the old mapping is dead for good: unmap it, which drops the dma-buf */
		ret = rs_iommufd_unmap(&m->f, p->iova, p->len, why);
		p->mapped = false;
	}
	if (!ret)
		ret = map_locked(m, imp, p, why);
	pthread_mutex_unlock(&m->lock);
	if (ret)
		return rs_fail(&im->o, ret, why);
	imp->live = true;
	return 0;
}

static int64_t traffic_bar(struct rs_importer *im, struct rs_import *imp, struct iommufd_imp *p,
			   struct rs_vfio_dev *d, uint64_t n)
{
	struct vfio_region_info ri;
	char why[RS_WHY_LEN];
	uint64_t off;
	ssize_t r;
	int ret;

	if (!p->bounce) {
		p->bounce = malloc(n);
		if (!p->bounce)
			return -ENOMEM;
	}
	ret = rs_vfio_get(d, why);
	if (ret)
		return rs_fail(&im->o, ret, why);
	ret = rs_vfio_region_info(d, d->export_bar, &ri);
	if (ret) {
		rs_vfio_put(d);
		return rs_err(&im->o, -ret, "%s: BAR%u region info", d->bdf, d->export_bar);
	}
	off = d->export_size > n ? rs_rand(&im->o) % (d->export_size - n + 1) : 0;
	off &= ~7ULL;
	r = pread(d->fd, p->bounce, n, (off_t)(ri.offset + d->export_offset + off));
	ret = r < 0 ? -errno : 0;
	rs_vfio_put(d);
	if (r < 0)
		return rs_err(&im->o, -ret, "%s: pread of BAR%u at %llu: %s%s", d->bdf,
			      d->export_bar, (unsigned long long)(d->export_offset + off),
			      strerror(-ret), ret == -EIO ? " (memory disabled: revoked)" : "");
	return r;
}

static int64_t iommufd_im_traffic(struct rs_importer *im, struct rs_import *imp)
{
	struct iommufd_im *m = im->o.priv;
	struct iommufd_imp *p = imp->priv;
	struct rs_vfio_dev *d = rs_ex_handle(imp->buf->ex, "vfio");
	uint64_t n = m->traffic_bytes;
	char why[RS_WHY_LEN];
	int ret;

	if (n > imp->buf->size)
		n = imp->buf->size;
	switch (m->via) {
	case VIA_AUTO:
	case VIA_BAR:
		if (d)
			return traffic_bar(im, imp, p, d, n);
		return rs_skip(&im->o, "no traffic: exporter %s is not a vfio device (iommufd "
			       "accesses refuse dma-buf pages)", imp->buf->ex->o.name);
	case VIA_ACCESS:
		if (!p->bounce) {
			p->bounce = malloc(n);
			if (!p->bounce)
				return -ENOMEM;
		}
		pthread_mutex_lock(&m->lock);
		ret = p->mapped ? rs_iommufd_access_rw(&m->f, p->iova, p->bounce, n, false, why) :
				  rs_why(why, -ENOENT, "not mapped");
		pthread_mutex_unlock(&m->lock);
		return ret ? rs_fail(&im->o, ret, why) : (int64_t)n;
	default:
		return rs_skip(&im->o, "traffic disabled (via = none)");
	}
}

static void iommufd_im_release(struct rs_importer *im, struct rs_import *imp)
{
	struct iommufd_im *m = im->o.priv;
	struct iommufd_imp *p = imp->priv;

	if (!p)
		return;
	pthread_mutex_lock(&m->lock);
	if (p->mapped)
		rs_iommufd_unmap(&m->f, p->iova, p->len, NULL);
	pthread_mutex_unlock(&m->lock);
	free(p->bounce);
	free(p);
	imp->priv = NULL;
	imp->live = false;
}

static void iommufd_im_close(struct rs_importer *im)
{
	struct iommufd_im *m = im->o.priv;

	if (!m)
		return;
	rs_iommufd_close(&m->f);
	pthread_mutex_destroy(&m->lock);
	free(m);
	im->o.priv = NULL;
}

static const struct rs_importer_ops iommufd_importer = {
	.type = "iommufd",
	.help = "IOMMU_IOAS_MAP_FILE into an IOAS with mock domains (revocable importer)",
	.opts = iommufd_im_opts,
	.open = iommufd_im_open,
	.import = iommufd_im_import,
	.revoked = iommufd_im_revoked,
	.restored = iommufd_im_restored,
	.traffic = iommufd_im_traffic,
	.release = iommufd_im_release,
	.close = iommufd_im_close,
};
RS_REGISTER(importer, iommufd_importer)
