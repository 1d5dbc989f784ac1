// SPDX-License-Identifier: GPL-2.0
/*
 * The hang bundle: everything a kernel developer needs to look at a hung revoke, and
 * everything `revokestorm repro` needs to replay it.  Written from the controller while
 * a worker is stuck in the kernel, so every step is bounded and non-blocking where it
 * can be: nothing here waits on the stuck task.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "rs_kmsg.h"
#include "rs_repro.h"
#include "rs_trace.h"
#include "rs_util.h"

static void put_file(const char *dir, const char *name, const char *data, size_t len, int *err)
{
	char *p = rs_xasprintf("%s/%s", dir, name);
	int ret = rs_write_file_atomic(p, data, len);

	if (ret && !*err)
		*err = ret;
	free(p);
}

static void put_str(const char *dir, const char *name, const char *s, int *err)
{
	put_file(dir, name, s, strlen(s), err);
}

/* Append "title\n<contents of path>\n" to b; a missing file says so. */
static void add_proc(struct rs_buf_str *b, const char *title, const char *path)
{
	size_t len;
	char *buf;

	rs_str_addf(b, "%s\n", title);
	if (rs_read_file(path, &buf, &len, 1 << 20)) {
		rs_str_addf(b, "  (cannot read %s: %s)\n", path, strerror(errno));
		return;
	}
	rs_str_add(b, buf);
	if (len && buf[len - 1] != '\n')
		rs_str_addc(b, '\n');
	free(buf);
}

/* The kernel log, as dmesg prints it, read from /dev/kmsg without blocking. */
static char *read_kmsg(void)
{
	struct rs_buf_str b = { 0 };
	char rec[8192];
	int fd = open(rs_kmsg_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return rs_xasprintf("(cannot open %s: %s)\n", rs_kmsg_path, strerror(errno));
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		unsigned long long ts;
		size_t off = 0;
		char *msg;

		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records */
		if (n <= 0)
			break;
		while (rs_kmsg_next(rec, (size_t)n, &off, &ts, &msg))
			rs_str_addf(&b, "[%5llu.%06llu] %s\n", ts / 1000000, ts % 1000000, msg);
	}
	close(fd);
	return rs_str_steal(&b);
}

/* Kernel stacks of every task in uninterruptible sleep, ours first. */
static char *blocked_stacks(const struct rs_bundle_info *bi)
{
	struct rs_buf_str b = { 0 };
	struct dirent *de;
	size_t i;
	DIR *d;

	for (i = 0; i < bi->nr_stuck; i++) {
		char t[96], p[96];

		snprintf(t, sizeof(t), "=== stuck revokestorm thread %d (wchan, stack):", (int)bi->stuck_tids[i]);
		snprintf(p, sizeof(p), "/proc/self/task/%d/wchan", (int)bi->stuck_tids[i]);
		add_proc(&b, t, p);
		rs_str_addc(&b, '\n');
		snprintf(p, sizeof(p), "/proc/self/task/%d/stack", (int)bi->stuck_tids[i]);
		add_proc(&b, "", p);
	}
	d = opendir("/proc");
	if (!d)
		return rs_str_steal(&b);
	while ((de = readdir(d))) {
		char p[300], *stat, *paren;
		size_t len;
		int pid = atoi(de->d_name);

		if (pid <= 0)
			continue;
		snprintf(p, sizeof(p), "/proc/%d/stat", pid);
		if (rs_read_file(p, &stat, &len, 4096))
			continue;
		paren = strrchr(stat, ')');
		if (paren && paren[1] == ' ' && paren[2] == 'D') {
			char t[128];

			snprintf(t, sizeof(t), "=== blocked task %d %.*s:", pid,
				 (int)(paren - stat + 1 > 64 ? 64 : paren - stat + 1), stat);
			snprintf(p, sizeof(p), "/proc/%d/stack", pid);
			add_proc(&b, t, p);
		}
		free(stat);
	}
	closedir(d);
	return rs_str_steal(&b);
}

static char *kernel_identity(void)
{
	struct rs_buf_str b = { 0 };
	struct utsname u;
	const char *root = rs_tracefs_root();

	if (!uname(&u))
		rs_str_addf(&b, "uname: %s %s %s %s\n", u.sysname, u.release, u.version, u.machine);
	add_proc(&b, "version:", "/proc/version");
	add_proc(&b, "cmdline:", "/proc/cmdline");
	add_proc(&b, "tainted:", "/proc/sys/kernel/tainted");
	if (root) {
		char *p = rs_xasprintf("%s/events/vfio_pci/vfio_pci_dmabuf_move_begin", root);

		rs_str_addf(&b, "patch set: %s\n", access(p, F_OK) ? "not applied (no vfio_pci events)"
								   : "applied (vfio_pci revoke events present)");
		free(p);
	}
	return rs_str_steal(&b);
}

int rs_bundle_write(const struct rs_bundle_info *bi, char *path_out, size_t len)
{
	char *dir = rs_xasprintf("%s/%s", bi->results_dir, RS_BUNDLE_DIR), *s;
	int err = 0, fd;

	if (path_out)
		snprintf(path_out, len, "%s", dir);
	if (rs_mkdir_p(dir, 0755)) {
		err = -errno;
		free(dir);
		return err;
	}
	s = rs_xasprintf("%s\nseed: %llu\nreproduce: revokestorm repro %s --runs 10\n", bi->what,
			 (unsigned long long)bi->seed, dir);
	put_str(dir, "what.txt", s, &err);
	free(s);
	put_str(dir, "scenario.ini", bi->scenario_text ? bi->scenario_text : "", &err);
	if (bi->schedule)
		put_str(dir, "schedule.txt", bi->schedule, &err);
	s = kernel_identity();
	put_str(dir, "kernel.txt", s, &err);
	free(s);
	if (bi->trace) {
		char *p = rs_xasprintf("%s/events.txt", dir);

		rs_trace_snapshot(bi->trace, p, bi->trace_lines ? bi->trace_lines : 20000);
		free(p);
	}
	s = blocked_stacks(bi);
	put_str(dir, "stacks.txt", s, &err);
	free(s);
	/* sysrq-w: the kernel's own list of blocked tasks, into the kernel log. */
	fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)!write(fd, "w", 1);
		close(fd);
		usleep(200 * 1000);
	}
	s = read_kmsg();
	put_str(dir, "kmsg.txt", s, &err);
	free(s);
	free(dir);
	return err;
}
