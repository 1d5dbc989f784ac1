// SPDX-License-Identifier: GPL-2.0
/*
 * Gaps in the events: where the tracer lost some, and what the report does not claim
 * across them.  A verdict is a claim about the kernel; built on a trace with a hole in it,
 * it may be about the hole.  So every verdict carries the time its evidence starts (the
 * revoke that opened a window, the invalidation that made an unmap due, the previous
 * move), and when the lost events of any CPU could lie between that time and the verdict,
 * the verdict is withheld: counted and listed as "could not be checked: events lost
 * between X and Y on CPU N", never claimed.  The same goes for a breakdown sample whose
 * move began before a gap, and for the trigger a hung-importer line is attributed to.
 *
 * Where the gaps are:
 *  - revokestorm's own trace.txt says them all before the events, one
 *    "# revokestorm-gap cpu=1 lost=5123 after=41.205118207 before=41.262000031" line per
 *    gap (src/trace_text.c): every decision is made knowing them;
 *  - other text has the kernel's "CPU:N [LOST n EVENTS]" (or "[LOST EVENTS]") line before
 *    the first event after the gap: the gap runs from that CPU's previous line to its next
 *    one, and verdicts made before the LOST line was read are checked again at the end;
 *  - perf's "LOST n events!" and "... at an unknown time" name no place: the whole input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "rs_util.h"

static struct rs_gap *rs_gap_add(struct rs_report *r, uint32_t input, int cpu, int64_t lost,
				 uint64_t after, uint64_t before, bool open)
{
	struct rs_gap *g;

	r->gaps_total++;
	if (r->nr_gaps >= RS_MAX_GAPS) {
		/* too many to keep apart: the last one grows to cover the whole input */
		g = &r->gaps[r->nr_gaps - 1];
		g->after = 0;
		g->before = UINT64_MAX;
		g->open = false;
		g->lost = -1;
		return g;
	}
	rs_xgrow(&r->gaps, &r->cap_gaps, r->nr_gaps, sizeof(*r->gaps));
	g = &r->gaps[r->nr_gaps++];
	*g = (struct rs_gap){
		.input = input, .cpu = cpu, .lost = lost, .after = after, .before = before,
		.open = open,
	};
	return g;
}

/*
 * The decimal number at [s, e): the line's own bytes only (the last line of an input has
 * no newline to stop at), saturating at INT64_MAX.
 */
static int64_t rs_gap_num(const char *s, const char *e)
{
	uint64_t n = 0;

	for (; s < e && *s >= '0' && *s <= '9'; s++) {
		unsigned int d = (unsigned int)(*s - '0');

		n = n > ((uint64_t)INT64_MAX - d) / 10 ? (uint64_t)INT64_MAX : n * 10 + d;
	}
	return (int64_t)n;
}

/* "12.000345000" -> ns; "-" -> dflt.  false if neither. */
static bool rs_gap_time(const char *s, const char *e, uint64_t dflt, uint64_t *ns)
{
	uint64_t secs = 0, frac = 0;
	int nd = 0;

	if (e - s == 1 && *s == '-') {
		*ns = dflt;
		return true;
	}
	if (s == e || *s < '0' || *s > '9')
		return false;
	for (; s < e && *s >= '0' && *s <= '9'; s++) {
		secs = secs * 10 + (uint64_t)(*s - '0');
		if (secs > UINT64_MAX / 1000000000ULL - 1)
			return false;	/* does not fit in ns: an error, not a wrapped time */
	}
	if (s < e && *s == '.')
		for (s++; s < e && *s >= '0' && *s <= '9'; s++)
			if (nd++ < 9)
				frac = frac * 10 + (uint64_t)(*s - '0');
	if (s != e)
		return false;
	for (; nd < 9; nd++)
		frac *= 10;
	*ns = secs * 1000000000ULL + frac;
	return true;
}

/* The value of " key=" in [line, e): its start, *end set; NULL if absent. */
static const char *rs_gap_kv(const char *line, const char *e, const char *key, const char **end)
{
	size_t klen = strlen(key);
	const char *p = line, *v;

	while ((p = memmem(p, (size_t)(e - p), key, klen))) {
		if (p > line && p[-1] == ' ' && p + klen < e && p[klen] == '=')
			break;
		p += klen;
	}
	if (!p)
		return NULL;
	v = p + klen + 1;
	for (*end = v; *end < e && **end != ' '; (*end)++)
		;
	return v;
}

bool rs_gap_header_line(struct rs_report *r, uint32_t input, const char *line, size_t len)
{
	static const char tag[] = "# revokestorm-gap ";
	const char *e = line + len, *v[4], *ve[4];
	static const char *const keys[4] = { "cpu", "lost", "after", "before" };
	uint64_t after, before;
	int64_t lost = -1;
	int i, cpu;

	if (len < sizeof(tag) - 1 || memcmp(line, tag, sizeof(tag) - 1))
		return false;
	for (i = 0; i < 4; i++) {
		v[i] = rs_gap_kv(line, e, keys[i], &ve[i]);
		if (!v[i])
			goto bad;
	}
	cpu = rs_gap_num(v[0], ve[0]) > 65535 ? -1 : (int)rs_gap_num(v[0], ve[0]);
	if (!(ve[1] - v[1] == 1 && *v[1] == '?'))
		lost = rs_gap_num(v[1], ve[1]);
	if (!rs_gap_time(v[2], ve[2], 0, &after) || !rs_gap_time(v[3], ve[3], UINT64_MAX, &before))
		goto bad;
	r->inputs[input].gap_header = true;
	rs_gap_add(r, input, cpu, lost, after, before, false);
	return true;
bad:
	rs_report_input_error(r, input, r->inputs[input].lines,
			      "a revokestorm-gap line without cpu=, lost=, after=, before=: '%.*s'",
			      (int)(len > 100 ? 100 : len), line);
	return true;
}

static uint64_t *rs_cpu_last(struct rs_input *in, int cpu)
{
	if (cpu < 0 || cpu > 65535)
		return NULL;
	if ((size_t)cpu >= in->nr_cpu_last) {
		size_t n = (size_t)cpu + 1;

		in->cpu_last = rs_xrealloc(in->cpu_last, n * sizeof(*in->cpu_last));
		memset(in->cpu_last + in->nr_cpu_last, 0, (n - in->nr_cpu_last) * sizeof(*in->cpu_last));
		in->nr_cpu_last = n;
	}
	return &in->cpu_last[cpu];
}

/*
 * tracefs "CPU:3 [LOST 12 EVENTS]", "CPU:3 [LOST EVENTS]", "... at an unknown time";
 * perf "LOST 12 events!".  Counted always; a gap unless a header said them all.
 */
bool rs_gap_lost_line(struct rs_report *r, uint32_t input, const char *line, size_t len)
{
	struct rs_input *in = &r->inputs[input];
	const char *e = line + len, *p = memmem(line, len, "LOST ", 5);
	bool counted, nowhere;
	int64_t lost = -1;
	uint64_t *last;
	int cpu = -1;

	if (!p)
		return false;
	p += 5;
	counted = p < e && *p >= '0' && *p <= '9';
	if (!counted && !(e - p >= 7 && !memcmp(p, "EVENTS]", 7)))
		return false;
	if (counted) {
		lost = rs_gap_num(p, e);
		in->lost = in->lost > UINT64_MAX - (uint64_t)lost ? UINT64_MAX : in->lost + (uint64_t)lost;
	} else {
		in->lost_uncounted++;
	}
	if (in->gap_header)
		return true;
	if (len > 4 && !memcmp(line, "CPU:", 4))
		cpu = rs_gap_num(line + 4, e) > 65535 ? -1 : (int)rs_gap_num(line + 4, e);
	nowhere = cpu < 0 || memmem(line, len, "unknown time", 12);
	last = nowhere ? NULL : rs_cpu_last(in, cpu);
	rs_gap_add(r, input, cpu, lost, last ? *last : 0, UINT64_MAX, !nowhere);
	return true;
}

/* A line of cpu at ts: the end of that CPU's open gaps. */
void rs_gap_line_seen(struct rs_report *r, uint32_t input, int cpu, uint64_t ts)
{
	uint64_t *last = rs_cpu_last(&r->inputs[input], cpu);
	size_t i;

	if (!last)
		return;
	*last = ts;
	for (i = r->nr_gaps; i-- > 0;) {
		struct rs_gap *g = &r->gaps[i];

		if (g->open && g->input == input && g->cpu == cpu) {
			g->before = ts;
			g->open = false;
		}
	}
}

const struct rs_gap *rs_gap_between(const struct rs_report *r, uint32_t input, uint64_t since,
				    uint64_t until)
{
	size_t i;

	for (i = 0; i < r->nr_gaps; i++) {
		const struct rs_gap *g = &r->gaps[i];

		if (g->input == input && g->after < until && g->before > since)
			return g;
	}
	return NULL;
}

void rs_withhold(struct rs_report *r, int kind, const struct rs_gap *g, uint32_t input,
		 uint64_t since, uint64_t ts, uint64_t line, uint64_t ino, const char *msg)
{
	struct rs_withheld_rec *w;

	r->withheld_total[kind]++;
	if (r->nr_withheld >= RS_MAX_WITHHELD_RECS)
		return;
	rs_xgrow(&r->withheld, &r->cap_withheld, r->nr_withheld, sizeof(*r->withheld));
	w = &r->withheld[r->nr_withheld++];
	*w = (struct rs_withheld_rec){
		.kind = kind, .input = input, .gap = (uint32_t)(g - r->gaps), .since = since,
		.ts = ts, .line = line, .ino = ino,
	};
	snprintf(w->msg, sizeof(w->msg), "%s", msg);
}

void rs_gap_finish(struct rs_report *r)
{
	size_t i, kept = 0;

	for (i = 0; i < r->nr_viols; i++) {
		struct rs_viol_rec *v = &r->viols[i];
		const struct rs_gap *g = rs_gap_between(r, v->input, v->since, v->until);

		if (!g) {
			r->viols[kept++] = *v;
			continue;
		}
		r->viol_total[v->kind]--;
		rs_withhold(r, v->kind, g, v->input, v->since, v->until, v->line, v->ino, v->msg);
	}
	r->nr_viols = kept;
}

static void rs_gap_ts(char *buf, size_t len, uint64_t ns)
{
	snprintf(buf, len, "%llu.%09llu", (unsigned long long)(ns / 1000000000ULL),
		 (unsigned long long)(ns % 1000000000ULL));
}

void rs_gap_text(const struct rs_gap *g, char *buf, size_t len)
{
	char n[32] = "", a[32], b[32], cpu[32] = "";

	if (g->lost >= 0)
		snprintf(n, sizeof(n), "%lld ", (long long)g->lost);
	if (g->cpu >= 0)
		snprintf(cpu, sizeof(cpu), " on CPU %d", g->cpu);
	rs_gap_ts(a, sizeof(a), g->after);
	rs_gap_ts(b, sizeof(b), g->before);
	if (g->after == 0 && g->before == UINT64_MAX)
		snprintf(buf, len, "%sevents lost%s at an unknown time", n, cpu);
	else if (g->after == 0)
		snprintf(buf, len, "%sevents lost before %s%s", n, b, cpu);
	else if (g->before == UINT64_MAX)
		snprintf(buf, len, "%sevents lost after %s%s", n, a, cpu);
	else
		snprintf(buf, len, "%sevents lost between %s and %s%s", n, a, b, cpu);
}

void rs_withheld_text(const struct rs_report *r, const struct rs_withheld_rec *w, char *buf,
		      size_t len)
{
	char g[160];

	rs_gap_text(&r->gaps[w->gap], g, sizeof(g));
	snprintf(buf, len, "could not be checked: %s: %s", g, w->msg);
}
