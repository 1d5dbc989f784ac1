/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DMA engines driven from userspace through VFIO, as the kernel's vfio selftests drive
 * theirs (tools/testing/selftests/vfio/lib/drivers/): one file per engine behind struct
 * rs_dma_engine_ops, found by the device's PCI IDs or by name.
 *
 * The engine's device is a struct rs_vfio_dev opened through its cdev and attached to an
 * IOAS; every address given to an engine is an IOVA of that IOAS.  The caller maps
 * RS_DMA_ENGINE_MEM bytes of its own memory (mem, at mem_iova) for the engine's
 * descriptors and completion records.  Engines never raise interrupts: copies are polled.
 */
#ifndef RS_LIB_DMA_ENGINE_H
#define RS_LIB_DMA_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "rs_lib/common.h"
#include "rs_lib/vfio.h"

#define RS_DMA_ENGINE_MEM	(64u << 10)

/*
 * The kernel's wmb() before a device is told to read descriptors we wrote: our stores to
 * coherent memory are visible before the doorbell or portal write.  A fence instruction,
 * not __atomic_thread_fence(), which ThreadSanitizer cannot model (and -Werror=tsan refuses).
 */
static inline void rs_dma_wmb(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("sfence" ::: "memory");
#else
	__sync_synchronize();
#endif
}
/* The engines built in, in the order of rs_dma_engines() (an ENUM option's choices). */
#define RS_DMA_ENGINE_NAMES	"edu|ioat|dsa"

struct rs_dma_engine;

struct rs_dma_engine_ops {
	const char *name;
	const char *help;
	/* Is vendor:device this engine's?  false: not ours (no reason needed). */
	bool (*match)(uint16_t vendor, uint16_t device);
	/* Reset and set up the device; e->dev is open, bus mastering enabled. */
	int (*init)(struct rs_dma_engine *e, char *why);
	/* Quiesce the device (reset); called once after a successful init. */
	void (*fini)(struct rs_dma_engine *e);
	/*
	 * Copy len (<= e->max_len) bytes from IOVA src to IOVA dst and wait up to timeout_ns
	 * for the engine to finish.  0: the engine says it finished without an error; -EIO:
	 * the engine reported an error (why holds its status: a DMA fault on hardware that
	 * reports one); -ETIMEDOUT: it did not finish.  Engines that cannot see a fault
	 * (edu) return 0 for a copy that faulted: the caller checks the memory.
	 */
	int (*copy)(struct rs_dma_engine *e, uint64_t src, uint64_t dst, uint64_t len,
		    uint64_t timeout_ns, char *why);
};

struct rs_dma_engine {
	const struct rs_dma_engine_ops *ops;
	struct rs_vfio_dev *dev;
	void *mem;			/* RS_DMA_ENGINE_MEM bytes, mapped at mem_iova */
	uint64_t mem_iova;
	uint64_t dma_mask;		/* highest address the engine can reach */
	uint64_t max_len;		/* largest copy */
	bool reports_faults;		/* copy() returns -EIO when a DMA faults */
	uint64_t copies, busy_ns;	/* copies done and time spent in them */
	void *priv;			/* the engine's own state */
};

/* The engines built in, and their names ("edu|ioat|dsa"). */
const struct rs_dma_engine_ops *const *rs_dma_engines(unsigned int *nr);
const char *rs_dma_engine_names(void);

/*
 * Pick the engine for d: by name, or ("auto", NULL or "") the one whose IDs match
 * d's; enable memory decoding and bus mastering; init.  -RS_ESKIP (why) when no
 * engine drives the device.
 */
int rs_dma_engine_open(struct rs_dma_engine *e, struct rs_vfio_dev *d, const char *name,
		       void *mem, uint64_t mem_iova, char *why);
void rs_dma_engine_close(struct rs_dma_engine *e);
/* ops->copy, timed and counted. */
int rs_dma_engine_copy(struct rs_dma_engine *e, uint64_t src, uint64_t dst, uint64_t len,
		       uint64_t timeout_ns, char *why);

/* The engines, one file each under src/engines/ (edu.c, ioat.c, dsa.c). */
extern const struct rs_dma_engine_ops rs_dma_edu;
extern const struct rs_dma_engine_ops rs_dma_ioat;
extern const struct rs_dma_engine_ops rs_dma_dsa;

#endif /* RS_LIB_DMA_ENGINE_H */
