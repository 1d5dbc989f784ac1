// SPDX-License-Identifier: GPL-2.0
/*
 * Long runs: one JSON line per status interval (intervals.jsonl in the results), with
 * that interval's revoke and restore histograms summarised, and our own resource use
 * (RSS, fds, threads) checked for growth across the run.  A nightly soak is a long
 * `revokestorm run --duration 8h`; this is what makes hour 7 as readable as minute 1.
 *
 * Everything here runs in the supervisor thread; the pairs' interval histograms are
 * swapped out under their stats lock, so recording never waits on a write.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_ctl.h"
#include "rs_json.h"
#include "rs_soak.h"
#include "rs_util.h"
#include "rs_watch.h"

#define RS_INTERVALS_FILE	"intervals.jsonl"
/* Leak verdicts need a baseline taken after setup and enough samples after it. */
#define RS_LEAK_MIN_INTERVALS	3

void rs_soak_start(struct rs_ctx *ctx)
{
	struct rs_soak *s = &ctx->soak;
	char path[PATH_MAX + 32];
	uint64_t every;

	s->leak_fds = rs_sec_int(ctx->scn->global, "leak_fds");
	s->leak_rss_kb = (long)(rs_sec_size(ctx->scn->global, "leak_rss") >> 10);
	every = rs_sec_time_ns(ctx->scn->global, "status_interval");
	/* a run too short to have a baseline and samples after it has no leak verdict */
	s->leak_check = rs_sec_bool(ctx->scn->global, "leak_check") && every &&
			ctx->duration_ns >= (RS_LEAK_MIN_INTERVALS + 2) * every;
	s->last_t = rs_now_ns();
	if (!rs_sec_bool(ctx->scn->global, "interval_log"))
		return;
	snprintf(path, sizeof(path), "%s/%s", ctx->results_dir, RS_INTERVALS_FILE);
	s->f = fopen(path, "ae");
	if (!s->f)
		rs_log(ctx, "no interval log: %s: %s", path, strerror(errno));
}

/* Every pair's interval histograms, taken out and merged into iv. */
static void rs_soak_take(struct rs_ctx *ctx, struct rs_lat *iv[2])
{
	size_t i, k;

	for (i = 0; i < ctx->nr_pairs; i++) {
		struct rs_pair *p = ctx->pairs[i];
		struct rs_lat *old[2];

		pthread_mutex_lock(&p->st_lock);
		for (k = 0; k < 2; k++) {
			old[k] = p->ival[k];
			p->ival[k] = rs_lat_new();
		}
		pthread_mutex_unlock(&p->st_lock);
		for (k = 0; k < 2; k++) {
			rs_lat_merge(iv[k], old[k]);
			rs_lat_free(old[k]);
		}
	}
}

void rs_soak_interval(struct rs_ctx *ctx)
{
	struct rs_soak *s = &ctx->soak;
	struct rs_lat *iv[2] = { rs_lat_new(), rs_lat_new() };
	uint64_t revokes, restores, errors, now = rs_now_ns(), dt = now - s->last_t;
	int ph = atomic_load(&ctx->phase);
	size_t nr_klog = 0, klog_fail = 0;
	struct rs_health h;
	char letters[32];
	struct rs_json *j;

	rs_soak_take(ctx, iv);
	rs_ctx_totals(ctx, &revokes, &restores, &errors);
	rs_health_sample(&h);
	if (ctx->watch) {
		rs_watch_reports(ctx->watch, &nr_klog);
		klog_fail = rs_watch_failures(ctx->watch);
	}
	s->nr++;
	/* the baseline is the first interval that ran with everything set up */
	if (!s->have_base && ctx->setup_done && ph >= 0) {
		s->base = h;
		s->have_base = true;
	} else if (s->have_base && ph >= 0) {	/* not the cleanup's */
		s->last = h;
		s->after_base++;
	}
	if (s->f) {
		j = rs_json_new(s->f, false);
		rs_json_obj_begin(j, NULL);
		rs_json_uint(j, "interval", s->nr);
		rs_json_double(j, "elapsed_s", (double)rs_ctx_elapsed(ctx) / 1e9);
		rs_json_double(j, "interval_s", (double)dt / 1e9);
		rs_json_uint(j, "wall_ns", rs_wall_ns());
		if (ph >= 0)
			rs_json_str(j, "phase", ctx->phases[ph].name);
		else
			rs_json_null(j, "phase");
		rs_json_uint(j, "revokes", revokes);
		rs_json_uint(j, "restores", restores);
		rs_json_uint(j, "errors", errors);
		rs_json_double(j, "revokes_per_s", dt ? (double)(revokes - s->last_revokes) * 1e9 /
					(double)dt : 0.0);
		rs_json_lat(j, "revoke", iv[0]);
		rs_json_lat(j, "restore", iv[1]);
		rs_json_int(j, "rss_kb", h.rss_kb);
		rs_json_int(j, "fds", h.fds);
		rs_json_int(j, "threads", h.threads);
		rs_taint_letters(h.taint, letters, sizeof(letters));
		rs_json_uint(j, "taint", h.taint);
		rs_json_str(j, "taint_letters", letters);
		rs_json_uint(j, "kernel_reports", nr_klog);
		rs_json_uint(j, "kernel_failures", klog_fail);
		rs_json_uint(j, "hangs", ctx->nr_hangs);
		rs_json_obj_end(j);
		if (rs_json_end(j) || fputc('\n', s->f) == EOF || fflush(s->f)) {
			rs_log(ctx, "interval log: write failed: %s; no more interval lines",
			       strerror(errno));
			fclose(s->f);
			s->f = NULL;
		}
	}
	s->last_revokes = revokes;
	s->last_t = now;
	rs_lat_free(iv[0]);
	rs_lat_free(iv[1]);
}

/*
 * The leak verdict: fds or RSS grew by more than the scenario allows between the first
 * interval after setup and the last one before cleanup.  Short runs are not judged.
 */
enum rs_result rs_soak_verdict(struct rs_ctx *ctx, char *why, size_t len)
{
	struct rs_soak *s = &ctx->soak;
	long drss;
	int dfds;

	if (!s->leak_check)
		return RS_RES_NOTRUN;
	if (!s->have_base || s->after_base < RS_LEAK_MIN_INTERVALS) {
		snprintf(why, len, "run shorter than %d status intervals after setup",
			 RS_LEAK_MIN_INTERVALS + 1);
		return RS_RES_SKIP;
	}
	dfds = s->last.fds - s->base.fds;
	drss = s->last.rss_kb - s->base.rss_kb;
	if (dfds > s->leak_fds) {
		snprintf(why, len, "open fds grew from %d to %d over %u intervals (leak_fds %lld)",
			 s->base.fds, s->last.fds, s->after_base, (long long)s->leak_fds);
		return RS_RES_FAIL;
	}
	if (s->base.rss_kb >= 0 && drss > s->leak_rss_kb) {
		snprintf(why, len, "RSS grew from %ld KiB to %ld KiB over %u intervals (leak_rss %ld KiB)",
			 s->base.rss_kb, s->last.rss_kb, s->after_base, s->leak_rss_kb);
		return RS_RES_FAIL;
	}
	snprintf(why, len, "fds %d -> %d, RSS %ld -> %ld KiB over %u intervals", s->base.fds,
		 s->last.fds, s->base.rss_kb, s->last.rss_kb, s->after_base);
	return RS_RES_PASS;
}

void rs_soak_stop(struct rs_ctx *ctx)
{
	if (ctx->soak.f)
		fclose(ctx->soak.f);
	ctx->soak.f = NULL;
}
