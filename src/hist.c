// SPDX-License-Identifier: GPL-2.0
/*
 * Log-linear latency histogram; the geometry and error bound are in rs_hist.h.
 *
 * Index of v: below 2^(S+1) the value itself; else with k = floor(log2 v) and
 * shift = k - S, the group (k - S + 1) and the sub-bucket (v >> shift) - 2^S.
 * Group g >= 1 covers [2^(g+S-1), 2^(g+S)) in buckets 2^(g-1) wide; group 0 and
 * group 1 together are the exact values 0 .. 2^(S+1)-1.
 */
#include <stdlib.h>
#include <string.h>

#include "rs_hist.h"
#include "rs_util.h"

struct rs_hist {
	uint64_t count, min, max;
	double sum;
	size_t lo_idx, hi_idx;		/* non-empty bucket span, valid when count */
	uint64_t b[RS_HIST_NR_BUCKETS];
};

size_t rs_hist_bucket_of(uint64_t v)
{
	unsigned int k, shift;

	if (v < 2 * RS_HIST_SUB)
		return (size_t)v;
	k = 63 - (unsigned int)__builtin_clzll(v);
	shift = k - RS_HIST_SUB_BITS;
	return (size_t)(shift + 1) * RS_HIST_SUB + (size_t)((v >> shift) - RS_HIST_SUB);
}

void rs_hist_bucket_range(size_t i, uint64_t *lo, uint64_t *hi)
{
	size_t g = i / RS_HIST_SUB, sub = i % RS_HIST_SUB;
	unsigned int shift;

	if (g <= 1) {
		*lo = *hi = i;
		return;
	}
	shift = (unsigned int)g - 1;
	*lo = ((uint64_t)RS_HIST_SUB + sub) << shift;
	*hi = *lo + ((1ULL << shift) - 1);
}

struct rs_hist *rs_hist_new(void)
{
	return rs_xcalloc(1, sizeof(struct rs_hist));
}

void rs_hist_free(struct rs_hist *h)
{
	free(h);
}

void rs_hist_reset(struct rs_hist *h)
{
	memset(h, 0, sizeof(*h));
}

void rs_hist_record_n(struct rs_hist *h, uint64_t v, uint64_t n)
{
	size_t i = rs_hist_bucket_of(v);

	if (!n)
		return;
	if (!h->count) {
		h->min = h->max = v;
		h->lo_idx = h->hi_idx = i;
	} else {
		if (v < h->min)
			h->min = v;
		if (v > h->max)
			h->max = v;
		if (i < h->lo_idx)
			h->lo_idx = i;
		if (i > h->hi_idx)
			h->hi_idx = i;
	}
	h->b[i] += n;
	h->count += n;
	h->sum += (double)v * (double)n;
}

void rs_hist_record(struct rs_hist *h, uint64_t v)
{
	rs_hist_record_n(h, v, 1);
}

void rs_hist_merge(struct rs_hist *dst, const struct rs_hist *src)
{
	size_t i;

	if (!src->count)
		return;
	if (!dst->count) {
		dst->min = src->min;
		dst->max = src->max;
		dst->lo_idx = src->lo_idx;
		dst->hi_idx = src->hi_idx;
	} else {
		if (src->min < dst->min)
			dst->min = src->min;
		if (src->max > dst->max)
			dst->max = src->max;
		if (src->lo_idx < dst->lo_idx)
			dst->lo_idx = src->lo_idx;
		if (src->hi_idx > dst->hi_idx)
			dst->hi_idx = src->hi_idx;
	}
	for (i = src->lo_idx; i <= src->hi_idx; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	dst->sum += src->sum;
}

uint64_t rs_hist_percentile(const struct rs_hist *h, double pct)
{
	uint64_t rank, seen = 0, lo, hi, v;
	double r;
	size_t i;

	if (!h->count)
		return 0;
	if (!(pct > 0.0))		/* also NaN */
		return h->min;
	if (pct >= 100.0)
		return h->max;
	r = pct / 100.0 * (double)h->count;
	rank = (uint64_t)r;
	if ((double)rank < r)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (i = h->lo_idx; i <= h->hi_idx; i++) {
		seen += h->b[i];
		if (seen >= rank)
			break;
	}
	rs_hist_bucket_range(i, &lo, &hi);
	v = lo + (hi - lo) / 2 + ((hi - lo) & 1);	/* midpoint, rounded up */
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

uint64_t rs_hist_count(const struct rs_hist *h)
{
	return h->count;
}

uint64_t rs_hist_min(const struct rs_hist *h)
{
	return h->count ? h->min : 0;
}

uint64_t rs_hist_max(const struct rs_hist *h)
{
	return h->count ? h->max : 0;
}

double rs_hist_mean(const struct rs_hist *h)
{
	return h->count ? h->sum / (double)h->count : 0.0;
}

bool rs_hist_next(const struct rs_hist *h, size_t *i, uint64_t *lo, uint64_t *hi,
		  uint64_t *count)
{
	size_t k = *i;

	if (!h->count)
		return false;
	if (k < h->lo_idx)
		k = h->lo_idx;
	for (; k <= h->hi_idx; k++) {
		if (h->b[k]) {
			rs_hist_bucket_range(k, lo, hi);
			*count = h->b[k];
			*i = k + 1;
			return true;
		}
	}
	*i = k;
	return false;
}
