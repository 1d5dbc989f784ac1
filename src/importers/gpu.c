// SPDX-License-Identifier: GPL-2.0
/*
 * Importer "gpu": PRIME import (DRM_IOCTL_PRIME_FD_TO_HANDLE) into a render node, the
 * GEM handle held until release.  Revocable (dynamic) imports: amdgpu, xe, and
 * virtio-gpu with blob resources and no virgl; anything else imports statically, which
 * VFIO refuses (EOPNOTSUPP) and udmabuf/dma-heap accept.  A revoke is not visible from
 * userspace through PRIME: `revoked` checks the handle is still the one we hold.
 * virtio-gpu maps an imported buffer again only to scan it out (virtgpu_plane.c), so after
 * a restore its import is dropped and made again (`reimport`); amdgpu and xe map again
 * on their next use.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_lib/drm.h"
#include "rs_lib/plug.h"

/* "reimport", in the order of its choices */
enum { GPU_REIMPORT_AUTO, GPU_REIMPORT_ALWAYS, GPU_REIMPORT_NEVER };
#define GPU_REIMPORT_CHOICES	"auto|always|never"

struct gpu_im {
	struct rs_drm drm;
	pthread_mutex_t lock;
	bool revocable;		/* the driver imports dynamically, with invalidate_mappings */
	bool reimport;		/* after a restore, import anew (GPU_REIMPORT_*) */
};

struct gpu_imp {
	uint32_t handle;
	bool held;
	unsigned long ino;
};

static const struct rs_opt gpu_opts[] = {
	{ "node", RS_OPT_STR, "",
	  "render node path or driver name (virtio_gpu, amdgpu, xe, vgem); default: the first" },
	{ "require_revocable", RS_OPT_BOOL, "false",
	  "skip unless the driver imports revocably (dynamic attach)" },
	{ "reimport", RS_OPT_ENUM, "auto",
	  "after a restore, close the GEM object and import the buffer again; auto: for "
	  "virtio_gpu (which maps an import again only for scanout)", GPU_REIMPORT_CHOICES },
	{ NULL },
};

static int gpu_open(struct rs_importer *im)
{
	char why[RS_WHY_LEN] = "";
	struct gpu_im *g;
	int ret;

	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	pthread_mutex_init(&g->lock, NULL);
	ret = rs_drm_open(&g->drm, rs_sec_str(im->o.sec, "node"), why);
	if (ret) {
		free(g);
		return ret == -ENOENT ? rs_skip(&im->o, "%s", why) : rs_fail(&im->o, ret, why);
	}
	g->revocable = rs_drm_import_revocable(&g->drm, why);
	if (!g->revocable) {
		if (rs_sec_bool(im->o.sec, "require_revocable")) {
			rs_drm_close(&g->drm);
			free(g);
			return rs_skip(&im->o, "%s", why);
		}
		rs_log(im->o.ctx, "importer %s: %s", im->o.name, why);
	}
	switch (rs_sec_enum(im->o.sec, "reimport")) {
	case GPU_REIMPORT_ALWAYS:
		g->reimport = true;
		break;
	case GPU_REIMPORT_AUTO:
		g->reimport = !strcmp(g->drm.driver, "virtio_gpu");
		break;
	}
	im->o.priv = g;
	return 0;
}

static int gpu_import(struct rs_importer *im, struct rs_import *imp)
{
	struct gpu_im *g = im->o.priv;
	struct gpu_imp *p = calloc(1, sizeof(*p));
	char why[RS_WHY_LEN];
	int ret;

	if (!p)
		return -ENOMEM;
	imp->priv = p;
	pthread_mutex_lock(&g->lock);
	ret = rs_drm_import(&g->drm, imp->buf->fd, &p->handle, why);
	pthread_mutex_unlock(&g->lock);
	/* a static importer: an exporter that must refuse it (VFIO) does */
	if (ret == -EOPNOTSUPP && !g->revocable && imp->buf->ex->ops->requires_revocable)
		return rs_refused(&im->o, "%s (%s) imports statically; %s refuses it, as it must: EOPNOTSUPP",
				  g->drm.path, g->drm.driver, imp->buf->ex->ops->type);
	if (!ret && !g->revocable && imp->buf->ex->ops->requires_revocable) {
		p->held = true;		/* released as any import */
		p->ino = imp->buf->ino;
		return rs_err(&im->o, EPROTO, "%s (%s) imports statically, yet %s accepted buffer %u, which it must refuse",
			      g->drm.path, g->drm.driver, imp->buf->ex->ops->type, imp->buf->index);
	}
	if (ret)
		return rs_fail(&im->o, ret, why);
	p->held = true;
	p->ino = imp->buf->ino;
	imp->live = true;
	return 0;
}

/* The handle must still resolve to the same object (PRIME keeps one per dma-buf). */
static int gpu_check(struct rs_importer *im, struct rs_import *imp)
{
	struct gpu_im *g = im->o.priv;
	struct gpu_imp *p = imp->priv;
	char why[RS_WHY_LEN];
	uint32_t h;
	int ret;

	if (!p->held || imp->buf->fd < 0)
		return 0;
	pthread_mutex_lock(&g->lock);
	ret = rs_drm_import(&g->drm, imp->buf->fd, &h, why);
	pthread_mutex_unlock(&g->lock);
	if (ret)
		return rs_fail(&im->o, ret, why);
	if (h != p->handle)
		return rs_err(&im->o, EPROTO, "%s: buffer %u re-imports as handle %u, we hold %u",
			      g->drm.path, imp->buf->index, h, p->handle);
	return 0;
}

static int gpu_revoked(struct rs_importer *im, struct rs_import *imp)
{
	return gpu_check(im, imp);
}

static int gpu_restored(struct rs_importer *im, struct rs_import *imp)
{
	struct gpu_im *g = im->o.priv;
	struct gpu_imp *p = imp->priv;

	if (p->held && p->ino == imp->buf->ino && !g->reimport)
		return gpu_check(im, imp);
	/* re-exported, or a driver that does not map again by itself: import anew */
	if (p->held) {
		pthread_mutex_lock(&g->lock);
		rs_drm_gem_close(&g->drm, p->handle, NULL);
		pthread_mutex_unlock(&g->lock);
		p->held = false;
	}
	free(p);
	imp->priv = NULL;
	return gpu_import(im, imp);
}

static int64_t gpu_traffic(struct rs_importer *im, struct rs_import *imp)
{
	int ret = gpu_check(im, imp);

	return ret ? ret : 0;
}

static void gpu_release(struct rs_importer *im, struct rs_import *imp)
{
	struct gpu_im *g = im->o.priv;
	struct gpu_imp *p = imp->priv;

	if (!p)
		return;
	if (p->held) {
		pthread_mutex_lock(&g->lock);
		rs_drm_gem_close(&g->drm, p->handle, NULL);
		pthread_mutex_unlock(&g->lock);
	}
	free(p);
	imp->priv = NULL;
	imp->live = false;
}

static void gpu_close(struct rs_importer *im)
{
	struct gpu_im *g = im->o.priv;

	if (!g)
		return;
	rs_drm_close(&g->drm);
	pthread_mutex_destroy(&g->lock);
	free(g);
	im->o.priv = NULL;
}

static const struct rs_importer_ops gpu_importer = {
	.type = "gpu",
	.help = "PRIME import into a DRM render node (virtio-gpu blob, amdgpu, xe; vgem static)",
	.opts = gpu_opts,
	.open = gpu_open,
	.import = gpu_import,
	.revoked = gpu_revoked,
	.restored = gpu_restored,
	.traffic = gpu_traffic,
	.release = gpu_release,
	.close = gpu_close,
};
RS_REGISTER(importer, gpu_importer)
