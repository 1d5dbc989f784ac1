/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fixed-size log-linear histogram of nanosecond values (HdrHistogram / fio style).
 *
 * Values below 2^RS_HIST_SUB_BITS+1 (128) have a bucket each.  Above, every power-of-two
 * range [2^k, 2^(k+1)) is split into 2^RS_HIST_SUB_BITS (64) equal sub-buckets, so a
 * bucket is never wider than 1/64 of its lower bound.  A percentile is the midpoint of
 * the bucket holding the exact rank, clamped to [min, max]: its relative error against
 * the exact value of that rank is at most 1/128 (0.79 %), over the whole uint64 range,
 * and p0 / p100 are exact.  count, min, max and sum are exact.  Histograms merge
 * exactly (merge == recording everything in one).  3776 buckets, about 30 KiB.
 *
 * Percentile rank: the value at rank ceil(pct / 100 * count) (at least 1) in sorted
 * order, the "nearest rank" definition.  Not thread-safe: callers lock.
 */
#ifndef RS_HIST_H
#define RS_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_HIST_SUB_BITS	6
#define RS_HIST_SUB		(1u << RS_HIST_SUB_BITS)
#define RS_HIST_NR_BUCKETS	((64 - RS_HIST_SUB_BITS + 1) * RS_HIST_SUB)
/* Relative error bound of rs_hist_percentile(): 1 / RS_HIST_ERR_DIV. */
#define RS_HIST_ERR_DIV		(2u * RS_HIST_SUB)

struct rs_hist;

struct rs_hist *rs_hist_new(void);
void rs_hist_free(struct rs_hist *h);
/* Forget everything (per-interval histograms). */
void rs_hist_reset(struct rs_hist *h);
void rs_hist_record(struct rs_hist *h, uint64_t ns);
void rs_hist_record_n(struct rs_hist *h, uint64_t ns, uint64_t n);
/* dst += src: afterwards dst is what recording both streams into it would give. */
void rs_hist_merge(struct rs_hist *dst, const struct rs_hist *src);
/* pct in [0, 100] (clamped); 0 when empty. */
uint64_t rs_hist_percentile(const struct rs_hist *h, double pct);

uint64_t rs_hist_count(const struct rs_hist *h);
uint64_t rs_hist_min(const struct rs_hist *h);		/* 0 when empty */
uint64_t rs_hist_max(const struct rs_hist *h);
double rs_hist_mean(const struct rs_hist *h);		/* 0 when empty */

/* Bucket geometry: bucket i holds the values [lo, hi] (inclusive). */
size_t rs_hist_bucket_of(uint64_t ns);
void rs_hist_bucket_range(size_t i, uint64_t *lo, uint64_t *hi);
/*
 * Iterate the non-empty buckets in increasing order: start with *i = 0; returns false
 * at the end.  Fills the bucket's value range and count.
 */
bool rs_hist_next(const struct rs_hist *h, size_t *i, uint64_t *lo, uint64_t *hi,
		  uint64_t *count);

#endif /* RS_HIST_H */
