// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel log watcher (a thread following /dev/kmsg, like stress-ng's --klog-check and
 * IGT's dmesg capture), taint and self-health sampling.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "rs_kmsg.h"
#include "rs_util.h"
#include "rs_watch.h"

/* What fails a run.  Keep in step with vm/scan-console.sh, which does the same for the lab. */
static const char *const rs_klog_fail[] = {
	"BUG:", "Oops", "WARNING:", "kernel BUG at", "general protection fault", "Kernel panic",
	"KASAN:", "UBSAN:", "KFENCE:", "possible circular locking dependency",
	"possible recursive locking", "inconsistent lock state", "suspicious RCU usage",
	"list_add corruption", "list_del corruption", "refcount_t:", "soft lockup", "hard LOCKUP",
};

enum rs_klog_class rs_klog_classify(const char *msg)
{
	size_t i;

	if (!strncmp(msg, "dma-buf: ", 9) && strstr(msg, "hung importer"))
		return RS_KLOG_HUNG_IMPORTER;
	if (!strncmp(msg, "INFO: task ", 11) && strstr(msg, "blocked for more than"))
		return RS_KLOG_REPORT;
	if (!strncmp(msg, "rcu: INFO: ", 11) && strstr(msg, "detected stall"))
		return RS_KLOG_REPORT;
	for (i = 0; i < RS_ARRAY_SIZE(rs_klog_fail); i++)
		if (strstr(msg, rs_klog_fail[i]))
			return RS_KLOG_REPORT;
	return RS_KLOG_NONE;
}

unsigned long rs_klog_hung_ino(const char *line)
{
	const char *p = strstr(line, " ino ");
	unsigned long ino;

	if (!p || !strstr(line, "hung importer") || sscanf(p + 5, "%lu:", &ino) != 1)
		return 0;
	return ino;
}

struct rs_watch {
	int fd;
	pthread_t thread;
	atomic_bool stop;
	bool started;
	pthread_mutex_t lock;
	struct rs_klog_report *reports;
	size_t nr, cap;
	regex_t *allow;
	size_t nr_allow;
};

static void add_report(struct rs_watch *w, unsigned long long ts, const char *msg,
		       enum rs_klog_class cls)
{
	struct rs_klog_report r = { 0 };
	size_t i;

	r.line = rs_xasprintf("[%5llu.%06llu] %s", ts / 1000000, ts % 1000000, msg);
	r.hung_importer = cls == RS_KLOG_HUNG_IMPORTER;
	for (i = 0; i < w->nr_allow && !r.allowed; i++)
		r.allowed = !regexec(&w->allow[i], msg, 0, NULL, 0);
	pthread_mutex_lock(&w->lock);
	if (w->nr < 10000) {
		rs_xgrow(&w->reports, &w->cap, w->nr, sizeof(*w->reports));
		w->reports[w->nr++] = r;
	} else {
		free(r.line);
	}
	pthread_mutex_unlock(&w->lock);
}

static void *watch_main(void *arg)
{
	struct rs_watch *w = arg;
	char rec[8192];

	while (!atomic_load(&w->stop)) {
		struct pollfd pfd = { .fd = w->fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		while ((n = read(w->fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
			unsigned long long ts;
			size_t off = 0;
			char *msg;

			if (n < 0)
				continue;	/* records overwritten while we slept */
			while (rs_kmsg_next(rec, (size_t)n, &off, &ts, &msg)) {
				enum rs_klog_class cls = rs_klog_classify(msg);

				if (cls != RS_KLOG_NONE)
					add_report(w, ts, msg, cls);
			}
		}
	}
	return NULL;
}

static int load_allow(struct rs_watch *w, const char *path, char *why, size_t whylen)
{
	char *text, *line, *save = NULL;
	size_t len, cap = 0;
	unsigned int lineno = 0;
	int ret = rs_read_file(path, &text, &len, 1 << 20);

	if (ret) {
		snprintf(why, whylen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		rs_xgrow(&w->allow, &cap, w->nr_allow, sizeof(*w->allow));
		if (regcomp(&w->allow[w->nr_allow], line, REG_EXTENDED | REG_NOSUB)) {
			snprintf(why, whylen, "%s:%u: not a valid extended regular expression: %s", path,
				 lineno, line);
			free(text);
			return -EINVAL;
		}
		w->nr_allow++;
	}
	free(text);
	return 0;
}

int rs_watch_start(struct rs_watch **wp, const char *allow_file, char *why, size_t whylen)
{
	struct rs_watch *w = rs_xcalloc(1, sizeof(*w));
	int ret;

	*wp = NULL;
	pthread_mutex_init(&w->lock, NULL);
	w->fd = -1;
	if (allow_file) {
		ret = load_allow(w, allow_file, why, whylen);
		if (ret)
			goto err;
	}
	w->fd = open(rs_kmsg_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (w->fd < 0) {
		ret = -errno;
		snprintf(why, whylen, "cannot read the kernel log (%s): %s", rs_kmsg_path,
			 strerror(errno));
		goto err;
	}
	lseek(w->fd, 0, SEEK_END);	/* only what this run causes */
	ret = -pthread_create(&w->thread, NULL, watch_main, w);
	if (ret) {
		snprintf(why, whylen, "cannot start the kernel log watcher: %s", strerror(-ret));
		goto err;
	}
	w->started = true;
	*wp = w;
	return 0;
err:
	rs_watch_stop(w);
	return ret;
}

struct rs_klog_report *rs_watch_reports(struct rs_watch *w, size_t *nr)
{
	struct rs_klog_report *r;
	size_t i;

	pthread_mutex_lock(&w->lock);
	*nr = w->nr;
	r = rs_xcalloc(w->nr + 1, sizeof(*r));
	for (i = 0; i < w->nr; i++) {
		r[i] = w->reports[i];
		r[i].line = rs_xstrdup(w->reports[i].line);
	}
	pthread_mutex_unlock(&w->lock);
	return r;
}

size_t rs_watch_count(struct rs_watch *w)
{
	size_t n;

	pthread_mutex_lock(&w->lock);
	n = w->nr;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void rs_klog_reports_free(struct rs_klog_report *r, size_t nr)
{
	size_t i;

	for (i = 0; r && i < nr; i++)
		free(r[i].line);
	free(r);
}

size_t rs_watch_failures(struct rs_watch *w)
{
	size_t i, n = 0;

	pthread_mutex_lock(&w->lock);
	for (i = 0; i < w->nr; i++)
		n += !w->reports[i].allowed && !w->reports[i].hung_importer;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void rs_watch_stop(struct rs_watch *w)
{
	size_t i;

	if (!w)
		return;
	if (w->started) {
		atomic_store(&w->stop, true);
		pthread_join(w->thread, NULL);
	}
	if (w->fd >= 0)
		close(w->fd);
	for (i = 0; i < w->nr; i++)
		free(w->reports[i].line);
	for (i = 0; i < w->nr_allow; i++)
		regfree(&w->allow[i]);
	free(w->allow);
	free(w->reports);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

unsigned long rs_taint_read(void)
{
	unsigned long t = 0;
	size_t len;
	char *buf;

	if (rs_read_file("/proc/sys/kernel/tainted", &buf, &len, 64))
		return 0;
	t = strtoul(buf, NULL, 10);
	free(buf);
	return t;
}

void rs_taint_letters(unsigned long taint, char *buf, size_t len)
{
	/* The kernel's taint_flags[] letters (kernel/panic.c), bit order. */
	static const char letters[] = "PFSRMBUDAWCIOELKXTNJ";
	size_t i, o = 0;

	for (i = 0; i < sizeof(letters) - 1 && o + 1 < len; i++)
		if (taint & (1UL << i))
			buf[o++] = letters[i];
	buf[o] = '\0';
}

void rs_health_sample(struct rs_health *h)
{
	struct dirent *de;
	struct rlimit rl;
	size_t len;
	char *buf, *s;
	DIR *d;

	memset(h, 0, sizeof(*h));
	h->rss_kb = -1;
	if (!rs_read_file("/proc/self/status", &buf, &len, 1 << 16)) {
		s = strstr(buf, "VmRSS:");
		if (s)
			h->rss_kb = strtol(s + 6, NULL, 10);
		s = strstr(buf, "Threads:");
		if (s)
			h->threads = (int)strtol(s + 8, NULL, 10);
		free(buf);
	}
	d = opendir("/proc/self/fd");
	if (d) {
		while ((de = readdir(d)))
			h->fds += de->d_name[0] != '.';
		closedir(d);
		h->fds--;	/* the directory's own fd */
	} else if (errno == EMFILE && !getrlimit(RLIMIT_NOFILE, &rl) &&
		   rl.rlim_cur <= INT_MAX) {
		h->fds = (int)rl.rlim_cur;	/* every descriptor below the limit is in use */
	} else {
		h->fds = -1;			/* not measured */
	}
	h->taint = rs_taint_read();
}
