// SPDX-License-Identifier: GPL-2.0
/* The state file of what runs hold (rs_state.h): an append-only log of records. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rs_state.h"
#include "rs_util.h"

#define RS_STATE_MAX	(4 << 20)

struct rs_state {
	char *path;
	int fd;				/* O_APPEND, flock()ed */
	int pid;
	unsigned long long start;	/* ours */
	off_t size;			/* what the file holds in whole records */
	pthread_mutex_t lock;
	struct rs_state_entry *e;	/* listed now: ours and those left by others */
	size_t nr, cap;
};

/* Field 3 (state) and field 22 (start time) of /proc/PID/stat; false if there is no PID. */
static bool rs_proc_stat(int pid, char *state, unsigned long long *start)
{
	char path[64], *buf, *p;
	size_t len;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (rs_read_file(path, &buf, &len, 4096))
		return false;
	/* "PID (COMM) S PPID ...": COMM may hold spaces and ')'; fields count after the last ')' */
	*state = '?';
	*start = 0;
	p = strrchr(buf, ')');
	if (p && p[1] == ' ')
		*state = p[2];
	for (field = 2; p && *p && field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			break;
	}
	if (p && field == 22)
		*start = strtoull(p + 1, NULL, 10);
	free(buf);
	return true;
}

unsigned long long rs_proc_start(int pid)
{
	unsigned long long start;
	char state;

	return rs_proc_stat(pid, &state, &start) ? start : 0;
}

bool rs_proc_alive(int pid, unsigned long long start)
{
	unsigned long long st;
	char state;

	if (pid <= 0)
		return false;
	if (!rs_proc_stat(pid, &state, &st))
		return kill(pid, 0) == 0 || errno == EPERM;	/* no /proc: the pid alone */
	if (state == 'Z' || state == 'X')
		return false;	/* exited, not yet reaped */
	return !start || st == start;
}

/* "PID/START" or an old file's "PID"; *end after it.  False if malformed. */
static bool rs_parse_run(const char *s, int *pid, unsigned long long *start, char **end)
{
	long v;

	errno = 0;
	v = strtol(s, end, 10);
	if (errno || *end == s || v <= 0 || v > INT_MAX)
		return false;
	*pid = (int)v;
	*start = 0;
	if (**end == '/') {
		const char *p = *end + 1;

		errno = 0;
		*start = strtoull(p, end, 10);
		if (errno || *end == p)
			return false;
	}
	return **end == ' ' || !**end;
}

static void rs_list_add(struct rs_state_entry **e, size_t *nr, size_t *cap, int pid,
			unsigned long long start, const char *type, const char *id)
{
	rs_xgrow(e, cap, *nr, sizeof(**e));
	(*e)[*nr] = (struct rs_state_entry){
		.pid = pid, .start = start, .type = rs_xstrdup(type), .id = rs_xstrdup(id),
	};
	(*nr)++;
}

static void rs_list_del(struct rs_state_entry *e, size_t *nr, size_t i)
{
	free(e[i].type);
	free(e[i].id);
	memmove(&e[i], &e[i + 1], (*nr - i - 1) * sizeof(*e));
	(*nr)--;
}

static ssize_t rs_list_find(const struct rs_state_entry *e, size_t nr, int pid,
			    unsigned long long start, const char *type, const char *id)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (e[i].pid == pid && e[i].start == start && !strcmp(e[i].type, type) &&
		    !strcmp(e[i].id, id))
			return (ssize_t)i;
	return -1;
}

/* Replay the records: what is listed now, and the last run that took the file. */
static void rs_state_parse(const char *text, int *owner, struct rs_state_entry **out, size_t *nr)
{
	struct rs_state_entry *e = NULL;
	size_t cap = 0, n = 0;
	const char *line = text;

	*owner = 0;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		char type[128], id[512], *l, *rest;
		unsigned long long start;
		bool held;
		int pid;

		if (!nl)
			break;	/* a torn last line: the write never finished */
		l = rs_xstrndup(line, (size_t)(nl - line));
		if ((!strncmp(l, "run ", 4) || !strncmp(l, "pid ", 4)) &&
		    rs_parse_run(l + 4, &pid, &start, &rest)) {
			*owner = pid;
		} else if (((held = !strncmp(l, "held ", 5)) || !strncmp(l, "released ", 9)) &&
			   rs_parse_run(l + (held ? 5 : 9), &pid, &start, &rest) &&
			   sscanf(rest, " %127s %511[^\n]", type, id) == 2) {
			ssize_t i = rs_list_find(e, n, pid, start, type, id);

			if (held && i < 0)
				rs_list_add(&e, &n, &cap, pid, start, type, id);
			else if (!held && i >= 0)
				rs_list_del(e, &n, (size_t)i);
		}
		free(l);
		line = nl + 1;
	}
	*out = e;
	*nr = n;
}

/* Append one record and make it durable. */
static int rs_state_append(struct rs_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int rs_state_append(struct rs_state *st, const char *fmt, ...)
{
	struct rs_buf_str b = { 0 };
	va_list ap;
	char *line;
	ssize_t n;
	int err = 0;

	va_start(ap, fmt);
	line = rs_xvasprintf(fmt, ap);
	va_end(ap);
	rs_str_add(&b, line);
	free(line);
	n = write(st->fd, b.s, b.len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n < b.len)
		err = -ENOSPC;
	if (err)
		(void)!ftruncate(st->fd, st->size);	/* no torn record for the next one to extend */
	else
		st->size += n;
	if (!err && fsync(st->fd) < 0)
		err = -errno;
	rs_str_free(&b);
	return err;
}

static int rs_state_lock(const char *path, int *fdp, int *owner)
{
	struct stat a, b;
	char *text;
	size_t len;
	int fd, err, tries;

	for (tries = 0; ; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			err = -errno;
			if (err == -EWOULDBLOCK) {
				struct rs_state_entry *e;
				size_t n;

				if (!rs_read_file(path, &text, &len, RS_STATE_MAX)) {
					rs_state_parse(text, owner, &e, &n);
					rs_state_entries_free(e, n);
					free(text);
				}
				err = -EBUSY;
			}
			close(fd);
			return err;
		}
		/* the previous holder may have removed the file between our open and lock */
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			break;
		close(fd);
		if (tries > 10)
			return -EAGAIN;
	}
	*fdp = fd;
	return 0;
}

int rs_state_open(const char *path, const char *scenario, struct rs_state **stp,
		  struct rs_state_entry **left, size_t *nr_left, int *owner)
{
	struct rs_state *st;
	char *dir, *slash, *text = NULL;
	size_t len = 0, i;
	int fd, err;

	*left = NULL;
	*nr_left = 0;
	*owner = 0;
	dir = rs_xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		err = rs_mkdir_p(dir, 0755);
		if (err) {
			free(dir);
			return err;
		}
	}
	free(dir);
	err = rs_state_lock(path, &fd, owner);
	if (err)
		return err;
	st = rs_xcalloc(1, sizeof(*st));
	st->path = rs_xstrdup(path);
	st->fd = fd;
	st->pid = (int)getpid();
	st->start = rs_proc_start(st->pid);
	pthread_mutex_init(&st->lock, NULL);
	err = rs_read_file(path, &text, &len, RS_STATE_MAX);
	if (!err) {
		char *nl = len ? memrchr(text, '\n', len) : NULL;

		rs_state_parse(text, owner, &st->e, &st->nr);
		st->cap = st->nr;
		/*
		 * A record a crash cut short was never committed: cut it off (we hold the lock),
		 * so that what we append does not extend it into something else.
		 */
		st->size = nl ? nl - text + 1 : 0;
		if ((size_t)st->size != len && ftruncate(fd, st->size) < 0)
			err = -errno;
		free(text);
	}
	if (!err && !len)
		err = rs_state_append(st, "# revokestorm state: what runs hold, for recovery "
				      "after a crash (revokestorm recover); removed when empty\n");
	if (!err)
		err = rs_state_append(st, "run %d/%llu %s\n", st->pid, st->start, scenario);
	if (err) {
		rs_state_close(st);
		return err;
	}
	*left = rs_xcalloc(st->nr + 1, sizeof(**left));
	for (i = 0; i < st->nr; i++) {
		struct rs_state_entry *e = &(*left)[i];

		*e = st->e[i];
		e->type = rs_xstrdup(st->e[i].type);
		e->id = rs_xstrdup(st->e[i].id);
		e->alive = e->pid != st->pid && rs_proc_alive(e->pid, e->start);
		st->e[i].alive = e->alive;
	}
	*nr_left = st->nr;
	*stp = st;
	return 0;
}

int rs_state_add(struct rs_state *st, const char *type, const char *id)
{
	int err;

	if (!st)
		return 0;
	pthread_mutex_lock(&st->lock);
	err = rs_state_append(st, "held %d/%llu %s %s\n", st->pid, st->start, type, id);
	if (!err)
		rs_list_add(&st->e, &st->nr, &st->cap, st->pid, st->start, type, id);
	pthread_mutex_unlock(&st->lock);
	return err;
}

static int rs_state_release(struct rs_state *st, int pid, unsigned long long start,
			    const char *type, const char *id)
{
	ssize_t i;
	int err;

	pthread_mutex_lock(&st->lock);
	i = rs_list_find(st->e, st->nr, pid, start, type, id);
	if (i < 0) {
		pthread_mutex_unlock(&st->lock);
		return -ENOENT;
	}
	err = rs_state_append(st, "released %d/%llu %s %s\n", pid, start, type, id);
	if (!err)
		rs_list_del(st->e, &st->nr, (size_t)i);
	pthread_mutex_unlock(&st->lock);
	return err;
}

int rs_state_del(struct rs_state *st, const char *type, const char *id)
{
	return st ? rs_state_release(st, st->pid, st->start, type, id) : 0;
}

int rs_state_forget(struct rs_state *st, const struct rs_state_entry *e)
{
	return st ? rs_state_release(st, e->pid, e->start, e->type, e->id) : 0;
}

size_t rs_state_count(struct rs_state *st)
{
	size_t n;

	if (!st)
		return 0;
	pthread_mutex_lock(&st->lock);
	n = st->nr;
	pthread_mutex_unlock(&st->lock);
	return n;
}

void rs_state_close(struct rs_state *st)
{
	if (!st)
		return;
	if (!st->nr)
		unlink(st->path);	/* still under the lock: see rs_state_lock() */
	close(st->fd);
	rs_state_entries_free(st->e, st->nr);
	pthread_mutex_destroy(&st->lock);
	free(st->path);
	free(st);
}

void rs_state_entries_free(struct rs_state_entry *e, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(e[i].type);
		free(e[i].id);
	}
	free(e);
}
