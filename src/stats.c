// SPDX-License-Identifier: GPL-2.0
/*
 * The core's counters: errors by what and errno, and latency per operation.
 *
 * rs_lat keeps count, min, max and sum exactly, and the distribution in the project's
 * log-linear histogram (src/hist.c, rs_hist.h) for percentiles.  This file is the only
 * place the core touches the histogram API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_ctl.h"
#include "rs_util.h"

#include "rs_hist.h"

struct rs_lat {
	uint64_t count, min, max;
	double sum;
	struct rs_hist *h;
};

bool rs_lat_have_percentiles(void)
{
	return true;
}

struct rs_lat *rs_lat_new(void)
{
	struct rs_lat *l = rs_xcalloc(1, sizeof(*l));

	l->h = rs_hist_new();
	return l;
}

void rs_lat_free(struct rs_lat *l)
{
	if (!l)
		return;
	rs_hist_free(l->h);
	free(l);
}

void rs_lat_record(struct rs_lat *l, uint64_t ns)
{
	if (!l->count || ns < l->min)
		l->min = ns;
	if (ns > l->max)
		l->max = ns;
	l->count++;
	l->sum += (double)ns;
	rs_hist_record(l->h, ns);
}

void rs_lat_merge(struct rs_lat *dst, const struct rs_lat *src)
{
	if (!src->count)
		return;
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	rs_hist_merge(dst->h, src->h);
}

uint64_t rs_lat_count(const struct rs_lat *l)
{
	return l->count;
}

uint64_t rs_lat_pct(const struct rs_lat *l, double pct)
{
	return l->count ? rs_hist_percentile(l->h, pct) : 0;
}

void rs_lat_summary(const struct rs_lat *l, struct rs_lat_summary *s)
{
	memset(s, 0, sizeof(*s));
	if (!l->count)
		return;
	s->count = l->count;
	s->min = l->min;
	s->max = l->max;
	s->mean = l->sum / (double)l->count;
	s->p50 = rs_lat_pct(l, 50.0);
	s->p90 = rs_lat_pct(l, 90.0);
	s->p99 = rs_lat_pct(l, 99.0);
	s->p999 = rs_lat_pct(l, 99.9);
}

void rs_stats_init(struct rs_stats *st)
{
	int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < RS_OP_NR; i++)
		st->lat[i] = rs_lat_new();
}

void rs_stats_fini(struct rs_stats *st)
{
	int i;

	for (i = 0; i < RS_OP_NR; i++)
		rs_lat_free(st->lat[i]);
	free(st->errs);
	memset(st, 0, sizeof(*st));
}

static void rs_stats_err_n(struct rs_stats *st, const char *what, int err, uint64_t n)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < st->nr_errs; i++) {
		if (st->errs[i].err == err && !strcmp(st->errs[i].what, what)) {
			st->errs[i].n += n;
			return;
		}
	}
	rs_xgrow(&st->errs, &st->cap_errs, st->nr_errs, sizeof(*st->errs));
	snprintf(st->errs[st->nr_errs].what, sizeof(st->errs[0].what), "%s", what);
	st->errs[st->nr_errs].err = err;
	st->errs[st->nr_errs++].n = n;
}

void rs_stats_err(struct rs_stats *st, const char *what, int err)
{
	rs_stats_err_n(st, what, err, 1);
}

void rs_stats_merge(struct rs_stats *dst, const struct rs_stats *src)
{
	size_t i;

	dst->cycles += src->cycles;
	dst->revokes += src->revokes;
	dst->restores += src->restores;
	dst->revoke_errors += src->revoke_errors;
	dst->restore_errors += src->restore_errors;
	dst->importer_failures += src->importer_failures;
	dst->traffic_calls += src->traffic_calls;
	dst->traffic_bytes += src->traffic_bytes;
	dst->traffic_expected_errors += src->traffic_expected_errors;
	dst->traffic_failures += src->traffic_failures;
	for (i = 0; i < src->nr_errs; i++)
		rs_stats_err_n(dst, src->errs[i].what, src->errs[i].err, src->errs[i].n);
	for (i = 0; i < RS_OP_NR; i++)
		rs_lat_merge(dst->lat[i], src->lat[i]);
}
