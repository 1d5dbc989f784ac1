// SPDX-License-Identifier: GPL-2.0
/* Load "cpu": N busy threads until stop or max_time, whichever comes first. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rs_lib/plug.h"

struct cpu_load {
	struct rs_load *l;
	atomic_bool stop;
	uint64_t deadline_ns;
	unsigned int nr;
	pthread_t *th;
	bool *started;
};

static const struct rs_opt cpu_opts[] = {
	{ "threads", RS_OPT_INT, "1", "busy threads; 0: one per online CPU", NULL, 0, 1024 },
	{ "max_time", RS_OPT_TIME, "1h", "threads end by themselves after this" },
	{ NULL },
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void *cpu_thread(void *arg)
{
	struct cpu_load *c = arg;
	volatile uint64_t x = 88172645463325252ULL;
	unsigned int i;

	while (!atomic_load(&c->stop) && !rs_stopping(c->l->o.ctx) && mono_ns() < c->deadline_ns)
		for (i = 0; i < 100000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
	return NULL;
}

static void cpu_stop(struct rs_load *l)
{
	struct cpu_load *c = l->o.priv;
	unsigned int i;

	if (!c)
		return;
	atomic_store(&c->stop, true);
	for (i = 0; i < c->nr; i++)
		if (c->started[i])
			pthread_join(c->th[i], NULL);
	free(c->th);
	free(c->started);
	free(c);
	l->o.priv = NULL;
}

static int cpu_start(struct rs_load *l)
{
	int64_t n = rs_sec_int(l->o.sec, "threads");
	struct cpu_load *c;
	unsigned int i;
	int ret;

	if (n == 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1 || n > 1024)
		return rs_err(&l->o, EINVAL, "%s: threads = 0: %lld online CPUs, more than 1024",
			      rs_sec_where(l->o.sec, "threads"), (long long)n);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->l = l;
	c->nr = (unsigned int)n;
	c->deadline_ns = mono_ns() + rs_sec_time_ns(l->o.sec, "max_time");
	c->th = calloc(c->nr, sizeof(*c->th));
	c->started = calloc(c->nr, sizeof(*c->started));
	l->o.priv = c;
	if (!c->th || !c->started) {
		cpu_stop(l);
		return -ENOMEM;
	}
	for (i = 0; i < c->nr; i++) {
		ret = pthread_create(&c->th[i], NULL, cpu_thread, c);
		if (ret) {
			cpu_stop(l);
			return rs_err(&l->o, ret, "pthread_create: %s", strerror(ret));
		}
		c->started[i] = true;
	}
	return 0;
}

static const struct rs_load_ops cpu_load_ops = {
	.type = "cpu",
	.help = "busy threads (bounded by max_time)",
	.opts = cpu_opts,
	.start = cpu_start,
	.stop = cpu_stop,
};
RS_REGISTER(load, cpu_load_ops)
