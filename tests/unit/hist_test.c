// SPDX-License-Identifier: GPL-2.0
/*
 * The log-linear histogram: percentiles within the documented relative error of the
 * exact nearest-rank percentiles (random and adversarial distributions), merge equal
 * to recording everything, exact count/min/max, edge values, bucket iteration.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "rs_hist.h"
#include "rs_util.h"

static const double pcts[] = { 0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100 };

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t exact_pct(const uint64_t *sorted, size_t n, double pct)
{
	double r = pct / 100.0 * (double)n;
	size_t rank = (size_t)r;

	if ((double)rank < r)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

/* Record v[], compare every percentile with the sorted truth; returns failures. */
static int check_bound(struct __test_metadata *_metadata, uint64_t *v, size_t n)
{
	struct rs_hist *h = rs_hist_new();
	int bad = 0;
	size_t i;

	for (i = 0; i < n; i++)
		rs_hist_record(h, v[i]);
	qsort(v, n, sizeof(*v), cmp_u64);
	EXPECT_EQ(n, rs_hist_count(h));
	EXPECT_EQ(v[0], rs_hist_min(h));
	EXPECT_EQ(v[n - 1], rs_hist_max(h));
	for (i = 0; i < RS_ARRAY_SIZE(pcts); i++) {
		uint64_t want = exact_pct(v, n, pcts[i]), got = rs_hist_percentile(h, pcts[i]);
		long double err = fabsl((long double)got - (long double)want);

		if (err > (long double)want / RS_HIST_ERR_DIV) {
			TH_LOG("p%g: got %llu, exact %llu", pcts[i], (unsigned long long)got,
			       (unsigned long long)want);
			bad++;
		}
	}
	rs_hist_free(h);
	return bad;
}

TEST(random_distributions)
{
	uint64_t seed = 42, *v;
	size_t n = 200000, i;
	int dist;

	v = rs_xcalloc(n, sizeof(*v));
	for (dist = 0; dist < 5; dist++) {
		for (i = 0; i < n; i++) {
			uint64_t r = rs_splitmix64(&seed);

			switch (dist) {
			case 0:	/* uniform 0..10 ms */
				v[i] = r % 10000000;
				break;
			case 1:	/* log-uniform over the whole range */
				v[i] = r >> (r % 64);
				break;
			case 2:	/* exponential, mean 1 ms */
				v[i] = (uint64_t)(-log(((double)(r >> 11) + 1) / 9007199254740993.0) * 1e6);
				break;
			case 3:	/* bimodal: fast path and rare 30 s stalls */
				v[i] = r % 1000 ? 2000 + r % 500 : 30000000000ULL + r % 1000000;
				break;
			default: /* small values, all exact */
				v[i] = r % 300;
			}
		}
		EXPECT_EQ(0, check_bound(_metadata, v, n)) TH_LOG("distribution %d", dist);
	}
	free(v);
}

TEST(adversarial_bucket_edges)
{
	/* every value at a bucket's low or high edge, where midpoint error is largest */
	uint64_t *v = rs_xcalloc(RS_HIST_NR_BUCKETS * 2, sizeof(*v));
	size_t i, n = 0;

	for (i = 0; i < RS_HIST_NR_BUCKETS; i++) {
		uint64_t lo, hi;

		rs_hist_bucket_range(i, &lo, &hi);
		ASSERT_EQ(i, rs_hist_bucket_of(lo));
		ASSERT_EQ(i, rs_hist_bucket_of(hi));
		if (i + 1 < RS_HIST_NR_BUCKETS) {
			uint64_t lo2, hi2;

			rs_hist_bucket_range(i + 1, &lo2, &hi2);
			ASSERT_EQ(hi + 1, lo2);		/* contiguous, no gaps */
		} else {
			ASSERT_EQ(UINT64_MAX, hi);
		}
		/* width bounded by lo / 64 */
		ASSERT_TRUE(hi - lo == 0 || (hi - lo + 1) <= lo / RS_HIST_SUB);
		v[n++] = lo;
		v[n++] = hi;
	}
	EXPECT_EQ(0, check_bound(_metadata, v, n));
	/* all mass at the low edge of one wide bucket, one outlier */
	for (i = 0; i < 1000; i++)
		v[i] = 1ULL << 40;
	v[1000] = (1ULL << 41) - 1;
	EXPECT_EQ(0, check_bound(_metadata, v, 1001));
	/* two values only */
	v[0] = 1;
	v[1] = UINT64_MAX;
	EXPECT_EQ(0, check_bound(_metadata, v, 2));
	free(v);
}

TEST(edge_values)
{
	struct rs_hist *h = rs_hist_new();

	EXPECT_EQ(0, rs_hist_percentile(h, 50));
	EXPECT_EQ(0, rs_hist_count(h));
	EXPECT_EQ(0, rs_hist_max(h));
	rs_hist_record(h, 0);
	EXPECT_EQ(0, rs_hist_percentile(h, 50));
	EXPECT_EQ(0, rs_hist_percentile(h, 100));
	rs_hist_record(h, 1);
	rs_hist_record(h, UINT64_MAX);
	EXPECT_EQ(3, rs_hist_count(h));
	EXPECT_EQ(0, rs_hist_min(h));
	EXPECT_EQ(UINT64_MAX, rs_hist_max(h));
	EXPECT_EQ(0, rs_hist_percentile(h, 0));
	EXPECT_EQ(1, rs_hist_percentile(h, 50));
	EXPECT_GE(rs_hist_percentile(h, 99.9), UINT64_MAX - UINT64_MAX / RS_HIST_ERR_DIV);
	EXPECT_EQ(UINT64_MAX, rs_hist_percentile(h, 100));
	EXPECT_EQ(UINT64_MAX, rs_hist_percentile(h, 1e9));	/* clamped */
	EXPECT_EQ(0, rs_hist_percentile(h, -5));
	EXPECT_EQ(0, rs_hist_percentile(h, NAN));
	EXPECT_EQ(RS_HIST_NR_BUCKETS - 1, rs_hist_bucket_of(UINT64_MAX));
	EXPECT_EQ(127, rs_hist_bucket_of(127));
	rs_hist_reset(h);
	EXPECT_EQ(0, rs_hist_count(h));
	EXPECT_EQ(0, rs_hist_percentile(h, 99));
	rs_hist_record_n(h, 5000, 10);
	EXPECT_EQ(10, rs_hist_count(h));
	EXPECT_EQ(5000, rs_hist_percentile(h, 50));	/* clamped to min == max */
	EXPECT_EQ(5000.0, rs_hist_mean(h));
	rs_hist_free(h);
}

TEST(merge_equals_record_all)
{
	struct rs_hist *a = rs_hist_new(), *b = rs_hist_new(), *all = rs_hist_new();
	struct rs_hist *empty = rs_hist_new();
	uint64_t seed = 7, lo, hi, n, lo2, hi2, n2;
	size_t i, ia = 0, ib = 0;

	for (i = 0; i < 100000; i++) {
		uint64_t v = rs_splitmix64(&seed) >> (i % 50);

		rs_hist_record(i % 3 ? a : b, v);
		rs_hist_record(all, v);
	}
	rs_hist_merge(a, b);
	rs_hist_merge(a, empty);
	rs_hist_merge(empty, empty);
	EXPECT_EQ(rs_hist_count(all), rs_hist_count(a));
	EXPECT_EQ(rs_hist_min(all), rs_hist_min(a));
	EXPECT_EQ(rs_hist_max(all), rs_hist_max(a));
	for (i = 0; i < RS_ARRAY_SIZE(pcts); i++)
		EXPECT_EQ(rs_hist_percentile(all, pcts[i]), rs_hist_percentile(a, pcts[i]));
	/* bucket for bucket */
	while (rs_hist_next(all, &ia, &lo, &hi, &n)) {
		ASSERT_TRUE(rs_hist_next(a, &ib, &lo2, &hi2, &n2));
		EXPECT_EQ(lo, lo2);
		EXPECT_EQ(hi, hi2);
		EXPECT_EQ(n, n2);
	}
	EXPECT_FALSE(rs_hist_next(a, &ib, &lo2, &hi2, &n2));
	/* merging into an empty one copies */
	rs_hist_merge(empty, all);
	EXPECT_EQ(rs_hist_percentile(all, 99.9), rs_hist_percentile(empty, 99.9));
	EXPECT_EQ(rs_hist_min(all), rs_hist_min(empty));
	rs_hist_free(a);
	rs_hist_free(b);
	rs_hist_free(all);
	rs_hist_free(empty);
}

TEST(iteration_sums_to_count)
{
	struct rs_hist *h = rs_hist_new();
	uint64_t lo, hi, n, total = 0, prev_hi = 0;
	size_t i = 0, buckets = 0;
	bool first = true;

	EXPECT_FALSE(rs_hist_next(h, &i, &lo, &hi, &n));
	for (i = 0; i < 5000; i++)
		rs_hist_record(h, i * i);
	i = 0;
	while (rs_hist_next(h, &i, &lo, &hi, &n)) {
		EXPECT_TRUE(first || lo > prev_hi);
		EXPECT_LE(lo, hi);
		first = false;
		prev_hi = hi;
		total += n;
		buckets++;
	}
	EXPECT_EQ(5000, total);
	EXPECT_GT(buckets, 100);
	rs_hist_free(h);
}

TEST_HARNESS_MAIN
