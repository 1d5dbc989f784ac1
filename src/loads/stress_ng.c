// SPDX-License-Identifier: GPL-2.0
/*
 * Load "stress-ng": runs stress-ng with the scenario's arguments in a process group of
 * its own; stop sends SIGTERM to the group, SIGKILL after `grace`, and reaps it.  A
 * --timeout (max_time) is added unless the arguments set one, and the child dies with
 * us (PR_SET_PDEATHSIG), so nothing outlives a killed run for long.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rs_lib/argv.h"
#include "rs_lib/plug.h"
#include "rs_util.h"

struct stressng {
	pid_t pid;
	uint64_t grace_ns;
};

static const struct rs_opt stressng_opts[] = {
	{ "args", RS_OPT_STR, "--cpu 1 --vm 1 --vm-bytes 64M",
	  "stress-ng options (quoted like a shell, no expansion)" },
	{ "bin", RS_OPT_STR, "stress-ng", "the stress-ng binary (searched in PATH)" },
	{ "max_time", RS_OPT_TIME, "1h",
	  "--timeout given to stress-ng unless args set one: a bound if we cannot kill it" },
	{ "grace", RS_OPT_TIME, "2s", "time between SIGTERM and SIGKILL at stop" },
	{ "output", RS_OPT_STR, "", "file for stress-ng's output; default: discarded" },
	{ "start_check", RS_OPT_TIME, "500ms",
	  "wait this long for stress-ng to fail at start (bad arguments) before going on" },
	{ NULL },
};

static bool find_bin(const char *bin, char *out, size_t len)
{
	const char *path = getenv("PATH");
	const char *p, *e;

	if (strchr(bin, '/')) {
		snprintf(out, len, "%s", bin);
		return !access(out, X_OK);
	}
	for (p = path ? path : "/usr/local/bin:/usr/bin:/bin"; *p; p = *e ? e + 1 : e) {
		e = strchrnul(p, ':');
		if (e == p)
			snprintf(out, len, "./%s", bin);	/* empty entry: the cwd */
		else
			snprintf(out, len, "%.*s/%s", (int)(e - p), p, bin);
		if (!access(out, X_OK))
			return true;
	}
	return false;
}

static void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void stressng_stop(struct rs_load *l)
{
	struct stressng *s = l->o.priv;
	uint64_t waited = 0;
	int status;

	if (!s)
		return;
	if (s->pid > 0) {
		kill(-s->pid, SIGTERM);
		while (waited < s->grace_ns && waitpid(s->pid, &status, WNOHANG) == 0) {
			msleep(20);
			waited += 20000000ULL;
		}
		/* the leader may be a zombie now: the group id stays ours until it is reaped */
		kill(-s->pid, SIGKILL);
		while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
			;
		s->pid = 0;
	}
	free(s);
	l->o.priv = NULL;
}

static int stressng_start(struct rs_load *l)
{
	const char *out = rs_sec_str(l->o.sec, "output") ?: "";
	char bin[512], why[RS_WHY_LEN];
	struct stressng *s;
	char **argv;
	int ret = 0, status, fd;
	uint64_t waited;
	pid_t pid;

	if (!find_bin(rs_sec_str(l->o.sec, "bin") ?: "stress-ng", bin, sizeof(bin)))
		return rs_skip(&l->o, "stress-ng not installed: apt-get install stress-ng");
	ret = rs_stressng_argv(bin, rs_sec_str(l->o.sec, "args"),
			       rs_sec_time_ns(l->o.sec, "max_time"), &argv, why);
	if (ret < 0)
		return rs_err(&l->o, -ret, "%s: %s", rs_sec_where(l->o.sec, "args"), why);
	fd = open(*out ? out : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = rs_err(&l->o, errno, "open %s: %s", *out ? out : "/dev/null", strerror(errno));
		rs_argv_free(argv);
		return ret;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		rs_argv_free(argv);
		return -ENOMEM;
	}
	s->grace_ns = rs_sec_time_ns(l->o.sec, "grace");
	pid = fork();
	if (pid < 0) {
		ret = rs_err(&l->o, errno, "fork: %s", strerror(errno));
		close(fd);
		rs_argv_free(argv);
		free(s);
		return ret;
	}
	if (!pid) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		rs_child_signals();
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	setpgid(pid, pid);	/* both sides: no window where signals miss the group */
	close(fd);
	s->pid = pid;
	l->o.priv = s;
	/* bad arguments make stress-ng exit at once: report that here, not as silence */
	for (waited = 0; waited < rs_sec_time_ns(l->o.sec, "start_check"); waited += 20000000ULL) {
		ret = (int)waitpid(pid, &status, WNOHANG);
		if (ret)
			break;
		msleep(20);
	}
	if (ret == pid) {
		s->pid = 0;
		ret = rs_err(&l->o, EINVAL, "%s exited at start with %s %d (arguments: %s)",
			     argv[0], WIFEXITED(status) ? "status" : "signal",
			     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			     rs_sec_str(l->o.sec, "args"));
		stressng_stop(l);
		rs_argv_free(argv);
		return ret;
	}
	rs_argv_free(argv);
	return 0;
}

static const struct rs_load_ops stressng_load = {
	.type = "stress-ng",
	.help = "run stress-ng (own process group; SIGTERM, then SIGKILL, reaped at stop)",
	.opts = stressng_opts,
	.start = stressng_start,
	.stop = stressng_stop,
};
RS_REGISTER(load, stressng_load)
