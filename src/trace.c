// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel event collection: a private tracefs instance drained by a thread into
 * DIR/trace.txt, or a `perf record` child writing DIR/perf.data.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rs_trace.h"
#include "rs_util.h"

static const struct rs_trace_group rs_trace_groups_init[] = {
	{ "dma_buf", "dma_buf_export", "exports, attaches, detaches", false, false },
	{ "dma_buf", "dma_buf_invalidate_begin",
	  "invalidate, map/unmap per attachment, attach rejections, hung importers", true, false },
	{ "vfio_pci", "vfio_pci_dmabuf_move_begin",
	  "revoke/restore per dma-buf with trigger, fence wait, unmap wait", true, false },
	{ "dma_buf_mock", "dma_buf_mock_attach", "mock importer actions", true, false },
	{ "dma_fence", "dma_fence_wait_start", "fence waits (not attributed to a revoke)", false, false },
	{ "iommu", "unmap", "IOMMU unmaps, e.g. iommufd's revoke", false, false },
};

/* Events enabled per group: NULL = the whole group. */
static const char *const rs_trace_only[][3] = {
	[4] = { "dma_fence_wait_start", "dma_fence_wait_end", NULL },
	[5] = { "map", "unmap", NULL },
};

#define RS_NR_GROUPS RS_ARRAY_SIZE(rs_trace_groups_init)

struct rs_trace {
	enum rs_trace_mode mode;
	char *root;		/* tracefs mount */
	char *inst;		/* our instance directory */
	char *dir;		/* results directory */
	char *out_path;		/* trace.txt or perf.data */
	char *rec_path;		/* where perf records, when not out_path (see start_perf) */
	struct rs_trace_group groups[RS_NR_GROUPS];
	char missing[256];
	int pipe_fd;
	int out_fd;
	int marker_fd;
	pthread_t reader;
	bool reader_running;
	atomic_bool stop;
	pid_t perf_pid;
	pthread_mutex_t out_lock;
};

int rs_trace_mode_parse(const char *s, enum rs_trace_mode *mode)
{
	if (!strcmp(s, "off"))
		*mode = RS_TRACE_OFF;
	else if (!strcmp(s, "tracefs"))
		*mode = RS_TRACE_TRACEFS;
	else if (!strcmp(s, "perf"))
		*mode = RS_TRACE_PERF;
	else
		return -EINVAL;
	return 0;
}

const char *rs_tracefs_root(void)
{
	static const char *const cands[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char p[128];
	size_t i;

	for (i = 0; i < RS_ARRAY_SIZE(cands); i++) {
		snprintf(p, sizeof(p), "%s/instances", cands[i]);
		if (access(p, F_OK) == 0)
			return cands[i];
	}
	return NULL;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	return 0;
}

static void probe_groups(struct rs_trace *t)
{
	size_t i, len = 0;
	bool any_patched_missing = false;

	memcpy(t->groups, rs_trace_groups_init, sizeof(t->groups));
	t->missing[0] = '\0';
	for (i = 0; i < RS_NR_GROUPS; i++) {
		char *p = rs_xasprintf("%s/events/%s/%s", t->root, t->groups[i].group,
				       t->groups[i].probe);

		t->groups[i].present = access(p, F_OK) == 0;
		free(p);
		if (t->groups[i].present || !t->groups[i].patched)
			continue;
		any_patched_missing = true;
		len += snprintf(t->missing + len, sizeof(t->missing) - len, "%s%s/%s",
				len ? " " : "", t->groups[i].group, t->groups[i].probe);
		if (len >= sizeof(t->missing))
			len = sizeof(t->missing) - 1;
	}
	if (any_patched_missing)
		snprintf(t->missing + len, sizeof(t->missing) - len,
			 " (kernel without revokestorm's kernel-patches/: only userspace timings and stock events)");
}

static void *reader_main(void *arg)
{
	struct rs_trace *t = arg;
	char buf[65536];

	for (;;) {
		struct pollfd pfd = { .fd = t->pipe_fd, .events = POLLIN };
		ssize_t n;
		int stopping = atomic_load(&t->stop);

		poll(&pfd, 1, stopping ? 0 : 200);
		for (;;) {
			n = read(t->pipe_fd, buf, sizeof(buf));
			if (n <= 0)
				break;
			pthread_mutex_lock(&t->out_lock);
			if (write(t->out_fd, buf, n) != n)
				stopping = 1;
			pthread_mutex_unlock(&t->out_lock);
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (stopping)
			break;
	}
	return NULL;
}

static int start_tracefs(struct rs_trace *t, char *why, size_t whylen)
{
	size_t i;
	char *p;
	int ret;

	t->inst = rs_xasprintf("%s/instances/revokestorm-%d", t->root, (int)getpid());
	if (mkdir(t->inst, 0700) && errno != EEXIST) {
		ret = -errno;
		snprintf(why, whylen, "cannot create the tracefs instance %s: %s", t->inst,
			 strerror(errno));
		return ret;
	}
	p = rs_xasprintf("%s/buffer_size_kb", t->inst);
	write_str(p, "8192");
	free(p);
	for (i = 0; i < RS_NR_GROUPS; i++) {
		const char *const *only = rs_trace_only[i];

		if (!t->groups[i].present)
			continue;
		if (!only[0]) {
			p = rs_xasprintf("%s/events/%s/enable", t->inst, t->groups[i].group);
			write_str(p, "1");
			free(p);
			continue;
		}
		for (; *only; only++) {
			p = rs_xasprintf("%s/events/%s/%s/enable", t->inst, t->groups[i].group, *only);
			write_str(p, "1");
			free(p);
		}
	}
	p = rs_xasprintf("%s/trace_pipe", t->inst);
	t->pipe_fd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	free(p);
	if (t->pipe_fd < 0) {
		ret = -errno;
		snprintf(why, whylen, "cannot open %s/trace_pipe: %s", t->inst, strerror(errno));
		return ret;
	}
	p = rs_xasprintf("%s/trace_marker", t->inst);
	t->marker_fd = open(p, O_WRONLY | O_CLOEXEC);
	free(p);
	t->out_path = rs_xasprintf("%s/trace.txt", t->dir);
	t->out_fd = open(t->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (t->out_fd < 0) {
		ret = -errno;
		snprintf(why, whylen, "cannot create %s: %s", t->out_path, strerror(errno));
		return ret;
	}
	p = rs_xasprintf("%s/tracing_on", t->inst);
	write_str(p, "1");
	free(p);
	ret = pthread_create(&t->reader, NULL, reader_main, t);
	if (ret) {
		snprintf(why, whylen, "cannot start the trace reader: %s", strerror(ret));
		return -ret;
	}
	t->reader_running = true;
	return 0;
}

/*
 * statfs() cannot tell 9p: it reports the server's file system type.  The longest mount
 * point of the mounts table that is a prefix of the path decides.
 */
bool rs_path_fs_is(const char *path, const char *mounts, const char *fstype)
{
	char *real = realpath(path, NULL), line[1024], mnt[512], type[64];
	size_t best = 0;
	bool is = false;
	FILE *f;

	if (!real)
		return false;
	f = fopen(mounts, "re");
	while (f && fgets(line, sizeof(line), f)) {
		size_t n;

		if (sscanf(line, "%*s %511s %63s", mnt, type) != 2)
			continue;
		n = strlen(mnt);
		if (strncmp(real, mnt, n) || (real[n] && real[n] != '/' && n > 1) || n < best)
			continue;
		best = n;
		is = !strcmp(type, fstype);
	}
	if (f)
		fclose(f);
	free(real);
	return is;
}

static int start_perf(struct rs_trace *t, char *why, size_t whylen)
{
	char *argv[32], *perf = rs_perf_path(), *evs[RS_NR_GROUPS * 2], *log;
	size_t i, a = 0, e = 0;
	pid_t parent = getpid();
	int ret = 0, nul, lfd, ep[2];

	if (!perf) {
		snprintf(why, whylen, "perf not found: apt-get install linux-perf, or set PERF=");
		return -ENOENT;
	}
	t->out_path = rs_xasprintf("%s/perf.data", t->dir);
	/*
	 * perf writes straight from its mmap'd ring buffers, which a 9p file refuses with
	 * EFAULT (the lab's results share): record to /tmp then, and copy at the end.
	 */
	if (rs_path_fs_is(t->dir, "/proc/self/mounts", "9p")) {
		char tmpl[] = "/tmp/rs-perf-XXXXXX";

		if (mkdtemp(tmpl))
			t->rec_path = rs_xasprintf("%s/perf.data", tmpl);
	}
	log = rs_xasprintf("%s/perf.log", t->dir);
	argv[a++] = perf;
	argv[a++] = "record";
	argv[a++] = "-q";
	argv[a++] = "-a";
	argv[a++] = "-o";
	argv[a++] = t->rec_path ? t->rec_path : t->out_path;
	for (i = 0; i < RS_NR_GROUPS && a + 2 < RS_ARRAY_SIZE(argv) - 1; i++) {
		const char *const *only = rs_trace_only[i];

		if (!t->groups[i].present || (i > 0 && !strcmp(t->groups[i].group, t->groups[i - 1].group)))
			continue;
		argv[a++] = "-e";
		if (only[0])
			evs[e] = rs_xasprintf("%s:%s,%s:%s", t->groups[i].group, only[0],
					      t->groups[i].group, only[1]);
		else
			evs[e] = rs_xasprintf("%s:*", t->groups[i].group);
		argv[a++] = evs[e++];
	}
	argv[a] = NULL;
	nul = open("/dev/null", O_WRONLY | O_CLOEXEC);
	lfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (pipe2(ep, O_CLOEXEC) < 0)
		ep[0] = ep[1] = -1;
	/*
	 * perf records system-wide: it must not outlive us.  Its own process group (a signal
	 * to ours does not cut its data short), SIGINT when we die (it then writes a whole
	 * perf.data), and no signal blocked (the run blocks SIGINT in its threads).
	 */
	t->perf_pid = fork();
	if (t->perf_pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGINT);
		if (getppid() != parent)
			_exit(127);
		rs_child_signals();
		if (nul >= 0)
			dup2(nul, 1);
		if (lfd >= 0)
			dup2(lfd, 2);
		execvp(perf, argv);
		ret = errno;
		if (ep[1] >= 0)
			(void)!write(ep[1], &ret, sizeof(ret));
		_exit(127);
	}
	if (t->perf_pid < 0) {
		ret = errno;
	} else {
		setpgid(t->perf_pid, t->perf_pid);	/* both sides: no window */
		if (ep[1] >= 0) {
			close(ep[1]);
			ep[1] = -1;
			if (read(ep[0], &ret, sizeof(ret)) == (ssize_t)sizeof(ret))
				waitpid(t->perf_pid, NULL, 0);	/* exec failed: ret says why */
			else
				ret = 0;
		}
	}
	if (ep[0] >= 0)
		close(ep[0]);
	if (ep[1] >= 0)
		close(ep[1]);
	if (nul >= 0)
		close(nul);
	if (lfd >= 0)
		close(lfd);
	for (i = 0; i < e; i++)
		free(evs[i]);
	free(log);
	if (ret) {
		snprintf(why, whylen, "cannot run %s: %s", perf, strerror(ret));
		free(perf);
		t->perf_pid = 0;
		return -ret;
	}
	free(perf);
	return 0;
}

int rs_trace_start(struct rs_trace **tp, enum rs_trace_mode mode, const char *root,
		   const char *dir, char *why, size_t whylen)
{
	struct rs_trace *t;
	int ret;

	*tp = NULL;
	if (mode == RS_TRACE_OFF)
		return 0;
	if (!root)
		root = rs_tracefs_root();
	if (!root) {
		snprintf(why, whylen, "no tracefs mounted (mount -t tracefs tracefs /sys/kernel/tracing)");
		return -ENOENT;
	}
	t = rs_xcalloc(1, sizeof(*t));
	t->mode = mode;
	t->root = rs_xstrdup(root);
	t->dir = rs_xstrdup(dir);
	t->pipe_fd = t->out_fd = t->marker_fd = -1;
	pthread_mutex_init(&t->out_lock, NULL);
	probe_groups(t);
	ret = mode == RS_TRACE_PERF ? start_perf(t, why, whylen) : start_tracefs(t, why, whylen);
	if (ret) {
		rs_trace_stop(t);
		return ret;
	}
	*tp = t;
	return 0;
}

void rs_trace_mark(struct rs_trace *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (!t || t->marker_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)!write(t->marker_fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

int rs_trace_snapshot(struct rs_trace *t, const char *path, size_t max_lines)
{
	const size_t window = 4 << 20;
	size_t len, start, lines = 0;
	char *buf;
	off_t size;
	ssize_t n;
	int fd, ret;

	if (!t || t->mode != RS_TRACE_TRACEFS)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&t->out_lock);
	size = lseek(t->out_fd, 0, SEEK_END);
	pthread_mutex_unlock(&t->out_lock);
	if (size < 0)
		return -errno;
	len = (size_t)size < window ? (size_t)size : window;
	fd = open(t->out_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = rs_xmalloc(len + 1);
	n = pread(fd, buf, len, size - (off_t)len);
	close(fd);
	if (n < 0) {
		free(buf);
		return -errno;
	}
	len = (size_t)n;
	start = len;
	while (start > 0) {
		if (buf[start - 1] == '\n' && start != len && ++lines >= max_lines)
			break;
		start--;
	}
	ret = rs_write_file_atomic(path, buf + start, len - start);
	free(buf);
	return ret;
}

long long rs_trace_lost(const struct rs_trace *t)
{
	long long lost = 0;
	int cpu;

	if (!t || !t->inst)
		return -1;
	for (cpu = 0;; cpu++) {
		char *p = rs_xasprintf("%s/per_cpu/cpu%d/stats", t->inst, cpu), *buf, *s;
		size_t len;

		if (rs_read_file(p, &buf, &len, 1 << 16)) {
			free(p);
			break;
		}
		free(p);
		s = strstr(buf, "overrun:");
		if (s)
			lost += strtoll(s + 8, NULL, 10);
		free(buf);
	}
	return lost;
}

/* Copy src to dst (perf.data out of /tmp); 0 or -errno. */
static int rs_copy_file(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY | O_CLOEXEC), out, ret = 0;
	char buf[1 << 16];
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		ssize_t off = 0, w;

		for (; off < n; off += w) {
			w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w <= 0)
				break;
		}
		if (off < n) {
			ret = -errno;
			break;
		}
	}
	if (n < 0)
		ret = -errno;
	close(in);
	if (close(out) && !ret)
		ret = -errno;
	return ret;
}

/* Stop perf; say in why if it did not write a whole perf.data. */
static int rs_perf_stop(struct rs_trace *t, char *why, size_t whylen)
{
	int status = 0, i, ret = 0;

	kill(t->perf_pid, SIGINT);
	for (i = 0; i < 100 && waitpid(t->perf_pid, &status, WNOHANG) == 0; i++)
		usleep(100 * 1000);
	if (i == 100) {
		kill(t->perf_pid, SIGKILL);
		waitpid(t->perf_pid, &status, 0);
		snprintf(why, whylen, "perf record did not stop within 10 s of SIGINT and was killed: "
			 "%s is incomplete", t->out_path);
		ret = -ETIMEDOUT;
	} else if (WIFEXITED(status) ? WEXITSTATUS(status) != 0 :
		   !WIFSIGNALED(status) || WTERMSIG(status) != SIGINT) {
		/* perf record re-raises SIGINT after writing its header: that is success */
		snprintf(why, whylen, "perf record failed (%s %d): see %s/perf.log",
			 WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), t->dir);
		ret = -EIO;
	}
	t->perf_pid = 0;
	if (t->rec_path) {
		int err = rs_copy_file(t->rec_path, t->out_path);

		if (err && !ret) {
			snprintf(why, whylen, "cannot copy %s to %s: %s", t->rec_path, t->out_path,
				 strerror(-err));
			ret = err;
		}
		unlink(t->rec_path);
		*strrchr(t->rec_path, '/') = '\0';
		rmdir(t->rec_path);
	}
	return ret;
}

void rs_trace_stop(struct rs_trace *t)
{
	char why[256];

	rs_trace_stop_checked(t, why, sizeof(why));
}

int rs_trace_stop_checked(struct rs_trace *t, char *why, size_t whylen)
{
	int ret = 0;

	if (!t)
		return 0;
	if (t->reader_running) {
		atomic_store(&t->stop, true);
		pthread_join(t->reader, NULL);
		t->reader_running = false;
	}
	if (t->perf_pid > 0)
		ret = rs_perf_stop(t, why, whylen);
	if (t->pipe_fd >= 0)
		close(t->pipe_fd);
	if (t->out_fd >= 0)
		close(t->out_fd);
	if (t->marker_fd >= 0)
		close(t->marker_fd);
	if (t->inst)
		rmdir(t->inst);
	pthread_mutex_destroy(&t->out_lock);
	free(t->inst);
	free(t->root);
	free(t->dir);
	free(t->out_path);
	free(t->rec_path);
	free(t);
	return ret;
}

const char *rs_trace_instance(const struct rs_trace *t)
{
	return t ? t->inst : NULL;
}

int rs_trace_perf_pid(const struct rs_trace *t)
{
	return t ? (int)t->perf_pid : 0;
}

const struct rs_trace_group *rs_trace_groups(const struct rs_trace *t, size_t *nr)
{
	*nr = t ? RS_NR_GROUPS : 0;
	return t ? t->groups : NULL;
}

const char *rs_trace_missing(const struct rs_trace *t)
{
	return t ? t->missing : "";
}
