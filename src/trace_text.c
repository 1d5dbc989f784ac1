// SPDX-License-Identifier: GPL-2.0
/*
 * Recorded per-CPU sub-buffers (src/trace_rec.c) -> the kernel's trace text, the format
 * `revokestorm report` reads:
 *
 *   comm-pid     [cpu] flags  secs.nsecs: event_name: TP_printk output
 *
 * Each CPU's sub-buffers are decoded with libtraceevent's kbuffer, the events formatted by
 * tep_print_event() from the format files saved beside them, and the CPUs merged by time.
 * A sub-buffer that the kernel marks as following dropped events (the ring buffer wrapped
 * over pages nobody had read) gets the kernel's own "CPU:N [LOST n EVENTS]" line before its
 * first event; the gap is returned with the times of the events on both sides of it.
 *
 * The kernel stores a gap's count in the sub-buffer only when there is room left in it:
 * the CPU's overrun statistics then give the count when that CPU has one such gap, else
 * the line says "[LOST EVENTS]", as the kernel's trace_pipe does.  Losses the statistics
 * count and no sub-buffer marks get "CPU:N [LOST n EVENTS] at an unknown time" at the end.
 *
 * Before the events, one comment line per gap says all of it, so that a reader knows
 * where the trace is not whole before it reads anything built across a gap:
 *
 *   # revokestorm-gap cpu=1 lost=5123 after=41.205118207 before=41.262000031
 *
 * (lost=? when not counted; after=- / before=- when that CPU has no event on that side.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event-parse.h>
#include <kbuffer.h>
#include <trace-seq.h>
#include <tracefs.h>

#include "rs_trace_raw.h"
#include "rs_util.h"

struct rs_tt_gap {
	off_t page;		/* offset of the sub-buffer that follows the gap */
	long long lost;		/* -1 unknown */
	uint64_t after, before;	/* that CPU's events around it */
};

struct rs_tt_cpu {
	int cpu, fd;
	off_t start, pos, end;	/* first sub-buffer, next one to load, end of whole ones */
	void *page;
	struct kbuffer *kbuf;
	void *data;		/* current event, NULL when this CPU is done */
	unsigned long long ts;
	off_t cur_page;		/* offset of the sub-buffer holding data */
	bool first_of_page;
	struct rs_tt_gap *gaps;
	size_t nr_gaps, cap_gaps, next_gap;
	long long unplaced;	/* lost by the statistics but in no marked sub-buffer */
};

struct rs_tt {
	struct tep_handle *tep;
	int subbuf;
	int nr_cpus;
	struct rs_tt_cpu *cpus;
	struct tep_event *print_ev;	/* ftrace:print, trace_marker writes */
	struct trace_seq seq;
	FILE *out;
	struct rs_trace_text_res *res;
};

void rs_trace_text_res_free(struct rs_trace_text_res *res)
{
	free(res->gaps);
	memset(res, 0, sizeof(*res));
}

static struct tep_handle *rs_tt_load_tep(const char *rawdir, char *why, size_t whylen)
{
	struct tep_handle *tep;
	char *p = rs_xasprintf("%s/events/header_page", rawdir);
	struct stat st;

	if (stat(p, &st)) {
		snprintf(why, whylen, "%s: %s (not a recorded trace directory)", p, strerror(errno));
		free(p);
		return NULL;
	}
	free(p);
	tep = tracefs_local_events(rawdir);
	if (!tep)
		snprintf(why, whylen, "cannot load the event formats of %s", rawdir);
	return tep;
}

/* Load the sub-buffer at c->pos into c->kbuf; false at the end. */
static bool rs_tt_load_page(struct rs_tt *t, struct rs_tt_cpu *c)
{
	while (c->pos + t->subbuf <= c->end) {
		ssize_t n = pread(c->fd, c->page, (size_t)t->subbuf, c->pos);

		if (n != t->subbuf)
			return false;
		c->cur_page = c->pos;
		c->pos += t->subbuf;
		if (kbuffer_load_subbuffer(c->kbuf, c->page) < 0)
			continue;
		c->data = kbuffer_read_event(c->kbuf, &c->ts);
		if (c->data) {
			c->first_of_page = true;
			return true;
		}
	}
	return false;
}

static void rs_tt_next(struct rs_tt *t, struct rs_tt_cpu *c)
{
	c->first_of_page = false;
	c->data = kbuffer_next_event(c->kbuf, &c->ts);
	if (!c->data && !rs_tt_load_page(t, c))
		c->data = NULL;
}

/*
 * Pass 1: the sub-buffers marked as following dropped events, with the times of the
 * CPU's last event before and first event after each (event headers only, no format).
 */
static void rs_tt_scan_gaps(struct rs_tt *t, struct rs_tt_cpu *c)
{
	unsigned long long ts, last = 0;
	off_t pos;

	for (pos = c->start; pos + t->subbuf <= c->end; pos += t->subbuf) {
		void *ev;
		int missed;

		if (pread(c->fd, c->page, (size_t)t->subbuf, pos) != t->subbuf)
			break;
		if (kbuffer_load_subbuffer(c->kbuf, c->page) < 0)
			continue;
		missed = kbuffer_missed_events(c->kbuf);
		ev = kbuffer_read_event(c->kbuf, &ts);
		if (missed) {
			rs_xgrow(&c->gaps, &c->cap_gaps, c->nr_gaps, sizeof(*c->gaps));
			c->gaps[c->nr_gaps] = (struct rs_tt_gap){
				.page = pos, .lost = missed < 0 ? -1 : missed, .after = last,
				.before = ev ? ts : 0,
			};
			c->nr_gaps++;
		}
		for (; ev; ev = kbuffer_next_event(c->kbuf, &ts))
			last = ts;
	}
}

/* Counts the sub-buffers did not keep, from the CPU's statistics where they tell. */
static void rs_tt_count_gaps(struct rs_tt_cpu *c, const struct rs_trace_cpu_stats *s, bool whole)
{
	long long known = 0, total;
	size_t i, unknown = 0, last = 0;

	if (!s || !s->valid || !whole)
		return;
	total = rs_trace_stats_lost(s);
	for (i = 0; i < c->nr_gaps; i++) {
		if (c->gaps[i].lost < 0) {
			unknown++;
			last = i;
		} else {
			known += c->gaps[i].lost;
		}
	}
	if (unknown == 1 && total > known)
		c->gaps[last].lost = total - known;
	else if (!unknown && total > known)
		c->unplaced = total - known;
}

static void rs_tt_add_gap(struct rs_tt *t, int cpu, long long lost, uint64_t after,
			  uint64_t before)
{
	struct rs_trace_text_res *res = t->res;
	size_t cap = res->nr_gaps;

	/* res->gaps grows by one each time: gaps are few */
	rs_xgrow(&res->gaps, &cap, res->nr_gaps, sizeof(*res->gaps));
	res->gaps[res->nr_gaps].cpu = cpu;
	res->gaps[res->nr_gaps].lost = lost;
	res->gaps[res->nr_gaps].after_ns = after;
	res->gaps[res->nr_gaps].before_ns = before;
	res->nr_gaps++;
}

static void rs_tt_ts(char *buf, size_t len, uint64_t ns)
{
	if (ns)
		snprintf(buf, len, "%llu.%09llu", (unsigned long long)(ns / 1000000000ULL),
			 (unsigned long long)(ns % 1000000000ULL));
	else
		snprintf(buf, len, "-");
}

/*
 * Every gap, before the events: a reader learns where the trace is not whole before it
 * reads anything built across it.  after/before "-": no event on that side.
 */
static void rs_tt_gap_header(struct rs_tt *t, const struct rs_trace_gap *g)
{
	char a[32], b[32], n[32];

	rs_tt_ts(a, sizeof(a), g->after_ns);
	rs_tt_ts(b, sizeof(b), g->before_ns);
	if (g->lost < 0)
		snprintf(n, sizeof(n), "?");
	else
		snprintf(n, sizeof(n), "%lld", g->lost);
	fprintf(t->out, "# revokestorm-gap cpu=%d lost=%s after=%s before=%s\n", g->cpu, n, a, b);
}

static void rs_tt_lost_line(struct rs_tt *t, int cpu, long long lost)
{
	if (lost < 0)
		fprintf(t->out, "CPU:%d [LOST EVENTS]\n", cpu);
	else
		fprintf(t->out, "CPU:%d [LOST %lld EVENTS]\n", cpu, lost);
}

static void rs_tt_write_event(struct rs_tt *t, struct rs_tt_cpu *c)
{
	struct tep_record rec = {
		.ts = c->ts,
		.cpu = c->cpu,
		.data = c->data,
		.size = kbuffer_event_size(c->kbuf),
		.record_size = kbuffer_curr_size(c->kbuf),
		.offset = (unsigned long long)c->cur_page + (unsigned long long)kbuffer_curr_offset(c->kbuf),
	};
	struct tep_event *ev;

	if (c->first_of_page && c->next_gap < c->nr_gaps && c->gaps[c->next_gap].page == c->cur_page)
		rs_tt_lost_line(t, c->cpu, c->gaps[c->next_gap++].lost);
	trace_seq_reset(&t->seq);
	tep_print_event(t->tep, &t->seq, &rec, "%16s-%-7d [%03d] %s", TEP_PRINT_COMM,
			TEP_PRINT_PID, TEP_PRINT_CPU, TEP_PRINT_LATENCY);
	trace_seq_printf(&t->seq, " %5llu.%09llu: ", c->ts / 1000000000ULL,
			 c->ts % 1000000000ULL);
	/* the kernel's text prints trace_marker writes without the event's name */
	ev = tep_find_event_by_record(t->tep, &rec);
	if (ev && ev == t->print_ev)
		tep_print_event(t->tep, &t->seq, &rec, "%s", TEP_PRINT_INFO);
	else
		tep_print_event(t->tep, &t->seq, &rec, "%s: %s", TEP_PRINT_NAME, TEP_PRINT_INFO);
	trace_seq_terminate(&t->seq);
	/* one event, one line: TP_printk output never holds a newline of its own */
	while (t->seq.len && t->seq.buffer[t->seq.len - 1] == '\n')
		t->seq.len--;
	for (unsigned int i = 0; i < t->seq.len; i++)
		if (t->seq.buffer[i] == '\n')
			t->seq.buffer[i] = ' ';
	fwrite(t->seq.buffer, 1, t->seq.len, t->out);
	fputc('\n', t->out);
	t->res->events++;
}

static int rs_tt_open_cpu(struct rs_tt *t, const char *rawdir, struct rs_tt_cpu *c,
			  size_t tail_bytes, char *why, size_t whylen)
{
	char *p = rs_xasprintf("%s/cpu%d", rawdir, c->cpu);
	struct stat st;
	int ret;

	c->fd = open(p, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0 || fstat(c->fd, &st)) {
		ret = -errno;
		snprintf(why, whylen, "%s: %s", p, strerror(errno));
		free(p);
		return ret;
	}
	free(p);
	c->end = st.st_size - st.st_size % t->subbuf;
	if (tail_bytes && (off_t)tail_bytes < c->end)
		c->start = c->end - (off_t)(tail_bytes - tail_bytes % (size_t)t->subbuf);
	c->pos = c->start;
	c->page = rs_xmalloc((size_t)t->subbuf);
	c->kbuf = tep_kbuffer(t->tep);
	if (!c->kbuf) {
		snprintf(why, whylen, "kbuffer_alloc: %s", strerror(errno));
		return -ENOMEM;
	}
	return 0;
}

int rs_trace_text(const char *rawdir, int nr_cpus, const struct rs_trace_cpu_stats *stats,
		  size_t tail_bytes, FILE *out, struct rs_trace_text_res *res, char *why,
		  size_t whylen)
{
	struct rs_tt t = { .nr_cpus = nr_cpus, .out = out, .res = res };
	int i, ret = 0;

	memset(res, 0, sizeof(*res));
	t.tep = rs_tt_load_tep(rawdir, why, whylen);
	if (!t.tep)
		return -ENOENT;
	t.subbuf = tep_get_sub_buffer_size(t.tep);
	if (t.subbuf <= 16) {
		snprintf(why, whylen, "%s/events/header_page: no sub-buffer size", rawdir);
		tep_free(t.tep);
		return -EINVAL;
	}
	t.print_ev = tep_find_event_by_name(t.tep, "ftrace", "print");
	trace_seq_init(&t.seq);
	t.cpus = rs_xcalloc((size_t)nr_cpus, sizeof(*t.cpus));
	for (i = 0; i < nr_cpus; i++)
		t.cpus[i].fd = -1;
	for (i = 0; i < nr_cpus && !ret; i++) {
		struct rs_tt_cpu *c = &t.cpus[i];

		c->cpu = i;
		ret = rs_tt_open_cpu(&t, rawdir, c, tail_bytes, why, whylen);
		if (ret)
			break;
		rs_tt_scan_gaps(&t, c);
		rs_tt_count_gaps(c, stats ? &stats[i] : NULL, c->start == 0);
		for (size_t g = 0; g < c->nr_gaps; g++)
			rs_tt_add_gap(&t, i, c->gaps[g].lost, c->gaps[g].after, c->gaps[g].before);
		if (c->unplaced)
			rs_tt_add_gap(&t, i, c->unplaced, 0, 0);
		if (!rs_tt_load_page(&t, c))
			c->data = NULL;
	}
	for (size_t g = 0; !ret && g < res->nr_gaps; g++)
		rs_tt_gap_header(&t, &res->gaps[g]);
	while (!ret) {
		struct rs_tt_cpu *best = NULL;

		for (i = 0; i < nr_cpus; i++)
			if (t.cpus[i].data && (!best || t.cpus[i].ts < best->ts))
				best = &t.cpus[i];
		if (!best)
			break;
		rs_tt_write_event(&t, best);
		rs_tt_next(&t, best);
	}
	for (i = 0; i < nr_cpus && !ret; i++) {
		struct rs_tt_cpu *c = &t.cpus[i];

		if (!c->unplaced)
			continue;
		/* the statistics count them, no sub-buffer marks them: their place is unknown */
		fprintf(out, "CPU:%d [LOST %lld EVENTS] at an unknown time\n", i, c->unplaced);
	}
	res->lost = 0;
	for (i = 0; i < nr_cpus; i++) {
		if (stats && stats[i].valid && !tail_bytes) {
			res->lost += rs_trace_stats_lost(&stats[i]);
			continue;
		}
		for (size_t g = 0; g < t.cpus[i].nr_gaps; g++)
			if (t.cpus[i].gaps[g].lost > 0)
				res->lost += t.cpus[i].gaps[g].lost;
	}
	if (!ret && ferror(out)) {
		ret = -EIO;
		snprintf(why, whylen, "writing the trace text: %s", strerror(errno));
	}
	for (i = 0; i < nr_cpus; i++) {
		struct rs_tt_cpu *c = &t.cpus[i];

		if (c->fd >= 0)
			close(c->fd);
		if (c->kbuf)
			kbuffer_free(c->kbuf);
		free(c->page);
		free(c->gaps);
	}
	free(t.cpus);
	trace_seq_destroy(&t.seq);
	tep_free(t.tep);
	return ret;
}
