// SPDX-License-Identifier: GPL-2.0
/*
 * Worker primitives: the wake-up pipe of the supervisor, the stop flag and the
 * generation that phases bump, timed waits, the per-worker "call in progress"
 * (rs_op_begin/rs_op_end) the watchdog reads, and thread start and exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "controller.h"
#include "rs_util.h"

static int rs_wake_fd[2] = { -1, -1 };

/* The supervisor's wake-up pipe, made once per process.  0 or -errno. */
int rs_wake_open(void)
{
	if (rs_wake_fd[0] < 0 && pipe2(rs_wake_fd, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/* The read end, for the supervisor's poll. */
int rs_wake_pollfd(void)
{
	return rs_wake_fd[0];
}

/* Empty the pipe after a wake-up. */
void rs_wake_drain(void)
{
	char buf[64];

	while (read(rs_wake_fd[0], buf, sizeof(buf)) > 0)
		;
}

void rs_wake(void)
{
	char c = 1;
	int saved = errno;

	if (rs_wake_fd[1] >= 0)
		(void)!write(rs_wake_fd[1], &c, 1);	/* a full pipe is awake already */
	errno = saved;
}

void rs_stop(struct rs_ctx *ctx, enum rs_stop why)
{
	int none = RS_STOP_NONE;

	if (atomic_compare_exchange_strong(&ctx->stop, &none, (int)why)) {
		pthread_mutex_lock(&ctx->lock);
		ctx->gen++;
		pthread_cond_broadcast(&ctx->cond);
		pthread_mutex_unlock(&ctx->lock);
		rs_wake();
	}
}

/* Wake every waiter; bump: a new phase (workers restart their timing). */
void rs_kick(struct rs_ctx *ctx, bool bump)
{
	pthread_mutex_lock(&ctx->lock);
	if (bump)
		ctx->gen++;
	pthread_cond_broadcast(&ctx->cond);
	pthread_mutex_unlock(&ctx->lock);
}

unsigned int rs_gen(struct rs_ctx *ctx)
{
	unsigned int g;

	pthread_mutex_lock(&ctx->lock);
	g = ctx->gen;
	pthread_mutex_unlock(&ctx->lock);
	return g;
}

/*
 * Sleep until the monotonic deadline, a generation change or a stop.
 * Returns true if the deadline was reached undisturbed.
 */
bool rs_wait_until(struct rs_ctx *ctx, uint64_t deadline, unsigned int gen0)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline / 1000000000ULL),
		.tv_nsec = (long)(deadline % 1000000000ULL),
	};
	bool reached = false;

	pthread_mutex_lock(&ctx->lock);
	for (;;) {
		if (ctx->gen != gen0 || atomic_load(&ctx->stop))
			break;
		if (rs_now_ns() >= deadline) {
			reached = true;
			break;
		}
		pthread_cond_timedwait(&ctx->cond, &ctx->lock, &ts);
	}
	pthread_mutex_unlock(&ctx->lock);
	return reached;
}

/*
 * Lock m unless the run stops first (false).  even_when_stopping: also while stopping (to
 * finish a cycle), but not once a hang was declared: the holder may be the stuck thread.
 */
bool rs_lock_or_stop(struct rs_ctx *ctx, pthread_mutex_t *m, bool even_when_stopping)
{
	for (;;) {
		struct timespec ts;

		if (!even_when_stopping && atomic_load(&ctx->stop))
			return false;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (!pthread_mutex_timedlock(m, &ts)) {
			if (even_when_stopping || !atomic_load(&ctx->stop))
				return true;
			pthread_mutex_unlock(m);	/* won it as the run stopped: too late */
			return false;
		}
		if (even_when_stopping && atomic_load(&ctx->hung))
			return false;	/* the holder may be the stuck one */
	}
}

void rs_op_begin(struct rs_worker *w, const char *fmt, ...)
{
	char op[sizeof(w->op)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(op, sizeof(op), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&w->op_lock);
	memcpy(w->op, op, sizeof(op));
	atomic_store(&w->op_start, rs_now_ns());
	pthread_mutex_unlock(&w->op_lock);
}

uint64_t rs_op_end(struct rs_worker *w)
{
	uint64_t t0;

	pthread_mutex_lock(&w->op_lock);
	t0 = atomic_exchange(&w->op_start, 0);
	pthread_mutex_unlock(&w->op_lock);
	return rs_now_ns() - t0;
}

bool rs_op_overdue(struct rs_worker *w, uint64_t now, uint64_t timeout, uint64_t *t0,
		   char *op, size_t len)
{
	bool overdue;

	pthread_mutex_lock(&w->op_lock);
	*t0 = atomic_load(&w->op_start);
	overdue = *t0 && now > *t0 && now - *t0 > timeout;
	if (overdue)
		snprintf(op, len, "%s", w->op);
	pthread_mutex_unlock(&w->op_lock);
	return overdue;
}

void rs_worker_init(struct rs_ctx *ctx, struct rs_worker *w, const char *kind,
		    const char *fmt, ...)
{
	va_list ap;

	w->ctx = ctx;
	w->kind = kind;
	pthread_mutex_init(&w->op_lock, NULL);
	va_start(ap, fmt);
	vsnprintf(w->name, sizeof(w->name), fmt, ap);
	va_end(ap);
}

/* A worker thread starts: its tid for the watchdog, its name for ps and stacks. */
void rs_worker_enter(struct rs_worker *w)
{
	char comm[16];

	atomic_store(&w->tid, (int)syscall(SYS_gettid));
	snprintf(comm, sizeof(comm), "rs-%.12s", w->name);
	pthread_setname_np(pthread_self(), comm);
}

void rs_worker_exit(struct rs_worker *w)
{
	atomic_store(&w->exited, true);
	rs_kick(w->ctx, false);
	rs_wake();
}

int rs_worker_start(struct rs_worker *w, void *(*fn)(void *), void *arg)
{
	int err = pthread_create(&w->th, NULL, fn, arg);

	if (err)
		return -err;
	w->started = true;
	return 0;
}

/* A started worker that has not exited (and, unless exited_only, is not reported hung). */
bool rs_worker_running(const struct rs_worker *w, bool exited_only)
{
	return w->started && !atomic_load(&w->exited) && (exited_only || !w->hung);
}

void rs_set_reason(char *dst, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, RS_REASON, fmt, ap);
	va_end(ap);
}

void rs_set_result(pthread_mutex_t *lock, enum rs_result *state, char *reason, enum rs_result r,
		   const char *fmt, ...)
{
	char why[RS_REASON];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(lock);
	*state = r;
	memcpy(reason, why, sizeof(why));
	pthread_mutex_unlock(lock);
}

void rs_set_state(pthread_mutex_t *lock, enum rs_result *state, enum rs_result r)
{
	pthread_mutex_lock(lock);
	*state = r;
	pthread_mutex_unlock(lock);
}

void rs_results_request(struct rs_ctx *ctx)
{
	atomic_store(&ctx->results_wanted, true);
	rs_wake();
}

/* The reason a plugin left, or strerror when it left none. */
const char *rs_ctl_why(struct rs_obj *o, int err)
{
	if (!o->reason[0])
		snprintf(o->reason, sizeof(o->reason), "%s", err == -RS_ESKIP ? "skipped" :
			 strerror(-err));
	return o->reason;
}
