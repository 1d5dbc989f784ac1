/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running a resolved scenario: the controller's entry point, used by `revokestorm run`,
 * the daemon's children and the unit tests.
 */
#ifndef RS_RUN_H
#define RS_RUN_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "rs_scenario.h"

/* Exit codes (docs/cli.md). */
enum {
	RS_EXIT_PASS = 0,	/* everything that ran passed (skips allowed) */
	RS_EXIT_FAIL = 1,	/* a failure was found: errors, hang */
	RS_EXIT_USAGE = 2,	/* bad usage or bad scenario */
	RS_EXIT_INTERNAL = 3,	/* internal error */
	RS_EXIT_SKIP = 4,	/* environment missing: nothing could run */
};

struct rs_run_opts {
	const char *results_dir;	/* NULL: the scenario's "results", else ./results/<name>-<time> */
	const char *state_file;		/* NULL: the scenario's "state_file" */
	FILE *ktap;			/* NULL: stdout */
	FILE *status;			/* NULL: stderr (status lines, log) */
	bool quiet;			/* no status lines (log lines still go to status) */
	bool handle_signals;		/* SIGINT/SIGTERM/SIGHUP stop the run (CLI) */
	int argc;			/* the command line, recorded in the results */
	char **argv;
};

struct rs_run_result {
	int exit_code;
	/* A worker is still stuck in a call: the process must _exit(), not return. */
	bool stuck;
	char results_dir[PATH_MAX];
	char results_file[PATH_MAX];
};

/*
 * Run scn to the end (duration, phases), a stop request, or a hang.  Results are written
 * on every path.  Returns the exit code (also in res).
 */
int rs_run(struct rs_scenario *scn, const struct rs_run_opts *opts, struct rs_run_result *res);

/* Ask the active run to stop, as SIGINT does.  Async-signal-safe. */
void rs_run_request_stop(void);

/*
 * If a run is active (exit() called from somewhere inside it), stop its loads and write
 * its partial results with status "error".  For atexit(); safe to call when idle.
 */
void rs_run_emergency(void);

#endif /* RS_RUN_H */
