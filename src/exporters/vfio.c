// SPDX-License-Identifier: GPL-2.0
/*
 * Exporter "vfio": dma-bufs of a PCI BAR through VFIO_DEVICE_FEATURE_DMA_BUF, from a
 * device bound to vfio-pci, opened as a cdev bound to an iommufd or through its group
 * and a container.  Each buffer covers [offset, offset + size) of the BAR in `ranges`
 * page-aligned ranges.  handle("vfio") is the struct rs_vfio_dev triggers act on,
 * with owner ops to close the device and re-open it with every buffer re-exported.
 * All cdev exporters share one iommufd, so devices of one IOMMU group can be exported
 * side by side.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rs_lib/plug.h"
#include "rs_lib/vfio.h"

struct vfio_ex {
	struct rs_vfio_dev dev;
	struct rs_exporter *ex;
	unsigned int bar;
	uint64_t offset, size;
	unsigned int nr_ranges;
	bool shares_iommufd;
	char state_id[48];
};

/*
 * One iommufd and IOAS for every cdev exporter of the process: the devices of an IOMMU
 * group can only be bound to one iommufd, and a cdev hot reset needs every device it
 * resets bound to the caller's.  Exporters open one after the other (setup); the lock
 * is for the daemon, whose scenarios come and go.
 */
static pthread_mutex_t vfio_shared_lock = PTHREAD_MUTEX_INITIALIZER;
static int vfio_shared_iommufd = -1;
static uint32_t vfio_shared_ioas;
static unsigned int vfio_shared_users;

/* Open v->dev; a cdev joins (or starts) the shared iommufd. */
static int vfio_ex_open_shared(struct vfio_ex *v, const char *bdf, enum rs_vfio_mode mode,
			       char *why)
{
	int ret;

	pthread_mutex_lock(&vfio_shared_lock);
	if (mode != RS_VFIO_GROUP && vfio_shared_iommufd >= 0) {
		v->dev.iommufd = fcntl(vfio_shared_iommufd, F_DUPFD_CLOEXEC, 0);
		v->dev.ioas_id = vfio_shared_ioas;
	}
	ret = rs_vfio_open(&v->dev, bdf, mode, why);
	if (!ret && v->dev.mode == RS_VFIO_CDEV) {
		if (vfio_shared_iommufd < 0) {
			vfio_shared_iommufd = fcntl(v->dev.iommufd, F_DUPFD_CLOEXEC, 0);
			vfio_shared_ioas = v->dev.ioas_id;
		}
		if (vfio_shared_iommufd >= 0) {
			vfio_shared_users++;
			v->shares_iommufd = true;
		}
	} else if (!ret) {
		rs_close_fd(&v->dev.iommufd);	/* the group path does not use it */
	}
	pthread_mutex_unlock(&vfio_shared_lock);
	return ret;
}

static void vfio_ex_leave_shared(struct vfio_ex *v)
{
	if (!v->shares_iommufd)
		return;
	pthread_mutex_lock(&vfio_shared_lock);
	if (!--vfio_shared_users)
		rs_close_fd(&vfio_shared_iommufd);
	pthread_mutex_unlock(&vfio_shared_lock);
	v->shares_iommufd = false;
}

static const struct rs_opt vfio_opts[] = {
	{ "device", RS_OPT_STR, NULL, "PCI device bound to vfio-pci, e.g. 0000:01:00.0" },
	{ "access", RS_OPT_ENUM, "auto",
	  "auto: the VFIO cdev with an iommufd if the device has one, else the group; "
	  "cdev; group (container: type1v2, no-IOMMU or iommufd compat)", "auto|cdev|group" },
	{ "bar", RS_OPT_INT, "-1", "BAR to export (0-5); -1: the largest memory BAR", NULL, -1, 5 },
	{ "offset", RS_OPT_SIZE, "0", "start of each buffer in the BAR (page aligned)" },
	{ "size", RS_OPT_SIZE, "0", "bytes per buffer (page multiple); 0: the rest of the BAR" },
	{ "ranges", RS_OPT_INT, "1",
	  "dma ranges per buffer (iommufd imports single-range buffers only)", NULL, 1, 1024 },
	{ NULL },
};

static int vfio_ex_export_locked(struct vfio_ex *v, struct rs_buf *buf, char *why)
{
	struct rs_vfio_range *r = calloc(v->nr_ranges, sizeof(*r));
	int fd;

	if (!r)
		return -ENOMEM;
	fd = rs_vfio_split_ranges(v->offset, v->size, v->nr_ranges,
				  (uint64_t)sysconf(_SC_PAGESIZE), r);
	if (!fd)
		fd = rs_vfio_export_dmabuf(&v->dev, v->bar, r, v->nr_ranges, why);
	else
		rs_why(why, fd, "%s: cannot split %llu bytes into %u page-aligned ranges",
		       v->dev.bdf, (unsigned long long)v->size, v->nr_ranges);
	free(r);
	if (fd < 0)
		return fd;
	buf->fd = fd;
	buf->size = v->size;
	buf->ino = rs_fd_ino(fd);
	return 0;
}

static int vfio_owner_close(void *owner, char *why)
{
	struct vfio_ex *v = owner;

	pthread_rwlock_wrlock(&v->dev.lock);
	rs_vfio_close_device(&v->dev);
	rs_revoke_set(&v->dev.revoke, RS_CLOSED);
	pthread_rwlock_unlock(&v->dev.lock);
	return 0;
}

/*
 * The device only: the buffers of a closed device are dead for good, and the core releases
 * and exports them anew after a permanent trigger's restore (doing it here as well made
 * two exports per buffer per cycle).
 */
static int vfio_owner_reopen(void *owner, char *why)
{
	struct vfio_ex *v = owner;
	int ret;

	pthread_rwlock_wrlock(&v->dev.lock);
	ret = rs_vfio_reopen_device(&v->dev, why);
	if (!ret)
		rs_revoke_set(&v->dev.revoke, RS_LIVE);
	pthread_rwlock_unlock(&v->dev.lock);
	return ret;
}

static const struct rs_vfio_owner_ops vfio_owner_ops = {
	.close_device = vfio_owner_close,
	.reopen = vfio_owner_reopen,
};

static int vfio_ex_open(struct rs_exporter *ex)
{
	/* in the order of the access choices */
	static const enum rs_vfio_mode modes[] = { RS_VFIO_AUTO, RS_VFIO_CDEV, RS_VFIO_GROUP };
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), bar_size;
	int64_t bar = rs_sec_int(ex->o.sec, "bar");		/* -1..5 */
	int64_t ranges = rs_sec_int(ex->o.sec, "ranges");	/* 1..1024 */
	int mode = rs_sec_enum(ex->o.sec, "access");
	struct vfio_region_info ri;
	char why[RS_WHY_LEN];
	struct vfio_ex *v;
	int ret;

	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	rs_vfio_init(&v->dev);
	v->ex = ex;
	v->nr_ranges = (unsigned int)ranges;
	ret = vfio_ex_open_shared(v, rs_sec_str(ex->o.sec, "device"), modes[mode], why);
	if (ret) {
		ret = rs_fail(&ex->o, ret, why);
		goto fail;
	}
	if (bar < 0) {
		bar = rs_vfio_pick_bar(&v->dev, &bar_size);
		if (bar < 0) {
			ret = rs_err(&ex->o, ENODEV, "%s has no memory BAR of a page or more",
				     v->dev.bdf);
			goto fail;
		}
	}
	v->bar = (unsigned int)bar;
	ret = rs_vfio_region_info(&v->dev, v->bar, &ri);
	if (ret || !ri.size) {
		ret = rs_err(&ex->o, ENODEV, "%s has no BAR%u", v->dev.bdf, v->bar);
		goto fail;
	}
	v->offset = rs_sec_size(ex->o.sec, "offset");
	v->size = rs_sec_size(ex->o.sec, "size");
	if (!v->size && v->offset < ri.size)
		v->size = ri.size - v->offset;
	if (v->offset % page || v->size % page || !v->size || v->offset + v->size > ri.size) {
		ret = rs_err(&ex->o, EINVAL, "%s: offset %llu + size %llu does not fit BAR%u of "
			     "%s (%llu bytes) in whole %llu-byte pages",
			     rs_sec_where(ex->o.sec, "size"), (unsigned long long)v->offset,
			     (unsigned long long)v->size, v->bar, v->dev.bdf,
			     (unsigned long long)ri.size, (unsigned long long)page);
		goto fail;
	}
	if (v->size / page < v->nr_ranges) {
		ret = rs_err(&ex->o, EINVAL, "%s: %u ranges need at least %u pages, the buffer "
			     "has %llu", rs_sec_where(ex->o.sec, "ranges"), v->nr_ranges,
			     v->nr_ranges, (unsigned long long)(v->size / page));
		goto fail;
	}
	v->dev.export_bar = v->bar;
	v->dev.export_offset = v->offset;
	v->dev.export_size = v->size;
	v->dev.owner_ops = &vfio_owner_ops;
	v->dev.owner = v;
	snprintf(v->state_id, sizeof(v->state_id), "vfio:%s", v->dev.bdf);
	rs_log(ex->o.ctx, "exporter %s: %s via %s %s, BAR%u [%llu, +%llu) in %u range(s); "
	       "caps:%s%s%s%s%s", ex->o.name, v->dev.bdf,
	       v->dev.mode == RS_VFIO_CDEV ? "cdev" : v->dev.noiommu ? "no-IOMMU group" : "group",
	       v->dev.path, v->bar, (unsigned long long)v->offset, (unsigned long long)v->size,
	       v->nr_ranges, v->dev.caps.pm ? " PM" : "", v->dev.caps.flr ? " FLR" : "",
	       v->dev.caps.af_flr ? " AF-FLR" : "",
	       v->dev.info.flags & VFIO_DEVICE_FLAGS_RESET ? " reset" : "",
	       v->dev.caps.pm || v->dev.caps.flr || v->dev.caps.af_flr ||
	       (v->dev.info.flags & VFIO_DEVICE_FLAGS_RESET) ? "" : " none");
	ex->o.priv = v;
	return 0;
fail:
	rs_vfio_destroy(&v->dev);
	vfio_ex_leave_shared(v);
	free(v);
	return ret;
}

static int vfio_ex_export(struct rs_exporter *ex, struct rs_buf *buf)
{
	struct vfio_ex *v = ex->o.priv;
	char why[RS_WHY_LEN];
	int ret;

	pthread_rwlock_rdlock(&v->dev.lock);
	if (v->dev.fd < 0)
		ret = rs_why(why, -ENODEV, "%s is closed (a close trigger holds it)", v->dev.bdf);
	else
		ret = vfio_ex_export_locked(v, buf, why);
	pthread_rwlock_unlock(&v->dev.lock);
	return ret ? rs_fail(&ex->o, ret, why) : 0;
}

static void vfio_ex_release(struct rs_exporter *ex, struct rs_buf *buf)
{
	struct vfio_ex *v = ex->o.priv;

	pthread_rwlock_wrlock(&v->dev.lock);
	rs_close_fd(&buf->fd);
	pthread_rwlock_unlock(&v->dev.lock);
}

static void *vfio_ex_handle(struct rs_exporter *ex, const char *kind)
{
	struct vfio_ex *v = ex->o.priv;

	if (!v)
		return NULL;
	if (!strcmp(kind, "vfio"))
		return &v->dev;
	if (!strcmp(kind, "pci-name"))
		return v->dev.bdf;
	if (!strcmp(kind, "revoke-state"))
		return &v->dev.revoke;
	return NULL;
}

static void vfio_ex_close(struct rs_exporter *ex)
{
	struct vfio_ex *v = ex->o.priv;

	if (!v)
		return;
	rs_vfio_destroy(&v->dev);
	vfio_ex_leave_shared(v);
	free(v);
	ex->o.priv = NULL;
}

static const char *vfio_ex_state_id(struct rs_exporter *ex)
{
	struct vfio_ex *v = ex->o.priv;

	return v ? v->state_id : NULL;
}

static int vfio_ex_recover(struct rs_ctx *ctx, const char *state_id)
{
	char did[160], why[RS_WHY_LEN];
	int ret;

	if (strncmp(state_id, "vfio:", 5))
		return -EINVAL;
	ret = rs_vfio_recover(state_id + 5, did, sizeof(did), why);
	if (ret)
		rs_log(ctx, "recover %s: %s", state_id, why);
	else
		rs_log(ctx, "recover %s: %s", state_id, did);
	return ret;
}

static const struct rs_exporter_ops vfio_exporter = {
	.type = "vfio",
	.help = "PCI BAR dma-bufs of a vfio-pci device (VFIO_DEVICE_FEATURE_DMA_BUF); revocable",
	.opts = vfio_opts,
	.revocable = true,
	.revoke_waits_unmap = true,	/* vfio_pci_dma_buf_move(): wait_for_completion() */
	.requires_revocable = true,	/* vfio_pci_dma_buf_attach(): dma_buf_attach_revocable() */
	.revoke_waits_fences = true,	/* vfio_pci_dma_buf_move(): dma_resv_wait_timeout() */
	.open = vfio_ex_open,
	.export = vfio_ex_export,
	.release = vfio_ex_release,
	.handle = vfio_ex_handle,
	.close = vfio_ex_close,
	.state_id = vfio_ex_state_id,
	.recover = vfio_ex_recover,
};
RS_REGISTER(exporter, vfio_exporter)
