// SPDX-License-Identifier: GPL-2.0
/*
 * Importer "rdma": ibv_reg_dmabuf_mr of each buffer on a named RDMA device, RDMA WRITE
 * traffic into it through a loopback RC QP.  With `netdev`, a missing device is created
 * as a soft-RoCE (or siw) link over RDMA netlink and deleted again at close.  Soft
 * providers (rxe, siw) have no dma-buf MRs: the import fails with "provider rxe cannot
 * import dma-buf"; mlx5 (ODP) and irdma can.
 *
 * After a revoke a WRITE into the MR must complete in error (mlx5: the MKey is zapped;
 * irdma: the MR is revoked for good); `restored` registers the MR again.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_lib/plug.h"
#include "rs_lib/rdma.h"
#include "rs_lib/revoke.h"

struct rdma_im {
	struct rs_rdma r;
	char created[RS_IBDEV_LEN];	/* link we added, "" if none */
	bool keep_link;
	uint64_t bytes;
	int timeout_ms;
	bool qp_ready;
	char qp_why[RS_WHY_LEN];
	pthread_mutex_t lock;	/* one QP and CQ for all imports */
};

struct rdma_imp {
	struct ibv_mr *mr;
	unsigned long ino;
};

static const struct rs_opt rdma_opts[] = {
	{ "device", RS_OPT_STR, "", "RDMA device (ibv name, e.g. mlx5_0, rxe0); default: the first" },
	{ "netdev", RS_OPT_STR, "",
	  "create `device` as a soft link on this netdev if it does not exist" },
	{ "link_type", RS_OPT_ENUM, "rxe", "soft link type for netdev", "rxe|siw" },
	{ "keep_link", RS_OPT_BOOL, "false", "leave a link we created in place at the end" },
	{ "write_bytes", RS_OPT_SIZE, "4KiB", "bytes per RDMA WRITE of traffic" },
	{ "completion_timeout", RS_OPT_TIME, "1s", "longest wait for one WRITE's completion" },
	{ NULL },
};

static bool dev_exists(const char *name)
{
	struct rs_rdma_nldev devs[32];
	int n = rs_rdma_nl_list(devs, 32, NULL), i;

	for (i = 0; i < n; i++)
		if (!strcmp(devs[i].name, name))
			return true;
	return false;
}

static int rdma_open(struct rs_importer *im)
{
	const char *dev = rs_sec_str(im->o.sec, "device") ?: "";
	const char *netdev = rs_sec_str(im->o.sec, "netdev") ?: "";
	const char *type = rs_sec_str(im->o.sec, "link_type") ?: "rxe";
	char why[RS_WHY_LEN];
	struct rdma_im *m;
	int ret;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	m->keep_link = rs_sec_bool(im->o.sec, "keep_link");
	m->bytes = rs_sec_size(im->o.sec, "write_bytes");
	m->timeout_ms = (int)(rs_sec_time_ns(im->o.sec, "completion_timeout") / 1000000);
	if (*netdev) {
		if (!*dev) {
			ret = rs_err(&im->o, EINVAL, "%s: netdev needs a device name to create",
				     rs_sec_where(im->o.sec, "netdev"));
			goto fail;
		}
		if (!dev_exists(dev)) {
			ret = rs_rdma_link_add(dev, type, netdev, why);
			if (ret) {
				ret = ret == -EOPNOTSUPP || ret == -EPROTONOSUPPORT ?
				      rs_skip(&im->o, "%s", why) : rs_fail(&im->o, ret, why);
				goto fail;
			}
			snprintf(m->created, sizeof(m->created), "%s", dev);
			rs_log(im->o.ctx, "importer %s: rdma link add %s type %s netdev %s",
			       im->o.name, dev, type, netdev);
		}
	}
	ret = rs_rdma_open(&m->r, dev, why);
	if (ret) {
		ret = ret == -ENODEV ? rs_skip(&im->o, "%s", why) : rs_fail(&im->o, ret, why);
		goto fail;
	}
	im->o.priv = m;
	return 0;
fail:
	if (m->created[0])
		rs_rdma_link_del(m->created, NULL);
	pthread_mutex_destroy(&m->lock);
	free(m);
	return ret;
}

static int reg(struct rs_importer *im, struct rs_import *imp, struct rdma_imp *p)
{
	struct rdma_im *m = im->o.priv;
	char why[RS_WHY_LEN];
	int ret;

	ret = rs_rdma_reg_dmabuf(&m->r, imp->buf->fd, 0, imp->buf->size, &p->mr, why);
	if (ret)
		return rs_fail(&im->o, ret, why);
	p->ino = imp->buf->ino;
	return 0;
}

static int rdma_import(struct rs_importer *im, struct rs_import *imp)
{
	struct rdma_imp *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	imp->priv = p;
	ret = reg(im, imp, p);
	imp->live = !ret;
	return ret;
}

/* One WRITE into the MR; the QP is set up on first use and after an error completion. */
static int write_once(struct rs_importer *im, struct rdma_imp *p, uint64_t len, char *why)
{
	struct rdma_im *m = im->o.priv;
	uint64_t off;
	int ret;

	if (!m->qp_ready) {
		ret = rs_rdma_loopback(&m->r, (size_t)m->bytes, why);
		if (ret)
			return ret;
		m->qp_ready = true;
	}
	off = p->mr->length > len ? rs_rand(&im->o) % (p->mr->length - len + 1) : 0;
	ret = rs_rdma_write(&m->r, p->mr, off, len, m->timeout_ms, why);
	if (ret)
		m->qp_ready = false;	/* the QP is in error: reconnect next time */
	return ret;
}

static int rdma_revoked(struct rs_importer *im, struct rs_import *imp)
{
	struct rdma_im *m = im->o.priv;
	struct rdma_imp *p = imp->priv;
	struct rs_revoke_ctl *rc = rs_ex_handle(imp->buf->ex, "revoke-state");
	enum rs_revoke_state st = rs_revoke_get(rc);
	char why[RS_WHY_LEN];
	bool woken;
	int ret;

	imp->live = false;
	if (!p->mr || st == RS_PULSED)
		return 0;	/* mlx5 ODP re-faults after an un-revoke: nothing to see */
	woken = st == RS_REVOKED_WAKE && rs_revoke_woken(rc, 0);
	pthread_mutex_lock(&m->lock);
	ret = write_once(im, p, 8, why);
	pthread_mutex_unlock(&m->lock);
	if (st == RS_REVOKED_WAKE && (!ret || ret == -EIO)) {
		ret = rs_revoke_wake_check(rc, woken, !ret, why);
		return ret ? rs_err(&im->o, EPROTO, "%s: RDMA WRITE into buffer %u of %s: %s",
				    m->r.name, imp->buf->index, imp->buf->ex->o.name, why) : 0;
	}
	if (!ret)
		return rs_err(&im->o, EPROTO, "%s: RDMA WRITE into revoked buffer %u of %s "
			      "completed successfully", m->r.name, imp->buf->index,
			      imp->buf->ex->o.name);
	if (ret == -EIO)
		return 0;	/* error completion: the expected outcome */
	return rs_fail(&im->o, ret, why);
}

static int rdma_restored(struct rs_importer *im, struct rs_import *imp)
{
	struct rdma_imp *p = imp->priv;
	int ret;

	if (p->mr) {
		ibv_dereg_mr(p->mr);
		p->mr = NULL;
	}
	ret = reg(im, imp, p);
	imp->live = !ret;
	return ret;
}

static int64_t rdma_traffic(struct rs_importer *im, struct rs_import *imp)
{
	struct rdma_im *m = im->o.priv;
	struct rdma_imp *p = imp->priv;
	uint64_t len = m->bytes;
	char why[RS_WHY_LEN];
	int ret;

	if (!p->mr)
		return rs_err(&im->o, ENOENT, "buffer %u has no MR", imp->buf->index);
	if (len > p->mr->length)
		len = p->mr->length;
	pthread_mutex_lock(&m->lock);
	ret = write_once(im, p, len, why);
	pthread_mutex_unlock(&m->lock);
	return ret ? rs_fail(&im->o, ret, why) : (int64_t)len;
}

static void rdma_release(struct rs_importer *im, struct rs_import *imp)
{
	struct rdma_imp *p = imp->priv;

	if (!p)
		return;
	if (p->mr)
		ibv_dereg_mr(p->mr);
	free(p);
	imp->priv = NULL;
	imp->live = false;
}

static void rdma_close(struct rs_importer *im)
{
	struct rdma_im *m = im->o.priv;
	char why[RS_WHY_LEN];

	if (!m)
		return;
	rs_rdma_close(&m->r);
	if (m->created[0] && !m->keep_link && rs_rdma_link_del(m->created, why))
		rs_log(im->o.ctx, "importer %s: %s", im->o.name, why);
	pthread_mutex_destroy(&m->lock);
	free(m);
	im->o.priv = NULL;
}

static const struct rs_importer_ops rdma_importer = {
	.type = "rdma",
	.help = "ibv_reg_dmabuf_mr on an RDMA device, loopback RDMA WRITE traffic (mlx5, irdma)",
	.opts = rdma_opts,
	.open = rdma_open,
	.import = rdma_import,
	.revoked = rdma_revoked,
	.restored = rdma_restored,
	.traffic = rdma_traffic,
	.release = rdma_release,
	.close = rdma_close,
};
RS_REGISTER(importer, rdma_importer)
