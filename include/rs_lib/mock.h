/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Client of the kernel mock importer of kernel-patches/ (CONFIG_DMA_BUF_MOCK_IMPORTER), the
 * debugfs file dma_buf/mock_importer (docs/mock-importer.md).  Its ioctls are a test
 * interface, not uAPI: <dma-buf-mock.h> comes from the lab kernel's build (headers/test/).
 * Built without it, every call fails with -EOPNOTSUPP and says so.
 */
#ifndef RS_LIB_MOCK_H
#define RS_LIB_MOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "rs_lib/common.h"

enum rs_mock_behaviour {	/* = enum dma_buf_mock_behaviour */
	RS_MOCK_SYNC,
	RS_MOCK_DEFERRED,
	RS_MOCK_STUCK,
	RS_MOCK_PINNED,
	RS_MOCK_FENCE,
};

#define RS_MOCK_BEHAVIOURS	"sync|deferred|stuck|pinned|fence"
/* The driver's bound on delay_ms (DMA_BUF_MOCK_MAX_DELAY_MS). */
#define RS_MOCK_MAX_DELAY_MS	300000u

struct rs_mock_status {
	uint32_t behaviour;
	bool mapped;
	bool revocable;
	uint64_t invalidations, unmaps, maps;
	/*
	 * invalidations when the current mapping was made: while mapped, below invalidations
	 * exactly when that mapping outlived an invalidation (a re-map after a revoke that
	 * restored itself, VFIO_DEVICE_RESET, does not)
	 */
	uint64_t map_invalidations;
	int last_map_err;	/* 0 or -errno */
};

bool rs_mock_built(void);
/* The running kernel has the mock importer (its debugfs file exists). */
bool rs_mock_present(void);
/* Open the mock importer's debugfs file: the fd (one context) or -errno. */
int rs_mock_open(char *why);
/* Attach (and map, with map) a dma-buf; *handle out.  dev_name NULL/"": the misc device. */
int rs_mock_attach(int mfd, int dmabuf_fd, enum rs_mock_behaviour b, uint32_t delay_ms,
		   bool map, const char *dev_name, uint32_t *handle, char *why);
int rs_mock_map(int mfd, uint32_t handle, char *why);
int rs_mock_unmap(int mfd, uint32_t handle, char *why);
int rs_mock_release(int mfd, uint32_t handle, char *why);
int rs_mock_status(int mfd, uint32_t handle, struct rs_mock_status *st, char *why);

#endif /* RS_LIB_MOCK_H */
