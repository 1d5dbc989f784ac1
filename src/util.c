// SPDX-License-Identifier: GPL-2.0
/* Core helpers: allocation, strings, time, errno names, edit distance, files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rs_fdbudget.h"
#include "rs_util.h"

static void __attribute__((noreturn)) rs_oom(size_t n)
{
	fprintf(stderr, "revokestorm: out of memory (%zu bytes)\n", n);
	abort();
}

void *rs_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		rs_oom(n);
	return p;
}

void *rs_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		rs_oom(nmemb * size);
	return p;
}

void *rs_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		rs_oom(n);
	return p;
}

void rs_xgrow(void *arr, size_t *cap, size_t need, size_t sz)
{
	void **a = arr;
	size_t c = *cap;

	if (need < c)
		return;
	c = c ? c : 4;
	while (c <= need)
		c *= 2;
	*a = rs_xrealloc(*a, c * sz);
	memset((char *)*a + *cap * sz, 0, (c - *cap) * sz);
	*cap = c;
}

char *rs_xstrdup(const char *s)
{
	return rs_xstrndup(s, strlen(s));
}

char *rs_xstrndup(const char *s, size_t n)
{
	char *p = rs_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *rs_xvasprintf(const char *fmt, va_list ap)
{
	char *p;

	if (vasprintf(&p, fmt, ap) < 0)
		rs_oom(strlen(fmt));
	return p;
}

char *rs_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = rs_xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void rs_str_addn(struct rs_buf_str *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t c = b->cap ? b->cap : 64;

		while (c < b->len + n + 1)
			c *= 2;
		b->s = rs_xrealloc(b->s, c);
		b->cap = c;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void rs_str_add(struct rs_buf_str *b, const char *s)
{
	rs_str_addn(b, s, strlen(s));
}

void rs_str_addc(struct rs_buf_str *b, char c)
{
	rs_str_addn(b, &c, 1);
}

void rs_str_addf(struct rs_buf_str *b, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = rs_xvasprintf(fmt, ap);
	va_end(ap);
	rs_str_add(b, p);
	free(p);
}

void rs_str_free(struct rs_buf_str *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

char *rs_str_steal(struct rs_buf_str *b)
{
	char *s = b->s ? b->s : rs_xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

static uint64_t rs_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t rs_now_ns(void)
{
	return rs_clock_ns(CLOCK_MONOTONIC);
}

uint64_t rs_wall_ns(void)
{
	return rs_clock_ns(CLOCK_REALTIME);
}

void rs_fmt_iso8601(uint64_t wall_ns, char *buf, size_t len)
{
	time_t t = (time_t)(wall_ns / 1000000000ULL);
	struct tm tm;
	char tmp[32];

	gmtime_r(&t, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03uZ", tmp, (unsigned int)(wall_ns / 1000000ULL % 1000));
}

const char *rs_errno_name(int err)
{
	static __thread char unk[16];
	const char *n;

	if (err < 0)
		err = -err;
	if (err == 0)
		return "0";
	n = strerrorname_np(err);
	if (n)
		return n;
	snprintf(unk, sizeof(unk), "E%d", err);
	return unk;
}

size_t rs_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, r;
	size_t *d;

	if (la > 64 || lb > 64)		/* hints are for short words only */
		return SIZE_MAX;
	d = rs_xcalloc((la + 1) * (lb + 1), sizeof(*d));
#define D(x, y) d[(x) * (lb + 1) + (y)]
	for (i = 0; i <= la; i++)
		D(i, 0) = i;
	for (j = 0; j <= lb; j++)
		D(0, j) = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1], v;

			v = D(i - 1, j) + 1;
			if (D(i, j - 1) + 1 < v)
				v = D(i, j - 1) + 1;
			if (D(i - 1, j - 1) + cost < v)
				v = D(i - 1, j - 1) + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    D(i - 2, j - 2) + 1 < v)
				v = D(i - 2, j - 2) + 1;
			D(i, j) = v;
		}
	}
	r = D(la, lb);
#undef D
	free(d);
	return r;
}

const char *rs_did_you_mean(const char *word, const char *const *cands, size_t nr)
{
	size_t best = SIZE_MAX, i, limit = strlen(word) / 3;
	const char *pick = NULL;

	if (limit < 1)
		limit = 1;
	if (limit > 3)
		limit = 3;
	for (i = 0; i < nr && cands[i]; i++) {
		size_t dist = rs_edit_distance(word, cands[i]);

		if (dist < best && dist <= limit) {
			best = dist;
			pick = cands[i];
		}
	}
	return pick;
}

int rs_read_file(const char *path, char **buf, size_t *len, size_t max)
{
	struct rs_buf_str b = { 0 };
	char chunk[8192];
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		if (max && b.len + (size_t)n > max) {
			rs_str_addn(&b, chunk, max - b.len);
			break;
		}
		rs_str_addn(&b, chunk, (size_t)n);
	}
	close(fd);
	if (err) {
		rs_str_free(&b);
		return err;
	}
	*len = b.len;
	*buf = rs_str_steal(&b);
	return 0;
}

int rs_write_file_atomic(const char *path, const char *data, size_t len)
{
	char *tmp = rs_xasprintf("%s.tmp.%d", path, (int)getpid());
	int fd, err = 0;
	size_t off = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
out:
	free(tmp);
	return err;
}

int rs_mkdir_p(const char *path, unsigned int mode)
{
	char *p, *s;
	int err = 0;

	if (!*path)
		return -ENOENT;
	p = rs_xstrdup(path);
	for (s = p + 1; ; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			err = -errno;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return err;
}

uint64_t rs_hash_str(uint64_t h, const char *s)
{
	if (!h)
		h = 0xcbf29ce484222325ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void rs_child_signals(void)
{
	static const int deflt[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
	sigset_t none;
	size_t i;

	for (i = 0; i < RS_ARRAY_SIZE(deflt); i++)
		signal(deflt[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	rs_nofile_restore();
}

/* rs_util.h */
char *rs_perf_path(void)
{
	const char *env = getenv("PERF");
	char *best = NULL;
	struct dirent *de;
	DIR *d;

	if (env && *env)
		return rs_xstrdup(env);
	if (system("perf --version >/dev/null 2>&1") == 0)
		return rs_xstrdup("perf");
	d = opendir("/usr/bin");
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "perf_", 5) || !strchr(de->d_name, '.'))
			continue;
		if (!best || strverscmp(de->d_name, best + strlen("/usr/bin/")) > 0) {
			free(best);
			best = rs_xasprintf("/usr/bin/%s", de->d_name);
		}
	}
	closedir(d);
	return best;
}
