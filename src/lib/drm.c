// SPDX-License-Identifier: GPL-2.0
/* DRM render nodes: open, PRIME import, GEM close, virtio-gpu capabilities. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>
#include <drm/virtgpu_drm.h>

#include "rs_lib/drm.h"
#include "rs_lib/hint.h"

static int virtgpu_param(int fd, uint64_t param, int *val)
{
	struct drm_virtgpu_getparam gp = { .param = param, .value = (uintptr_t)val };

	*val = 0;
	return drmIoctl(fd, DRM_IOCTL_VIRTGPU_GETPARAM, &gp) ? -errno : 0;
}

static int node_driver(int fd, char *buf, size_t len)
{
	drmVersionPtr v = drmGetVersion(fd);

	if (!v)
		return -errno ? -errno : -EIO;
	snprintf(buf, len, "%s", v->name);
	drmFreeVersion(v);
	return 0;
}

static int open_node(struct rs_drm *d, const char *path, char *why)
{
	int ret;

	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		return rs_why(why, -errno, "open %s: %s", path, strerror(errno));
	snprintf(d->path, sizeof(d->path), "%s", path);
	ret = node_driver(d->fd, d->driver, sizeof(d->driver));
	if (ret) {
		rs_close_fd(&d->fd);
		return rs_why(why, ret, "%s: DRM_IOCTL_VERSION: %s", path, strerror(-ret));
	}
	return 0;
}

int rs_drm_open(struct rs_drm *d, const char *what, char *why)
{
	char list[160] = "", path[300];
	struct dirent **de;
	size_t used = 0;
	int i, n, ret = -ENOENT;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (what && what[0] == '/') {
		ret = open_node(d, what, why);
		goto caps;
	}
	n = scandir("/dev/dri", &de, NULL, alphasort);
	if (n < 0)
		return rs_why(why, -ENOENT, "no /dev/dri: no DRM driver (CONFIG_DRM_VGEM, "
			      "CONFIG_DRM_VIRTIO_GPU, a GPU)");
	for (i = 0; i < n; i++) {
		char drv[32];
		int fd;

		if (strncmp(de[i]->d_name, "renderD", 7) || ret == 0)
			continue;
		snprintf(path, sizeof(path), "/dev/dri/%s", de[i]->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0 || node_driver(fd, drv, sizeof(drv))) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		close(fd);
		if (used < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s (%s)",
						 used ? ", " : "", de[i]->d_name, drv);
		if (what && *what && strcmp(drv, what))
			continue;
		ret = open_node(d, path, why);
	}
	for (i = 0; i < n; i++)
		free(de[i]);
	free(de);
	if (ret == -ENOENT)
		return rs_why(why, -ENOENT, "no render node%s%s; there are: %s",
			      what && *what ? " of driver " : "", what ? what : "",
			      used ? list : "none");
caps:
	if (ret)
		return ret;
	if (!strcmp(d->driver, "virtio_gpu")) {
		int v;

		d->virtio_blob = !virtgpu_param(d->fd, VIRTGPU_PARAM_RESOURCE_BLOB, &v) && v;
		d->virtio_virgl = !virtgpu_param(d->fd, VIRTGPU_PARAM_3D_FEATURES, &v) && v;
	}
	return 0;
}

void rs_drm_close(struct rs_drm *d)
{
	rs_close_fd(&d->fd);
}

bool rs_drm_import_revocable(const struct rs_drm *d, char *why)
{
	if (!strcmp(d->driver, "amdgpu") || !strcmp(d->driver, "xe"))
		return true;
	if (!strcmp(d->driver, "virtio_gpu")) {
		if (d->virtio_blob && !d->virtio_virgl)
			return true;
		rs_why(why, 0, "%s: virtio-gpu %s: its PRIME import is static (needs blob "
		       "resources without virgl)", d->path,
		       !d->virtio_blob ? "has no blob resources" : "has virgl 3D");
		return false;
	}
	rs_why(why, 0, "%s: driver %s imports dma-bufs statically (drm_gem_prime_import: not "
	       "revocable, VFIO refuses it)", d->path, d->driver);
	return false;
}

int rs_drm_import(struct rs_drm *d, int dmabuf_fd, uint32_t *handle, char *why)
{
	if (drmPrimeFDToHandle(d->fd, dmabuf_fd, handle)) {
		int err = errno;

		return rs_why(why, -err, "%s (%s): PRIME import of fd %d: %s%s", d->path,
			      d->driver, dmabuf_fd, strerror(err),
			      rs_errno_hint(RS_HINT_DRM_IMPORT, err));
	}
	return 0;
}

int rs_drm_gem_close(struct rs_drm *d, uint32_t handle, char *why)
{
	if (drmCloseBufferHandle(d->fd, handle))
		return rs_why(why, -errno, "%s: GEM close of handle %u: %s", d->path, handle,
			      strerror(errno));
	return 0;
}
