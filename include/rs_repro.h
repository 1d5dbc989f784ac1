/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hang bundles and reproduction: what a run leaves behind when a revoke hangs, replaying
 * it (`revokestorm repro`), shrinking it (`revokestorm minimize`), and turning a kernel
 * "INFO: task ... blocked for more than" report into a starting scenario.
 */
#ifndef RS_REPRO_H
#define RS_REPRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct rs_trace;

#define RS_BUNDLE_DIR	"hang-bundle"

struct rs_bundle_info {
	const char *results_dir;	/* the bundle goes into results_dir/hang-bundle/ */
	const char *scenario_text;	/* the resolved scenario (rs_scn_dump) */
	uint64_t seed;
	const char *what;		/* one line: what hung, where, for how long */
	const char *schedule;		/* optional: the revoke schedule so far, one per line */
	const pid_t *stuck_tids;	/* threads of ours that are stuck */
	size_t nr_stuck;
	struct rs_trace *trace;		/* optional: events before the hang */
	size_t trace_lines;		/* how many of them (0: 20000) */
};

/* Write the bundle; *path_out gets its directory.  0 or -errno (partial bundles are kept). */
int rs_bundle_write(const struct rs_bundle_info *bi, char *path_out, size_t len);

/* Frames of a kernel hung-task report, and what they say about the revoke path. */
struct rs_hung_report {
	char task[64];
	int pid;
	int seconds;
	char **frames;		/* innermost first, "func" without offsets */
	size_t nr_frames;
};

/* Parse the first "INFO: task ... blocked for more than" report in text; 0 or -ENOENT. */
int rs_hung_report_parse(const char *text, struct rs_hung_report *r);
void rs_hung_report_free(struct rs_hung_report *r);
/*
 * A starting scenario for the report, as scenario text (malloc'd), or NULL with *why
 * saying why the frames cannot be mapped.
 */
char *rs_hung_report_scenario(const struct rs_hung_report *r, const char **why);

/* The patch set's "dma-buf: ... hung importer ..." warning. */
struct rs_hung_importer {
	char exp_name[64], dev_name[64], driver[64];
	unsigned long long ino, ms;	/* ms: since the invalidate; 0 if never invalidated */
	unsigned int mappings;
	bool never_invalidated;		/* v2's "..., never invalidated; importer ..." */
};

/* Parse the first such warning in text; 0 or -ENOENT. */
int rs_hung_importer_parse(const char *text, struct rs_hung_importer *h);
/* A starting scenario for it (malloc'd scenario text). */
char *rs_hung_importer_scenario(const struct rs_hung_importer *h, const char **why);

/*
 * A kernel log holds many reports; the scenario of the first that maps to one: the
 * hung-task reports in order (a task queued behind the revoke, on no frame of its path,
 * is passed over), then the hung-importer warning.  NULL if none maps, with why (len
 * bytes) saying why the first report found could not, or that there is none.
 */
char *rs_repro_text(const char *text, char *why, size_t len);

/* CLI entry points (argv[0] is the subcommand). */
int rs_repro_main(int argc, char **argv);
int rs_minimize_main(int argc, char **argv);

#endif /* RS_REPRO_H */
