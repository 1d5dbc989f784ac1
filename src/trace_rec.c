// SPDX-License-Identifier: GPL-2.0
/*
 * The per-CPU raw recorder: one thread per CPU splices whole sub-buffers of the
 * instance's per_cpu/cpuN/trace_pipe_raw into RAWDIR/cpuN with libtracefs'
 * tracefs_cpu_write(), as `trace-cmd record` does.  No event is formatted while the run
 * goes on: the kernel hands over pages, the reader moves them to the file.
 *
 * A reader sleeps in poll() until the ring buffer is buffer_percent full, a period ends
 * (so the files never lag far behind: hang bundles, a crash) or it is asked to flush or
 * stop; a flush also reads the partly filled sub-buffer the writer is on.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <tracefs.h>

#include "rs_trace_raw.h"
#include "rs_util.h"

#define RS_REC_PERIOD_MS	250

struct rs_rec_cpu {
	struct rs_trace_rec *r;
	int cpu;
	int raw_fd, out_fd, wake_fd;
	struct tracefs_cpu *tcpu;
	pthread_t th;
	bool started;
	unsigned int flushed;		/* flush generation done (under r->lock) */
	atomic_uint_fast64_t bytes;
	uint64_t cpu_ns;
	int err;			/* first errno of a failed read or write */
};

struct rs_trace_rec {
	struct tracefs_instance *inst;
	char *rawdir;
	int nr_cpus;
	struct rs_rec_cpu *cpus;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int flush_gen;		/* flush generation asked for (under lock) */
	atomic_bool stop;
};

int rs_trace_stats_parse(const char *text, struct rs_trace_cpu_stats *s)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "entries:", offsetof(struct rs_trace_cpu_stats, entries) },
		{ "overrun:", offsetof(struct rs_trace_cpu_stats, overrun) },
		{ "commit overrun:", offsetof(struct rs_trace_cpu_stats, commit_overrun) },
		{ "dropped events:", offsetof(struct rs_trace_cpu_stats, dropped) },
		{ "read events:", offsetof(struct rs_trace_cpu_stats, read) },
	};
	const char *line = text;
	bool any = false;

	memset(s, 0, sizeof(*s));
	while (line && *line) {
		size_t i;

		for (i = 0; i < RS_ARRAY_SIZE(keys); i++) {
			size_t n = strlen(keys[i].key);
			char *end;
			long long v;

			if (strncmp(line, keys[i].key, n))
				continue;
			v = strtoll(line + n, &end, 10);
			if (end == line + n)
				return -EINVAL;
			*(long long *)((char *)s + keys[i].off) = v;
			any = true;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	if (!any)
		return -EINVAL;
	s->valid = true;
	return 0;
}

static uint64_t rs_thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Move every whole sub-buffer there is; 0, or -errno. */
static int rs_rec_drain(struct rs_rec_cpu *c)
{
	for (;;) {
		int n = tracefs_cpu_write(c->tcpu, c->out_fd, true);

		if (n > 0) {
			atomic_fetch_add(&c->bytes, (uint64_t)n);
			continue;
		}
		if (n == 0 || errno == EAGAIN || errno == EINTR)
			return 0;
		return -errno;
	}
}

/* And the sub-buffer the writer is on (a read() takes it partly filled). */
static int rs_rec_flush_partial(struct rs_rec_cpu *c)
{
	int i, n;

	/* bounded: the writer may keep filling a sub-buffer as fast as it is read */
	for (i = 0; i < 1024; i++) {
		n = tracefs_cpu_flush_write(c->tcpu, c->out_fd);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		if (n == 0)
			return 0;
		atomic_fetch_add(&c->bytes, (uint64_t)n);
	}
	return 0;
}

static void rs_rec_error(struct rs_rec_cpu *c, int err)
{
	if (err && !c->err)
		c->err = -err;
}

static void *rs_rec_main(void *arg)
{
	struct rs_rec_cpu *c = arg;
	struct rs_trace_rec *r = c->r;
	bool hup = false;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = c->wake_fd, .events = POLLIN },
			{ .fd = c->raw_fd, .events = POLLIN },
		};
		unsigned int gen;
		uint64_t v;
		bool stop;

		/* a FIFO standing in for trace_pipe_raw (tests) hangs up when its writer goes */
		poll(pfd, hup ? 1 : 2, RS_REC_PERIOD_MS);
		if (pfd[0].revents & POLLIN)
			(void)!read(c->wake_fd, &v, sizeof(v));
		hup = !(pfd[1].revents & POLLIN) && (pfd[1].revents & POLLHUP);
		stop = atomic_load(&r->stop);
		rs_rec_error(c, rs_rec_drain(c));
		pthread_mutex_lock(&r->lock);
		gen = r->flush_gen;
		pthread_mutex_unlock(&r->lock);
		if (gen != c->flushed || stop) {
			rs_rec_error(c, rs_rec_flush_partial(c));
			pthread_mutex_lock(&r->lock);
			c->flushed = gen;
			pthread_cond_broadcast(&r->cond);
			pthread_mutex_unlock(&r->lock);
		}
		if (stop)
			break;
	}
	c->cpu_ns = rs_thread_cpu_ns();
	return NULL;
}

static int rs_rec_count_cpus(struct tracefs_instance *inst)
{
	char *dir = tracefs_instance_get_dir(inst);
	int n = 0;

	for (;;) {
		char *p = rs_xasprintf("%s/per_cpu/cpu%d", dir, n);
		struct stat st;
		bool ok = !stat(p, &st) && S_ISDIR(st.st_mode);

		free(p);
		if (!ok)
			break;
		n++;
	}
	tracefs_put_tracing_file(dir);
	return n;
}

static int rs_rec_open_cpu(struct rs_trace_rec *r, struct rs_rec_cpu *c, int subbuf_size,
			   char *why, size_t whylen)
{
	char rel[64], *p;
	int ret;

	snprintf(rel, sizeof(rel), "per_cpu/cpu%d/trace_pipe_raw", c->cpu);
	/* O_NONBLOCK: tracefs_cpu_flush() read()s, which would wait for a whole page */
	c->raw_fd = tracefs_instance_file_open(r->inst, rel, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (c->raw_fd < 0) {
		ret = -errno;
		snprintf(why, whylen, "cannot open %s of the tracefs instance: %s", rel,
			 strerror(errno));
		return ret;
	}
	c->tcpu = tracefs_cpu_alloc_fd(c->raw_fd, subbuf_size, true);
	if (!c->tcpu) {
		snprintf(why, whylen, "tracefs_cpu_alloc_fd(cpu %d): %s", c->cpu, strerror(errno));
		return -ENOMEM;
	}
	p = rs_xasprintf("%s/cpu%d", r->rawdir, c->cpu);
	c->out_fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (c->out_fd < 0) {
		ret = -errno;
		snprintf(why, whylen, "cannot create %s: %s", p, strerror(errno));
		free(p);
		return ret;
	}
	free(p);
	c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->wake_fd < 0) {
		ret = -errno;
		snprintf(why, whylen, "eventfd: %s", strerror(errno));
		return ret;
	}
	ret = pthread_create(&c->th, NULL, rs_rec_main, c);
	if (ret) {
		snprintf(why, whylen, "cannot start the trace reader of cpu %d: %s", c->cpu,
			 strerror(ret));
		return -ret;
	}
	c->started = true;
	return 0;
}

static void rs_rec_wake(struct rs_trace_rec *r)
{
	uint64_t one = 1;
	int i;

	for (i = 0; i < r->nr_cpus; i++)
		if (r->cpus[i].wake_fd >= 0)
			(void)!write(r->cpus[i].wake_fd, &one, sizeof(one));
}

/* Tell every reader to drain and stop, and wait for them. */
static void rs_rec_join(struct rs_trace_rec *r)
{
	int i;

	atomic_store(&r->stop, true);
	rs_rec_wake(r);
	for (i = 0; i < r->nr_cpus; i++) {
		if (r->cpus[i].started)
			pthread_join(r->cpus[i].th, NULL);
		r->cpus[i].started = false;
	}
}

void rs_trace_rec_free(struct rs_trace_rec *r)
{
	int i;

	if (!r)
		return;
	rs_rec_join(r);
	for (i = 0; i < r->nr_cpus; i++) {
		struct rs_rec_cpu *c = &r->cpus[i];

		if (c->tcpu)
			tracefs_cpu_free_fd(c->tcpu);
		if (c->raw_fd >= 0)
			close(c->raw_fd);
		if (c->out_fd >= 0)
			close(c->out_fd);
		if (c->wake_fd >= 0)
			close(c->wake_fd);
	}
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r->cpus);
	free(r->rawdir);
	free(r);
}

int rs_trace_rec_start(struct rs_trace_rec **rp, struct tracefs_instance *inst,
		       const char *rawdir, int subbuf_size, char *why, size_t whylen)
{
	struct rs_trace_rec *r;
	int i, ret = 0;

	*rp = NULL;
	r = rs_xcalloc(1, sizeof(*r));
	r->inst = inst;
	r->rawdir = rs_xstrdup(rawdir);
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	r->nr_cpus = rs_rec_count_cpus(inst);
	if (!r->nr_cpus) {
		snprintf(why, whylen, "the tracefs instance %s has no per_cpu buffers",
			 tracefs_instance_get_name(inst));
		rs_trace_rec_free(r);
		return -ENOENT;
	}
	r->cpus = rs_xcalloc((size_t)r->nr_cpus, sizeof(*r->cpus));
	for (i = 0; i < r->nr_cpus; i++) {
		r->cpus[i].r = r;
		r->cpus[i].cpu = i;
		r->cpus[i].raw_fd = r->cpus[i].out_fd = r->cpus[i].wake_fd = -1;
	}
	for (i = 0; i < r->nr_cpus && !ret; i++)
		ret = rs_rec_open_cpu(r, &r->cpus[i], subbuf_size, why, whylen);
	if (ret) {
		rs_trace_rec_free(r);
		return ret;
	}
	*rp = r;
	return 0;
}

int rs_trace_rec_flush(struct rs_trace_rec *r, int timeout_ms)
{
	struct timespec until;
	unsigned int gen;
	int i, ret = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->lock);
	gen = ++r->flush_gen;
	pthread_mutex_unlock(&r->lock);
	rs_rec_wake(r);
	pthread_mutex_lock(&r->lock);
	for (i = 0; i < r->nr_cpus && !ret; i++)
		while (r->cpus[i].flushed - gen > (~0u >> 1) && !ret)
			ret = -pthread_cond_timedwait(&r->cond, &r->lock, &until);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

static void rs_rec_save_stats(struct rs_trace_rec *r, int cpu, struct rs_trace_cpu_stats *s)
{
	char rel[64], *text, *p;

	memset(s, 0, sizeof(*s));
	snprintf(rel, sizeof(rel), "per_cpu/cpu%d/stats", cpu);
	text = tracefs_instance_file_read(r->inst, rel, NULL);
	if (!text)
		return;
	rs_trace_stats_parse(text, s);
	p = rs_xasprintf("%s/cpu%d.stats", r->rawdir, cpu);
	rs_write_file_atomic(p, text, strlen(text));
	free(p);
	free(text);
}

int rs_trace_rec_stop(struct rs_trace_rec *r, struct rs_trace_cpu_stats *stats,
		      char *why, size_t whylen)
{
	int i, ret = 0;

	if (!r)
		return 0;
	rs_rec_join(r);
	for (i = 0; i < r->nr_cpus; i++) {
		struct rs_rec_cpu *c = &r->cpus[i];

		if (c->err && !ret) {
			ret = -c->err;
			snprintf(why, whylen, "recording cpu %d into %s/cpu%d: %s", i, r->rawdir, i,
				 strerror(c->err));
		}
		if (c->out_fd >= 0 && close(c->out_fd) && !ret) {
			ret = -errno;
			snprintf(why, whylen, "%s/cpu%d: %s", r->rawdir, i, strerror(errno));
		}
		c->out_fd = -1;
		if (stats)
			rs_rec_save_stats(r, i, &stats[i]);
	}
	return ret;
}

int rs_trace_rec_nr_cpus(const struct rs_trace_rec *r)
{
	return r ? r->nr_cpus : 0;
}

uint64_t rs_trace_rec_bytes(const struct rs_trace_rec *r)
{
	uint64_t n = 0;
	int i;

	for (i = 0; r && i < r->nr_cpus; i++)
		n += atomic_load(&r->cpus[i].bytes);
	return n;
}

uint64_t rs_trace_rec_cpu_ns(const struct rs_trace_rec *r)
{
	uint64_t n = 0;
	int i;

	for (i = 0; r && i < r->nr_cpus; i++)
		n += r->cpus[i].cpu_ns;
	return n;
}
