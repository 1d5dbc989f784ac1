// SPDX-License-Identifier: GPL-2.0
/*
 * Hang diagnostics and kernel markers.  While a worker is stuck in the kernel, the
 * supervisor reads its thread's /proc files (quick: nothing that can wait on the stuck
 * task); the hang bundle is written by a thread of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rs_ctl.h"
#include "rs_repro.h"
#include "rs_trace.h"
#include "rs_util.h"

#define RS_KMSG_TAIL	150

char *rs_read_line(const char *path)
{
	char *buf, *nl;
	size_t len;

	if (rs_read_file(path, &buf, &len, 64 << 10))
		return NULL;
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return buf;
}

static char *rs_read_text(const char *path)
{
	char *buf;
	size_t len;
	int err = rs_read_file(path, &buf, &len, 256 << 10);

	if (err)
		return rs_xasprintf("(cannot read %s: %s)", path, strerror(-err));
	return buf;
}

/* "State:\tD (disk sleep)" from /proc/self/task/TID/status. */
static char *rs_task_state(int tid)
{
	char path[64], *buf, *s, *nl;
	size_t len;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	if (rs_read_file(path, &buf, &len, 64 << 10))
		return NULL;
	s = strstr(buf, "State:");
	if (!s) {
		free(buf);
		return NULL;
	}
	s += 6;
	while (*s == ' ' || *s == '\t')
		s++;
	nl = strchr(s, '\n');
	if (nl)
		*nl = '\0';
	s = rs_xstrdup(s);
	free(buf);
	return s;
}

/* The last max lines of a text. */
static char *rs_tail(const char *text, size_t max)
{
	const char *p = text + strlen(text);
	size_t n = 0;

	if (p > text && p[-1] == '\n')
		p--;
	while (p > text) {
		if (p[-1] == '\n' && ++n == max)
			break;
		p--;
	}
	return rs_xstrdup(p);
}

void (*rs_hang_diag_hook)(struct rs_ctx *ctx);

/*
 * The bundle (everything `revokestorm repro` needs, and the kernel's view) takes a walk of
 * /proc, fsyncs and a sysrq with a pause: it is written in a thread of its own, so that the
 * supervisor goes on watching, taking signals and sampling meanwhile.
 */
static void *rs_hang_bundle_main(void *arg)
{
	struct rs_ctx *ctx = arg;
	struct rs_bundle_info bi = { 0 };
	char path[PATH_MAX], dir[PATH_MAX];
	char *text = NULL, *what, *bundle = NULL, *kmsg = NULL;
	pid_t *tids;
	size_t n = 0, i;
	FILE *f;

	pthread_setname_np(pthread_self(), "rs-diag");
	if (rs_hang_diag_hook)
		rs_hang_diag_hook(ctx);
	pthread_mutex_lock(&ctx->vlock);
	what = rs_xasprintf("hang: %s '%s' did not return within %llu ms (hang_timeout)",
			    ctx->hangs[0].worker, ctx->hangs[0].op,
			    (unsigned long long)(ctx->hangs[0].elapsed_ns / 1000000ULL));
	pthread_mutex_unlock(&ctx->vlock);
	tids = rs_xcalloc(ctx->nr_workers, sizeof(*tids));
	for (i = 0; i < ctx->nr_workers; i++)	/* every thread inside a call right now */
		if (atomic_load(&ctx->workers[i]->op_start))
			tids[n++] = atomic_load(&ctx->workers[i]->tid);
	f = open_memstream(&text, &i);
	rs_scn_dump(ctx->scn, f);
	fclose(f);
	bi.results_dir = ctx->results_dir;
	bi.scenario_text = text;
	bi.seed = ctx->seed;
	bi.what = what;
	bi.stuck_tids = tids;
	bi.nr_stuck = n;
	bi.trace = ctx->trace;	/* stopped only once this thread is done */
	if (rs_bundle_write(&bi, dir, sizeof(dir)) == 0 || access(dir, F_OK) == 0)
		bundle = rs_xstrdup(dir);
	free(what);
	free(text);
	free(tids);
	if (bundle) {
		char *k;

		snprintf(path, sizeof(path), "%s/kmsg.txt", bundle);
		k = rs_read_text(path);
		kmsg = rs_tail(k, RS_KMSG_TAIL);
		free(k);
	}
	pthread_mutex_lock(&ctx->vlock);
	ctx->hangs[0].bundle = bundle;
	ctx->hangs[0].kmsg = kmsg;
	pthread_mutex_unlock(&ctx->vlock);
	atomic_store(&ctx->diag_running, false);
	rs_results_request(ctx);
	return NULL;
}

void rs_hang_collect(struct rs_ctx *ctx, size_t idx)
{
	char path[PATH_MAX];
	struct rs_hang c = { 0 }, *h;
	int tid, err;

	pthread_mutex_lock(&ctx->vlock);
	tid = ctx->hangs[idx].tid;
	pthread_mutex_unlock(&ctx->vlock);

	/* quick reads of our own thread's /proc files, while it is stuck where it hung */
	c.task_state = rs_task_state(tid);
	snprintf(path, sizeof(path), "/proc/self/task/%d/wchan", tid);
	c.wchan = rs_read_line(path);
	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", tid);
	c.stack = rs_read_text(path);
	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)getpid());
	c.proc_wchan = rs_read_line(path);
	if (c.wchan && *c.wchan)
		rs_log(ctx, "HANG: thread %d is in state %s, wchan %s", tid,
		       c.task_state ? c.task_state : "?", c.wchan);
	pthread_mutex_lock(&ctx->vlock);
	h = &ctx->hangs[idx];
	h->task_state = c.task_state;
	h->wchan = c.wchan;
	h->stack = c.stack;
	h->proc_wchan = c.proc_wchan;
	pthread_mutex_unlock(&ctx->vlock);

	if (idx)
		return;	/* one bundle per run: the first hang's */
	atomic_store(&ctx->diag_running, true);
	err = pthread_create(&ctx->diag_th, NULL, rs_hang_bundle_main, ctx);
	if (err) {
		atomic_store(&ctx->diag_running, false);
		rs_log(ctx, "no hang bundle: cannot start its thread: %s", strerror(err));
		return;
	}
	ctx->diag_started = true;
}

bool rs_hang_diag_wait(struct rs_ctx *ctx, uint64_t deadline)
{
	if (!ctx->diag_started)
		return true;
	while (atomic_load(&ctx->diag_running) && rs_now_ns() < deadline)
		usleep(10 * 1000);
	if (atomic_load(&ctx->diag_running))
		return false;
	pthread_join(ctx->diag_th, NULL);
	ctx->diag_started = false;
	return true;
}

void rs_hang_free(struct rs_hang *h)
{
	free(h->culprit);
	free(h->evidence);
	free(h->worker);
	free(h->op);
	free(h->task_state);
	free(h->stack);
	free(h->wchan);
	free(h->proc_wchan);
	free(h->kmsg);
	free(h->bundle);
	free(h->blocked_by);
}

void rs_kmsg_marker(struct rs_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *msg, *line;
	int fd;

	if (!rs_sec_bool(ctx->scn->global, "kmsg_markers"))
		return;
	va_start(ap, fmt);
	msg = rs_xvasprintf(fmt, ap);
	va_end(ap);
	line = rs_xasprintf("<5>revokestorm: %s\n", msg);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		(void)!write(fd, line, strlen(line));
		close(fd);
	}
	if (ctx->trace)
		rs_trace_mark(ctx->trace, "revokestorm: %s", msg);
	free(line);
	free(msg);
}
