/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Long runs: the per-interval JSON-lines log (intervals.jsonl) and the leak check over
 * our own RSS and fd count (src/soak.c).  The supervisor hands each interval's figures
 * over in a struct rs_soak_sample; soak never looks into the run itself.
 */
#ifndef RS_SOAK_H
#define RS_SOAK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rs_result.h"
#include "rs_watch.h"

struct rs_ctx;
struct rs_lat;
struct rs_section;

struct rs_soak {
	struct rs_ctx *log;		/* where rs_log() messages go */
	FILE *f;			/* intervals.jsonl, or NULL */
	unsigned int nr;		/* intervals written */
	unsigned int after_base;	/* samples after the baseline */
	bool have_base, leak_check;
	struct rs_health base, last;
	int64_t leak_fds;
	long leak_rss_kb;
	uint64_t last_t, last_revokes;
	int result;			/* enum rs_result of the leak check */
	char reason[256];
};

/* One status interval of the run, as the supervisor sees it. */
struct rs_soak_sample {
	uint64_t elapsed_ns;		/* since the run started */
	const char *phase;		/* the running phase, NULL outside the phases */
	bool setup_done;
	uint64_t revokes, restores, errors;	/* totals so far */
	const struct rs_lat *lat[2];	/* this interval's revokes and restores */
	size_t kernel_reports, kernel_failures;
	size_t hangs;
};

/* global: the run's [global] section (leak_check, leak_fds, leak_rss, interval_log). */
void rs_soak_start(struct rs_soak *s, struct rs_ctx *log, const struct rs_section *global,
		   uint64_t duration_ns, const char *results_dir);
/* One interval: a JSON line, and a health sample for the leak check. */
void rs_soak_interval(struct rs_soak *s, const struct rs_soak_sample *smp);
/* RS_RES_NOTRUN when leak_check is off; why says what was compared. */
enum rs_result rs_soak_verdict(struct rs_soak *s, char *why, size_t len);
void rs_soak_stop(struct rs_soak *s);

#endif /* RS_SOAK_H */
