/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace fences for a dma-buf's reservation object: a timeline of our own (a sw_sync
 * timeline from debugfs, CONFIG_SW_SYNC; or a vgem buffer whose fences the kernel signals
 * itself after 10 s), new unsignalled fences on it as sync_file fds, signalling them,
 * DMA_BUF_IOCTL_IMPORT_SYNC_FILE into any dma-buf, and a sync_file's status with the
 * kernel's signal time (CLOCK_MONOTONIC).
 */
#ifndef RS_LIB_FENCE_H
#define RS_LIB_FENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "rs_lib/common.h"

enum rs_fence_kind { RS_FENCE_SW_SYNC, RS_FENCE_VGEM };

struct rs_fence_src {
	enum rs_fence_kind kind;
	int fd;			/* the sw_sync timeline, or the vgem card node */
	uint32_t value;		/* sw_sync: seqno of the last fence made */
	uint32_t signalled;	/* sw_sync: the timeline's value */
	uint32_t bo;		/* vgem: the buffer the fences sit on */
	int bo_dmabuf;		/* vgem: that buffer exported */
	char name[32];		/* sw_sync: the timeline's fence names */
	char desc[64];		/* "sw_sync", "vgem /dev/dri/card0" */
};

/* Open a timeline; -RS_ESKIP-worthy failures return -ENOENT/-EOPNOTSUPP with why. */
int rs_fence_src_open(struct rs_fence_src *s, enum rs_fence_kind kind, const char *name,
		      char *why);
/* Close it: a sw_sync timeline signals every pending fence with -ENOENT as it goes. */
void rs_fence_src_close(struct rs_fence_src *s);
/* A new unsignalled fence: its sync_file fd (>= 0), and *id to signal it by. */
int rs_fence_new(struct rs_fence_src *s, uint64_t *id, char *why);
/* Signal fence id (sw_sync: and every older one of the timeline). */
int rs_fence_signal(struct rs_fence_src *s, uint64_t id, char *why);
/* DMA_BUF_IOCTL_IMPORT_SYNC_FILE: a writer's fence (write) or a reader's. */
int rs_dmabuf_import_sync_file(int dmabuf, int sync_fd, bool write, char *why);
/*
 * A sync_file's fence: 1 signalled (*ts_ns: when, CLOCK_MONOTONIC; *err its error,
 * 0 or -errno), 0 pending, or -errno.  desc (may be NULL, 96 bytes): "driver:timeline".
 */
int rs_sync_file_status(int sync_fd, uint64_t *ts_ns, int *err, char *desc);

#endif /* RS_LIB_FENCE_H */
