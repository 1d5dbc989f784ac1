/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Long runs: the per-interval JSON-lines log (intervals.jsonl) and the leak check over
 * our own RSS and fd count (src/soak.c; its functions are in rs_ctl.h).
 */
#ifndef RS_SOAK_H
#define RS_SOAK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rs_watch.h"

struct rs_soak {
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

#endif /* RS_SOAK_H */
