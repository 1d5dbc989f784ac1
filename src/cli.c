// SPDX-License-Identifier: GPL-2.0
/*
 * The command line: run, check, list, daemon, ctl, report, repro, minimize, recover.
 * Exit codes: 0 pass, 1 failure found, 2 bad usage or scenario, 3 internal error,
 * 4 environment missing (docs/cli.md).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rs_cli.h"
#include "rs_recover.h"
#include "rs_report.h"
#include "rs_repro.h"
#include "rs_run.h"
#include "rs_scenario.h"
#include "rs_util.h"
#include "rs_version.h"


static void rs_usage(FILE *f)
{
	fprintf(f,
		"usage: revokestorm COMMAND [ARGS]\n"
		"\n"
		"  run SCENARIO [--duration D] [--seed N] [--results DIR] [--set SECTION.KEY=VALUE]...\n"
		"               [--state-file PATH] [--quiet]\n"
		"                          run a scenario: KTAP on stdout, status on stderr, results.json\n"
		"  check SCENARIO [--set ...] [--duration D] [--seed N]\n"
		"                          validate a scenario and print it fully resolved\n"
		"  list [--markdown] [exporter|importer|trigger|load|core]\n"
		"                          plugin types with their options, and the core keys\n"
		"  daemon [--socket PATH] [--results-base DIR]\n"
		"                          serve run/status/stop on a unix socket (root peers only)\n"
		"  ctl [--socket PATH] run SCENARIO [ARGS] | status | stop\n"
		"                          talk to a daemon\n"
		"  report ...              read results and traces (revokestorm report --help)\n"
		"  repro BUNDLE|REPORT ... replay a hang bundle, or map a hung-task report to a scenario\n"
		"  minimize SCENARIO ...   shrink a hanging scenario\n"
		"  recover [--state-file PATH]\n"
		"                          put back in order what dead runs left in the state file\n"
		"  matrix BASE ...         the storm matrix: every trigger x importer variant\n"
		"  help | --help | --version\n"
		"\n"
		"exit codes: 0 pass, 1 failure found (errors, hang), 2 bad usage or scenario,\n"
		"            3 internal error, 4 environment missing (nothing could run)\n"
		"docs: docs/cli.md, docs/scenario-format.md, docs/results-schema.md\n");
}

struct rs_scn_args {
	const char *path;
	const char **sets;
	size_t nr_sets;
	const char *duration;
	uint64_t seed;
	bool have_seed;
	const char *results;
	const char *state_file;
	bool quiet;
};

static const struct option rs_run_longopts[] = {
	{ "duration", required_argument, NULL, 'd' },
	{ "seed", required_argument, NULL, 's' },
	{ "results", required_argument, NULL, 'r' },
	{ "set", required_argument, NULL, 'S' },
	{ "state-file", required_argument, NULL, 'F' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Parse the options common to run and check; returns 0, 1 (--help) or RS_EXIT_USAGE. */
static int rs_parse_scn_args(int argc, char **argv, struct rs_scn_args *a, bool run)
{
	int c;

	memset(a, 0, sizeof(*a));
	a->sets = rs_xcalloc((size_t)argc + 1, sizeof(*a->sets));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "d:s:r:S:F:qh", rs_run_longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'd':
			a->duration = optarg;
			break;
		case 's':
			errno = 0;
			a->seed = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || a->seed > INT64_MAX) {
				fprintf(stderr, "revokestorm %s: --seed '%s': not a non-negative 63-bit integer\n",
					argv[0], optarg);
				return RS_EXIT_USAGE;
			}
			a->have_seed = true;
			break;
		case 'r':
		case 'F':
		case 'q':
			if (!run) {
				fprintf(stderr, "revokestorm %s: option %s is for run only\n", argv[0],
					argv[optind - 1]);
				return RS_EXIT_USAGE;
			}
			if (c == 'r')
				a->results = optarg;
			else if (c == 'F')
				a->state_file = optarg;
			else
				a->quiet = true;
			break;
		case 'S':
			a->sets[a->nr_sets++] = optarg;
			break;
		case 'h':
			return 1;
		default:
			fprintf(stderr, "revokestorm %s: bad option '%s'\n", argv[0], argv[optind - 1]);
			return RS_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "revokestorm %s: %s\n", argv[0],
			optind >= argc ? "which scenario? (a .ini file)" : "one scenario at a time");
		return RS_EXIT_USAGE;
	}
	a->path = argv[optind];
	return 0;
}

static int rs_load(const struct rs_scn_args *a, struct rs_scenario **scn)
{
	struct rs_scn_opts o = {
		.sets = a->sets,
		.nr_sets = a->nr_sets,
		.duration = a->duration,
		.seed = a->have_seed ? &a->seed : NULL,
	};
	struct rs_diag d = { 0 };
	int err = rs_scn_load(a->path, &o, scn, &d);

	rs_diag_print(&d, stderr);
	rs_diag_free(&d);
	return err;
}

int rs_cmd_check(int argc, char **argv)
{
	struct rs_scenario *scn;
	struct rs_scn_args a;
	int r = rs_parse_scn_args(argc, argv, &a, false);

	if (r) {
		if (r == 1)
			fprintf(stdout, "usage: revokestorm check SCENARIO [--set SECTION.KEY=VALUE]... [--duration D] [--seed N]\n");
		free(a.sets);
		return r == 1 ? RS_EXIT_PASS : r;
	}
	if (rs_load(&a, &scn)) {
		free(a.sets);
		return RS_EXIT_USAGE;
	}
	rs_scn_dump_origins(scn, stdout);
	rs_scn_free(scn);
	free(a.sets);
	return RS_EXIT_PASS;
}

static int rs_orig_argc;
static char **rs_orig_argv;	/* the command line as given (getopt permutes argv) */

int rs_cmd_run(int argc, char **argv)
{
	struct rs_run_opts o = { 0 };
	struct rs_run_result res;
	struct rs_scenario *scn;
	struct rs_scn_args a;
	int r = rs_parse_scn_args(argc, argv, &a, true);

	if (r) {
		if (r == 1)
			rs_usage(stdout);
		free(a.sets);
		return r == 1 ? RS_EXIT_PASS : r;
	}
	if (rs_load(&a, &scn)) {
		free(a.sets);
		return RS_EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	atexit(rs_run_emergency);
	o.results_dir = a.results;
	o.state_file = a.state_file;
	o.quiet = a.quiet;
	o.handle_signals = true;
	o.argc = rs_orig_argv ? rs_orig_argc : argc;
	o.argv = rs_orig_argv ? rs_orig_argv : argv;
	rs_run(scn, &o, &res);
	fflush(stdout);
	fflush(stderr);
	if (res.stuck) {
		/* a worker is stuck in the kernel: it cannot be joined; results are written */
		fprintf(stderr, "revokestorm: leaving a thread stuck in the kernel behind; exit %d\n",
			res.exit_code);
		_exit(res.exit_code);
	}
	rs_scn_free(scn);
	free(a.sets);
	return res.exit_code;
}

int rs_cmd_list(int argc, char **argv)
{
	const char *kind = NULL;
	bool md = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--markdown"))
			md = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: revokestorm list [--markdown] [exporter|importer|trigger|load|core]\n");
			return RS_EXIT_PASS;
		} else if (!kind && argv[i][0] != '-')
			kind = argv[i];
		else {
			fprintf(stderr, "revokestorm list: bad argument '%s'\n", argv[i]);
			return RS_EXIT_USAGE;
		}
	}
	if (kind && strcmp(kind, "exporter") && strcmp(kind, "importer") &&
	    strcmp(kind, "trigger") && strcmp(kind, "load") && strcmp(kind, "core")) {
		fprintf(stderr, "revokestorm list: unknown kind '%s' (exporter, importer, trigger, load, core)\n",
			kind);
		return RS_EXIT_USAGE;
	}
	rs_list_print(stdout, md, kind);
	return RS_EXIT_PASS;
}

int rs_cli_main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		rs_usage(stderr);
		return RS_EXIT_USAGE;
	}
	rs_orig_argc = argc;
	rs_orig_argv = rs_xcalloc((size_t)argc + 1, sizeof(*rs_orig_argv));
	memcpy(rs_orig_argv, argv, (size_t)argc * sizeof(*argv));
	cmd = argv[1];
	argc--;
	argv++;
	if (!strcmp(cmd, "run"))
		return rs_cmd_run(argc, argv);
	if (!strcmp(cmd, "check"))
		return rs_cmd_check(argc, argv);
	if (!strcmp(cmd, "list"))
		return rs_cmd_list(argc, argv);
	if (!strcmp(cmd, "daemon"))
		return rs_daemon_main(argc, argv);
	if (!strcmp(cmd, "ctl"))
		return rs_ctl_main(argc, argv);
	if (!strcmp(cmd, "report"))
		return rs_report_main(argc, argv);
	if (!strcmp(cmd, "repro"))
		return rs_repro_main(argc, argv);
	if (!strcmp(cmd, "minimize"))
		return rs_minimize_main(argc, argv);
	if (!strcmp(cmd, "recover"))
		return rs_recover_main(argc, argv);
	if (!strcmp(cmd, "matrix"))
		return rs_matrix_main(argc, argv);
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		rs_usage(stdout);
		return RS_EXIT_PASS;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("revokestorm %s\n", RS_VERSION);
		return RS_EXIT_PASS;
	}
	fprintf(stderr, "revokestorm: unknown command '%s'\n\n", cmd);
	rs_usage(stderr);
	return RS_EXIT_USAGE;
}
