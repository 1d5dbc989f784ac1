// SPDX-License-Identifier: GPL-2.0
/*
 * `revokestorm daemon`: a long-running server on a unix socket (for nightly soaks driven
 * from elsewhere), and `revokestorm ctl`, its client.
 *
 * Protocol: one request line per connection, one reply line.
 *   run PATH [--duration D] [--seed N] [--set S.K=V]...  -> ok started pid=N results=DIR
 *   status                                              -> ok idle [last=...] | ok running ...
 *   stop                                                -> ok stopping pid=N | ok idle
 * Errors: "error <text>".  Only peers with uid 0 are served (SO_PEERCRED); a daemon that
 * is not root itself also serves its own uid (no privilege is gained that way).
 * Each run is a child process (`revokestorm run`), so a run stuck in the kernel never
 * takes the daemon with it.  SIGTERM/SIGINT: stop the run, remove the socket, exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rs_cli.h"
#include "rs_run.h"
#include "rs_util.h"

#define RS_SOCKET_DEFAULT	"/run/revokestorm.sock"
#define RS_REQ_MAX		4096
#define RS_STOP_WAIT_NS		(20ULL * 1000000000ULL)

struct rs_daemon {
	const char *socket_path;
	const char *results_base;
	const char *exe;
	int lfd, sfd;
	pid_t child;
	char *child_scenario, *child_results;
	uint64_t child_start;
	char *last;		/* "scenario=X exit=N results=DIR" of the previous run */
};

static int rs_sock_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

static void rs_reply(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rs_reply(int fd, const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	m = rs_xvasprintf(fmt, ap);
	va_end(ap);
	(void)!write(fd, m, strlen(m));
	(void)!write(fd, "\n", 1);
	free(m);
}

static bool rs_peer_ok(int fd, uid_t *uid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return false;
	*uid = cr.uid;
	return cr.uid == 0 || cr.uid == geteuid();
}

/* Read one line (without the newline) within a few seconds. */
static char *rs_read_request(int fd)
{
	struct rs_buf_str b = { 0 };
	uint64_t deadline = rs_now_ns() + 5ULL * 1000000000ULL;

	while (b.len < RS_REQ_MAX) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char c;
		ssize_t n;

		if (rs_now_ns() > deadline || poll(&p, 1, 500) < 0)
			break;
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		n = read(fd, &c, 1);
		if (n <= 0 && !b.len)
			return NULL;		/* closed without a request */
		if (n <= 0 || c == '\n')
			return rs_str_steal(&b);
		if (c != '\r')
			rs_str_addc(&b, c);
	}
	rs_str_free(&b);
	return NULL;
}

static void rs_reap(struct rs_daemon *d)
{
	int status;

	if (d->child <= 0 || waitpid(d->child, &status, WNOHANG) != d->child)
		return;
	free(d->last);
	d->last = rs_xasprintf("last=%s exit=%d results=%s", d->child_scenario,
			       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
			       d->child_results);
	fprintf(stderr, "revokestorm daemon: run %s (pid %d) ended: %s\n", d->child_scenario,
		(int)d->child, d->last);
	d->child = 0;
	free(d->child_scenario);
	free(d->child_results);
	d->child_scenario = d->child_results = NULL;
}

static char **rs_split_words(char *line, int *argc)
{
	char **v = rs_xcalloc(RS_REQ_MAX / 2 + 2, sizeof(*v)), *save = NULL, *w;
	int n = 0;

	for (w = strtok_r(line, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		v[n++] = w;
	*argc = n;
	return v;
}

static void rs_cmd_daemon_run(struct rs_daemon *d, int fd, int argc, char **argv)
{
	char stamp[32], *name, *base, *dot, *log;
	const char *path;
	char **args;
	struct tm tm;
	time_t t;
	pid_t pid;
	int i, n = 0, lfd;

	if (d->child) {
		rs_reply(fd, "error busy: running %s (pid %d)", d->child_scenario, (int)d->child);
		return;
	}
	if (argc < 2) {
		rs_reply(fd, "error usage: run SCENARIO [--duration D] [--seed N] [--set S.K=V]...");
		return;
	}
	path = argv[1];
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--duration") && strcmp(argv[i], "--seed") &&
		    strcmp(argv[i], "--set")) {
			rs_reply(fd, "error run: option '%s' not allowed (--duration, --seed, --set)",
				 argv[i]);
			return;
		}
		if (++i >= argc) {
			rs_reply(fd, "error run: %s needs a value", argv[i - 1]);
			return;
		}
	}
	if (access(path, R_OK) < 0) {
		rs_reply(fd, "error cannot read %s: %s", path, strerror(errno));
		return;
	}
	base = strrchr(path, '/');
	name = rs_xstrdup(base ? base + 1 : path);
	dot = strrchr(name, '.');
	if (dot && dot != name)
		*dot = '\0';
	t = time(NULL);
	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	d->child_results = rs_xasprintf("%s/%s-%s", d->results_base, name, stamp);
	free(name);
	if (rs_mkdir_p(d->child_results, 0755)) {
		rs_reply(fd, "error cannot create %s: %s", d->child_results, strerror(errno));
		free(d->child_results);
		d->child_results = NULL;
		return;
	}
	log = rs_xasprintf("%s/run.log", d->child_results);
	lfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	free(log);
	args = rs_xcalloc((size_t)argc + 6, sizeof(*args));
	args[n++] = (char *)d->exe;
	args[n++] = "run";
	args[n++] = (char *)path;
	args[n++] = "--results";
	args[n++] = d->child_results;
	for (i = 2; i < argc; i++)
		args[n++] = argv[i];
	pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		rs_child_signals();
		if (nul >= 0 && nul != 0) {
			dup2(nul, 0);
			close(nul);
		}
		if (lfd >= 0) {
			dup2(lfd, 1);
			dup2(lfd, 2);
		}
		close_range(3, ~0U, 0);	/* the run gets stdin, stdout, stderr: nothing of ours */
		setpgid(0, 0);
		execv(d->exe, args);
		_exit(RS_EXIT_INTERNAL);
	}
	free(args);
	if (lfd >= 0)
		close(lfd);
	if (pid < 0) {
		rs_reply(fd, "error fork: %s", strerror(errno));
		free(d->child_results);
		d->child_results = NULL;
		return;
	}
	d->child = pid;
	d->child_scenario = rs_xstrdup(path);
	d->child_start = rs_now_ns();
	fprintf(stderr, "revokestorm daemon: run %s (pid %d), results %s\n", path, (int)pid,
		d->child_results);
	rs_reply(fd, "ok started pid=%d results=%s", (int)pid, d->child_results);
}

static void rs_daemon_request(struct rs_daemon *d, int fd)
{
	char *line, **argv;
	uid_t uid = (uid_t)-1;
	int argc;

	if (!rs_peer_ok(fd, &uid)) {
		rs_reply(fd, "error permission denied: root only (peer uid %d)", (int)uid);
		return;
	}
	line = rs_read_request(fd);
	if (!line) {
		rs_reply(fd, "error no request");
		return;
	}
	argv = rs_split_words(line, &argc);
	rs_reap(d);
	if (!argc) {
		rs_reply(fd, "error empty request (run, status, stop)");
	} else if (!strcmp(argv[0], "run")) {
		rs_cmd_daemon_run(d, fd, argc, argv);
	} else if (!strcmp(argv[0], "status") && argc == 1) {
		if (d->child)
			rs_reply(fd, "ok running scenario=%s pid=%d elapsed=%.1fs results=%s%s%s",
				 d->child_scenario, (int)d->child,
				 (double)(rs_now_ns() - d->child_start) / 1e9, d->child_results,
				 d->last ? " " : "", d->last ? d->last : "");
		else
			rs_reply(fd, "ok idle%s%s", d->last ? " " : "", d->last ? d->last : "");
	} else if (!strcmp(argv[0], "stop") && argc == 1) {
		if (d->child) {
			kill(d->child, SIGTERM);
			rs_reply(fd, "ok stopping pid=%d", (int)d->child);
		} else {
			rs_reply(fd, "ok idle");
		}
	} else {
		rs_reply(fd, "error unknown request '%s' (run, status, stop)", argv[0]);
	}
	free(argv);
	free(line);
}

/* Stop the running child: SIGTERM, then (it may be stuck in the kernel) give up waiting. */
static void rs_daemon_stop_child(struct rs_daemon *d)
{
	uint64_t deadline = rs_now_ns() + RS_STOP_WAIT_NS;

	if (!d->child)
		return;
	kill(d->child, SIGTERM);
	while (d->child && rs_now_ns() < deadline) {
		usleep(100 * 1000);
		rs_reap(d);
	}
	if (d->child)
		fprintf(stderr, "revokestorm daemon: run pid %d did not stop (stuck in the kernel?); leaving it\n",
			(int)d->child);
}

static int rs_daemon_listen(struct rs_daemon *d)
{
	struct sockaddr_un sa;
	int fd, err;

	err = rs_sock_addr(d->socket_path, &sa);
	if (err)
		return err;
	/* a socket left by a dead daemon goes; a live daemon's stays */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		return -EADDRINUSE;
	}
	close(fd);
	unlink(d->socket_path);
	{
		char *dir = rs_xstrdup(d->socket_path), *slash = strrchr(dir, '/');

		if (slash && slash != dir) {
			*slash = '\0';
			rs_mkdir_p(dir, 0755);
		}
		free(dir);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(d->socket_path, 0600) < 0 || listen(fd, 8) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	d->lfd = fd;
	return 0;
}

static void rs_daemon_usage(FILE *f)
{
	fprintf(f, "usage: revokestorm daemon [--socket PATH] [--results-base DIR]\n"
		   "  default socket %s, results under ./results\n", RS_SOCKET_DEFAULT);
}

int rs_daemon_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "results-base", required_argument, NULL, 'r' },
		{ "exe", required_argument, NULL, 'e' },	/* tests: which binary runs */
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rs_daemon d = {
		.socket_path = RS_SOCKET_DEFAULT, .results_base = "results", .lfd = -1, .sfd = -1,
	};
	char *exe = NULL;
	sigset_t set;
	bool quit = false;
	int c, err;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "s:r:e:h", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			d.socket_path = optarg;
			break;
		case 'r':
			d.results_base = optarg;
			break;
		case 'e':
			d.exe = optarg;
			break;
		case 'h':
			rs_daemon_usage(stdout);
			return RS_EXIT_PASS;
		default:
			rs_daemon_usage(stderr);
			return RS_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		rs_daemon_usage(stderr);
		return RS_EXIT_USAGE;
	}
	if (!d.exe) {
		exe = realpath("/proc/self/exe", NULL);
		d.exe = exe ? exe : "/proc/self/exe";
	}
	err = rs_daemon_listen(&d);
	if (err) {
		fprintf(stderr, "revokestorm daemon: %s: %s\n", d.socket_path,
			err == -EADDRINUSE ? "another daemon is listening there" : strerror(-err));
		free(exe);
		return err == -EADDRINUSE || err == -EACCES || err == -EPERM ? RS_EXIT_SKIP :
		       RS_EXIT_USAGE;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	d.sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "revokestorm daemon: listening on %s (pid %d)\n", d.socket_path,
		(int)getpid());
	while (!quit) {
		struct pollfd p[2] = {
			{ .fd = d.lfd, .events = POLLIN },
			{ .fd = d.sfd, .events = POLLIN },
		};

		if (poll(p, 2, 1000) < 0 && errno != EINTR)
			break;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(d.sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGCHLD)
					rs_reap(&d);
				else
					quit = true;
			}
		}
		if (!quit && (p[0].revents & POLLIN)) {
			int fd = accept4(d.lfd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				rs_daemon_request(&d, fd);
				close(fd);
			}
		}
		rs_reap(&d);
	}
	fprintf(stderr, "revokestorm daemon: shutting down\n");
	rs_daemon_stop_child(&d);
	close(d.lfd);
	unlink(d.socket_path);
	close(d.sfd);
	free(d.last);
	free(d.child_scenario);
	free(d.child_results);
	free(exe);
	return RS_EXIT_PASS;
}

int rs_ctl_main(int argc, char **argv)
{
	const char *path = RS_SOCKET_DEFAULT;
	struct rs_buf_str req = { 0 }, rep = { 0 };
	struct sockaddr_un sa;
	char buf[512];
	int i = 1, fd;
	ssize_t n;

	if (argc > 2 && !strcmp(argv[1], "--socket")) {
		path = argv[2];
		i = 3;
	}
	if (i >= argc || !strcmp(argv[i], "--help")) {
		fprintf(i >= argc ? stderr : stdout,
			"usage: revokestorm ctl [--socket PATH] run SCENARIO [ARGS] | status | stop\n");
		return i >= argc ? RS_EXIT_USAGE : RS_EXIT_PASS;
	}
	for (; i < argc; i++) {
		if (strchr(argv[i], '\n') || strchr(argv[i], ' ')) {
			fprintf(stderr, "revokestorm ctl: arguments may not contain spaces or newlines\n");
			return RS_EXIT_USAGE;
		}
		rs_str_addf(&req, "%s%s", req.len ? " " : "", argv[i]);
	}
	rs_str_addc(&req, '\n');
	if (rs_sock_addr(path, &sa)) {
		fprintf(stderr, "revokestorm ctl: socket path too long\n");
		rs_str_free(&req);
		return RS_EXIT_USAGE;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "revokestorm ctl: cannot connect to %s: %s\n", path, strerror(errno));
		rs_str_free(&req);
		if (fd >= 0)
			close(fd);
		return RS_EXIT_SKIP;
	}
	(void)!write(fd, req.s, req.len);
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		rs_str_addn(&rep, buf, (size_t)n);
	close(fd);
	rs_str_free(&req);
	if (!rep.s) {
		fprintf(stderr, "revokestorm ctl: no reply\n");
		return RS_EXIT_INTERNAL;
	}
	fputs(rep.s, stdout);
	i = strncmp(rep.s, "ok", 2) ? RS_EXIT_FAIL : RS_EXIT_PASS;
	rs_str_free(&rep);
	return i;
}
