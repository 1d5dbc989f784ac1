/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DRM render nodes through libdrm: open by path or driver name, PRIME import of a
 * dma-buf (fd -> GEM handle), GEM close, and what virtio-gpu can do (blob resources
 * without virgl are the only case where its PRIME import is a revocable dynamic attach).
 */
#ifndef RS_LIB_DRM_H
#define RS_LIB_DRM_H

#include <stdbool.h>
#include <stdint.h>

#include "rs_lib/common.h"

struct rs_drm {
	int fd;
	char path[300];
	char driver[32];
	bool virtio_blob;	/* virtio-gpu: VIRTGPU_PARAM_RESOURCE_BLOB */
	bool virtio_virgl;	/* virtio-gpu: VIRTGPU_PARAM_3D_FEATURES */
};

/*
 * what: a path ("/dev/dri/renderD128"), a driver name ("virtio_gpu", "vgem", "amdgpu",
 * "xe"), or "" for the first render node.  -ENOENT with the list of nodes if none fits.
 */
int rs_drm_open(struct rs_drm *d, const char *what, char *why);
void rs_drm_close(struct rs_drm *d);
/* Does this driver's PRIME import attach dynamically (revocably)?  why says why not. */
bool rs_drm_import_revocable(const struct rs_drm *d, char *why);
int rs_drm_import(struct rs_drm *d, int dmabuf_fd, uint32_t *handle, char *why);
int rs_drm_gem_close(struct rs_drm *d, uint32_t handle, char *why);

#endif /* RS_LIB_DRM_H */
