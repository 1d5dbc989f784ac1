// SPDX-License-Identifier: GPL-2.0
/*
 * Hang diagnostics and kernel markers.  Everything here runs in the supervisor while a
 * worker is stuck in the kernel: reads of /proc files of our own threads and the bundle,
 * nothing that can wait on the stuck task.
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

void rs_hang_collect(struct rs_ctx *ctx, size_t idx)
{
	struct rs_bundle_info bi = { 0 };
	char path[PATH_MAX], dir[PATH_MAX];
	struct rs_hang c = { 0 }, *h;
	pid_t *tids;
	size_t n = 0, i;
	char *text = NULL, *what;
	FILE *f;
	int tid;

	pthread_mutex_lock(&ctx->vlock);
	h = &ctx->hangs[idx];
	tid = h->tid;
	what = rs_xasprintf("hang: %s '%s' did not return within %llu ms (hang_timeout)",
			    h->worker, h->op, (unsigned long long)(h->elapsed_ns / 1000000ULL));
	pthread_mutex_unlock(&ctx->vlock);

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

	/* the bundle: everything `revokestorm repro` needs, and the kernel's view */
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
	bi.trace = ctx->trace;
	if (idx == 0) {	/* one bundle per run: the first hang */
		if (rs_bundle_write(&bi, dir, sizeof(dir)) == 0 || access(dir, F_OK) == 0)
			c.bundle = rs_xstrdup(dir);
	}
	free(what);
	free(text);
	free(tids);

	if (c.bundle) {
		char *k;

		snprintf(path, sizeof(path), "%s/kmsg.txt", c.bundle);
		k = rs_read_text(path);
		c.kmsg = rs_tail(k, RS_KMSG_TAIL);
		free(k);
	}
	pthread_mutex_lock(&ctx->vlock);
	h = &ctx->hangs[idx];
	h->task_state = c.task_state;
	h->wchan = c.wchan;
	h->stack = c.stack;
	h->proc_wchan = c.proc_wchan;
	h->bundle = c.bundle;
	h->kmsg = c.kmsg;
	pthread_mutex_unlock(&ctx->vlock);
}

void rs_hang_free(struct rs_hang *h)
{
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
