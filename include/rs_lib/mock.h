/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Client of the revokestorm kernel mock importer, /dev/dma_buf_mock (docs/mock-importer.md).
 * Built against <linux/dma-buf-mock.h> when the kernel headers have it; otherwise every
 * call fails with -EOPNOTSUPP and says the kernel lacks the mock importer.
 */
#ifndef RS_LIB_MOCK_H
#define RS_LIB_MOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "rs_lib/common.h"

enum rs_mock_behaviour {	/* = DMA_BUF_MOCK_* */
	RS_MOCK_SYNC,
	RS_MOCK_DEFERRED,
	RS_MOCK_STUCK,
	RS_MOCK_PINNED,
	RS_MOCK_FENCE,
};

#define RS_MOCK_BEHAVIOURS	"sync|deferred|stuck|pinned|fence"

struct rs_mock_status {
	uint32_t behaviour;
	bool mapped;
	bool revocable;
	uint64_t invalidations, unmaps, maps;
	int last_map_err;	/* 0 or -errno */
};

bool rs_mock_built(void);
/* Open /dev/dma_buf_mock: the fd (one context) or -errno. */
int rs_mock_open(char *why);
/* Attach (and map, with map) a dma-buf; *handle out.  dev_name NULL/"": the misc device. */
int rs_mock_attach(int mfd, int dmabuf_fd, enum rs_mock_behaviour b, uint32_t delay_ms,
		   bool map, const char *dev_name, uint32_t *handle, char *why);
int rs_mock_map(int mfd, uint32_t handle, char *why);
int rs_mock_unmap(int mfd, uint32_t handle, char *why);
int rs_mock_release(int mfd, uint32_t handle, char *why);
int rs_mock_status(int mfd, uint32_t handle, struct rs_mock_status *st, char *why);

#endif /* RS_LIB_MOCK_H */
