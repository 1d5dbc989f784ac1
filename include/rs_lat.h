/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Latency recording (src/stats.c, over the histogram of src/hist.c), and its JSON form
 * (src/results.c).
 */
#ifndef RS_LAT_H
#define RS_LAT_H

#include <stdbool.h>
#include <stdint.h>

struct rs_json;
struct rs_lat;

struct rs_lat_summary {
	uint64_t count, min, max, p50, p90, p99, p999;
	double mean;
};

struct rs_lat *rs_lat_new(void);
void rs_lat_free(struct rs_lat *l);
void rs_lat_record(struct rs_lat *l, uint64_t ns);
void rs_lat_merge(struct rs_lat *dst, const struct rs_lat *src);
void rs_lat_summary(const struct rs_lat *l, struct rs_lat_summary *s);
uint64_t rs_lat_count(const struct rs_lat *l);
uint64_t rs_lat_pct(const struct rs_lat *l, double pct);
/* False in a build without the histogram: percentiles then read 0. */
bool rs_lat_have_percentiles(void);

/* "key": { count, min_ns, mean_ns, p50_ns, p90_ns, p99_ns, p99_9_ns, max_ns } */
void rs_json_lat(struct rs_json *j, const char *key, const struct rs_lat *l);

#endif /* RS_LAT_H */
