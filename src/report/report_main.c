// SPDX-License-Identifier: GPL-2.0
/*
 * `revokestorm report`: inputs (files, stdin, results directories), the block reader
 * that feeds lines to the parser and the model, and the command line.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "report.h"
#include "rs_util.h"

#define RS_READ_BLOCK	(1u << 20)
#define RS_MAX_LINE	(64u << 10)

struct rs_report *rs_report_new(void)
{
	struct rs_report *r = rs_xcalloc(1, sizeof(*r));

	r->err = stderr;
	return r;
}

static void rs_free_res_counters(struct rs_report *r);

void rs_report_free(struct rs_report *r)
{
	size_t i;
	int s;

	if (!r)
		return;
	for (i = 0; i < r->nr_strs; i++)
		free(r->strs[i]);
	for (i = 0; i < r->nr_groups; i++)
		for (s = 0; s < ST_NR; s++)
			rs_hist_free(r->groups[i].h[s]);
	for (i = 0; i < r->nr_inputs; i++) {
		free(r->inputs[i].name);
		free(r->inputs[i].cpu_last);
	}
	free(r->strs);
	free(r->str_tab);
	free(r->bufs);
	free(r->buf_tab);
	free(r->atts);
	free(r->att_tab);
	free(r->groups);
	free(r->imps);
	free(r->hangs);
	free(r->viols);
	free(r->errs);
	free(r->segs);
	free(r->gaps);
	free(r->withheld);
	free(r->inputs);
	free(r->res_scenario);
	free(r->res_status);
	free(r->res_seed);
	free(r->res_kernel);
	free(r->res_dir);
	rs_free_res_counters(r);
	free(r);
}

void rs_report_set_errfile(struct rs_report *r, FILE *f)
{
	r->err = f;
}

const char *rs_report_format_name(enum rs_report_format f)
{
	static const char *const n[RS_FMT_NR] = {
		"unknown", "perf script", "perf trace", "tracefs",
	};

	return f < RS_FMT_NR ? n[f] : "unknown";
}

static uint32_t rs_input_new(struct rs_report *r, const char *name)
{
	rs_xgrow(&r->inputs, &r->cap_inputs, r->nr_inputs, sizeof(*r->inputs));
	memset(&r->inputs[r->nr_inputs], 0, sizeof(r->inputs[0]));
	r->inputs[r->nr_inputs].name = rs_xstrdup(name);
	return (uint32_t)r->nr_inputs++;
}

/*
 * Stack lines between events: perf script -g callchains ("\tffffffff81234567 func+0x1a
 * ([kernel.kallsyms])") and tracefs stacktrace ("=> func").  p: first non-blank.
 */
static bool rs_stack_line(const char *p, const char *e)
{
	const char *h = p;

	if (e - p >= 3 && p[0] == '=' && p[1] == '>' && p[2] == ' ')
		return true;
	while (h < e && ((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f')))
		h++;
	return h - p >= 8 && h < e && *h == ' ' && e[-1] == ')';
}

static void rs_line(struct rs_report *r, uint32_t input, const char *line, size_t len,
		    bool last_no_nl)
{
	struct rs_input *in = &r->inputs[input];
	enum rs_report_format fmt;
	const char *why, *p = line;
	struct rs_ev ev;

	in->lines++;
	if (len && line[len - 1] == '\r')
		len--;
	while (p < line + len && (*p == ' ' || *p == '\t'))
		p++;
	if (p == line && rs_gap_header_line(r, input, line, len)) {
		in->ignored++;
		return;
	}
	if (p == line + len || *p == '#') {
		in->ignored++;
		return;
	}
	if (rs_gap_lost_line(r, input, line, len) || rs_stack_line(p, line + len)) {
		in->ignored++;
		return;
	}
	if (memchr(line, '\0', len)) {
		/* text never has one; a field cut at it would not be the field */
		rs_report_input_error(r, input, in->lines, "NUL byte in line (binary data?): '%.*s'",
				      (int)strnlen(line, len > 80 ? 80 : len), line);
		return;
	}
	fmt = rs_parse_line(line, len, in->fmt, &ev, &why);
	if (fmt != RS_FMT_UNKNOWN && in->fmt == RS_FMT_UNKNOWN)
		in->fmt = fmt;
	if (why || fmt == RS_FMT_UNKNOWN) {
		if (!why)
			why = "not an event line of perf script, perf trace or tracefs";
		rs_report_input_error(r, input, in->lines, "%s%s: '%.*s'",
				      last_no_nl ? "truncated line (no newline at the end of the file): " : "",
				      why, (int)(len > 80 ? 80 : len), line);
		if (last_no_nl)
			in->truncated = true;
		return;
	}
	rs_gap_line_seen(r, input, ev.cpu, ev.ts_ns);
	if (ev.type == EV_NONE) {
		in->ignored++;
		return;
	}
	in->events++;
	rs_model_event(r, &ev, input, in->lines);
}

int rs_report_feed_stream(struct rs_report *r, FILE *f, const char *name)
{
	uint32_t input = rs_input_new(r, name);
	char *buf = rs_xmalloc(RS_READ_BLOCK + 1);
	size_t have = 0, n;
	bool skipping = false;
	int err = 0;

	for (;;) {
		char *p, *nl, *end;

		n = fread(buf + have, 1, RS_READ_BLOCK - have, f);
		if (!n) {
			if (ferror(f))
				err = errno ? -errno : -EIO;
			break;
		}
		if (!have && !r->inputs[input].lines && n >= 8 && !memcmp(buf, "PERFILE2", 8)) {
			rs_report_input_error(r, input, 1, "a perf.data file, not text: pass its results "
					      "directory, or the output of `perf script -i %s`", name);
			free(buf);
			return -EINVAL;
		}
		have += n;
		p = buf;
		end = buf + have;
		while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
			if (skipping)
				skipping = false;
			else
				rs_line(r, input, p, (size_t)(nl - p), false);
			p = nl + 1;
		}
		have = (size_t)(end - p);
		if (have >= RS_MAX_LINE) {
			if (!skipping) {
				r->inputs[input].lines++;
				rs_report_input_error(r, input, r->inputs[input].lines,
						      "line longer than %u bytes: skipped", RS_MAX_LINE);
			}
			skipping = true;
			have = 0;
		}
		memmove(buf, p, have);
	}
	if (have && !skipping)
		rs_line(r, input, buf, have, true);
	free(buf);
	if (err && r->err)
		fprintf(r->err, "%s: read error: %s\n", name, strerror(-err));
	if (err)
		rs_report_input_error(r, input, r->inputs[input].lines, "read error: %s", strerror(-err));
	return err;
}

/* The value at a path of keys in a parsed results.json, as text; NULL if absent. */
static char *rs_json_get(struct json_object *root, const char *const *keys)
{
	struct json_object *o = root;

	for (; *keys; keys++)
		if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, *keys, &o))
			return NULL;
	if (json_object_is_type(o, json_type_null))
		return NULL;
	return rs_xstrdup(json_object_get_string(o));
}

/* Every importer's "counters": { "k": n, ... } in a parsed results.json. */
static void rs_read_res_counters(struct rs_report *r, struct json_object *root)
{
	struct json_object *ims, *im, *name, *cnt;
	size_t i, n;

	if (!json_object_object_get_ex(root, "importers", &ims) ||
	    !json_object_is_type(ims, json_type_array))
		return;
	n = json_object_array_length(ims);
	for (i = 0; i < n; i++) {
		im = json_object_array_get_idx(ims, i);
		if (!json_object_is_type(im, json_type_object) ||
		    !json_object_object_get_ex(im, "name", &name) ||
		    !json_object_is_type(name, json_type_string) ||
		    !json_object_object_get_ex(im, "counters", &cnt) ||
		    !json_object_is_type(cnt, json_type_object))
			continue;
		json_object_object_foreach(cnt, k, v) {
			if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
				continue;
			r->res_cnt = rs_xrealloc(r->res_cnt, (r->nr_res_cnt + 1) * sizeof(*r->res_cnt));
			r->res_cnt[r->nr_res_cnt].importer = rs_xstrdup(json_object_get_string(name));
			r->res_cnt[r->nr_res_cnt].name = rs_xstrdup(k);
			r->res_cnt[r->nr_res_cnt++].value = (unsigned long long)json_object_get_uint64(v);
		}
	}
}

static void rs_free_res_counters(struct rs_report *r)
{
	size_t i;

	for (i = 0; i < r->nr_res_cnt; i++) {
		free(r->res_cnt[i].importer);
		free(r->res_cnt[i].name);
	}
	free(r->res_cnt);
	r->res_cnt = NULL;
	r->nr_res_cnt = 0;
}

/* The header of a results directory's report: what results.json says of the run. */
static void rs_read_results(struct rs_report *r, const char *dir)
{
	static const char *const status[] = { "status", NULL }, *const seed[] = { "seed", NULL };
	static const char *const scn[] = { "scenario", "name", NULL };
	static const char *const kernel[] = { "kernel", "release", NULL };
	char *path = rs_xasprintf("%s/results.json", dir);
	struct json_object *root = json_object_from_file(path);

	if (root) {
		free(r->res_status);
		free(r->res_seed);
		free(r->res_scenario);
		free(r->res_kernel);
		r->res_status = rs_json_get(root, status);
		r->res_seed = rs_json_get(root, seed);
		r->res_scenario = rs_json_get(root, scn);
		r->res_kernel = rs_json_get(root, kernel);
		rs_free_res_counters(r);
		rs_read_res_counters(r, root);
		json_object_put(root);
	} else if (access(path, F_OK) == 0 && r->err) {
		fprintf(r->err, "%s: not valid JSON (%s): the report has no run header\n", path,
			json_util_get_last_err() ?: "?");
	}
	free(r->res_dir);
	r->res_dir = rs_xstrdup(dir);
	free(path);
}

static char *rs_shell_quote(const char *s)
{
	struct rs_buf_str b = { 0 };

	rs_str_addc(&b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			rs_str_add(&b, "'\\''");
		else
			rs_str_addc(&b, *s);
	}
	rs_str_addc(&b, '\'');
	return rs_str_steal(&b);
}

static int rs_feed_dir(struct rs_report *r, const char *dir)
{
	char *trace = rs_xasprintf("%s/trace.txt", dir);
	char *pdata = rs_xasprintf("%s/perf.data", dir);
	struct stat st;
	int err;

	rs_read_results(r, dir);
	if (stat(trace, &st) == 0) {
		err = rs_report_feed_path(r, trace);
	} else if (stat(pdata, &st) == 0) {
		char *perf = rs_perf_path();

		if (!perf) {
			fprintf(stderr, "%s: perf is not installed here: run `perf script -i %s > %s/perf.txt` "
				"where it is and pass that file\n", pdata, pdata, dir);
			err = -ENOENT;
		} else {
			char *q = rs_shell_quote(pdata), *pq = rs_shell_quote(perf);
			char *cmd = rs_xasprintf("%s script -i %s", pq, q);
			FILE *p = popen(cmd, "r");

			if (!p) {
				err = -errno;
				fprintf(stderr, "%s: cannot run %s: %s\n", pdata, cmd, strerror(errno));
			} else {
				char *name = rs_xasprintf("%s (perf script)", pdata);
				int st2;

				err = rs_report_feed_stream(r, p, name);
				st2 = pclose(p);
				if (!err && st2) {
					fprintf(stderr, "%s: `%s` failed (status %d)\n", pdata, cmd, st2);
					err = -EIO;
				}
				free(name);
			}
			free(cmd);
			free(q);
			free(pq);
			free(perf);
		}
	} else {
		fprintf(stderr, "%s: no trace.txt or perf.data (was the run's trace = off?)\n", dir);
		err = -ENOENT;
	}
	free(trace);
	free(pdata);
	return err;
}

int rs_report_feed_path(struct rs_report *r, const char *path)
{
	struct stat st;
	FILE *f;
	int err;

	if (!strcmp(path, "-"))
		return rs_report_feed_stream(r, stdin, "<stdin>");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return rs_feed_dir(r, path);
	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return err;
	}
	err = rs_report_feed_stream(r, f, path);
	fclose(f);
	return err;
}

/* ------------------------------------------------------------ accessors */

uint64_t rs_report_events(const struct rs_report *r)
{
	return r->events;
}

uint64_t rs_report_input_errors(const struct rs_report *r)
{
	return r->errs_total;
}

uint64_t rs_report_hangs(const struct rs_report *r)
{
	return r->hangs_total + r->hangs_unnamed;
}

uint64_t rs_report_violations(const struct rs_report *r, int kind)
{
	uint64_t n = 0;
	int k;

	if (kind >= 0)
		return kind < RS_VIOL_NR ? r->viol_total[kind] : 0;
	for (k = 0; k < RS_VIOL_NR; k++)
		n += r->viol_total[k];
	return n;
}

uint64_t rs_report_withheld(const struct rs_report *r, int kind)
{
	uint64_t n = 0;
	int k;

	if (kind >= 0)
		return kind < RS_VIOL_NR ? r->withheld_total[kind] : 0;
	for (k = 0; k < RS_VIOL_NR; k++)
		n += r->withheld_total[k];
	return n;
}

uint64_t rs_report_gaps(const struct rs_report *r)
{
	return r->gaps_total;
}

enum rs_report_format rs_report_detected(const struct rs_report *r)
{
	return r->nr_inputs ? r->inputs[r->nr_inputs - 1].fmt : RS_FMT_UNKNOWN;
}

static struct rs_hist *rs_stage_merged(const struct rs_report *r, const char *stage)
{
	struct rs_hist *h = rs_hist_new();
	size_t i;
	int s;

	for (s = 0; s < ST_NR; s++)
		if (!strcmp(rs_stage_key[s], stage))
			break;
	for (i = 0; s < ST_NR && i < r->nr_groups; i++)
		if (r->groups[i].h[s])
			rs_hist_merge(h, r->groups[i].h[s]);
	return h;
}

uint64_t rs_report_stage_count(const struct rs_report *r, const char *stage)
{
	struct rs_hist *h = rs_stage_merged(r, stage);
	uint64_t n = rs_hist_count(h);

	rs_hist_free(h);
	return n;
}

uint64_t rs_report_stage_pct(const struct rs_report *r, const char *stage, double pct)
{
	struct rs_hist *h = rs_stage_merged(r, stage);
	uint64_t v = rs_hist_percentile(h, pct);

	rs_hist_free(h);
	return v;
}

size_t rs_report_nr_findings(const struct rs_report *r)
{
	return r->nr_viols;
}

bool rs_report_finding(const struct rs_report *r, size_t i, struct rs_report_finding *f)
{
	const struct rs_viol_rec *v;

	if (i >= r->nr_viols)
		return false;
	v = &r->viols[i];
	f->kind = v->kind;
	f->ts_ns = v->ts;
	f->ino = v->ino;
	f->line = v->line;
	f->input = v->input < r->nr_inputs ? r->inputs[v->input].name : "?";
	f->msg = v->msg;
	return true;
}

const char *rs_report_viol_label(int kind)
{
	return rs_viol_label(kind);
}

bool rs_report_span(const struct rs_report *r, uint64_t *first, uint64_t *last)
{
	*first = r->ts_first;
	*last = r->ts_last;
	return r->have_ts;
}

uint64_t rs_report_lost(const struct rs_report *r)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < r->nr_inputs; i++)
		n += r->inputs[i].lost;
	return n;
}

bool rs_report_gap(const struct rs_report *r, uint64_t t0, uint64_t t1)
{
	size_t i;

	for (i = 0; i < r->nr_inputs; i++)
		if (rs_gap_between(r, (uint32_t)i, t0, t1))
			return true;
	return false;
}

int rs_report_exit_code(const struct rs_report *r)
{
	if (r->errs_total)
		return 2;
	if (r->hangs_total || r->hangs_unnamed || rs_report_violations(r, -1))
		return 1;
	/* events were lost: what lay across the gaps could not be checked, so not a pass */
	if (r->gaps_total)
		return 4;
	return 0;
}

/* ------------------------------------------------------------ command line */

static void rs_report_usage(FILE *f)
{
	fprintf(f,
		"usage: revokestorm report [--format text|json|html] [-o FILE] [INPUT...]\n"
		"\n"
		"INPUT: `perf script` text, `perf trace` output, tracefs trace text (auto-detected),\n"
		"       a results directory (its trace.txt, or perf.data through `perf script`),\n"
		"       or - for stdin (the default when stdin is not a terminal)\n"
		"  -f, --format F   text (default: aligned tables), json (docs/results-schema.md),\n"
		"                   html (one self-contained page with SVG histograms and a timeline)\n"
		"  -o, --output F   write the report to F instead of stdout\n"
		"\n"
		"exit codes: 0 no finding, 1 protocol violations or hung importers found,\n"
		"            2 bad usage or bad input (garbled or truncated lines; the partial\n"
		"            report is still written), 3 internal error (docs/cli.md)\n");
}

int rs_report_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "text", *output = NULL;
	struct rs_report *r;
	int c, i, rc, werr;
	bool read_err = false;
	FILE *out = stdout;

	optind = 0;	/* 0: also reset getopt's permutation state */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			rs_report_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "revokestorm report: bad option '%s'\n", argv[optind - 1]);
			rs_report_usage(stderr);
			return 2;
		}
	}
	if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "html")) {
		fprintf(stderr, "revokestorm report: --format must be text, json or html, not '%s'\n",
			format);
		return 2;
	}
	if (optind == argc && isatty(0)) {
		rs_report_usage(stderr);
		return 2;
	}
	r = rs_report_new();
	if (optind == argc) {
		read_err |= rs_report_feed_path(r, "-") != 0;
	} else {
		for (i = optind; i < argc; i++)
			read_err |= rs_report_feed_path(r, argv[i]) != 0;
	}
	rs_report_finish(r);
	if (output) {
		out = fopen(output, "w");
		if (!out) {
			fprintf(stderr, "revokestorm report: cannot write %s: %s\n", output,
				strerror(errno));
			rs_report_free(r);
			return 2;
		}
	}
	if (!strcmp(format, "json"))
		werr = rs_report_write_json(r, out);
	else if (!strcmp(format, "html"))
		werr = rs_report_write_html(r, out);
	else
		werr = rs_report_write_text(r, out);
	if (fflush(out) || ferror(out))
		werr = werr ? werr : -EIO;
	if (output && fclose(out))
		werr = werr ? werr : -EIO;
	rc = rs_report_exit_code(r);
	if (read_err)
		rc = 2;
	if (werr) {
		fprintf(stderr, "revokestorm report: cannot write the report: %s\n", strerror(-werr));
		rc = 3;
	}
	rs_report_free(r);
	return rc;
}
