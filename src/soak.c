// SPDX-License-Identifier: GPL-2.0
/*
 * Long runs: one JSON line per status interval (intervals.jsonl in the results), with
 * that interval's revoke and restore histograms summarised, and our own resource use
 * (RSS, fds, threads) checked for growth across the run.  A nightly soak is a long
 * `revokestorm run --duration 8h`; this is what makes hour 7 as readable as minute 1.
 *
 * Everything here runs in the supervisor thread, on the figures it hands over in a
 * struct rs_soak_sample (it swaps the pairs' interval histograms out under their stats
 * lock, so recording never waits on a write).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_json.h"
#include "rs_lat.h"
#include "rs_plugin.h"
#include "rs_soak.h"
#include "rs_util.h"
#include "rs_watch.h"

#define RS_INTERVALS_FILE	"intervals.jsonl"
/* Leak verdicts need a baseline taken after setup and enough samples after it. */
#define RS_LEAK_MIN_INTERVALS	3

void rs_soak_start(struct rs_soak *s, struct rs_ctx *log, const struct rs_section *global,
		   uint64_t duration_ns, const char *results_dir)
{
	char path[PATH_MAX + 32];
	uint64_t every;

	s->log = log;
	s->leak_fds = rs_sec_int(global, "leak_fds");
	s->leak_rss_kb = (long)(rs_sec_size(global, "leak_rss") >> 10);
	every = rs_sec_time_ns(global, "status_interval");
	/* a run too short to have a baseline and samples after it has no leak verdict */
	s->leak_check = rs_sec_bool(global, "leak_check") && every &&
			duration_ns >= (RS_LEAK_MIN_INTERVALS + 2) * every;
	s->last_t = rs_now_ns();
	if (!rs_sec_bool(global, "interval_log"))
		return;
	snprintf(path, sizeof(path), "%s/%s", results_dir, RS_INTERVALS_FILE);
	s->f = fopen(path, "ae");
	if (!s->f)
		rs_log(log, "no interval log: %s: %s", path, strerror(errno));
}

void rs_soak_interval(struct rs_soak *s, const struct rs_soak_sample *smp)
{
	uint64_t now = rs_now_ns(), dt = now - s->last_t;
	struct rs_health h;
	char letters[32];
	struct rs_json *j;

	rs_health_sample(&h);
	s->nr++;
	/* the baseline is the first interval that ran with everything set up */
	if (!s->have_base && smp->setup_done && smp->phase) {
		s->base = h;
		s->have_base = true;
	} else if (s->have_base && smp->phase) {	/* not the cleanup's */
		s->last = h;
		s->after_base++;
	}
	if (s->f) {
		j = rs_json_new(s->f, false);
		rs_json_obj_begin(j, NULL);
		rs_json_uint(j, "interval", s->nr);
		rs_json_double(j, "elapsed_s", (double)smp->elapsed_ns / 1e9);
		rs_json_double(j, "interval_s", (double)dt / 1e9);
		rs_json_uint(j, "wall_ns", rs_wall_ns());
		if (smp->phase)
			rs_json_str(j, "phase", smp->phase);
		else
			rs_json_null(j, "phase");
		rs_json_uint(j, "revokes", smp->revokes);
		rs_json_uint(j, "restores", smp->restores);
		rs_json_uint(j, "errors", smp->errors);
		rs_json_double(j, "revokes_per_s", dt ? (double)(smp->revokes - s->last_revokes) * 1e9 /
					(double)dt : 0.0);
		rs_json_lat(j, "revoke", smp->lat[0]);
		rs_json_lat(j, "restore", smp->lat[1]);
		rs_json_int(j, "rss_kb", h.rss_kb);
		rs_json_int(j, "fds", h.fds);
		rs_json_int(j, "threads", h.threads);
		rs_taint_letters(h.taint, letters, sizeof(letters));
		rs_json_uint(j, "taint", h.taint);
		rs_json_str(j, "taint_letters", letters);
		rs_json_uint(j, "kernel_reports", smp->kernel_reports);
		rs_json_uint(j, "kernel_failures", smp->kernel_failures);
		rs_json_uint(j, "hangs", smp->hangs);
		rs_json_obj_end(j);
		if (rs_json_end(j) || fputc('\n', s->f) == EOF || fflush(s->f)) {
			rs_log(s->log, "interval log: write failed: %s; no more interval lines",
			       strerror(errno));
			fclose(s->f);
			s->f = NULL;
		}
	}
	s->last_revokes = smp->revokes;
	s->last_t = now;
}

/*
 * The leak verdict: fds or RSS grew by more than the scenario allows between the first
 * interval after setup and the last one before cleanup.  Short runs are not judged.
 */
enum rs_result rs_soak_verdict(struct rs_soak *s, char *why, size_t len)
{
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
	/*
	 * A figure that could not be read (no /proc) is < 0, or 0 fds (a run always holds
	 * some): it proves nothing, either way.
	 */
	if (s->base.fds > 0 && s->last.fds > 0 && dfds > s->leak_fds) {
		snprintf(why, len, "open fds grew from %d to %d over %u intervals (leak_fds %lld)",
			 s->base.fds, s->last.fds, s->after_base, (long long)s->leak_fds);
		return RS_RES_FAIL;
	}
	if (s->base.rss_kb >= 0 && s->last.rss_kb >= 0 && drss > s->leak_rss_kb) {
		snprintf(why, len, "RSS grew from %ld KiB to %ld KiB over %u intervals (leak_rss %ld KiB)",
			 s->base.rss_kb, s->last.rss_kb, s->after_base, s->leak_rss_kb);
		return RS_RES_FAIL;
	}
	if (s->base.fds <= 0 || s->last.fds <= 0 || s->base.rss_kb < 0 || s->last.rss_kb < 0) {
		snprintf(why, len, "could not measure: fds %d -> %d, RSS %ld -> %ld KiB over %u "
			 "intervals (/proc/self/fd or /proc/self/status unreadable)", s->base.fds,
			 s->last.fds, s->base.rss_kb, s->last.rss_kb, s->after_base);
		return RS_RES_SKIP;
	}
	snprintf(why, len, "fds %d -> %d, RSS %ld -> %ld KiB over %u intervals", s->base.fds,
		 s->last.fds, s->base.rss_kb, s->last.rss_kb, s->after_base);
	return RS_RES_PASS;
}

void rs_soak_stop(struct rs_soak *s)
{
	if (s->f)
		fclose(s->f);
	s->f = NULL;
}
