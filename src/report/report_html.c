// SPDX-License-Identifier: GPL-2.0
/*
 * The report as one self-contained HTML page (inline CSS and SVG, no external
 * resource): the tables of the text form, latency histograms and a timeline.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "rs_util.h"
#include "rs_version.h"


static void rs_h(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* Latency histogram: quarter-octave bins on a log time axis, p50/p99 marked. */
/* The lower edge of a histogram bin (4 bins per power of two), clamped to 64 bits. */
static uint64_t rs_bin_ns(int b)
{
	return b >= 64 * 4 ? UINT64_MAX : (uint64_t)exp2((double)b / 4.0);
}

static void rs_svg_hist(FILE *f, const struct rs_hist *h)
{
	enum { W = 340, H = 96, PAD = 18 };
	uint64_t bins[430] = { 0 }, lo, hi, n, maxc = 0;
	int b, bmin = 400, bmax = -1;
	size_t i = 0;
	double bw;
	char t1[24], t2[24];
	uint64_t mark[2] = { rs_hist_percentile(h, 50), rs_hist_percentile(h, 99) };

	while (rs_hist_next(h, &i, &lo, &hi, &n)) {
		double mid = ((double)lo + (double)hi) / 2.0;

		b = mid < 1.0 ? 0 : (int)floor(4.0 * log2(mid));
		if (b < 0)
			b = 0;
		if (b > 399)
			b = 399;
		bins[b] += n;
		if (b < bmin)
			bmin = b;
		if (b > bmax)
			bmax = b;
	}
	if (bmax < 0)
		return;
	for (b = bmin; b <= bmax; b++)
		if (bins[b] > maxc)
			maxc = bins[b];
	/* a margin on both sides, and at least 6 octaves shown, so one bar is not the plot */
	bmin = bmin > 2 ? bmin - 2 : 0;
	if (bmax + 2 < bmin + 24)
		bmax = bmin + 24;
	else
		bmax += 2;
	bw = (double)(W - 2) / (double)(bmax - bmin + 1);
	fprintf(f, "<svg class=\"hist\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
		W, H + PAD, W, H + PAD);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" class=\"bg\"/>", W, H);
	for (b = bmin; b <= bmax && b < 400; b++) {
		double bh = bins[b] ? 2.0 + (double)(H - 8) * (double)bins[b] / (double)maxc : 0.0;

		if (!bins[b])
			continue;
		rs_fmt_ns(t1, sizeof(t1), rs_bin_ns(b));
		fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
			"<title>%s: %llu</title></rect>", 1 + (b - bmin) * bw, H - bh,
			bw > 2 ? bw - 1 : bw, bh, t1, (unsigned long long)bins[b]);
	}
	for (i = 0; i < 2; i++) {
		double x, v = mark[i] ? 4.0 * log2((double)mark[i]) : 0;

		x = 1 + (v - bmin) * bw;
		if (x < 1)
			x = 1;
		if (x > W - 1)
			x = W - 1;
		fprintf(f, "<line class=\"%s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"0\" y2=\"%d\"/>",
			i ? "p99" : "p50", x, x, H);
	}
	rs_fmt_ns(t1, sizeof(t1), rs_bin_ns(bmin));
	rs_fmt_ns(t2, sizeof(t2), rs_bin_ns(bmax + 1));
	fprintf(f, "<text x=\"2\" y=\"%d\">%s</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>",
		H + 13, t1, W - 2, H + 13, t2);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"dim\">max bin %llu</text></svg>",
		W / 2, H + 13, (unsigned long long)maxc);
}

static void rs_svg_timeline(struct rs_report *r, FILE *f)
{
	enum { LEFT = 190, W = 1100, ROW = 18, MAXROWS = 60 };
	uint32_t *row_of = rs_xcalloc(r->nr_bufs + 1, sizeof(*row_of));
	uint32_t nrows = 0, *bufs = rs_xcalloc(MAXROWS, sizeof(*bufs));
	double span = r->ts_last > r->ts_first ? (double)(r->ts_last - r->ts_first) : 1.0;
	double scale = (double)(W - LEFT - 10) / span;
	size_t i;
	char t[32];

#define X(ts) (LEFT + ((double)(ts) - (double)r->ts_first) * scale)
	for (i = 0; i < r->nr_segs; i++) {
		uint32_t b = r->segs[i].buf;

		if (!row_of[b] && nrows < MAXROWS) {
			bufs[nrows] = b;
			row_of[b] = ++nrows;
		}
	}
	for (i = 0; i < r->nr_hangs; i++) {
		uint32_t b = r->hangs[i].buf;

		if (!row_of[b] && nrows < MAXROWS) {
			bufs[nrows] = b;
			row_of[b] = ++nrows;
		}
	}
	if (!nrows) {
		fputs("<p>No revokes or restores in the input.</p>", f);
		free(row_of);
		free(bufs);
		return;
	}
	fprintf(f, "<svg class=\"timeline\" width=\"%d\" height=\"%u\" viewBox=\"0 0 %d %u\" role=\"img\">",
		W, nrows * ROW + 30, W, nrows * ROW + 30);
	for (i = 0; i < nrows; i++) {
		uint32_t ex = rs_buf_exporter(r, bufs[i]);

		fprintf(f, "<rect class=\"lane%zu\" x=\"0\" y=\"%zu\" width=\"%d\" height=\"%d\"/>",
			i % 2, i * ROW, W, ROW);
		fprintf(f, "<text x=\"4\" y=\"%zu\">", i * ROW + 13);
		rs_h(f, rs_str(r, ex));
		fprintf(f, " ino %llu", (unsigned long long)rs_buf_ino(r, bufs[i]));
		if (r->nr_inputs > 1)
			fprintf(f, " (input %u)", rs_buf_input(r, bufs[i]) + 1);
		fputs("</text>", f);
	}
	for (i = 0; i < r->nr_segs; i++) {
		const struct rs_seg *s = &r->segs[i];
		uint32_t row = row_of[s->buf];
		double x1, x2;

		if (!row)
			continue;
		x1 = X(s->start);
		x2 = X(s->end ? s->end : r->ts_last);
		if (x2 - x1 < 1.5)
			x2 = x1 + 1.5;
		rs_fmt_ts(t, sizeof(t), s->start);
		fprintf(f, "<rect class=\"%s%s%s\" x=\"%.1f\" y=\"%u\" width=\"%.1f\" height=\"%d\"><title>",
			s->revoke ? "rv" : "rs", s->hung ? " hung" : "", s->end ? "" : " open", x1,
			(row - 1) * ROW + 3, x2 - x1, ROW - 6);
		fprintf(f, "%s %s at %s s", s->revoke ? "revoke" : "restore", rs_str(r, s->trigger), t);
		if (s->end) {
			rs_fmt_ns(t, sizeof(t), s->end - s->start);
			fprintf(f, ", %s", t);
		} else {
			fputs(", never ended", f);
		}
		fputs("</title></rect>", f);
		if (s->violation)
			fprintf(f, "<circle class=\"viol\" cx=\"%.1f\" cy=\"%u\" r=\"4\"/>", x1,
				(row - 1) * ROW + ROW / 2);
	}
	for (i = 0; i < r->nr_hangs; i++) {
		uint32_t row = row_of[r->hangs[i].buf];
		double x;

		if (!row)
			continue;
		x = X(r->hangs[i].ts);
		fprintf(f, "<path class=\"hangmark\" d=\"M%.1f %u l5 -9 l-10 0 z\"><title>hung importer ",
			x, (row - 1) * ROW + ROW - 2);
		rs_h(f, rs_str(r, r->hangs[i].importer));
		fprintf(f, ", waited %llu ms</title></path>", (unsigned long long)r->hangs[i].waited_ms);
	}
	rs_fmt_ts(t, sizeof(t), r->ts_first);
	fprintf(f, "<text x=\"%d\" y=\"%u\">%s s</text>", LEFT, nrows * ROW + 20, t);
	rs_fmt_ts(t, sizeof(t), r->ts_last);
	fprintf(f, "<text x=\"%d\" y=\"%u\" text-anchor=\"end\">%s s</text></svg>", W - 4,
		nrows * ROW + 20, t);
	if (r->segs_dropped || nrows == MAXROWS)
		fprintf(f, "<p class=\"dim\">Timeline limited to the first %d dma-bufs and %d moves (%llu moves not drawn).</p>",
			MAXROWS, RS_MAX_SEGS, (unsigned long long)r->segs_dropped);
#undef X
	free(row_of);
	free(bufs);
}

static const char rs_css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fff}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ccd}"
	"table{border-collapse:collapse;font-size:13px}td,th{padding:3px 8px;border-bottom:1px solid #e4e6ee;text-align:left;vertical-align:top}"
	"th{background:#f2f4f8}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	".ok{color:#17723a;font-weight:600}.bad{color:#b3261e;font-weight:600}.dim{color:#667;font-size:12px}"
	"svg text{font:11px system-ui,sans-serif;fill:#333}svg .bg{fill:#f7f8fb}svg .bar{fill:#4a6fd6}"
	"svg .p50{stroke:#17723a;stroke-width:1.5}svg .p99{stroke:#b3261e;stroke-width:1.5;stroke-dasharray:3 2}"
	"svg .lane0{fill:#fafbfd}svg .lane1{fill:#f0f2f7}svg .rv{fill:#e08a1e}svg .rs{fill:#2f9e5a}"
	"svg .hung{stroke:#b3261e;stroke-width:2}svg .open{fill:#b3261e;opacity:.55}svg .viol{fill:#7b2cbf}"
	"svg .hangmark{fill:#b3261e}.legend span{display:inline-block;margin-right:14px}"
	".sw{display:inline-block;width:12px;height:12px;vertical-align:-2px;margin-right:4px}";

int rs_report_write_html(struct rs_report *r, FILE *f)
{
	size_t *idx = rs_sorted_groups(r), i;
	char t[32], a[32];
	int s, p;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<title>revokestorm report</title><style>", f);
	fputs(rs_css, f);
	fputs("</style></head><body>\n<h1>revokestorm report</h1>\n<p>", f);
	for (i = 0; i < r->nr_inputs; i++) {
		const struct rs_input *in = &r->inputs[i];

		rs_h(f, in->name);
		fprintf(f, ": %s, %llu lines, %llu events, %llu errors%s%s<br>",
			rs_report_format_name(in->fmt), (unsigned long long)in->lines,
			(unsigned long long)in->events, (unsigned long long)in->errors,
			in->truncated ? ", <span class=\"bad\">truncated</span>" : "",
			in->lost || in->lost_uncounted ? ", <span class=\"bad\">events lost</span>" : "");
	}
	if (r->res_dir) {
		fputs("run: ", f);
		rs_h(f, r->res_dir);
		fputs(": scenario ", f);
		rs_h(f, r->res_scenario ? r->res_scenario : "?");
		fputs(", status ", f);
		rs_h(f, r->res_status ? r->res_status : "?");
		fputs(", seed ", f);
		rs_h(f, r->res_seed ? r->res_seed : "?");
		fputs(", kernel ", f);
		rs_h(f, r->res_kernel ? r->res_kernel : "?");
		fputs("<br>", f);
	}
	for (i = 0; i < r->nr_res_cnt; i++) {
		const struct rs_res_counter *c = &r->res_cnt[i];
		bool first = !i || strcmp(c->importer, r->res_cnt[i - 1].importer);

		if (first) {
			fputs(i ? "<br>counters: importer " : "counters: importer ", f);
			rs_h(f, c->importer);
			fputs(": ", f);
		}
		fputs(first ? "" : ", ", f);
		rs_h(f, c->name);
		fprintf(f, " %llu", (unsigned long long)c->value);
	}
	if (r->nr_res_cnt)
		fputs("<br>", f);
	if (r->have_ts) {
		rs_fmt_ts(t, sizeof(t), r->ts_first);
		rs_fmt_ts(a, sizeof(a), r->ts_last);
		fprintf(f, "time: %s .. %s s<br>", t, a);
	}
	fprintf(f, "</p><p class=\"%s\">Verdict: %s (exit %d): %llu protocol violations, %llu hung-importer detections, %llu input errors.</p>\n",
		rs_report_exit_code(r) ? "bad" : "ok", rs_rep_verdict(r), rs_report_exit_code(r),
		(unsigned long long)rs_report_violations(r, -1), (unsigned long long)r->hangs_total,
		(unsigned long long)r->errs_total);

	fputs("<h2>Timeline</h2><p class=\"legend\"><span><i class=\"sw\" style=\"background:#e08a1e\"></i>revoke (move_begin..move_end)</span>"
	      "<span><i class=\"sw\" style=\"background:#2f9e5a\"></i>restore</span>"
	      "<span><i class=\"sw\" style=\"background:#b3261e;opacity:.55\"></i>never ended</span>"
	      "<span><i class=\"sw\" style=\"background:#b3261e\"></i>&#9660; hung importer</span>"
	      "<span><i class=\"sw\" style=\"background:#7b2cbf;border-radius:6px\"></i>violation</span></p>\n", f);
	rs_svg_timeline(r, f);

	fputs("\n<h2>Revoke breakdown</h2><table><tr><th>exporter</th><th>trigger</th><th>dir</th>"
	      "<th>importer</th><th>stage</th><th>count</th><th>p50</th><th>p90</th><th>p99</th>"
	      "<th>p99.9</th><th>max</th><th>histogram (log time; green p50, red p99)</th></tr>\n", f);
	for (i = 0; i < r->nr_groups; i++) {
		const struct rs_group *g = &r->groups[idx[i]];

		for (s = 0; s < ST_NR; s++) {
			if (!g->h[s])
				continue;
			fputs("<tr><td>", f);
			rs_h(f, rs_str(r, g->exporter));
			fputs("</td><td>", f);
			rs_h(f, rs_str(r, g->trigger));
			fprintf(f, "</td><td>%s</td><td>", rs_dir_name(g->revoke));
			rs_h(f, rs_str(r, g->importer));
			fprintf(f, "</td><td>%s</td><td class=\"n\">%llu</td>", rs_stage_label[s],
				(unsigned long long)rs_hist_count(g->h[s]));
			for (p = 0; p < 4; p++) {
				rs_fmt_ns(t, sizeof(t), rs_hist_percentile(g->h[s], rs_pcts[p]));
				fprintf(f, "<td class=\"n\">%s</td>", t);
			}
			rs_fmt_ns(t, sizeof(t), rs_hist_max(g->h[s]));
			fprintf(f, "<td class=\"n\">%s</td><td>", t);
			rs_svg_hist(f, g->h[s]);
			fputs("</td></tr>\n", f);
		}
	}
	fputs("</table>\n<h2>Importers</h2><table><tr><th>importer</th><th>driver</th><th>attach</th>"
	      "<th>detach</th><th>maps</th><th>map errors</th><th>invalidated</th><th>unmaps</th>"
	      "<th>unmaps after invalidate</th><th>rejected</th><th>hung</th><th>violations</th></tr>\n", f);
	for (i = 0; i < r->nr_imps; i++) {
		const struct rs_rep_importer *m = &r->imps[i];
		uint64_t v[10] = { m->attaches, m->detaches, m->maps, m->map_errors, m->invalidations,
				   m->unmaps, m->unmaps_after_inv, m->rejected, m->hangs,
				   m->violations };

		fputs("<tr><td>", f);
		rs_h(f, rs_str(r, m->name));
		fputs("</td><td>", f);
		rs_h(f, rs_str(r, m->driver));
		fputs("</td>", f);
		for (p = 0; p < 10; p++)
			fprintf(f, "<td class=\"n%s\">%llu</td>", (p >= 8 && v[p]) ? " bad" : "",
				(unsigned long long)v[p]);
		fputs("</tr>\n", f);
	}
	fprintf(f, "</table>\n<h2>Hung importers (%llu)</h2>", (unsigned long long)r->hangs_total);
	if (r->nr_hangs) {
		fputs("<table><tr><th>time (s)</th><th>where</th><th>exporter</th><th>ino</th><th>importer</th>"
		      "<th>driver</th><th>attachment</th><th>mapped</th><th>since invalidate</th>"
		      "<th>waited</th><th>trigger</th></tr>\n", f);
		for (i = 0; i < r->nr_hangs; i++) {
			const struct rs_hang_rec *h = &r->hangs[i];

			rs_fmt_ts(t, sizeof(t), h->ts);
			fprintf(f, "<tr><td>%s</td><td>", t);
			rs_h(f, r->inputs[h->input].name);
			fprintf(f, ":%llu</td><td>", (unsigned long long)h->line);
			rs_h(f, rs_str(r, h->exporter));
			fprintf(f, "</td><td class=\"n\">%llu</td><td>", (unsigned long long)h->ino);
			rs_h(f, rs_str(r, h->importer));
			fputs("</td><td>", f);
			rs_h(f, rs_str(r, h->driver));
			fprintf(f, "</td><td>%016llx</td><td class=\"n\">%llu</td><td class=\"n\">%llu ms</td>"
				"<td class=\"n\">%llu ms</td><td>", (unsigned long long)h->attach,
				(unsigned long long)h->mapped, (unsigned long long)h->since_inv_ms,
				(unsigned long long)h->waited_ms);
			rs_h(f, rs_str(r, h->trigger));
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
	} else if (!r->hangs_unnamed) {
		fputs("<p class=\"ok\">None.</p>\n", f);
	}
	if (r->hangs_unnamed)
		fprintf(f, "<p class=\"bad\">%llu more report(s) could not name the importer "
			"(dma_buf_unmap_wait_stalled: resv lock contended, or no attachment mapped).</p>\n",
			(unsigned long long)r->hangs_unnamed);
	fprintf(f, "<h2>Protocol violations (%llu)</h2><table><tr><th>invariant</th><th>count</th></tr>",
		(unsigned long long)rs_report_violations(r, -1));
	for (s = 0; s < RS_VIOL_NR; s++)
		fprintf(f, "<tr><td>%s</td><td class=\"n%s\">%llu</td></tr>", rs_viol_label(s),
			r->viol_total[s] ? " bad" : "", (unsigned long long)r->viol_total[s]);
	fputs("</table>\n", f);
	if (r->nr_viols) {
		fputs("<table><tr><th></th><th>time (s)</th><th>where</th><th>what</th></tr>\n", f);
		for (i = 0; i < r->nr_viols; i++) {
			const struct rs_viol_rec *v = &r->viols[i];

			rs_fmt_ts(t, sizeof(t), v->ts);
			fprintf(f, "<tr><td>(%c)</td><td>%s</td><td>", 'a' + v->kind, t);
			rs_h(f, r->inputs[v->input].name);
			fprintf(f, ":%llu</td><td>", (unsigned long long)v->line);
			rs_h(f, v->msg);
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
	}
	if (r->gaps_total) {
		char buf[400];

		fprintf(f, "<h2>Not checked: events lost (%llu gaps)</h2><p class=\"bad\">Nothing is "
			"claimed across these gaps: %llu violations withheld, %llu breakdown samples "
			"not counted, %llu hung-importer lines with no trigger named.</p><ul>",
			(unsigned long long)r->gaps_total, (unsigned long long)rs_report_withheld(r, -1),
			(unsigned long long)r->stage_withheld, (unsigned long long)r->hangs_unattributed);
		for (i = 0; i < r->nr_gaps; i++) {
			rs_gap_text(&r->gaps[i], buf, sizeof(buf));
			fputs("<li>", f);
			rs_h(f, r->inputs[r->gaps[i].input].name);
			fputs(": ", f);
			rs_h(f, buf);
			fputs("</li>", f);
		}
		for (i = 0; i < r->nr_withheld; i++) {
			rs_withheld_text(r, &r->withheld[i], buf, sizeof(buf));
			fprintf(f, "<li>(%c) ", 'a' + r->withheld[i].kind);
			rs_h(f, buf);
			fputs("</li>", f);
		}
		fputs("</ul>\n", f);
	}
	if (r->errs_total || r->open_moves_at_end) {
		fputs("<h2>Input problems</h2><ul>", f);
		for (i = 0; i < r->nr_errs; i++) {
			fputs("<li>", f);
			rs_h(f, r->inputs[r->errs[i].input].name);
			fprintf(f, ":%llu: ", (unsigned long long)r->errs[i].line);
			rs_h(f, r->errs[i].msg);
			fputs("</li>", f);
		}
		if (r->open_moves_at_end)
			fprintf(f, "<li>%llu revoke/restore moves had not ended when the trace ended</li>",
				(unsigned long long)r->open_moves_at_end);
		fputs("</ul>\n", f);
	}
	fputs("<p class=\"dim\">revokestorm " RS_VERSION ": docs/reading-a-report.md explains each section.</p>\n"
	      "</body></html>\n", f);
	free(idx);
	return ferror(f) ? -EIO : 0;
}
