// SPDX-License-Identifier: GPL-2.0
/*
 * The report as aligned text tables: header, breakdown per exporter, trigger and
 * importer, importers, findings, verdict.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "rs_util.h"

struct rs_row {
	const char *col[12];
	char own[8][24];
};

static void rs_table(FILE *f, struct rs_row *rows, size_t nr, size_t ncol, const bool *right)
{
	size_t w[12] = { 0 }, i, c;

	for (i = 0; i < nr; i++)
		for (c = 0; c < ncol; c++)
			if (strlen(rows[i].col[c]) > w[c])
				w[c] = strlen(rows[i].col[c]);
	for (i = 0; i < nr; i++) {
		fputs("  ", f);
		for (c = 0; c < ncol; c++) {
			int width = (int)w[c];

			if (c + 1 == ncol && !right[c])
				fputs(rows[i].col[c], f);
			else if (right[c])
				fprintf(f, "%*s", width, rows[i].col[c]);
			else
				fprintf(f, "%-*s", width, rows[i].col[c]);
			if (c + 1 < ncol)
				fputs("  ", f);
		}
		fputc('\n', f);
	}
}

/* "counters: importer NAME: k v, k v", one line per importer of results.json with counters. */
static void rs_text_res_counters(struct rs_report *r, FILE *f)
{
	size_t i;

	for (i = 0; i < r->nr_res_cnt; i++) {
		const struct rs_res_counter *c = &r->res_cnt[i];
		bool first = !i || strcmp(c->importer, r->res_cnt[i - 1].importer);

		if (first)
			fprintf(f, "%scounters: importer %s: ", i ? "\n" : "", c->importer);
		fprintf(f, "%s%s %llu", first ? "" : ", ", c->name, (unsigned long long)c->value);
	}
	if (r->nr_res_cnt)
		fputc('\n', f);
}

static void rs_text_header(struct rs_report *r, FILE *f)
{
	char a[32], b[32];
	size_t i;

	fprintf(f, "revokestorm report\n");
	for (i = 0; i < r->nr_inputs; i++) {
		const struct rs_input *in = &r->inputs[i];

		fprintf(f, "input: %s: %s, %llu lines, %llu events, %llu other lines, %llu errors%s",
			in->name, rs_report_format_name(in->fmt), (unsigned long long)in->lines,
			(unsigned long long)in->events, (unsigned long long)in->ignored,
			(unsigned long long)in->errors, in->truncated ? ", truncated" : "");
		if (in->lost)
			fprintf(f, ", %llu events LOST by the tracer", (unsigned long long)in->lost);
		if (in->lost_uncounted)
			fprintf(f, ", %llu LOST lines without a count", (unsigned long long)in->lost_uncounted);
		fputc('\n', f);
	}
	if (r->have_ts) {
		rs_fmt_ts(a, sizeof(a), r->ts_first);
		rs_fmt_ts(b, sizeof(b), r->ts_last);
		fprintf(f, "time: %s .. %s s\n", a, b);
	}
	if (r->res_dir)
		fprintf(f, "run: %s: scenario %s, status %s, seed %s, kernel %s\n", r->res_dir,
			r->res_scenario ? r->res_scenario : "?", r->res_status ? r->res_status : "?",
			r->res_seed ? r->res_seed : "?", r->res_kernel ? r->res_kernel : "?");
	rs_text_res_counters(r, f);
}

static void rs_text_breakdown(struct rs_report *r, FILE *f)
{
	static const bool right[11] = { 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1 };
	size_t *idx = rs_sorted_groups(r), i, nr = 1, total = 1;
	struct rs_row *rows;
	int s, p;

	/* sized up front: the rows point into themselves */
	for (i = 0; i < r->nr_groups; i++)
		for (s = 0; s < ST_NR; s++)
			total += r->groups[i].h[s] != NULL;
	rows = rs_xcalloc(total, sizeof(*rows));

	fprintf(f, "\nREVOKE BREAKDOWN (per exporter, trigger and importer; importer '-' = the whole dma-buf)\n");
	rows[0] = (struct rs_row){ { "exporter", "trigger", "dir", "importer", "stage", "count",
				     "p50", "p90", "p99", "p99.9", "max" } };
	for (i = 0; i < r->nr_groups; i++) {
		const struct rs_group *g = &r->groups[idx[i]];

		for (s = 0; s < ST_NR; s++) {
			struct rs_row *row;

			if (!g->h[s])
				continue;
			row = &rows[nr++];
			memset(row, 0, sizeof(*row));
			row->col[0] = rs_str(r, g->exporter);
			row->col[1] = rs_str(r, g->trigger);
			row->col[2] = rs_dir_name(g->revoke);
			row->col[3] = rs_str(r, g->importer);
			row->col[4] = rs_stage_label[s];
			snprintf(row->own[0], sizeof(row->own[0]), "%llu",
				 (unsigned long long)rs_hist_count(g->h[s]));
			row->col[5] = row->own[0];
			for (p = 0; p < 4; p++) {
				rs_fmt_ns(row->own[p + 1], sizeof(row->own[0]),
					  rs_hist_percentile(g->h[s], rs_pcts[p]));
				row->col[6 + p] = row->own[p + 1];
			}
			rs_fmt_ns(row->own[5], sizeof(row->own[0]), rs_hist_max(g->h[s]));
			row->col[10] = row->own[5];
		}
	}
	if (nr == 1)
		fprintf(f, "  (no revoke or restore events)\n");
	else
		rs_table(f, rows, nr, 11, right);
	free(rows);
	free(idx);
}

static void rs_text_importers(struct rs_report *r, FILE *f)
{
	static const bool right[12] = { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	struct rs_row *rows = rs_xcalloc(r->nr_imps + 1, sizeof(*rows));
	size_t i;

	fprintf(f, "\nIMPORTERS (by the attachment's dev_name)\n");
	if (!r->nr_imps) {
		fprintf(f, "  (none)\n");
		free(rows);
		return;
	}
	rows[0] = (struct rs_row){ { "importer", "driver", "attach", "detach", "maps",
				     "map-errors", "invalidated", "unmaps", "after-inval", "rejected",
				     "hung", "violations" } };
	for (i = 0; i < r->nr_imps; i++) {
		const struct rs_rep_importer *m = &r->imps[i];
		struct rs_row *row = &rows[i + 1];
		uint64_t v[10] = { m->attaches, m->detaches, m->maps, m->map_errors, m->invalidations,
				   m->unmaps, m->unmaps_after_inv, m->rejected, m->hangs,
				   m->violations };
		int c;

		row->col[0] = rs_str(r, m->name);
		row->col[1] = rs_str(r, m->driver);
		for (c = 0; c < 8; c++) {
			snprintf(row->own[c], sizeof(row->own[c]), "%llu", (unsigned long long)v[c]);
			row->col[2 + c] = row->own[c];
		}
		/* the last two share one buffer each: build them apart */
		row->col[10] = rs_xasprintf("%llu", (unsigned long long)v[8]);
		row->col[11] = rs_xasprintf("%llu", (unsigned long long)v[9]);
	}
	rs_table(f, rows, r->nr_imps + 1, 12, right);
	for (i = 1; i <= r->nr_imps; i++) {
		free((char *)rows[i].col[10]);
		free((char *)rows[i].col[11]);
	}
	free(rows);
}

static void rs_text_findings(struct rs_report *r, FILE *f)
{
	char t[32];
	size_t i;
	int k;

	fprintf(f, "\nHUNG IMPORTERS (%llu detections)\n", (unsigned long long)r->hangs_total);
	for (i = 0; i < r->nr_hangs; i++) {
		const struct rs_hang_rec *h = &r->hangs[i];

		rs_fmt_ts(t, sizeof(t), h->ts);
		fprintf(f, "  %s  %s:%llu  exporter %s ino %llu: importer %s (driver %s) attachment %016llx "
			"mapped=%llu, %llu ms since invalidate, revoke waited %llu ms (trigger %s)\n",
			t, r->inputs[h->input].name, (unsigned long long)h->line, rs_str(r, h->exporter),
			(unsigned long long)h->ino, rs_str(r, h->importer), rs_str(r, h->driver),
			(unsigned long long)h->attach, (unsigned long long)h->mapped,
			(unsigned long long)h->since_inv_ms, (unsigned long long)h->waited_ms,
			rs_str(r, h->trigger));
	}
	if (r->hangs_total > r->nr_hangs)
		fprintf(f, "  ... %llu more not listed\n", (unsigned long long)(r->hangs_total - r->nr_hangs));
	if (r->hangs_unnamed)
		fprintf(f, "  %llu more report(s) could not name the importer (dma_buf_unmap_wait_stalled: "
			"resv lock contended, or no attachment mapped)\n",
			(unsigned long long)r->hangs_unnamed);

	fprintf(f, "\nPROTOCOL VIOLATIONS (%llu)\n", (unsigned long long)rs_report_violations(r, -1));
	for (k = 0; k < RS_VIOL_NR; k++)
		fprintf(f, "  %-44s %llu\n", rs_viol_label(k), (unsigned long long)r->viol_total[k]);
	for (i = 0; i < r->nr_viols; i++) {
		const struct rs_viol_rec *v = &r->viols[i];

		rs_fmt_ts(t, sizeof(t), v->ts);
		fprintf(f, "  [%c] %s  %s:%llu  %s\n", 'a' + v->kind, t, r->inputs[v->input].name,
			(unsigned long long)v->line, v->msg);
	}
	if (rs_report_violations(r, -1) > r->nr_viols)
		fprintf(f, "  ... %llu more not listed\n",
			(unsigned long long)(rs_report_violations(r, -1) - r->nr_viols));
}

/* Where events were lost, and every verdict not made across it. */
static void rs_text_not_checked(struct rs_report *r, FILE *f)
{
	char buf[400];
	size_t i;
	int k;

	if (!r->gaps_total)
		return;
	fprintf(f, "\nNOT CHECKED: EVENTS LOST (%llu gaps; nothing is claimed across them)\n",
		(unsigned long long)r->gaps_total);
	for (i = 0; i < r->nr_gaps; i++) {
		rs_gap_text(&r->gaps[i], buf, sizeof(buf));
		fprintf(f, "  %s: %s\n", r->inputs[r->gaps[i].input].name, buf);
	}
	for (k = 0; k < RS_VIOL_NR; k++)
		fprintf(f, "  %-44s %llu withheld\n", rs_viol_label(k),
			(unsigned long long)r->withheld_total[k]);
	fprintf(f, "  %-44s %llu not counted\n", "breakdown samples of a move across a gap",
		(unsigned long long)r->stage_withheld);
	fprintf(f, "  %-44s %llu\n", "hung-importer lines with no trigger named",
		(unsigned long long)r->hangs_unattributed);
	for (i = 0; i < r->nr_withheld; i++) {
		rs_withheld_text(r, &r->withheld[i], buf, sizeof(buf));
		fprintf(f, "  [%c] %s:%llu  %s\n", 'a' + r->withheld[i].kind,
			r->inputs[r->withheld[i].input].name,
			(unsigned long long)r->withheld[i].line, buf);
	}
	if (rs_report_withheld(r, -1) > r->nr_withheld)
		fprintf(f, "  ... %llu more not listed\n",
			(unsigned long long)(rs_report_withheld(r, -1) - r->nr_withheld));
}

int rs_report_write_text(struct rs_report *r, FILE *f)
{
	size_t i;

	rs_text_header(r, f);
	rs_text_breakdown(r, f);
	rs_text_importers(r, f);
	rs_text_findings(r, f);
	rs_text_not_checked(r, f);
	if (r->errs_total || r->open_moves_at_end) {
		fprintf(f, "\nINPUT PROBLEMS\n");
		for (i = 0; i < r->nr_errs; i++)
			fprintf(f, "  %s:%llu: %s\n", r->inputs[r->errs[i].input].name,
				(unsigned long long)r->errs[i].line, r->errs[i].msg);
		if (r->errs_total > r->nr_errs)
			fprintf(f, "  ... %llu more\n", (unsigned long long)(r->errs_total - r->nr_errs));
		if (r->open_moves_at_end)
			fprintf(f, "  %llu revoke/restore moves had not ended when the trace ended\n",
				(unsigned long long)r->open_moves_at_end);
	}
	fprintf(f, "\nVERDICT: %s (exit %d)\n", rs_rep_verdict(r), rs_report_exit_code(r));
	return ferror(f) ? -EIO : 0;
}
