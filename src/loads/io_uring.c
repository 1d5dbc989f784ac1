// SPDX-License-Identifier: GPL-2.0
/*
 * Load "io-uring": one thread doing random reads and writes of `block` bytes on an
 * unlinked temporary file of `size` bytes through io_uring (liburing), `qd` in flight,
 * optionally O_DIRECT, until stop or max_time.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rs_lib/plug.h"

struct uring_load {
	struct rs_load *l;
	struct io_uring ring;
	bool ring_ok, started;
	int fd;
	unsigned int qd;
	uint64_t size, block, deadline_ns;
	int mode;		/* 0 rw, 1 read, 2 write */
	void *bufs;
	pthread_t th;
	atomic_bool stop;
	uint64_t bytes, ios;
	int err;		/* first I/O error, as -errno */
};

static const struct rs_opt uring_opts[] = {
	{ "dir", RS_OPT_STR, "/tmp", "directory of the (unlinked) temporary file" },
	{ "size", RS_OPT_SIZE, "64MiB", "file size" },
	{ "block", RS_OPT_SIZE, "64KiB", "bytes per I/O (a multiple of 4 KiB for direct)", NULL, 1,
	  1 << 24 },
	{ "qd", RS_OPT_INT, "8", "I/Os in flight (queue depth)", NULL, 1, 4096 },
	{ "rw", RS_OPT_ENUM, "rw", "read, write or both at random", "rw|read|write" },
	{ "direct", RS_OPT_BOOL, "false", "O_DIRECT (falls back to buffered if unsupported)" },
	{ "max_time", RS_OPT_TIME, "1h", "the thread ends by itself after this" },
	{ NULL },
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void queue_one(struct uring_load *u, unsigned int slot, uint64_t *seed)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	uint64_t blocks = u->size / u->block;
	uint64_t off = (next_rand(seed) % blocks) * u->block;
	void *buf = (char *)u->bufs + (size_t)slot * u->block;
	bool wr = u->mode == 2 || (u->mode == 0 && (next_rand(seed) & 1));

	if (!sqe)
		return;
	if (wr)
		io_uring_prep_write(sqe, u->fd, buf, (unsigned int)u->block, off);
	else
		io_uring_prep_read(sqe, u->fd, buf, (unsigned int)u->block, off);
	io_uring_sqe_set_data64(sqe, slot);
}

static void *uring_thread(void *arg)
{
	struct uring_load *u = arg;
	uint64_t seed = rs_rand(&u->l->o) | 1;
	unsigned int i, inflight = 0;

	for (i = 0; i < u->qd; i++, inflight++)
		queue_one(u, i, &seed);
	while (inflight) {
		struct __kernel_timespec ts = { .tv_nsec = 100000000 };
		struct io_uring_cqe *cqe;
		bool stopping = atomic_load(&u->stop) || rs_stopping(u->l->o.ctx) ||
				mono_ns() >= u->deadline_ns;
		int ret;

		ret = io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1, &ts, NULL);
		if (ret == -ETIME || ret == -EINTR)
			continue;
		if (ret < 0) {
			u->err = ret;
			break;
		}
		while (io_uring_peek_cqe(&u->ring, &cqe) == 0) {
			unsigned int slot = (unsigned int)io_uring_cqe_get_data64(cqe);

			if (cqe->res < 0 && !u->err)
				u->err = cqe->res;
			else if (cqe->res > 0)
				u->bytes += (uint64_t)cqe->res, u->ios++;
			io_uring_cqe_seen(&u->ring, cqe);
			inflight--;
			if (!stopping && !u->err) {
				queue_one(u, slot, &seed);
				inflight++;
			}
		}
	}
	return NULL;
}

static void uring_stop(struct rs_load *l)
{
	struct uring_load *u = l->o.priv;

	if (!u)
		return;
	atomic_store(&u->stop, true);
	if (u->started) {
		pthread_join(u->th, NULL);
		rs_log(l->o.ctx, "load %s: %llu I/Os, %llu bytes%s%s", l->o.name,
		       (unsigned long long)u->ios, (unsigned long long)u->bytes,
		       u->err ? ", stopped on " : "", u->err ? strerror(-u->err) : "");
	}
	if (u->ring_ok)
		io_uring_queue_exit(&u->ring);
	if (u->fd >= 0)
		close(u->fd);
	free(u->bufs);
	free(u);
	l->o.priv = NULL;
}

static int uring_start(struct rs_load *l)
{
	const char *dir = rs_sec_str(l->o.sec, "dir") ?: "/tmp";
	int64_t qd = rs_sec_int(l->o.sec, "qd");
	bool direct = rs_sec_bool(l->o.sec, "direct");
	struct uring_load *u;
	int ret;

	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->l = l;
	u->fd = -1;
	u->qd = (unsigned int)qd;
	u->size = rs_sec_size(l->o.sec, "size");
	u->block = rs_sec_size(l->o.sec, "block");
	u->mode = rs_sec_enum(l->o.sec, "rw");	/* 0 rw, 1 read, 2 write */
	u->deadline_ns = mono_ns() + rs_sec_time_ns(l->o.sec, "max_time");
	l->o.priv = u;
	if (u->size < u->block || (direct && u->block % 4096)) {
		ret = rs_err(&l->o, EINVAL, "%s: block must be at most size%s",
			     rs_sec_where(l->o.sec, "block"),
			     direct ? ", and a multiple of 4 KiB for direct" : "");
		goto fail;
	}
	u->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC | (direct ? O_DIRECT : 0), 0600);
	if (u->fd < 0 && direct && errno == EINVAL) {
		rs_log(l->o.ctx, "load %s: %s does not take O_DIRECT; buffered I/O", l->o.name, dir);
		u->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	}
	if (u->fd < 0) {
		ret = rs_err(&l->o, errno, "temporary file in %s: %s", dir, strerror(errno));
		goto fail;
	}
	if (ftruncate(u->fd, (off_t)u->size)) {
		ret = rs_err(&l->o, errno, "%s: size %llu: %s", dir,
			     (unsigned long long)u->size, strerror(errno));
		goto fail;
	}
	if (posix_memalign(&u->bufs, 4096, (size_t)(u->block * u->qd))) {
		ret = -ENOMEM;
		goto fail;
	}
	memset(u->bufs, 0xa5, (size_t)(u->block * u->qd));
	ret = io_uring_queue_init(u->qd, &u->ring, 0);
	if (ret < 0) {
		ret = ret == -ENOSYS || ret == -EPERM ?
		      rs_skip(&l->o, "io_uring unavailable here: %s (kernel.io_uring_disabled?)",
			      strerror(-ret)) :
		      rs_err(&l->o, -ret, "io_uring_queue_init(%u): %s", u->qd, strerror(-ret));
		goto fail;
	}
	u->ring_ok = true;
	ret = pthread_create(&u->th, NULL, uring_thread, u);
	if (ret) {
		ret = rs_err(&l->o, ret, "pthread_create: %s", strerror(ret));
		goto fail;
	}
	u->started = true;
	return 0;
fail:
	uring_stop(l);
	return ret;
}

static const struct rs_load_ops uring_load_ops = {
	.type = "io-uring",
	.help = "random reads/writes on a temporary file through io_uring (liburing)",
	.opts = uring_opts,
	.start = uring_start,
	.stop = uring_stop,
};
RS_REGISTER(load, uring_load_ops)
