// SPDX-License-Identifier: GPL-2.0
/*
 * Event collection logic against a tracefs-shaped directory (the real tracefs is
 * exercised by the VM tests): which groups are found, what is reported missing, and
 * that every sub-buffer the kernel hands over per_cpu/cpuN/trace_pipe_raw (a FIFO here)
 * ends up in trace.txt and in snapshots, with the losses the statistics count.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rs_state.h"
#include "rs_trace.h"
#include "rs_util.h"
#include "unit/kbuf_pages.h"

static void put(const char *root, const char *rel, const char *text)
{
	char p[512], *slash;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	slash = strrchr(p, '/');
	*slash = '\0';
	rs_mkdir_p(p, 0755);
	*slash = '/';
	rs_write_file_atomic(p, text, strlen(text));
}

static void touch(const char *root, const char *rel)
{
	put(root, rel, "");
}

FIXTURE(fake_tracefs) {
	char root[64];
	char out[64];
	char inst[128];
	struct rs_trace_opts opts;
};

FIXTURE_SETUP(fake_tracefs)
{
	char p[256];

	strcpy(self->root, "/tmp/rs-trace-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->root));
	self->opts.root = self->root;
	strcpy(self->out, "/tmp/rs-trace-out.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->out));
	touch(self->root, "events/dma_buf/dma_buf_export/enable");
	put(self->root, "events/dma_buf/dma_buf_export/format", kp_export_format);
	touch(self->root, "events/dma_buf/enable");
	put(self->root, "events/header_page", kp_header_page);
	snprintf(self->inst, sizeof(self->inst), "%s/instances/revokestorm-%d", self->root, getpid());
	ASSERT_EQ(0, rs_mkdir_p(self->inst, 0755));
	snprintf(p, sizeof(p), "%s/per_cpu/cpu0", self->inst);
	ASSERT_EQ(0, rs_mkdir_p(p, 0755));
	snprintf(p, sizeof(p), "%s/per_cpu/cpu0/trace_pipe_raw", self->inst);
	ASSERT_EQ(0, mkfifo(p, 0600));
	put(self->inst, "per_cpu/cpu0/stats", "entries: 0\noverrun: 0\ncommit overrun: 0\n"
	    "dropped events: 0\nread events: 0\n");
	touch(self->inst, "trace_marker");
	touch(self->inst, "tracing_on");
	touch(self->inst, "trace_clock");
	touch(self->inst, "buffer_size_kb");
	touch(self->inst, "events/dma_buf/enable");
	touch(self->inst, "events/dma_buf/dma_buf_export/enable");
}

FIXTURE_TEARDOWN(fake_tracefs)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", self->root, self->out);
	system(cmd);
}

/*
 * The tests that write trace.txt load the event formats with libtracefs, which reads
 * /proc/kallsyms (several MiB, grown by realloc): seconds normally, minutes under
 * ThreadSanitizer (make check-tsan).
 */
#define RS_TRACE_TEXT_TIMEOUT	300

TEST_F_TIMEOUT(fake_tracefs, unpatched_kernel_is_named_missing, RS_TRACE_TEXT_TIMEOUT)
{
	const struct rs_trace_group *g;
	struct rs_trace *t;
	char why[256] = "";
	size_t nr, i;
	bool stock = false;

	ASSERT_EQ(0, rs_trace_start(&t, RS_TRACE_TRACEFS, &self->opts, self->out, why, sizeof(why)))
		TH_LOG("%s", why);
	EXPECT_NE(NULL, strstr(rs_trace_missing(t), "vfio_pci/vfio_pci_dmabuf_move_begin"));
	EXPECT_NE(NULL, strstr(rs_trace_missing(t), "kernel-patches/"));
	g = rs_trace_groups(t, &nr);
	for (i = 0; i < nr; i++)
		if (!strcmp(g[i].probe, "dma_buf_export"))
			stock = g[i].present;
	EXPECT_TRUE(stock);
	rs_trace_stop(t);
}

TEST_F_TIMEOUT(fake_tracefs, patched_kernel_misses_nothing, RS_TRACE_TEXT_TIMEOUT)
{
	struct rs_trace *t;
	char why[256] = "";

	touch(self->root, "events/dma_buf/dma_buf_invalidate_begin/enable");
	touch(self->root, "events/vfio_pci/vfio_pci_dmabuf_move_begin/enable");
	touch(self->root, "events/dma_buf_mock/dma_buf_mock_attach/enable");
	ASSERT_EQ(0, rs_trace_start(&t, RS_TRACE_TRACEFS, &self->opts, self->out, why, sizeof(why)))
		TH_LOG("%s", why);
	EXPECT_STREQ("", rs_trace_missing(t));
	rs_trace_stop(t);
}

/* Sub-buffers of n exports each, inos from *ino on, written to the fake trace_pipe_raw. */
static bool feed(int fd, int pages, int n, int *ino, long long missed_first)
{
	uint8_t d[64];
	int i, j;

	for (i = 0; i < pages; i++) {
		struct kp_page p;

		kp_init(&p, (uint64_t)*ino * 1000);
		for (j = 0; j < n; j++, (*ino)++)
			kp_add(&p, (uint64_t)*ino * 1000, d, kp_export(d, 7, 4096, (uint64_t)*ino));
		kp_finish(&p, i == 0 ? missed_first : 0);
		if (write(fd, p.b, KP_SIZE) != KP_SIZE)
			return false;
	}
	return true;
}

TEST_F_TIMEOUT(fake_tracefs, events_reach_trace_txt_and_snapshot, RS_TRACE_TEXT_TIMEOUT)
{
	const struct rs_trace_info *ti;
	char p[256], *buf;
	struct rs_trace *t;
	char why[256] = "";
	int fd, ino = 0;
	size_t len;

	ASSERT_EQ(0, rs_trace_start(&t, RS_TRACE_TRACEFS, &self->opts, self->out, why, sizeof(why)))
		TH_LOG("%s", why);
	snprintf(p, sizeof(p), "%s/per_cpu/cpu0/trace_pipe_raw", self->inst);
	fd = open(p, O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_TRUE(feed(fd, 10, 10, &ino, 0));
	snprintf(p, sizeof(p), "%s/snap.txt", self->out);
	ASSERT_EQ(0, rs_trace_snapshot(t, p, 10));
	ASSERT_EQ(0, rs_read_file(p, &buf, &len, 0));
	EXPECT_NE(NULL, strstr(buf, "ino=99\n")) TH_LOG("%s", buf);
	EXPECT_EQ(NULL, strstr(buf, "ino=89\n"));
	free(buf);
	/* the kernel dropped 5 events before the next sub-buffer */
	ino += 5;
	ASSERT_TRUE(feed(fd, 1, 10, &ino, 5));
	put(self->inst, "per_cpu/cpu0/stats", "entries: 0\noverrun: 5\ncommit overrun: 0\n"
	    "dropped events: 0\nread events: 110\n");
	/* a real instance goes with rmdir; this directory is not empty */
	EXPECT_EQ(-ENOTEMPTY, rs_trace_finish(t, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "cannot remove the tracefs instance")) TH_LOG("%s", why);
	close(fd);
	ti = rs_trace_info(t);
	ASSERT_NE(NULL, ti);
	EXPECT_EQ(110, ti->events);
	EXPECT_EQ(5, ti->lost);
	EXPECT_EQ(5, rs_trace_lost(t));
	ASSERT_EQ(1, ti->nr_gaps);
	EXPECT_EQ(99000, ti->gaps[0].after_ns);
	EXPECT_EQ(105000, ti->gaps[0].before_ns);
	snprintf(p, sizeof(p), "%s/trace.txt", self->out);
	ASSERT_EQ(0, rs_read_file(p, &buf, &len, 0));
	EXPECT_NE(NULL, strstr(buf, "ino=0\n"));
	EXPECT_NE(NULL, strstr(buf, "ino=99\nCPU:0 [LOST 5 EVENTS]\n"));
	EXPECT_NE(NULL, strstr(buf, "ino=114\n"));
	free(buf);
	snprintf(p, sizeof(p), "%s/trace.raw/cpu0.stats", self->out);
	EXPECT_EQ(0, access(p, F_OK));
	rs_trace_stop(t);
}

/* Wait up to ms for path to contain needle. */
static bool file_has(const char *path, const char *needle, int ms)
{
	bool found = false;
	size_t len;
	char *buf;

	for (; !found && ms > 0; ms -= 50) {
		if (!rs_read_file(path, &buf, &len, 0)) {
			found = strstr(buf, needle);
			free(buf);
		}
		if (!found)
			usleep(50 * 1000);
	}
	return found;
}

/* What perf record does on "enable" from its --control fd (3): "ack" on its ack fd (4). */
#define FAKE_PERF_ACK	"read cmd <&3; [ \"$cmd\" = enable ] && echo ack >&4\n"

/* A fake perf ($PERF) running script; rs_trace_start() in perf mode with it. */
static int start_fake_perf(FIXTURE_DATA(fake_tracefs) *self, const char *script,
			   struct rs_trace **t, char *why, size_t whylen)
{
	char perf[192];

	snprintf(perf, sizeof(perf), "%s/fake-perf", self->out);
	if (rs_write_file_atomic(perf, script, strlen(script)) || chmod(perf, 0755))
		return -EIO;
	setenv("PERF", perf, 1);
	return rs_trace_start(t, RS_TRACE_PERF, &self->opts, self->out, why, whylen);
}

/* perf record exits with an error (e.g. 9p's EFAULT): reported, with its log kept. */
TEST_F(fake_tracefs, perf_failure_is_reported)
{
	char p[256], why[256] = "", *buf;
	struct rs_trace *t;
	size_t len;

	ASSERT_EQ(0, start_fake_perf(self, "#!/bin/sh\ntrap '' INT\n" FAKE_PERF_ACK
				     "echo 'failed to write perf data, error: Bad address' >&2\n"
				     "exit 1\n", &t, why, sizeof(why))) TH_LOG("%s", why);
	/* once it wrote its error, SIGINT is ignored: the stop finds it failed */
	snprintf(p, sizeof(p), "%s/perf.log", self->out);
	EXPECT_TRUE(file_has(p, "Bad address", 10000));
	EXPECT_EQ(-EIO, rs_trace_stop_checked(t, why, sizeof(why)));
	snprintf(p, sizeof(p), "perf record failed (exit 1): see %s/perf.log", self->out);
	EXPECT_STREQ(p, why);
	snprintf(p, sizeof(p), "%s/perf.log", self->out);
	ASSERT_EQ(0, rs_read_file(p, &buf, &len, 0));
	EXPECT_NE(NULL, strstr(buf, "Bad address"));
	free(buf);
	unsetenv("PERF");
}

/* perf record ends by re-raising SIGINT after writing its header: that is success. */
TEST_F(fake_tracefs, perf_stopped_by_sigint_is_success)
{
	char why[256] = "";
	struct rs_trace *t;

	ASSERT_EQ(0, start_fake_perf(self, "#!/bin/sh\ntrap 'trap - INT; kill -INT $$' INT\n"
				     FAKE_PERF_ACK "while :; do sleep 0.05; done\n", &t, why, sizeof(why)))
		TH_LOG("%s", why);
	usleep(300 * 1000);
	EXPECT_EQ(0, rs_trace_stop_checked(t, why, sizeof(why))) TH_LOG("%s", why);
	unsetenv("PERF");
}

/*
 * A run started in the background by a shell without job control (nohup, cron, a CI
 * script's "&") inherits SIGINT ignored, and exec keeps it: perf must still get SIGINT's
 * default, or the stop cannot end it (a shell's trap cannot take an inherited SIG_IGN).
 */
TEST_F(fake_tracefs, perf_stopped_although_the_run_ignores_sigint)
{
	char why[256] = "";
	struct rs_trace *t;

	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	ASSERT_EQ(0, start_fake_perf(self, "#!/bin/sh\ntrap 'trap - INT; kill -INT $$' INT\n"
				     FAKE_PERF_ACK "while :; do sleep 0.05; done\n", &t, why, sizeof(why)))
		TH_LOG("%s", why);
	usleep(300 * 1000);
	EXPECT_EQ(0, rs_trace_stop_checked(t, why, sizeof(why))) TH_LOG("%s", why);
	unsetenv("PERF");
}

/*
 * The start returns once perf records (its ack to "enable"), not when it was spawned: in
 * short lab runs perf.data held 0 to 18 of 22-27 revokes and nothing said so.
 */
TEST_F(fake_tracefs, perf_start_waits_until_perf_records)
{
	char why[256] = "", mark[256], script[512];
	struct rs_trace *t;

	snprintf(mark, sizeof(mark), "%s/recording", self->out);
	snprintf(script, sizeof(script), "#!/bin/sh\ntrap 'trap - INT; kill -INT $$' INT\n"
		 "sleep 0.5\nread cmd <&3\ntouch %s\necho ack >&4\n"
		 "while :; do sleep 0.05; done\n", mark);
	ASSERT_EQ(0, start_fake_perf(self, script, &t, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_EQ(0, access(mark, F_OK));
	EXPECT_EQ(0, rs_trace_stop_checked(t, why, sizeof(why))) TH_LOG("%s", why);
	unsetenv("PERF");
}

/* A perf that exits before it records fails the start, naming its log. */
TEST_F(fake_tracefs, perf_that_never_records_fails_the_start)
{
	char why[256] = "", p[256];
	struct rs_trace *t = NULL;

	signal(SIGPIPE, SIG_IGN);	/* as `revokestorm run` does: "enable" may meet a closed pipe */
	EXPECT_GT(0, start_fake_perf(self, "#!/bin/sh\necho 'unknown option' >&2\nexit 129\n",
				     &t, why, sizeof(why)));
	snprintf(p, sizeof(p), "record did not start: it exited (its log: %s/perf.log)", self->out);
	EXPECT_NE(NULL, strstr(why, p)) TH_LOG("%s", why);
	unsetenv("PERF");
}

/* What the made hook saw: the instance before its buffers were sized, perf before it recorded. */
struct made_seen {
	char inst[256];
	char size_then[32];		/* the instance's buffer_size_kb at the call */
	const char *mark;		/* perf's "recording" mark file */
	int perf_pid;
	bool perf_recorded_then;
};

static void made_hook(void *arg, const char *inst, int perf_pid)
{
	struct made_seen *m = arg;
	char p[320], *v = NULL;
	size_t len;

	if (inst) {
		snprintf(m->inst, sizeof(m->inst), "%s", inst);
		snprintf(p, sizeof(p), "%s/buffer_size_kb", inst);
		if (!rs_read_file(p, &v, &len, 0))
			snprintf(m->size_then, sizeof(m->size_then), "%s", v);
		free(v);
	}
	if (perf_pid > 0) {
		m->perf_pid = perf_pid;
		m->perf_recorded_then = m->mark && !access(m->mark, F_OK);
	}
}

/*
 * The run records the tracer's instance and perf in its state file from the made hook: it
 * must come before the seconds the start takes (sizing the buffers, perf starting), or a
 * crash in them leaves a system-wide instance or perf nobody knows of.
 */
TEST_F_TIMEOUT(fake_tracefs, instance_named_before_its_buffers_are_sized, RS_TRACE_TEXT_TIMEOUT)
{
	struct made_seen m = { .perf_pid = -1 };
	struct rs_trace *t;
	char why[256] = "";

	self->opts.made = made_hook;
	self->opts.made_arg = &m;
	self->opts.buffer_kb = 2048;
	ASSERT_EQ(0, rs_trace_start(&t, RS_TRACE_TRACEFS, &self->opts, self->out, why, sizeof(why)))
		TH_LOG("%s", why);
	EXPECT_STREQ(self->inst, m.inst);
	EXPECT_STREQ("", m.size_then);		/* named before the start sized it */
	EXPECT_EQ(-1, m.perf_pid);
	{
		char p[320], *v = NULL;
		size_t len;

		snprintf(p, sizeof(p), "%s/buffer_size_kb", self->inst);
		ASSERT_EQ(0, rs_read_file(p, &v, &len, 0));
		EXPECT_EQ(2048, atoi(v));	/* ... which it then did */
		free(v);
	}
	rs_trace_stop(t);
}

TEST_F(fake_tracefs, perf_named_before_it_records)
{
	char why[256] = "", mark[256], script[512];
	struct made_seen m = { .mark = mark };
	struct rs_trace *t;

	snprintf(mark, sizeof(mark), "%s/recording", self->out);
	snprintf(script, sizeof(script), "#!/bin/sh\ntrap 'trap - INT; kill -INT $$' INT\n"
		 "read cmd <&3\ntouch %s\necho ack >&4\nwhile :; do sleep 0.05; done\n", mark);
	self->opts.made = made_hook;
	self->opts.made_arg = &m;
	ASSERT_EQ(0, start_fake_perf(self, script, &t, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_EQ(rs_trace_perf_pid(t), m.perf_pid);
	EXPECT_FALSE(m.perf_recorded_then);
	EXPECT_STREQ("", m.inst);
	EXPECT_EQ(0, rs_trace_stop_checked(t, why, sizeof(why))) TH_LOG("%s", why);
	unsetenv("PERF");
}

/* 9p detection (perf then records to /tmp): the longest mount point prefix decides. */
TEST(path_fs_type_from_mounts)
{
	char d[] = "/tmp/rs-mounts.XXXXXX", p[256], m[128];
	FILE *f;

	ASSERT_NE(NULL, mkdtemp(d));
	snprintf(p, sizeof(p), "%s/share/deeper", d);
	ASSERT_EQ(0, rs_mkdir_p(p, 0755));
	snprintf(p, sizeof(p), "%s/shared", d);
	ASSERT_EQ(0, rs_mkdir_p(p, 0755));
	snprintf(m, sizeof(m), "%s/mounts", d);
	f = fopen(m, "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "/dev/root / ext4 rw 0 0\ntmpfs %s tmpfs rw 0 0\nrsout %s/share 9p rw 0 0\n"
		"/dev/vdb %s/share/deeper ext4 rw 0 0\n", d, d, d);
	fclose(f);
	snprintf(p, sizeof(p), "%s/share", d);
	EXPECT_TRUE(rs_path_fs_is(p, m, "9p"));
	snprintf(p, sizeof(p), "%s/share/../share/.", d);
	EXPECT_TRUE(rs_path_fs_is(p, m, "9p"));
	snprintf(p, sizeof(p), "%s/shared", d);		/* a prefix of the name, not of the path */
	EXPECT_FALSE(rs_path_fs_is(p, m, "9p"));
	EXPECT_TRUE(rs_path_fs_is(p, m, "tmpfs"));
	snprintf(p, sizeof(p), "%s/share/deeper", d);	/* a mount inside the share */
	EXPECT_FALSE(rs_path_fs_is(p, m, "9p"));
	EXPECT_FALSE(rs_path_fs_is("/nonexistent/x", m, "9p"));
	snprintf(p, sizeof(p), "rm -rf %s", d);
	system(p);
}

TEST(no_tracefs_is_a_clear_error)
{
	struct rs_trace_opts o = { .root = "/proc/self" };
	struct rs_trace *t = (void *)1;
	char why[256] = "";

	EXPECT_GT(0, rs_trace_start(&t, RS_TRACE_TRACEFS, &o, "/tmp", why, sizeof(why)));
	EXPECT_EQ(NULL, t);
	EXPECT_NE('\0', why[0]);
}

TEST(mode_names)
{
	enum rs_trace_mode m;

	EXPECT_EQ(0, rs_trace_mode_parse("perf", &m));
	EXPECT_EQ((int)RS_TRACE_PERF, (int)m);
	EXPECT_EQ(0, rs_trace_mode_parse("tracefs", &m));
	EXPECT_EQ((int)RS_TRACE_TRACEFS, (int)m);
	EXPECT_EQ(-EINVAL, rs_trace_mode_parse("ftrace", &m));
}

/*
 * Issue 9, item 3: a system-wide perf does not outlive its run.  It runs in a process group
 * of its own, with no signal blocked although the run blocks SIGINT, SIGTERM and SIGHUP in
 * its threads, and gets SIGINT when the run dies (here: SIGKILL, nothing runs its cleanup).
 */
TEST_F(fake_tracefs, stuck_perf_dies_with_its_run)
{
	unsigned long long start;
	pid_t run, perf = 0;
	int fd[2], status, i;

	ASSERT_EQ(0, pipe(fd));
	run = fork();
	if (!run) {
		char why[256] = "";
		struct rs_trace *t;
		sigset_t sigs;
		int pid;

		sigemptyset(&sigs);
		sigaddset(&sigs, SIGINT);
		sigaddset(&sigs, SIGTERM);
		sigaddset(&sigs, SIGHUP);
		pthread_sigmask(SIG_BLOCK, &sigs, NULL);
		if (start_fake_perf(self, "#!/bin/sh\ntrap 'exit 0' INT\n" FAKE_PERF_ACK
				    "while :; do sleep 0.05; done\n", &t, why, sizeof(why)))
			_exit(1);
		pid = rs_trace_perf_pid(t);
		if (write(fd[1], &pid, sizeof(pid)) != sizeof(pid))
			_exit(2);
		for (;;)
			pause();
	}
	close(fd[1]);
	ASSERT_EQ(sizeof(perf), read(fd[0], &perf, sizeof(perf)));
	close(fd[0]);
	ASSERT_LT(0, perf);
	start = rs_proc_start(perf);
	EXPECT_EQ(perf, getpgid(perf));		/* a group of its own */
	kill(run, SIGKILL);
	waitpid(run, &status, 0);
	for (i = 0; i < 200 && rs_proc_alive(perf, start); i++)
		usleep(50 * 1000);
	EXPECT_FALSE(rs_proc_alive(perf, start));
	if (rs_proc_alive(perf, start))
		kill(perf, SIGKILL);
	unsetenv("PERF");
}

TEST_HARNESS_MAIN
