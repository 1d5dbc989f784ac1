// SPDX-License-Identifier: GPL-2.0
/*
 * `revokestorm daemon` and `ctl`: the socket protocol (status, run, stop, errors), root-only
 * peers (SO_PEERCRED), a second daemon on the same socket, clean shutdown on SIGTERM.  Runs
 * are children of build/revokestorm (skipped if it is not built).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rs_cli.h"
#include "rs_util.h"

#define EXE "build/revokestorm"

static char *request(const char *sock, const char *line)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct rs_buf_str b = { 0 };
	char buf[256];
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	(void)!write(fd, line, strlen(line));
	(void)!write(fd, "\n", 1);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		rs_str_addn(&b, buf, (size_t)n);
	close(fd);
	return rs_str_steal(&b);
}

/* Poll status until the daemon is idle after a run; its reply, or NULL after 5 s. */
static char *wait_idle(const char *sock)
{
	int i;

	for (i = 0; i < 100; i++) {
		char *r = request(sock, "status");

		if (r && !strncmp(r, "ok idle last=", 13))
			return r;
		free(r);
		usleep(50000);
	}
	return NULL;
}

static pid_t start_daemon(const char *sock, const char *base)
{
	pid_t pid = fork();
	int i;

	if (!pid) {
		char *argv[] = { "daemon", "--socket", (char *)sock, "--results-base", (char *)base,
				 "--exe", EXE, NULL };
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 2);
		_exit(rs_daemon_main(7, argv));
	}
	for (i = 0; i < 100 && access(sock, F_OK); i++)
		usleep(20000);
	return pid;
}

FIXTURE(daemon) {
	char dir[64];
	char *sock, *base, *scn;
	pid_t pid;
};

FIXTURE_SETUP(daemon)
{
	if (access(EXE, X_OK))
		SKIP(return, "%s not built (run from the top of the tree after make)", EXE);
	snprintf(self->dir, sizeof(self->dir), "/tmp/rs-daemon-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	self->sock = rs_xasprintf("%s/rs.sock", self->dir);
	self->base = rs_xasprintf("%s/results", self->dir);
	/* a scenario that runs anywhere: a udmabuf control (skipped without /dev/udmabuf) */
	self->scn = rs_xasprintf("%s/s.ini", self->dir);
	{
		char *text = rs_xasprintf("[global]\nduration = 300ms\nkmsg_markers = false\n"
					  "klog_check = false\ntrace = off\nstate_file = %s/state\n"
					  "[exporter c]\ntype = udmabuf\n", self->dir);

		ASSERT_EQ(0, rs_write_file_atomic(self->scn, text, strlen(text)));
		free(text);
	}
	self->pid = start_daemon(self->sock, self->base);
	ASSERT_EQ(0, access(self->sock, F_OK));
}

FIXTURE_TEARDOWN(daemon)
{
	char *cmd;

	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	cmd = rs_xasprintf("rm -rf '%s'", self->dir);
	(void)!system(cmd);
	free(cmd);
}

TEST_F(daemon, protocol)
{
	char *r, *line;
	int status;

	r = request(self->sock, "status");
	ASSERT_NE(NULL, r);
	EXPECT_STREQ("ok idle\n", r);
	free(r);

	r = request(self->sock, "frobnicate");
	EXPECT_EQ(0, strncmp(r, "error unknown request 'frobnicate'", 34));
	free(r);
	r = request(self->sock, "run /nonexistent.ini");
	EXPECT_EQ(0, strncmp(r, "error cannot read /nonexistent.ini", 34));
	free(r);
	line = rs_xasprintf("run %s --quiet", self->scn);
	r = request(self->sock, line);
	EXPECT_EQ(0, strncmp(r, "error run: option '--quiet' not allowed", 39));
	free(r);
	free(line);

	line = rs_xasprintf("run %s --seed 5", self->scn);
	r = request(self->sock, line);
	EXPECT_EQ(0, strncmp(r, "ok started pid=", 15));
	free(r);
	r = request(self->sock, line);		/* one run at a time */
	EXPECT_TRUE(!strncmp(r, "error busy: running", 19) || !strncmp(r, "ok started", 10));
	free(r);
	free(line);
	/* the run ends by itself; status then reports its exit code */
	r = wait_idle(self->sock);
	ASSERT_NE(NULL, r);
	EXPECT_NE(NULL, strstr(r, " exit="));
	EXPECT_NE(NULL, strstr(r, " results="));
	free(r);

	r = request(self->sock, "stop");
	EXPECT_STREQ("ok idle\n", r);
	free(r);

	/* a second daemon on the same socket refuses to start (exit 4) */
	{
		pid_t p2 = start_daemon(self->sock, self->base);

		waitpid(p2, &status, 0);
		EXPECT_EQ(4, WEXITSTATUS(status));
	}

	/* SIGTERM: exit 0, socket removed */
	kill(self->pid, SIGTERM);
	waitpid(self->pid, &status, 0);
	self->pid = 0;
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_NE(0, access(self->sock, F_OK));
}

TEST_F(daemon, stop_running)
{
	char *r, *line, *text;

	text = rs_xasprintf("[global]\nduration = 1h\nkmsg_markers = false\nklog_check = false\n"
			    "trace = off\nstate_file = %s/state\n[exporter c]\ntype = udmabuf\n"
			    "[load busy]\ntype = cpu\nthreads = 1\n", self->dir);
	ASSERT_EQ(0, rs_write_file_atomic(self->scn, text, strlen(text)));
	free(text);
	line = rs_xasprintf("run %s", self->scn);
	r = request(self->sock, line);
	EXPECT_EQ(0, strncmp(r, "ok started pid=", 15));
	free(r);
	free(line);
	usleep(300000);
	r = request(self->sock, "status");
	EXPECT_EQ(0, strncmp(r, "ok running scenario=", 20));
	free(r);
	r = request(self->sock, "stop");
	EXPECT_EQ(0, strncmp(r, "ok stopping pid=", 16));
	free(r);
	r = wait_idle(self->sock);
	ASSERT_NE(NULL, r);
	free(r);
}

TEST_F(daemon, root_only)
{
	pid_t pid;
	int status;

	if (geteuid() != 0)
		SKIP(return, "needs root to try a non-root peer");
	/* let the peer reach the socket, so SO_PEERCRED is what refuses it */
	ASSERT_EQ(0, chmod(self->dir, 0755));
	ASSERT_EQ(0, chmod(self->sock, 0666));
	pid = fork();
	if (!pid) {
		char *r;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		r = request(self->sock, "status");
		_exit(r && !strncmp(r, "error permission denied: root only", 34) ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * Issue 9, item 8: a run the daemon starts gets stdin, stdout and stderr and nothing else
 * of the daemon's: here a stand-in for the binary lists the fds it was given.
 */
TEST(leaks_daemon_child_fds)
{
	char dir[] = "/tmp/rs-daemon-fds-XXXXXX", *sock, *base, *exe, *scn, *r, *line, *fds;
	const char *res;
	size_t len;
	pid_t pid;
	int i;

	ASSERT_NE(NULL, mkdtemp(dir));
	sock = rs_xasprintf("%s/rs.sock", dir);
	base = rs_xasprintf("%s/results", dir);
	exe = rs_xasprintf("%s/fake-revokestorm", dir);
	scn = rs_xasprintf("%s/s.ini", dir);
	line = "#!/bin/sh\n# run SCENARIO --results DIR\nmkdir -p \"$4\"\nexec ls -l /proc/self/fd > \"$4/fds.txt\"\n";
	ASSERT_EQ(0, rs_write_file_atomic(exe, line, strlen(line)));
	ASSERT_EQ(0, chmod(exe, 0755));
	line = "[exporter c]\ntype = udmabuf\n";
	ASSERT_EQ(0, rs_write_file_atomic(scn, line, strlen(line)));
	pid = fork();
	if (!pid) {
		char *argv[] = { "daemon", "--socket", sock, "--results-base", base, "--exe", exe,
				 NULL };
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		dup2(null, 2);	/* the daemon's stderr; the dup is not close-on-exec */
		_exit(rs_daemon_main(7, argv));
	}
	for (i = 0; i < 100 && access(sock, F_OK); i++)
		usleep(20000);
	line = rs_xasprintf("run %s", scn);
	r = request(sock, line);
	free(line);
	ASSERT_NE(NULL, r);
	res = strstr(r, "results=");
	ASSERT_NE(NULL, res) TH_LOG("%s", r);
	line = rs_xasprintf("%.*s/fds.txt", (int)strcspn(res + 8, "\n"), res + 8);
	free(wait_idle(sock));
	ASSERT_EQ(0, rs_read_file(line, &fds, &len, 0)) TH_LOG("%s", line);
	/* what the run was given: 0 is /dev/null, and no other fd may be */
	{
		const char *p = fds;
		int nul = 0;

		while ((p = strstr(p, " -> /dev/null"))) {
			nul++;
			p++;
		}
		EXPECT_EQ(1, nul) TH_LOG("%s", fds);
	}
	free(fds);
	free(line);
	free(r);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	line = rs_xasprintf("rm -rf '%s'", dir);
	(void)!system(line);
	free(line);
	free(sock);
	free(base);
	free(exe);
	free(scn);
}

TEST_HARNESS_MAIN
