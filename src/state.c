// SPDX-License-Identifier: GPL-2.0
/* The state file of held devices (rs_state.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rs_state.h"
#include "rs_util.h"

struct rs_state {
	char *path;
	char *scenario;
	int fd;
	struct rs_state_entry *e;	/* ours and carried-over live ones */
	size_t nr, cap;
};

static bool rs_pid_alive(int pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

static int rs_state_flush(struct rs_state *st)
{
	struct rs_buf_str b = { 0 };
	size_t i, off = 0;
	int err = 0;

	rs_str_addf(&b, "# revokestorm state: devices held by a run; removed when it ends cleanly\n"
		    "pid %d\nscenario %s\n", (int)getpid(), st->scenario);
	for (i = 0; i < st->nr; i++)
		rs_str_addf(&b, "held %d %s %s\n", st->e[i].pid, st->e[i].type, st->e[i].id);
	if (ftruncate(st->fd, 0) < 0)
		err = -errno;
	while (!err && off < b.len) {
		ssize_t n = pwrite(st->fd, b.s + off, b.len - off, (off_t)off);

		if (n < 0 && errno != EINTR)
			err = -errno;
		else if (n > 0)
			off += (size_t)n;
	}
	if (!err && fsync(st->fd) < 0)
		err = -errno;
	rs_str_free(&b);
	return err;
}

/* A pid: decimal, positive, in range; -1 otherwise.  *end: after the digits. */
static int rs_parse_pid(const char *s, char **end)
{
	long v;

	errno = 0;
	v = strtol(s, end, 10);
	if (errno || *end == s || v <= 0 || v > INT_MAX)
		return -1;
	return (int)v;
}

static void rs_state_parse(const char *text, int *owner, struct rs_state_entry **out, size_t *nr)
{
	struct rs_state_entry *e = NULL;
	size_t cap = 0, n = 0;
	const char *line = text;

	*owner = 0;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		char *l = nl ? rs_xstrndup(line, (size_t)(nl - line)) : rs_xstrdup(line);
		char type[128], id[512], *rest;
		int pid;

		if (!strncmp(l, "pid ", 4) && (pid = rs_parse_pid(l + 4, &rest)) > 0 && !*rest) {
			*owner = pid;
		} else if (!strncmp(l, "held ", 5) && (pid = rs_parse_pid(l + 5, &rest)) > 0 &&
			   sscanf(rest, " %127s %511[^\n]", type, id) == 2) {
			rs_xgrow(&e, &cap, n, sizeof(*e));
			e[n].pid = pid;
			e[n].type = rs_xstrdup(type);
			e[n].id = rs_xstrdup(id);
			e[n].alive = rs_pid_alive(pid) && pid != getpid();
			n++;
		}
		free(l);
		line = nl ? nl + 1 : NULL;
	}
	*out = e;
	*nr = n;
}

int rs_state_open(const char *path, const char *scenario, struct rs_state **stp,
		  struct rs_state_entry **stale, size_t *nr_stale, int *owner)
{
	struct rs_state *st;
	char *dir, *slash, *text = NULL;
	struct stat a, b;
	size_t len, i;
	int fd, err, tries;

	*stale = NULL;
	*nr_stale = 0;
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
	for (tries = 0; ; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			err = -errno;
			if (err == -EWOULDBLOCK) {
				struct rs_state_entry *e;
				size_t n;

				if (!rs_read_file(path, &text, &len, 1 << 20)) {
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
	st = rs_xcalloc(1, sizeof(*st));
	st->path = rs_xstrdup(path);
	st->scenario = rs_xstrdup(scenario);
	st->fd = fd;
	if (!rs_read_file(path, &text, &len, 1 << 20)) {
		int prev;

		rs_state_parse(text, &prev, stale, nr_stale);
		free(text);
		*owner = prev;
		/* live runs' entries stay listed: they are not ours to recover */
		for (i = 0; i < *nr_stale; i++) {
			struct rs_state_entry *e = &(*stale)[i];

			if (!e->alive)
				continue;
			rs_xgrow(&st->e, &st->cap, st->nr, sizeof(*st->e));
			st->e[st->nr].pid = e->pid;
			st->e[st->nr].type = rs_xstrdup(e->type);
			st->e[st->nr].id = rs_xstrdup(e->id);
			st->e[st->nr].alive = 1;
			st->nr++;
		}
	}
	err = rs_state_flush(st);
	if (err) {
		rs_state_entries_free(*stale, *nr_stale);
		*stale = NULL;
		*nr_stale = 0;
		rs_state_close(st);
		return err;
	}
	*stp = st;
	return 0;
}

int rs_state_add(struct rs_state *st, const char *type, const char *id)
{
	if (!st)
		return 0;
	rs_xgrow(&st->e, &st->cap, st->nr, sizeof(*st->e));
	st->e[st->nr].pid = (int)getpid();
	st->e[st->nr].type = rs_xstrdup(type);
	st->e[st->nr].id = rs_xstrdup(id);
	st->e[st->nr].alive = 0;
	st->nr++;
	return rs_state_flush(st);
}

int rs_state_del(struct rs_state *st, const char *type, const char *id)
{
	size_t i;

	if (!st)
		return 0;
	for (i = 0; i < st->nr; i++) {
		if (st->e[i].pid == (int)getpid() && !strcmp(st->e[i].type, type) &&
		    !strcmp(st->e[i].id, id)) {
			free(st->e[i].type);
			free(st->e[i].id);
			memmove(&st->e[i], &st->e[i + 1], (st->nr - i - 1) * sizeof(*st->e));
			st->nr--;
			return rs_state_flush(st);
		}
	}
	return -ENOENT;
}

size_t rs_state_count(const struct rs_state *st)
{
	return st ? st->nr : 0;
}

void rs_state_close(struct rs_state *st)
{
	if (!st)
		return;
	if (!st->nr)
		unlink(st->path);
	close(st->fd);
	rs_state_entries_free(st->e, st->nr);
	free(st->path);
	free(st->scenario);
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
