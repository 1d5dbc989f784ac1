// SPDX-License-Identifier: GPL-2.0
/*
 * Nothing left behind on the lab kernel's real tracefs (issue 9, item 3): a run that ends
 * with a worker stuck removes its tracefs instance and stops perf anyway, and what a run
 * killed outright leaves is recorded in the state file and removed by the next start.
 * The stuck worker is the unit tests' blocking trigger (tests/unit/test_plugins.h).
 * Outside the VM (no RS_VM) it skips.  Run: vm/run-vm.sh -- build/tests/vm/stuck_test
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rs_run.h"
#include "rs_scenario.h"
#include "rs_state.h"
#include "rs_trace.h"
#include "rs_util.h"
#include "unit/test_plugins.h"

#define NEED_VM()								\
	do {									\
		if (!getenv("RS_VM") || !rs_tracefs_root())			\
			SKIP(return, "not in the lab VM (no RS_VM or no tracefs)");	\
	} while (0)

/* Run text (a [global] of its own first) into dir; the run's result. */
static struct rs_run_result run(const char *dir, const char *mode, const char *body)
{
	struct rs_scn_opts so = { .default_seed = 1 };
	struct rs_run_opts ro = { .results_dir = dir };
	struct rs_run_result res = { .exit_code = -1 };
	struct rs_scenario *scn = NULL;
	struct rs_diag d = { 0 };
	char *text = rs_xasprintf("[global]\nkmsg_markers = false\nklog_check = false\n"
				  "status_interval = 0\ntrace = %s\nstate_file = %s/state\n%s",
				  mode, dir, body);

	if (rs_scn_load_mem("stuck.ini", text, strlen(text), &so, &scn, &d)) {
		rs_diag_print(&d, stderr);
		free(text);
		return res;
	}
	ro.ktap = fopen("/dev/null", "w");
	ro.status = stderr;
	rs_run(scn, &ro, &res);
	fclose(ro.ktap);
	free(text);
	return res;
}

static const char *stuck_body =
	"hang_timeout = 300ms\ncleanup_timeout = 300ms\nduration = 10s\n"
	"[exporter e0]\ntype = t-exp\n"
	"[trigger stuck]\ntype = t-trig\nblock = true\n";

static bool instance_of(pid_t pid)
{
	char *p = rs_xasprintf("%s/instances/revokestorm-%d", rs_tracefs_root(), (int)pid);
	bool there = access(p, F_OK) == 0;

	free(p);
	return there;
}

static bool state_has(const char *dir, const char *what)
{
	char *p = rs_xasprintf("%s/state", dir), *text = NULL;
	size_t len;
	bool has = !rs_read_file(p, &text, &len, 0) && strstr(text, what);

	free(text);
	free(p);
	return has;
}

/*
 * Each test is one run that ends stuck, plus the tracer's start and stop: on the debug
 * kernel under TCG the perf run took 8 s before its phase began and ended 21.5 s after its
 * start, which with the test's own setup went past the harness's default 30 s.
 */
#define STUCK_TEST_TIMEOUT	180

FIXTURE(stuck) {
	int unused;
};

FIXTURE_SETUP(stuck)
{
}

FIXTURE_TEARDOWN(stuck)
{
}

/* A run that ends with a worker stuck removes its instance and its state entry for it. */
TEST_F_TIMEOUT(stuck, stuck_run_removes_its_tracefs_instance, STUCK_TEST_TIMEOUT)
{
	char dir[] = "/tmp/rs-stuck-XXXXXX", *state, *text = NULL;
	struct rs_run_result res;
	size_t len;

	NEED_VM();
	ASSERT_NE(NULL, mkdtemp(dir));
	t_block_init();
	res = run(dir, "tracefs", stuck_body);
	EXPECT_EQ(1, res.exit_code);
	EXPECT_TRUE(res.stuck);
	EXPECT_FALSE(instance_of(getpid()));
	state = rs_xasprintf("%s/state", dir);
	EXPECT_EQ(0, rs_read_file(state, &text, &len, 0));
	/* the device stays listed for the next start; the instance was released */
	EXPECT_NE(NULL, text ? strstr(text, " t-exp t:t0\n") : NULL) TH_LOG("%s", text);
	EXPECT_NE(NULL, text ? strstr(text, "\nreleased ") : NULL) TH_LOG("%s", text);
	EXPECT_NE(NULL, text ? strstr(text, " tracefs-instance ") : NULL) TH_LOG("%s", text);
	free(text);
	free(state);
	_exit(_metadata->exit_code);	/* a thread stays stuck */
}

/* The same with perf: stopped, not left recording the whole system. */
TEST_F_TIMEOUT(stuck, stuck_run_stops_perf, STUCK_TEST_TIMEOUT)
{
	char dir[] = "/tmp/rs-stuck-XXXXXX";
	struct rs_run_result res;

	NEED_VM();
	if (system("perf --version >/dev/null 2>&1"))
		SKIP(return, "no perf in the lab VM");
	ASSERT_NE(NULL, mkdtemp(dir));
	t_block_init();
	res = run(dir, "perf", stuck_body);
	EXPECT_EQ(1, res.exit_code);
	EXPECT_TRUE(res.stuck);
	EXPECT_NE(0, system("pgrep -x perf >/dev/null"));
	_exit(_metadata->exit_code);
}

/*
 * A run killed outright (SIGKILL: no cleanup at all) leaves its instance and perf; perf
 * stops by itself (PR_SET_PDEATHSIG), the instance is removed by the next start, which
 * finds it in the state file.
 */
TEST_F_TIMEOUT(stuck, killed_run_leftovers_removed_by_next_start, STUCK_TEST_TIMEOUT)
{
	char dir[] = "/tmp/rs-killed-XXXXXX";
	struct rs_run_result res;
	pid_t child;
	int i, status;

	NEED_VM();
	ASSERT_NE(NULL, mkdtemp(dir));
	child = fork();
	if (!child) {
		t_block_init();
		run(dir, "tracefs", "hang_timeout = 1h\nduration = 1h\n"
				    "[exporter e0]\ntype = t-exp\n"
				    "[trigger stuck]\ntype = t-trig\nblock = true\n");
		_exit(0);
	}
	for (i = 0; i < 500 && !instance_of(child); i++)
		usleep(10 * 1000);
	ASSERT_TRUE(instance_of(child));
	/* recorded once the tracer started (sizing its buffers can take seconds under TCG) */
	for (i = 0; i < 3000 && !state_has(dir, " tracefs-instance "); i++)
		usleep(10 * 1000);
	ASSERT_TRUE(state_has(dir, " tracefs-instance "));
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	EXPECT_TRUE(instance_of(child));	/* nobody removed it */
	res = run(dir, "off", "duration = 100ms\n[exporter e0]\ntype = t-exp\n"
			      "[trigger t]\ntype = t-trig\ninterval = 10ms\n");
	EXPECT_EQ(0, res.exit_code);
	EXPECT_FALSE(instance_of(child));
}

TEST_HARNESS_MAIN
