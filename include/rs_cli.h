/* SPDX-License-Identifier: GPL-2.0 */
/* The revokestorm command line (docs/cli.md).  Each command takes argv[0] = its name. */
#ifndef RS_CLI_H
#define RS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

int rs_cli_main(int argc, char **argv);

int rs_cmd_run(int argc, char **argv);
int rs_cmd_check(int argc, char **argv);
int rs_cmd_list(int argc, char **argv);
int rs_daemon_main(int argc, char **argv);
int rs_ctl_main(int argc, char **argv);
int rs_matrix_main(int argc, char **argv);
/*
 * The storm matrix's verdict on one cell from its run's KTAP and exit code, culprit for a
 * variant that may hang revokes (stuck): 1 as promised, 0 skip, -1 not; why and note say.
 */
int rs_matrix_judge_ktap(const char *ktap, int exit_code, bool culprit, char *why, size_t whylen,
			 char *note, size_t notelen);
/*
 * Whether a matrix cell's run is to be killed: past limit_ns since start, and not writing
 * its trace text (trace.txt of text_size bytes, -1 while there is none, last grown at
 * text_grew) for 30 s, since that conversion outlasts the run under TCG.
 */
bool rs_matrix_overdue(uint64_t now, uint64_t start, uint64_t limit_ns, long long text_size,
		       uint64_t text_grew);

/* `revokestorm list`: plugin types and keys from the registry; markdown for the docs. */
void rs_list_print(FILE *f, bool markdown, const char *kind);

#endif /* RS_CLI_H */
