// SPDX-License-Identifier: GPL-2.0
/*
 * The command line's exit codes and outputs: usage errors (2), check of good and bad
 * scenarios, list (with --markdown), a run of test plugins through `revokestorm run`.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rs_cli.h"
#include "rs_util.h"
#include "unit/test_plugins.h"

/* Run rs_cli_main(argv) in a child with stdout/stderr captured; returns the exit code. */
static int cli(char **out, char *const argv[])
{
	char tmpl[] = "/tmp/rs-cli-XXXXXX";
	int fd = mkstemp(tmpl), status, argc = 0;
	size_t len;
	pid_t pid;

	while (argv[argc])
		argc++;
	pid = fork();
	if (!pid) {
		dup2(fd, 1);
		dup2(fd, 2);
		_exit(rs_cli_main(argc, (char **)argv));
	}
	waitpid(pid, &status, 0);
	close(fd);
	if (rs_read_file(tmpl, out, &len, 0))
		*out = rs_xstrdup("");
	unlink(tmpl);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *scenario(const char *text)
{
	char tmpl[] = "/tmp/rs-cli-XXXXXX.ini";
	int fd = mkstemps(tmpl, 4);

	(void)!write(fd, text, strlen(text));
	close(fd);
	return rs_xstrdup(tmpl);
}

TEST(usage)
{
	char *out;

	EXPECT_EQ(2, cli(&out, (char *const[]){ "revokestorm", NULL }));
	EXPECT_NE(NULL, strstr(out, "usage: revokestorm COMMAND"));
	free(out);
	EXPECT_EQ(2, cli(&out, (char *const[]){ "revokestorm", "frob", NULL }));
	EXPECT_NE(NULL, strstr(out, "unknown command 'frob'"));
	free(out);
	EXPECT_EQ(0, cli(&out, (char *const[]){ "revokestorm", "--help", NULL }));
	EXPECT_NE(NULL, strstr(out, "exit codes: 0 pass, 1 failure found"));
	free(out);
	EXPECT_EQ(2, cli(&out, (char *const[]){ "revokestorm", "run", NULL }));
	EXPECT_NE(NULL, strstr(out, "which scenario?"));
	free(out);
	EXPECT_EQ(2, cli(&out, (char *const[]){ "revokestorm", "run", "a.ini", "b.ini", NULL }));
	free(out);
	EXPECT_EQ(2, cli(&out, (char *const[]){ "revokestorm", "run", "--bogus", "a.ini", NULL }));
	EXPECT_NE(NULL, strstr(out, "bad option '--bogus'"));
	free(out);
	EXPECT_EQ(2, cli(&out, (char *const[]){ "revokestorm", "run", "--seed", "-1", "a.ini", NULL }));
	free(out);
	EXPECT_EQ(2, cli(&out, (char *const[]){ "revokestorm", "check", "--results", "x", "a.ini", NULL }));
	EXPECT_NE(NULL, strstr(out, "is for run only"));
	free(out);
	EXPECT_EQ(2, cli(&out, (char *const[]){ "revokestorm", "run", "/nonexistent.ini", NULL }));
	EXPECT_NE(NULL, strstr(out, "/nonexistent.ini: cannot read: No such file or directory"));
	free(out);
	EXPECT_EQ(2, cli(&out, (char *const[]){ "revokestorm", "list", "gizmo", NULL }));
	free(out);
}

TEST(check)
{
	char *good = scenario("[exporter e0]\ntype = t-exp\ncount = ${RS_CLI_TEST_COUNT:-3}\n");
	char *bad = scenario("[exporter e0]\ntype = t-exp\ncuont = 3\n");
	char *out;

	EXPECT_EQ(0, cli(&out, (char *const[]){ "revokestorm", "check", good, "--set", "e0.size=8K",
						NULL }));
	EXPECT_NE(NULL, strstr(out, "count = 3"));
	EXPECT_NE(NULL, strstr(out, ", from ${RS_CLI_TEST_COUNT:-3}"));
	EXPECT_NE(NULL, strstr(out, "# --set e0.size=8K"));
	free(out);
	EXPECT_EQ(2, cli(&out, (char *const[]){ "revokestorm", "check", bad, NULL }));
	EXPECT_NE(NULL, strstr(out, ":3: unknown key 'cuont' in [exporter e0] (type t-exp); did you mean 'count'?"));
	free(out);
	unlink(good);
	unlink(bad);
	free(good);
	free(bad);
}

TEST(list)
{
	char *out;

	EXPECT_EQ(0, cli(&out, (char *const[]){ "revokestorm", "list", NULL }));
	EXPECT_NE(NULL, strstr(out, "t-exp"));
	EXPECT_NE(NULL, strstr(out, "hang_timeout"));
	free(out);
	EXPECT_EQ(0, cli(&out, (char *const[]){ "revokestorm", "list", "--markdown", "trigger", NULL }));
	EXPECT_NE(NULL, strstr(out, "#### `t-trig`"));
	EXPECT_NE(NULL, strstr(out, "| `block` | bool | false |"));
	EXPECT_EQ(NULL, strstr(out, "t-exp"));
	free(out);
}

TEST(run)
{
	char dir[] = "/tmp/rs-cli-run-XXXXXX", *path, *out, *text, *json = NULL;
	size_t len;

	ASSERT_NE(NULL, mkdtemp(dir));
	text = rs_xasprintf("[global]\nduration = 200ms\nkmsg_markers = false\nklog_check = false\n"
			    "trace = off\nstate_file = %s/state\n[exporter e0]\ntype = t-exp\n"
			    "[trigger r0]\ntype = t-trig\ninterval = 10ms\n", dir);
	path = scenario(text);
	free(text);
	EXPECT_EQ(0, cli(&out, (char *const[]){ "revokestorm", "run", path, "--results", dir,
						"--seed", "77", "--quiet", NULL }));
	EXPECT_NE(NULL, strstr(out, "# reproduce: revokestorm run "));
	EXPECT_NE(NULL, strstr(out, "--seed 77\n"));
	EXPECT_NE(NULL, strstr(out, "ok 2 r0.e0\n"));
	free(out);
	text = rs_xasprintf("%s/results.json", dir);
	EXPECT_EQ(0, rs_read_file(text, &json, &len, 0));
	EXPECT_NE(NULL, json ? strstr(json, "\"--seed\"") : NULL);	/* the command line as given */
	free(json);
	free(text);
	/* an unusable results directory: exit 2 */
	EXPECT_EQ(2, cli(&out, (char *const[]){ "revokestorm", "run", path, "--results",
						"/proc/version/x", NULL }));
	EXPECT_NE(NULL, strstr(out, "cannot use results directory /proc/version/x"));
	free(out);
	unlink(path);
	free(path);
	text = rs_xasprintf("rm -rf '%s'", dir);
	(void)!system(text);
	free(text);
}

/* repro on kernel logs: what it cannot map is refused with the reason and exit 2. */
TEST(repro_kernel_logs)
{
	char outf[] = "/tmp/rs-cli-repro-XXXXXX.ini", *out, *scn;
	size_t len;
	int fd = mkstemps(outf, 4);

	char *plain = scenario("[    1.000000] Linux version 7.2.13\n[    2.000000] nothing hung here\n");

	close(fd);
	EXPECT_EQ(2, cli(&out, (char *const[]){ "revokestorm", "repro", plain, NULL }));
	EXPECT_NE(NULL, strstr(out, ": no \"INFO: task ... blocked for more than N seconds\" report, "
			       "no \"dma-buf: ... hung importer\" warning and no hang bundle: nothing to "
			       "reproduce")) TH_LOG("%s", out);
	free(out);
	unlink(plain);
	free(plain);
	EXPECT_EQ(2, cli(&out, (char *const[]){ "revokestorm", "repro", "tests/unit/reports/unrelated.txt", NULL }));
	EXPECT_NE(NULL, strstr(out, "task jbd2/sda1-8:321: cannot map this hang to a scenario: no frame "
			       "of the dma-buf revoke path")) TH_LOG("%s", out);
	free(out);
	EXPECT_EQ(2, cli(&out, (char *const[]){ "revokestorm", "repro",
						"tests/unit/reports/hung-importer-warning-rdma.txt", NULL }));
	EXPECT_NE(NULL, strstr(out, "hung importer 0000:5e:00.0 of ib_uverbs ino 7731: cannot map this "
			       "hang to a scenario: the RDMA uverbs exporter")) TH_LOG("%s", out);
	free(out);
	EXPECT_EQ(0, cli(&out, (char *const[]){ "revokestorm", "repro",
						"tests/unit/reports/hung-importer-warning.txt", "-o", outf,
						NULL }));
	EXPECT_NE(NULL, strstr(out, "run it with: revokestorm run")) TH_LOG("%s", out);
	free(out);
	ASSERT_EQ(0, rs_read_file(outf, &scn, &len, 0));
	EXPECT_NE(NULL, strstr(scn, "behaviour = stuck"));
	free(scn);
	EXPECT_EQ(2, cli(&out, (char *const[]){ "revokestorm", "repro", "/nonexistent.txt", NULL }));
	EXPECT_NE(NULL, strstr(out, "/nonexistent.txt"));
	free(out);
	unlink(outf);
}

TEST_HARNESS_MAIN
