// SPDX-License-Identifier: GPL-2.0
/*
 * Exporter "udmabuf": dma-bufs of memfd pages through /dev/udmabuf (UDMABUF_CREATE).
 * Never invalidated: the non-revocable control (and a fence carrier).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/udmabuf.h>

#include "rs_lib/common.h"
#include "rs_lib/plug.h"

struct udmabuf_ex {
	int dev;
	uint64_t size;
};

static const struct rs_opt udmabuf_opts[] = {
	{ "size", RS_OPT_SIZE, "1MiB", "bytes per buffer (page multiple)" },
	{ NULL },
};

static int udmabuf_open(struct rs_exporter *ex)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct udmabuf_ex *u;

	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->size = rs_sec_size(ex->o.sec, "size");
	if (!u->size || u->size % page) {
		free(u);
		return rs_err(&ex->o, EINVAL, "%s: size must be a non-zero multiple of %llu",
			      rs_sec_where(ex->o.sec, "size"), (unsigned long long)page);
	}
	u->dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (u->dev < 0) {
		int err = errno;

		free(u);
		if (err == ENOENT)
			return rs_skip(&ex->o, "no /dev/udmabuf (CONFIG_UDMABUF)");
		return rs_err(&ex->o, err, "open /dev/udmabuf: %s", strerror(err));
	}
	ex->o.priv = u;
	return 0;
}

static int udmabuf_export(struct rs_exporter *ex, struct rs_buf *buf)
{
	struct udmabuf_ex *u = ex->o.priv;
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = u->size };
	int memfd, fd, err;

	memfd = memfd_create("revokestorm-udmabuf", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd < 0)
		return rs_err(&ex->o, errno, "memfd_create: %s", strerror(errno));
	if (ftruncate(memfd, (off_t)u->size) || fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		err = errno;
		close(memfd);
		return rs_err(&ex->o, err, "memfd of %llu bytes: %s", (unsigned long long)u->size,
			      strerror(err));
	}
	c.memfd = (uint32_t)memfd;
	fd = rs_ioctl(u->dev, UDMABUF_CREATE, &c);
	close(memfd);	/* the dma-buf holds the pages */
	if (fd < 0)
		return rs_err(&ex->o, -fd, "UDMABUF_CREATE of %llu bytes: %s",
			      (unsigned long long)u->size, strerror(-fd));
	buf->fd = fd;
	buf->size = u->size;
	buf->ino = rs_fd_ino(fd);
	return 0;
}

static void udmabuf_release(struct rs_exporter *ex, struct rs_buf *buf)
{
	rs_close_fd(&buf->fd);
}

static void udmabuf_close(struct rs_exporter *ex)
{
	struct udmabuf_ex *u = ex->o.priv;

	if (!u)
		return;
	rs_close_fd(&u->dev);
	free(u);
	ex->o.priv = NULL;
}

static const struct rs_exporter_ops udmabuf_exporter = {
	.type = "udmabuf",
	.help = "memfd pages as dma-bufs (/dev/udmabuf); never revoked: a control",
	.opts = udmabuf_opts,
	.revocable = false,
	.open = udmabuf_open,
	.export = udmabuf_export,
	.release = udmabuf_release,
	.close = udmabuf_close,
};
RS_REGISTER(exporter, udmabuf_exporter)
