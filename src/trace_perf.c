// SPDX-License-Identifier: GPL-2.0
/*
 * The perf half of kernel event collection: a system-wide `perf record` child writing
 * DIR/perf.data, in its own process group, that dies with us, started with its events
 * disabled and enabled through its control pipe, so that the run goes on only once perf
 * records.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rs_trace.h"
#include "rs_util.h"
#include "trace_int.h"

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

/* perf record's control pipe (--control fd:CTL,ACK): the numbers the child has them at */
#define RS_PERF_CTL_FD		3
#define RS_PERF_ACK_FD		4
#define RS_PERF_CTL_FD_S	"3"
#define RS_PERF_ACK_FD_S	"4"
/* how long perf may take from exec to recording (TCG, a cold page cache) */
#define RS_PERF_START_MS	60000

/*
 * Enable perf's events and wait for its "ack": from then on it records.  0, or -errno with
 * why, perf stopped (its log says why it could not start).
 */
static int rs_perf_enable(struct rs_trace *t, const char *perf, char *why, size_t whylen)
{
	struct pollfd pfd = { .fd = t->perf_ack, .events = POLLIN };
	char buf[16] = "";
	bool exited = false;
	ssize_t n = -1;
	int ret;

	if (write(t->perf_ctl, "enable\n", 7) == 7) {
		ret = poll(&pfd, 1, RS_PERF_START_MS);
		if (ret > 0)
			n = read(t->perf_ack, buf, sizeof(buf) - 1);
	} else {
		/* EPIPE: perf already exited (or closed its control pipe) before we asked */
		exited = errno == EPIPE;
	}
	if (n >= 3 && !strncmp(buf, "ack", 3))
		return 0;
	if (waitpid(t->perf_pid, NULL, WNOHANG) == t->perf_pid) {
		exited = true;
	} else {
		/* EOF on the ack pipe: it is exiting; killing a zombie is harmless */
		exited = exited || n == 0;
		kill(t->perf_pid, SIGKILL);
		waitpid(t->perf_pid, NULL, 0);
	}
	t->perf_pid = 0;
	snprintf(why, whylen, "%s record did not %s (its log: %s/perf.log)", perf,
		 exited ? "start: it exited" : "say it records within 60 s", t->dir);
	return -ETIMEDOUT;
}

int rs_perf_start(struct rs_trace *t, char *why, size_t whylen)
{
	char *argv[40], *perf = rs_perf_path(), *evs[RS_NR_GROUPS * 2], *log;
	size_t i, a = 0, e = 0;
	pid_t parent = getpid();
	int ret = 0, nul, lfd, ep[2], cp[2] = { -1, -1 }, ap[2] = { -1, -1 };

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
	/* the engine's clock: trace times compare with its own (rs_now_ns()) */
	argv[a++] = "-k";
	argv[a++] = "CLOCK_MONOTONIC";
	argv[a++] = "-o";
	argv[a++] = t->rec_path ? t->rec_path : t->out_path;
	/*
	 * Start with the events disabled and enable them through perf's control pipe: its
	 * "ack" says perf records, so the run's first revoke is in the trace.  Without it, the
	 * first revokes of a short run went unrecorded and nothing said so.
	 */
	if (pipe2(cp, O_CLOEXEC) == 0 && pipe2(ap, O_CLOEXEC) == 0) {
		argv[a++] = "--control";
		argv[a++] = "fd:" RS_PERF_CTL_FD_S "," RS_PERF_ACK_FD_S;
		argv[a++] = "-D";
		argv[a++] = "-1";
	}
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
		if (ap[1] >= 0) {
			/* the control pipe's ends at the numbers argv names, inherited */
			int c = fcntl(cp[0], F_DUPFD, 10), k = fcntl(ap[1], F_DUPFD, 10);

			if (c < 0 || k < 0 || dup2(c, RS_PERF_CTL_FD) < 0 || dup2(k, RS_PERF_ACK_FD) < 0)
				_exit(127);
		}
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
		if (t->made)
			t->made(t->made_arg, NULL, t->perf_pid);
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
	if (cp[0] >= 0)
		close(cp[0]);
	if (ap[1] >= 0)
		close(ap[1]);
	t->perf_ctl = cp[1];
	t->perf_ack = ap[0];
	if (ret) {
		snprintf(why, whylen, "cannot run %s: %s", perf, strerror(ret));
		free(perf);
		t->perf_pid = 0;
		return -ret;
	}
	if (t->perf_ack >= 0)
		ret = rs_perf_enable(t, perf, why, whylen);
	free(perf);
	return ret;
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

int rs_perf_stop(struct rs_trace *t, char *why, size_t whylen)
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
