// SPDX-License-Identifier: GPL-2.0
/*
 * Exporter "dma-heap": buffers from /dev/dma_heap/<heap> (DMA_HEAP_IOCTL_ALLOC).
 * Never invalidated: a non-revocable control.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/dma-heap.h>

#include "rs_lib/common.h"
#include "rs_lib/plug.h"

struct heap_ex {
	int dev;
	uint64_t size;
};

static const struct rs_opt heap_opts[] = {
	{ "heap", RS_OPT_STR, "system", "heap name under /dev/dma_heap/" },
	{ "size", RS_OPT_SIZE, "1MiB", "bytes per buffer" },
	{ NULL },
};

static int heap_open(struct rs_exporter *ex)
{
	const char *heap = rs_sec_str(ex->o.sec, "heap");
	struct heap_ex *h;
	char path[128];

	if (!heap || !*heap || strchr(heap, '/'))
		return rs_err(&ex->o, EINVAL, "%s: heap '%s' is not a heap name",
			      rs_sec_where(ex->o.sec, "heap"), heap ? heap : "");
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->size = rs_sec_size(ex->o.sec, "size");
	if (!h->size) {
		free(h);
		return rs_err(&ex->o, EINVAL, "%s: size must not be 0",
			      rs_sec_where(ex->o.sec, "size"));
	}
	snprintf(path, sizeof(path), "/dev/dma_heap/%s", heap);
	h->dev = open(path, O_RDONLY | O_CLOEXEC);
	if (h->dev < 0) {
		int err = errno;

		free(h);
		if (err == ENOENT)
			return rs_skip(&ex->o, "no %s (CONFIG_DMABUF_HEAPS_%s)", path,
				       !strcmp(heap, "system") ? "SYSTEM" : "...");
		return rs_err(&ex->o, err, "open %s: %s", path, strerror(err));
	}
	ex->o.priv = h;
	return 0;
}

static int heap_export(struct rs_exporter *ex, struct rs_buf *buf)
{
	struct heap_ex *h = ex->o.priv;
	struct dma_heap_allocation_data a = {
		.len = h->size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int ret = rs_ioctl(h->dev, DMA_HEAP_IOCTL_ALLOC, &a);

	if (ret < 0)
		return rs_err(&ex->o, -ret, "DMA_HEAP_IOCTL_ALLOC of %llu bytes from %s: %s",
			      (unsigned long long)h->size, rs_sec_str(ex->o.sec, "heap"),
			      strerror(-ret));
	buf->fd = (int)a.fd;
	buf->size = h->size;
	buf->ino = rs_fd_ino(buf->fd);
	return 0;
}

static void heap_release(struct rs_exporter *ex, struct rs_buf *buf)
{
	rs_close_fd(&buf->fd);
}

static void heap_close(struct rs_exporter *ex)
{
	struct heap_ex *h = ex->o.priv;

	if (!h)
		return;
	rs_close_fd(&h->dev);
	free(h);
	ex->o.priv = NULL;
}

static const struct rs_exporter_ops dma_heap_exporter = {
	.type = "dma-heap",
	.help = "buffers of a DMA-BUF heap (/dev/dma_heap/system); never revoked: a control",
	.opts = heap_opts,
	.revocable = false,
	.open = heap_open,
	.export = heap_export,
	.release = heap_release,
	.close = heap_close,
};
RS_REGISTER(exporter, dma_heap_exporter)
