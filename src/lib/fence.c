// SPDX-License-Identifier: GPL-2.0
/* sw_sync and vgem fences, sync_file status, and importing fences into a dma-buf. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <drm/drm.h>
#include <drm/vgem_drm.h>
#include <linux/dma-buf.h>
#include <linux/sync_file.h>

#include "rs_lib/fence.h"

/* drivers/dma-buf/sw_sync.c keeps its uAPI private (debugfs only). */
struct rs_sw_sync_create_fence {
	uint32_t value;
	char name[32];
	int32_t fence;
};
#define RS_SW_SYNC_IOC_CREATE_FENCE	_IOWR('W', 0, struct rs_sw_sync_create_fence)
#define RS_SW_SYNC_IOC_INC		_IOW('W', 1, uint32_t)

#define SW_SYNC_PATH	"/sys/kernel/debug/sync/sw_sync"

/* The vgem card node (its dumb-buffer ioctl is not allowed on render nodes). */
static int open_vgem(char *path, size_t len)
{
	struct drm_version v;
	char name[16];
	int i, fd;

	for (i = 0; i < 16; i++) {
		snprintf(path, len, "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&v, 0, sizeof(v));
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

int rs_fence_src_open(struct rs_fence_src *s, enum rs_fence_kind kind, const char *name,
		      char *why)
{
	struct drm_mode_create_dumb cd = { .width = 1024, .height = 1, .bpp = 32 };
	char path[64];
	int ret;

	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->bo_dmabuf = -1;
	snprintf(s->name, sizeof(s->name), "%s", name);
	if (kind == RS_FENCE_SW_SYNC) {
		s->fd = open(SW_SYNC_PATH, O_RDWR | O_CLOEXEC);
		if (s->fd < 0)
			return rs_why(why, errno == ENOENT ? -ENOENT : -errno, "open %s: %s "
				      "(CONFIG_SW_SYNC, debugfs mounted)", SW_SYNC_PATH,
				      strerror(errno));
		snprintf(s->desc, sizeof(s->desc), "sw_sync");
		return 0;
	}
	s->fd = open_vgem(path, sizeof(path));
	if (s->fd < 0)
		return rs_why(why, -ENOENT, "no vgem card node under /dev/dri (CONFIG_DRM_VGEM)");
	snprintf(s->desc, sizeof(s->desc), "vgem %.50s", path);
	ret = rs_ioctl(s->fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd);
	if (ret < 0) {
		rs_close_fd(&s->fd);
		return rs_why(why, ret, "%s: DRM_IOCTL_MODE_CREATE_DUMB: %s", path, strerror(-ret));
	}
	s->bo = cd.handle;
	return 0;
}

void rs_fence_src_close(struct rs_fence_src *s)
{
	rs_close_fd(&s->bo_dmabuf);
	rs_close_fd(&s->fd);	/* sw_sync: signals what is pending; vgem: frees the BO */
}

static int vgem_fence_new(struct rs_fence_src *s, uint64_t *id, char *why)
{
	struct drm_vgem_fence_attach fa = { .handle = s->bo, .flags = 0 };
	struct drm_prime_handle ph = { .handle = s->bo, .flags = DRM_CLOEXEC | DRM_RDWR };
	struct dma_buf_export_sync_file ex = { .flags = DMA_BUF_SYNC_WRITE, .fd = -1 };
	int ret;

	/* a reader's fence: vgem refuses a writer's while any fence is pending */
	ret = rs_ioctl(s->fd, DRM_IOCTL_VGEM_FENCE_ATTACH, &fa);
	if (ret < 0)
		return rs_why(why, ret, "%s: DRM_IOCTL_VGEM_FENCE_ATTACH: %s", s->desc,
			      strerror(-ret));
	*id = fa.out_fence;
	if (s->bo_dmabuf < 0) {
		ret = rs_ioctl(s->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph);
		if (ret < 0)
			return rs_why(why, ret, "%s: PRIME export of the fence buffer: %s", s->desc,
				      strerror(-ret));
		s->bo_dmabuf = ph.fd;
	}
	/* every pending fence of the vgem buffer, as one sync_file */
	ret = rs_ioctl(s->bo_dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &ex);
	if (ret < 0)
		return rs_why(why, ret, "%s: DMA_BUF_IOCTL_EXPORT_SYNC_FILE: %s", s->desc,
			      strerror(-ret));
	return ex.fd;
}

int rs_fence_new(struct rs_fence_src *s, uint64_t *id, char *why)
{
	struct rs_sw_sync_create_fence cf = { .value = s->value + 1 };
	int ret;

	if (s->kind == RS_FENCE_VGEM)
		return vgem_fence_new(s, id, why);
	snprintf(cf.name, sizeof(cf.name), "%s", s->name);
	ret = rs_ioctl(s->fd, RS_SW_SYNC_IOC_CREATE_FENCE, &cf);
	if (ret < 0)
		return rs_why(why, ret, "sw_sync: SW_SYNC_IOC_CREATE_FENCE %u: %s", cf.value,
			      strerror(-ret));
	s->value = cf.value;
	*id = cf.value;
	return cf.fence;
}

int rs_fence_signal(struct rs_fence_src *s, uint64_t id, char *why)
{
	struct drm_vgem_fence_signal fs = { .fence = (uint32_t)id };
	uint32_t inc;
	int ret;

	if (s->kind == RS_FENCE_VGEM) {
		ret = rs_ioctl(s->fd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &fs);
		/* ETIMEDOUT: vgem's own timer signalled it first */
		if (ret < 0 && ret != -ETIMEDOUT)
			return rs_why(why, ret, "%s: DRM_IOCTL_VGEM_FENCE_SIGNAL %u: %s", s->desc,
				      fs.fence, strerror(-ret));
		return 0;
	}
	if (id <= s->signalled)
		return 0;
	inc = (uint32_t)id - s->signalled;
	ret = rs_ioctl(s->fd, RS_SW_SYNC_IOC_INC, &inc);
	if (ret < 0)
		return rs_why(why, ret, "sw_sync: SW_SYNC_IOC_INC %u: %s", inc, strerror(-ret));
	s->signalled = (uint32_t)id;
	return 0;
}

int rs_dmabuf_import_sync_file(int dmabuf, int sync_fd, bool write, char *why)
{
	struct dma_buf_import_sync_file is = {
		.flags = write ? DMA_BUF_SYNC_WRITE : DMA_BUF_SYNC_READ,
		.fd = sync_fd,
	};
	int ret = rs_ioctl(dmabuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &is);

	if (ret < 0)
		return rs_why(why, ret, "DMA_BUF_IOCTL_IMPORT_SYNC_FILE into fd %d: %s", dmabuf,
			      strerror(-ret));
	return 0;
}

int rs_sync_file_status(int sync_fd, uint64_t *ts_ns, int *err, char *desc)
{
	struct sync_file_info info = { .num_fences = 0 };
	struct sync_fence_info *fi;
	uint32_t i;
	int ret;

	/* the count first (num_fences 0 asks for it), then every fence's info */
	ret = rs_ioctl(sync_fd, SYNC_IOC_FILE_INFO, &info);
	if (ret < 0)
		return ret;
	fi = calloc(info.num_fences ? info.num_fences : 1, sizeof(*fi));
	if (!fi)
		return -ENOMEM;
	info.sync_fence_info = (uintptr_t)fi;
	ret = rs_ioctl(sync_fd, SYNC_IOC_FILE_INFO, &info);
	if (ret < 0) {
		free(fi);
		return ret;
	}
	*ts_ns = 0;
	*err = 0;
	for (i = 0; i < info.num_fences; i++) {
		if (fi[i].status < 0)
			*err = fi[i].status;
		if (fi[i].timestamp_ns > *ts_ns)
			*ts_ns = fi[i].timestamp_ns;
	}
	if (desc)
		snprintf(desc, 96, "%.31s:%.31s", info.num_fences ? fi[0].driver_name : "?",
			 info.num_fences ? fi[0].obj_name : "?");
	free(fi);
	return info.status != 0;
}
