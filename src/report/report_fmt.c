// SPDX-License-Identifier: GPL-2.0
/*
 * What every form of the report shares: times and durations as text, the breakdown's
 * group order, the percentiles shown, and the one-line verdict.  The model uses the
 * time format in its messages; nothing here uses the model's functions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "rs_util.h"

const double rs_pcts[RS_NR_PCTS] = { 50, 90, 99, 99.9 };

void rs_fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2fms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", (double)ns / 1e9);
}

void rs_fmt_ts(char *buf, size_t len, uint64_t ns)
{
	snprintf(buf, len, "%llu.%06llu", (unsigned long long)(ns / 1000000000ULL),
		 (unsigned long long)(ns % 1000000000ULL / 1000));
}

int rs_group_cmp(const struct rs_report *r, const struct rs_group *a, const struct rs_group *b)
{
	int c = strcmp(rs_str(r, a->exporter), rs_str(r, b->exporter));

	if (c)
		return c;
	c = strcmp(rs_str(r, a->trigger), rs_str(r, b->trigger));
	if (c)
		return c;
	if (a->revoke != b->revoke)
		return b->revoke - a->revoke;	/* revoke, restore, outside a move */
	if ((a->importer == RS_NO_ID) != (b->importer == RS_NO_ID))
		return a->importer == RS_NO_ID ? -1 : 1;
	return strcmp(rs_str(r, a->importer), rs_str(r, b->importer));
}

static int rs_group_qcmp(const void *x, const void *y, void *arg)
{
	const struct rs_report *r = arg;

	return rs_group_cmp(r, &r->groups[*(const size_t *)x], &r->groups[*(const size_t *)y]);
}

size_t *rs_sorted_groups(const struct rs_report *r)
{
	size_t *idx = rs_xcalloc(r->nr_groups + 1, sizeof(*idx)), i;

	for (i = 0; i < r->nr_groups; i++)
		idx[i] = i;
	qsort_r(idx, r->nr_groups, sizeof(*idx), rs_group_qcmp, (void *)r);
	return idx;
}

uint64_t rs_findings(const struct rs_report *r)
{
	return r->hangs_total + r->hangs_unnamed + rs_report_violations(r, -1);
}

const char *rs_rep_verdict(const struct rs_report *r)
{
	if (r->errs_total)
		return "bad input: the report covers the lines that could be read";
	if (rs_findings(r))
		return "findings: protocol violations or hung importers";
	if (r->gaps_total)
		return "not checked in full: the tracer lost events, and nothing was found where "
		       "the events are whole";
	if (!r->events)
		return "no dma-buf events in the input";
	return "clean";
}

uint64_t rs_withheld_count(const struct rs_report *r)
{
	return rs_report_withheld(r, -1) + r->stage_withheld + r->hangs_unattributed;
}
