// SPDX-License-Identifier: GPL-2.0
/*
 * The report as versioned JSON (docs/results-schema.md, "report.json").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "rs_json.h"
#include "rs_version.h"


static void rs_j_hist(struct rs_json *j, const struct rs_hist *h)
{
	rs_json_uint(j, "count", rs_hist_count(h));
	rs_json_uint(j, "min_ns", rs_hist_min(h));
	rs_json_double(j, "mean_ns", rs_hist_mean(h));
	rs_json_uint(j, "p50_ns", rs_hist_percentile(h, 50));
	rs_json_uint(j, "p90_ns", rs_hist_percentile(h, 90));
	rs_json_uint(j, "p99_ns", rs_hist_percentile(h, 99));
	rs_json_uint(j, "p99_9_ns", rs_hist_percentile(h, 99.9));
	rs_json_uint(j, "max_ns", rs_hist_max(h));
}

static void rs_j_name(struct rs_json *j, const struct rs_report *r, const char *key, uint32_t id)
{
	if (id == RS_NO_ID)
		rs_json_null(j, key);
	else
		rs_json_str(j, key, rs_str(r, id));
}

/* "importer_counters": { importer: { name: value } } from results.json. */
static void rs_json_res_counters(struct rs_report *r, struct rs_json *j)
{
	size_t i;

	rs_json_obj_begin(j, "importer_counters");
	for (i = 0; i < r->nr_res_cnt; i++) {
		const struct rs_res_counter *c = &r->res_cnt[i];

		if (!i || strcmp(c->importer, r->res_cnt[i - 1].importer)) {
			if (i)
				rs_json_obj_end(j);
			rs_json_obj_begin(j, c->importer);
		}
		rs_json_uint(j, c->name, c->value);
	}
	if (r->nr_res_cnt)
		rs_json_obj_end(j);
	rs_json_obj_end(j);
}

static void rs_j_hex(struct rs_json *j, const char *key, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%016llx", (unsigned long long)v);
	rs_json_str(j, key, b);
}

int rs_report_write_json(struct rs_report *r, FILE *f)
{
	struct rs_json *j = rs_json_new(f, true);
	size_t *idx = rs_sorted_groups(r), i;
	int s, k, err;

	rs_json_obj_begin(j, NULL);
	rs_json_int(j, "report_schema_version", RS_REPORT_SCHEMA_VERSION);
	rs_json_obj_begin(j, "tool");
	rs_json_str(j, "name", "revokestorm");
	rs_json_str(j, "version", RS_VERSION);
	rs_json_obj_end(j);
	rs_json_arr_begin(j, "inputs");
	for (i = 0; i < r->nr_inputs; i++) {
		const struct rs_input *in = &r->inputs[i];

		rs_json_obj_begin(j, NULL);
		rs_json_str(j, "path", in->name);
		rs_json_str(j, "format", rs_report_format_name(in->fmt));
		rs_json_uint(j, "lines", in->lines);
		rs_json_uint(j, "events", in->events);
		rs_json_uint(j, "other_lines", in->ignored);
		rs_json_uint(j, "errors", in->errors);
		rs_json_uint(j, "lost_events", in->lost);
		rs_json_uint(j, "lost_uncounted", in->lost_uncounted);
		rs_json_bool(j, "truncated", in->truncated);
		rs_json_obj_end(j);
	}
	rs_json_arr_end(j);
	if (r->res_dir) {
		rs_json_obj_begin(j, "run");
		rs_json_str(j, "results_dir", r->res_dir);
		rs_json_str(j, "scenario", r->res_scenario);
		rs_json_str(j, "status", r->res_status);
		rs_json_str(j, "seed", r->res_seed);
		rs_json_str(j, "kernel_release", r->res_kernel);
		rs_json_res_counters(r, j);
		rs_json_obj_end(j);
	} else {
		rs_json_null(j, "run");
	}
	if (r->have_ts) {
		rs_json_double(j, "first_event_s", (double)r->ts_first / 1e9);
		rs_json_double(j, "last_event_s", (double)r->ts_last / 1e9);
	} else {
		rs_json_null(j, "first_event_s");
		rs_json_null(j, "last_event_s");
	}
	rs_json_obj_begin(j, "event_counts");
	for (k = EV_NONE + 1; k < EV_NR; k++)
		if (r->ev_count[k])
			rs_json_uint(j, rs_ev_info[k].name, r->ev_count[k]);
	rs_json_obj_end(j);

	rs_json_arr_begin(j, "breakdown");
	for (i = 0; i < r->nr_groups; i++) {
		const struct rs_group *g = &r->groups[idx[i]];

		for (s = 0; s < ST_NR; s++) {
			if (!g->h[s])
				continue;
			rs_json_obj_begin(j, NULL);
			rs_j_name(j, r, "exporter", g->exporter);
			rs_j_name(j, r, "trigger", g->trigger);
			if (g->revoke < 0)
				rs_json_null(j, "direction");
			else
				rs_json_str(j, "direction", rs_dir_name(g->revoke));
			rs_j_name(j, r, "importer", g->importer);
			rs_json_str(j, "stage", rs_stage_key[s]);
			rs_j_hist(j, g->h[s]);
			rs_json_obj_end(j);
		}
	}
	rs_json_arr_end(j);

	rs_json_arr_begin(j, "importers");
	for (i = 0; i < r->nr_imps; i++) {
		const struct rs_rep_importer *m = &r->imps[i];

		rs_json_obj_begin(j, NULL);
		rs_j_name(j, r, "name", m->name);
		rs_j_name(j, r, "driver", m->driver);
		rs_json_uint(j, "attaches", m->attaches);
		rs_json_uint(j, "detaches", m->detaches);
		rs_json_uint(j, "maps", m->maps);
		rs_json_uint(j, "map_errors", m->map_errors);
		rs_json_uint(j, "invalidations", m->invalidations);
		rs_json_uint(j, "unmaps", m->unmaps);
		rs_json_uint(j, "unmaps_after_invalidate", m->unmaps_after_inv);
		rs_json_uint(j, "attach_rejected", m->rejected);
		rs_json_uint(j, "hangs", m->hangs);
		rs_json_uint(j, "violations", m->violations);
		rs_json_obj_end(j);
	}
	rs_json_arr_end(j);

	rs_json_uint(j, "hangs_total", r->hangs_total);
	rs_json_arr_begin(j, "hangs");
	for (i = 0; i < r->nr_hangs; i++) {
		const struct rs_hang_rec *h = &r->hangs[i];

		rs_json_obj_begin(j, NULL);
		rs_json_double(j, "t_s", (double)h->ts / 1e9);
		rs_json_str(j, "input", r->inputs[h->input].name);
		rs_json_uint(j, "line", h->line);
		rs_j_name(j, r, "exporter", h->exporter);
		rs_json_uint(j, "ino", h->ino);
		rs_j_hex(j, "attachment", h->attach);
		rs_j_name(j, r, "importer", h->importer);
		rs_j_name(j, r, "driver", h->driver);
		rs_json_uint(j, "mapped", h->mapped);
		rs_json_uint(j, "since_invalidate_ms", h->since_inv_ms);
		rs_json_uint(j, "waited_ms", h->waited_ms);
		rs_j_name(j, r, "trigger", h->trigger);
		rs_json_obj_end(j);
	}
	rs_json_arr_end(j);
	rs_json_uint(j, "hangs_unnamed", r->hangs_unnamed);

	rs_json_obj_begin(j, "violation_counts");
	for (k = 0; k < RS_VIOL_NR; k++)
		rs_json_uint(j, rs_viol_key(k), r->viol_total[k]);
	rs_json_obj_end(j);
	rs_json_arr_begin(j, "violations");
	for (i = 0; i < r->nr_viols; i++) {
		const struct rs_viol_rec *v = &r->viols[i];

		rs_json_obj_begin(j, NULL);
		rs_json_str(j, "kind", rs_viol_key(v->kind));
		rs_json_double(j, "t_s", (double)v->ts / 1e9);
		rs_json_str(j, "input", r->inputs[v->input].name);
		rs_json_uint(j, "line", v->line);
		rs_j_name(j, r, "exporter", v->exporter);
		rs_json_uint(j, "ino", v->ino);
		if (v->attach)
			rs_j_hex(j, "attachment", v->attach);
		else
			rs_json_null(j, "attachment");
		rs_j_name(j, r, "importer", v->importer);
		rs_j_name(j, r, "trigger", v->trigger);
		rs_json_str(j, "message", v->msg);
		rs_json_obj_end(j);
	}
	rs_json_arr_end(j);

	rs_json_uint(j, "gaps_total", r->gaps_total);
	rs_json_arr_begin(j, "gaps");
	for (i = 0; i < r->nr_gaps; i++) {
		const struct rs_gap *g = &r->gaps[i];
		char text[200];

		rs_gap_text(g, text, sizeof(text));
		rs_json_obj_begin(j, NULL);
		rs_json_str(j, "input", r->inputs[g->input].name);
		if (g->cpu >= 0)
			rs_json_int(j, "cpu", g->cpu);
		else
			rs_json_null(j, "cpu");
		if (g->lost >= 0)
			rs_json_int(j, "lost", g->lost);
		else
			rs_json_null(j, "lost");
		if (g->after)
			rs_json_double(j, "after_s", (double)g->after / 1e9);
		else
			rs_json_null(j, "after_s");
		if (g->before != UINT64_MAX)
			rs_json_double(j, "before_s", (double)g->before / 1e9);
		else
			rs_json_null(j, "before_s");
		rs_json_str(j, "text", text);
		rs_json_obj_end(j);
	}
	rs_json_arr_end(j);
	rs_json_obj_begin(j, "withheld_counts");
	for (k = 0; k < RS_VIOL_NR; k++)
		rs_json_uint(j, rs_viol_key(k), r->withheld_total[k]);
	rs_json_uint(j, "breakdown_samples", r->stage_withheld);
	rs_json_uint(j, "hang_triggers", r->hangs_unattributed);
	rs_json_obj_end(j);
	rs_json_arr_begin(j, "withheld");
	for (i = 0; i < r->nr_withheld; i++) {
		const struct rs_withheld_rec *w = &r->withheld[i];
		char text[400];

		rs_withheld_text(r, w, text, sizeof(text));
		rs_json_obj_begin(j, NULL);
		rs_json_str(j, "kind", rs_viol_key(w->kind));
		rs_json_double(j, "t_s", (double)w->ts / 1e9);
		rs_json_double(j, "since_s", (double)w->since / 1e9);
		rs_json_str(j, "input", r->inputs[w->input].name);
		rs_json_uint(j, "line", w->line);
		rs_json_uint(j, "ino", w->ino);
		rs_json_uint(j, "gap", w->gap);
		rs_json_str(j, "message", text);
		rs_json_obj_end(j);
	}
	rs_json_arr_end(j);

	rs_json_uint(j, "input_errors_total", r->errs_total);
	rs_json_arr_begin(j, "input_errors");
	for (i = 0; i < r->nr_errs; i++) {
		rs_json_obj_begin(j, NULL);
		rs_json_str(j, "input", r->inputs[r->errs[i].input].name);
		rs_json_uint(j, "line", r->errs[i].line);
		rs_json_str(j, "message", r->errs[i].msg);
		rs_json_obj_end(j);
	}
	rs_json_arr_end(j);
	rs_json_uint(j, "moves_open_at_end", r->open_moves_at_end);
	rs_json_str(j, "verdict", rs_rep_verdict(r));
	rs_json_int(j, "exit_code", rs_report_exit_code(r));
	rs_json_obj_end(j);
	free(idx);
	err = rs_json_end(j);
	fputc('\n', f);
	return err;
}
