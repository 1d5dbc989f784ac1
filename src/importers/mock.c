// SPDX-License-Identifier: GPL-2.0
/*
 * Importer "mock": the kernel mock importer of kernel-patches/ (debugfs dma_buf/mock_importer,
 * docs/mock-importer.md) with a chosen behaviour: sync (unmaps inside invalidate),
 * deferred (unmaps delay later), stuck (never unmaps until released: a hung importer),
 * pinned (not revocable: VFIO refuses it), fence (every map adds a fence of delay).
 * The importing device defaults to the exporter's own PCI device (handle "pci-name"),
 * which gives a P2P mapping behind any IOMMU; else the mock's own device (no DMA mask: maps
 * fail with EINVAL).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rs_lib/mock.h"
#include "rs_lib/plug.h"
#include "rs_lib/revoke.h"
#include "rs_util.h"

struct mock_im {
	int fd;
	enum rs_mock_behaviour behaviour;
	uint32_t delay_ms;
	bool map;
	char dev_name[32];
};

struct mock_imp {
	uint32_t handle;
	bool attached;
	unsigned long ino;
	uint64_t invalidations;	/* at the last check */
};

static const struct rs_opt mock_im_opts[] = {
	{ "behaviour", RS_OPT_ENUM, "sync", "how the mock importer reacts to an invalidation",
	  RS_MOCK_BEHAVIOURS },
	{ "delay", RS_OPT_TIME, "100ms", "deferred: unmap delay; fence: fence lifetime" },
	{ "dev_name", RS_OPT_STR, "",
	  "importing PCI device; default: the exporter's own device, else the mock's own" },
	{ "map", RS_OPT_BOOL, "true", "map right after attaching" },
	{ NULL },
};

static int mock_im_open(struct rs_importer *im)
{
	uint64_t delay = rs_sec_time_ns(im->o.sec, "delay") / 1000000;
	char why[RS_WHY_LEN];
	struct mock_im *m;
	int fd;

	fd = rs_mock_open(why);
	if (fd == -EOPNOTSUPP)
		return rs_skip(&im->o, "%s", why);
	if (fd < 0)
		return rs_fail(&im->o, fd, why);
	m = calloc(1, sizeof(*m));
	if (!m) {
		close(fd);
		return -ENOMEM;
	}
	m->fd = fd;
	m->behaviour = (enum rs_mock_behaviour)rs_sec_enum(im->o.sec, "behaviour");	/* in order */
	m->delay_ms = delay > UINT32_MAX ? UINT32_MAX : (uint32_t)delay;
	m->map = rs_sec_bool(im->o.sec, "map");
	snprintf(m->dev_name, sizeof(m->dev_name), "%s", rs_sec_str(im->o.sec, "dev_name") ?: "");
	im->o.priv = m;
	return 0;
}

static const char *dev_for(struct mock_im *m, struct rs_import *imp)
{
	const char *pci;

	if (m->dev_name[0])
		return m->dev_name;
	pci = rs_ex_handle(imp->buf->ex, "pci-name");
	return pci ? pci : "";
}

static int attach(struct rs_importer *im, struct rs_import *imp, struct mock_imp *p)
{
	struct mock_im *m = im->o.priv;
	struct rs_mock_status st;
	char why[RS_WHY_LEN];
	int ret;

	if (m->map && !*dev_for(m, imp))
		return rs_skip(&im->o, "no device to map buffer %u of %s through: exporter type %s has no PCI device (set dev_name)",
			       imp->buf->index, imp->buf->ex->o.name, imp->buf->ex->ops->type);
	ret = rs_mock_attach(m->fd, imp->buf->fd, m->behaviour, m->delay_ms, m->map,
			     dev_for(m, imp), &p->handle, why);
	/* an exporter that must refuse importers it cannot revoke (VFIO) */
	if (m->behaviour == RS_MOCK_PINNED && imp->buf->ex->ops->requires_revocable) {
		if (ret == -EOPNOTSUPP)
			return rs_refused(&im->o, "%s refuses a pinned (non-revocable) importer: EOPNOTSUPP",
					  imp->buf->ex->ops->type);
		if (!ret) {
			p->attached = true;	/* released as any import */
			p->ino = imp->buf->ino;
			return rs_err(&im->o, EPROTO, "%s accepted a pinned (non-revocable) importer of buffer %u, which it must refuse",
				      imp->buf->ex->ops->type, imp->buf->index);
		}
	}
	if (ret)
		return rs_fail(&im->o, ret, why);
	p->attached = true;
	p->ino = imp->buf->ino;
	if (m->behaviour == RS_MOCK_STUCK)
		rs_import_blocker(imp, "mock attachment %u (behaviour stuck) never unmaps until released",
				  p->handle);
	if (!rs_mock_status(m->fd, p->handle, &st, NULL)) {
		p->invalidations = st.invalidations;
		if (m->map && !st.mapped)
			return rs_err(&im->o, st.last_map_err ? -st.last_map_err : EIO,
				      "mock importer attached buffer %u of %s but its map failed: %s",
				      imp->buf->index, imp->buf->ex->o.name,
				      rs_errno_name(st.last_map_err));
	}
	return 0;
}

static int mock_im_import(struct rs_importer *im, struct rs_import *imp)
{
	struct mock_imp *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	imp->priv = p;
	ret = attach(im, imp, p);
	imp->live = !ret;
	return ret;
}

static int mock_im_revoked(struct rs_importer *im, struct rs_import *imp)
{
	struct mock_im *m = im->o.priv;
	struct mock_imp *p = imp->priv;
	struct rs_revoke_ctl *rc = rs_ex_handle(imp->buf->ex, "revoke-state");
	enum rs_revoke_state rs = rs_revoke_get(rc);
	struct rs_mock_status st;
	char why[RS_WHY_LEN];
	bool woken;
	int ret;

	imp->live = false;
	if (!p->attached)
		return 0;
	ret = rs_mock_status(m->fd, p->handle, &st, why);
	if (ret)
		return rs_fail(&im->o, ret, why);
	if (m->behaviour != RS_MOCK_PINNED && st.invalidations == p->invalidations)
		return rs_err(&im->o, EPROTO, "mock importer saw no invalidation of buffer %u "
			      "of %s", imp->buf->index, imp->buf->ex->o.name);
	p->invalidations = st.invalidations;
	/*
	 * A mapping made before this revoke's invalidation must be gone once the revoke
	 * returned: a sync importer unmaps inside the invalidation, and an exporter that
	 * waits for unmaps (VFIO) returns only after every behaviour has unmapped.  A
	 * self-restoring trigger (reset, FLR: RS_PULSED) returns with the buffer live again
	 * and traffic may have mapped it anew since, so a mapping seen then is not evidence
	 * of anything: only while the buffer stays revoked is every mapping an old one.
	 * A mapping made after the last invalidation (a low-power wake-up restores) is new.
	 */
	if (st.mapped && rs != RS_PULSED && st.map_invalidations < st.invalidations &&
	    (m->behaviour == RS_MOCK_SYNC || imp->buf->ex->ops->revoke_waits_unmap)) {
		snprintf(why, sizeof(why), "mock importer (behaviour %s) still holds a mapping of buffer %u of %s (ino %lu) after the revoke returned",
			 rs_sec_str(im->o.sec, "behaviour"), imp->buf->index, imp->buf->ex->o.name,
			 imp->buf->ino);
		rs_claim(&im->o, RS_CLAIM_MAPPED_AFTER_REVOKE, imp->buf, why);
		return rs_err(&im->o, EPROTO, "%s", why);
	}
	if (rs == RS_PULSED || st.mapped)
		return 0;
	/* still revoked: a new map must fail with the exporter's ENODEV */
	woken = rs == RS_REVOKED_WAKE && rs_revoke_woken(rc, 0);
	ret = rs_mock_map(m->fd, p->handle, why);
	if (rs == RS_REVOKED_WAKE && (!ret || ret == -ENODEV)) {
		if (!ret)
			rs_mock_unmap(m->fd, p->handle, NULL);
		ret = rs_revoke_wake_check(rc, woken, !ret, why);
		return ret ? rs_err(&im->o, EPROTO, "mock importer MAP of buffer %u of %s: %s",
				    imp->buf->index, imp->buf->ex->o.name, why) : 0;
	}
	if (!ret) {
		rs_mock_unmap(m->fd, p->handle, NULL);
		snprintf(why, sizeof(why), "mock importer MAP of buffer %u of %s (ino %lu) succeeded while it is %s (expected ENODEV)",
			 imp->buf->index, imp->buf->ex->o.name, imp->buf->ino,
			 rs_revoke_state_name(rs));
		rs_claim(&im->o, RS_CLAIM_MAP_WHILE_REVOKED, imp->buf, why);
		return rs_err(&im->o, EPROTO, "%s", why);
	}
	return ret == -ENODEV ? 0 : rs_fail(&im->o, ret, why);
}

static int mock_im_restored(struct rs_importer *im, struct rs_import *imp)
{
	struct mock_im *m = im->o.priv;
	struct mock_imp *p = imp->priv;
	struct rs_mock_status st;
	char why[RS_WHY_LEN];
	int ret;

	if (p->attached && p->ino != imp->buf->ino) {
		/* re-exported (close trigger): the old attachment is dead for good */
		rs_mock_release(m->fd, p->handle, NULL);
		p->attached = false;
	}
	if (!p->attached) {
		ret = attach(im, imp, p);
		imp->live = !ret;
		return ret;
	}
	ret = rs_mock_status(m->fd, p->handle, &st, why);
	if (!ret && !st.mapped && m->map)
		ret = rs_mock_map(m->fd, p->handle, why);
	if (ret)
		return rs_fail(&im->o, ret, why);
	imp->live = true;
	return 0;
}

/*
 * One unmap + map cycle (sync, pinned, fence): races the importer's own mapping against
 * revokes.  stuck and deferred only read the status.
 */
static int64_t mock_im_traffic(struct rs_importer *im, struct rs_import *imp)
{
	struct mock_im *m = im->o.priv;
	struct mock_imp *p = imp->priv;
	char why[RS_WHY_LEN];
	int ret;

	if (!p->attached)
		return rs_err(&im->o, ENOENT, "buffer %u is not attached", imp->buf->index);
	if (m->behaviour == RS_MOCK_STUCK || m->behaviour == RS_MOCK_DEFERRED) {
		/* an unmap here would end the very stall these behaviours make */
		struct rs_mock_status st;

		ret = rs_mock_status(m->fd, p->handle, &st, why);
		return ret ? rs_fail(&im->o, ret, why) : 0;
	}
	ret = rs_mock_unmap(m->fd, p->handle, why);
	if (ret && ret != -ENOENT && ret != -EINVAL)
		return rs_fail(&im->o, ret, why);
	ret = rs_mock_map(m->fd, p->handle, why);
	if (ret)
		return rs_fail(&im->o, ret, why);
	return (int64_t)imp->buf->size;
}

static void mock_im_release(struct rs_importer *im, struct rs_import *imp)
{
	struct mock_im *m = im->o.priv;
	struct mock_imp *p = imp->priv;

	if (!p)
		return;
	if (p->attached)
		rs_mock_release(m->fd, p->handle, NULL);
	free(p);
	imp->priv = NULL;
	imp->live = false;
}

static void mock_im_close(struct rs_importer *im)
{
	struct mock_im *m = im->o.priv;

	if (!m)
		return;
	rs_close_fd(&m->fd);	/* detaches whatever is left, stuck ones included */
	free(m);
	im->o.priv = NULL;
}

static const struct rs_variant mock_im_variants[] = {
	{ "sync", "behaviour = sync", RS_EXPECT_CLEAN },
	{ "deferred", "behaviour = deferred\ndelay = 1ms", RS_EXPECT_CLEAN },
	{ "stuck", "behaviour = stuck", RS_EXPECT_CULPRIT },
	{ "pinned", "behaviour = pinned", RS_EXPECT_CLEAN },
	{ "fence", "behaviour = fence\ndelay = 5ms", RS_EXPECT_CLEAN },
	{ NULL },
};

static const struct rs_importer_ops mock_importer = {
	.type = "mock",
	.help = "the kernel mock importer (debugfs dma_buf/mock_importer): " RS_MOCK_BEHAVIOURS,
	.opts = mock_im_opts,
	.open = mock_im_open,
	.import = mock_im_import,
	.revoked = mock_im_revoked,
	.restored = mock_im_restored,
	.traffic = mock_im_traffic,
	.release = mock_im_release,
	.close = mock_im_close,
	.variants = mock_im_variants,
};
RS_REGISTER(importer, mock_importer)
