// SPDX-License-Identifier: GPL-2.0
/*
 * The events drive a model of every dma-buf and attachment seen: moves (revokes and
 * restores) in progress, which attachments are mapped, invalidated and waiting for an
 * unmap.  From it come the breakdown histograms, the hung-importer list and the
 * protocol violations (rs_report.h, docs/reading-a-report.md).
 *
 * The revoked window used by invariant (a) opens at the revoke's invalidate_begin (the
 * resv lock is held and priv->revoked set; without dma_buf events, at the revoke's
 * move_end) and closes at the restore's fence_wait (the last event under the lock before
 * priv->revoked is cleared) or move_end.  A map can legitimately return between a
 * revoke's move_begin and its lock, and after the restore's unlock before its move_end,
 * so those are not counted.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "rs_util.h"

enum { M_UNKNOWN, M_MAPPED, M_UNMAPPED };

struct rs_rep_buf {
	uint64_t key;			/* ino ^ input << 56: each input is its own trace */
	uint64_t ino, size;
	uint32_t exp_name, dev;		/* string ids */
	bool exported;			/* dma_buf_export seen */
	int last_move;			/* -1 none, 0 restore, 1 revoke (completed or open) */
	bool move_open, move_revoke, revoked_window, had_invalidate;
	uint32_t move_trigger;
	uint64_t move_ts, move_line, inv_begin_ts;
	uint64_t window_ts;		/* the revoked window opened */
	uint64_t last_move_ts;		/* the last move began or ended, or the export */
	uint32_t move_seq;
	uint32_t pending;		/* attachments invalidated by this move, not unmapped */
	int64_t seg;			/* open timeline segment or -1 */
	uint32_t move_input;
};

struct rs_att {
	uint64_t key;			/* ptr ^ input << 56 */
	uint64_t ptr;
	uint32_t buf, importer;		/* index into bufs, string id */
	int state;
	bool pending;			/* invalidated while mapped, no unmap since */
	bool detached;
	uint32_t inv_seq;		/* buf->move_seq at the invalidation (0: outside a move) */
	uint32_t inv_trigger;
	int inv_revoke;
	uint64_t inv_ts, inv_line;
	uint32_t inv_input;
};

const char *const rs_stage_key[ST_NR] = {
	[ST_MOVE] = "move", [ST_INVALIDATE] = "invalidate", [ST_INV_ATTACH] = "invalidate_attach",
	[ST_FENCE] = "fence_wait", [ST_UNMAP_WAIT] = "completion_wait",
	[ST_UNMAP_AFTER_INV] = "unmap_after_invalidate",
};

const char *const rs_stage_label[ST_NR] = {
	[ST_MOVE] = "whole move", [ST_INVALIDATE] = "invalidate",
	[ST_INV_ATTACH] = "invalidate callback", [ST_FENCE] = "fence wait",
	[ST_UNMAP_WAIT] = "completion wait", [ST_UNMAP_AFTER_INV] = "unmap after invalidate",
};

const char *rs_viol_key(int kind)
{
	static const char *const k[RS_VIOL_NR] = {
		"map_while_revoked", "never_unmapped", "move_end_before_unmap",
		"restore_without_revoke",
	};

	return kind >= 0 && kind < RS_VIOL_NR ? k[kind] : "?";
}

const char *rs_viol_label(int kind)
{
	static const char *const k[RS_VIOL_NR] = {
		"(a) map succeeded while revoked", "(b) invalidated attachment never unmapped",
		"(c) revoke returned before all unmaps", "(d) restore without a revoke",
	};

	return kind >= 0 && kind < RS_VIOL_NR ? k[kind] : "?";
}

const char *rs_dir_name(int revoke)
{
	return revoke > 0 ? "revoke" : revoke == 0 ? "restore" : "-";
}

/* ------------------------------------------------------------ tables */

static uint64_t rs_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

/* Open-addressing table of uint32 (index + 1) keyed by a uint64 from key_of(). */
static uint32_t *rs_tab_find(uint32_t *tab, size_t size, uint64_t key, uint64_t h,
			     uint64_t (*key_of)(const struct rs_report *, uint32_t),
			     const struct rs_report *r)
{
	size_t i = h & (size - 1);

	for (;; i = (i + 1) & (size - 1)) {
		if (!tab[i] || key_of(r, tab[i] - 1) == key)
			return &tab[i];
	}
}

static uint64_t rs_buf_key(const struct rs_report *r, uint32_t i)
{
	return r->bufs[i].key;
}

static uint64_t rs_att_key(const struct rs_report *r, uint32_t i)
{
	return r->atts[i].key;
}

static void rs_tab_grow(struct rs_report *r, uint32_t **tab, size_t *size, size_t nr,
			uint64_t (*key_of)(const struct rs_report *, uint32_t))
{
	size_t i, nsize = *size ? *size * 2 : 256;
	uint32_t *nt;

	if (nr * 2 < *size)
		return;
	nt = rs_xcalloc(nsize, sizeof(*nt));
	for (i = 0; i < nr; i++) {
		uint64_t k = key_of(r, (uint32_t)i);

		*rs_tab_find(nt, nsize, k, rs_mix(k), key_of, r) = (uint32_t)i + 1;
	}
	free(*tab);
	*tab = nt;
	*size = nsize;
}

uint32_t rs_str_id(struct rs_report *r, const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i, k;

	/* a NUL inside the field (garbled input) ends the string, as rs_xstrndup() would */
	len = strnlen(s, len);
	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	if (r->nr_strs * 2 >= r->str_tab_size) {
		size_t nsize = r->str_tab_size ? r->str_tab_size * 2 : 256;
		uint32_t *nt = rs_xcalloc(nsize, sizeof(*nt));

		for (i = 0; i < r->nr_strs; i++) {
			uint64_t h2 = 1469598103934665603ULL;
			const char *p;

			for (p = r->strs[i]; *p; p++)
				h2 = (h2 ^ (unsigned char)*p) * 1099511628211ULL;
			for (k = h2 & (nsize - 1); nt[k]; k = (k + 1) & (nsize - 1))
				;
			nt[k] = (uint32_t)i + 1;
		}
		free(r->str_tab);
		r->str_tab = nt;
		r->str_tab_size = nsize;
	}
	for (k = h & (r->str_tab_size - 1);; k = (k + 1) & (r->str_tab_size - 1)) {
		uint32_t id = r->str_tab[k];

		if (!id)
			break;
		if (!strncmp(r->strs[id - 1], s, len) && r->strs[id - 1][len] == '\0')
			return id - 1;
	}
	rs_xgrow(&r->strs, &r->cap_strs, r->nr_strs, sizeof(*r->strs));
	r->strs[r->nr_strs] = rs_xstrndup(s, len);
	r->str_tab[k] = (uint32_t)r->nr_strs + 1;
	return (uint32_t)r->nr_strs++;
}

static uint32_t rs_sv_id(struct rs_report *r, const struct rs_ev *ev, int f)
{
	if (!(ev->have & (1ULL << f)) || !ev->str[f].len)
		return RS_NO_ID;
	return rs_str_id(r, ev->str[f].s, ev->str[f].len);
}

static uint32_t rs_buf_get(struct rs_report *r, uint64_t ino, uint32_t input)
{
	uint64_t key = ino ^ ((uint64_t)input << 56);
	uint32_t *slot;
	struct rs_rep_buf *b;

	if (r->buf_tab_size) {
		slot = rs_tab_find(r->buf_tab, r->buf_tab_size, key, rs_mix(key), rs_buf_key, r);
		if (*slot)
			return *slot - 1;
	}
	rs_xgrow(&r->bufs, &r->cap_bufs, r->nr_bufs, sizeof(*r->bufs));
	b = &r->bufs[r->nr_bufs];
	memset(b, 0, sizeof(*b));
	b->key = key;
	b->ino = ino;
	b->exp_name = b->dev = RS_NO_ID;
	b->last_move = -1;
	b->seg = -1;
	r->nr_bufs++;
	rs_tab_grow(r, &r->buf_tab, &r->buf_tab_size, r->nr_bufs, rs_buf_key);
	slot = rs_tab_find(r->buf_tab, r->buf_tab_size, key, rs_mix(key), rs_buf_key, r);
	*slot = (uint32_t)r->nr_bufs;
	return (uint32_t)r->nr_bufs - 1;
}

static struct rs_att *rs_att_get(struct rs_report *r, uint64_t ptr, uint32_t buf, uint32_t input)
{
	uint64_t key = ptr ^ ((uint64_t)input << 56);
	uint32_t *slot;
	struct rs_att *a;

	if (r->att_tab_size) {
		slot = rs_tab_find(r->att_tab, r->att_tab_size, key, rs_mix(key), rs_att_key, r);
		if (*slot)
			return &r->atts[*slot - 1];
	}
	rs_xgrow(&r->atts, &r->cap_atts, r->nr_atts, sizeof(*r->atts));
	a = &r->atts[r->nr_atts];
	memset(a, 0, sizeof(*a));
	a->key = key;
	a->ptr = ptr;
	a->buf = buf;
	a->importer = a->inv_trigger = RS_NO_ID;
	r->nr_atts++;
	rs_tab_grow(r, &r->att_tab, &r->att_tab_size, r->nr_atts, rs_att_key);
	slot = rs_tab_find(r->att_tab, r->att_tab_size, key, rs_mix(key), rs_att_key, r);
	*slot = (uint32_t)r->nr_atts;
	return &r->atts[r->nr_atts - 1];
}

uint64_t rs_buf_ino(const struct rs_report *r, uint32_t buf)
{
	return r->bufs[buf].ino;
}

uint32_t rs_buf_input(const struct rs_report *r, uint32_t buf)
{
	return (uint32_t)((r->bufs[buf].key ^ r->bufs[buf].ino) >> 56);
}

/* The exporter's name: the VFIO device if a vfio_pci event named it, else exp_name. */
uint32_t rs_buf_exporter(const struct rs_report *r, uint32_t buf)
{
	const struct rs_rep_buf *b = &r->bufs[buf];

	return b->dev != RS_NO_ID ? b->dev : b->exp_name;
}

static struct rs_rep_importer *rs_imp_get(struct rs_report *r, uint32_t name)
{
	size_t i;

	for (i = 0; i < r->nr_imps; i++)
		if (r->imps[i].name == name)
			return &r->imps[i];
	rs_xgrow(&r->imps, &r->cap_imps, r->nr_imps, sizeof(*r->imps));
	memset(&r->imps[r->nr_imps], 0, sizeof(r->imps[0]));
	r->imps[r->nr_imps].name = name;
	r->imps[r->nr_imps].driver = RS_NO_ID;
	return &r->imps[r->nr_imps++];
}

static struct rs_group *rs_group_get(struct rs_report *r, uint32_t exporter, uint32_t trigger,
				     int revoke, uint32_t importer)
{
	struct rs_group *g;
	size_t i;

	if (r->last_group < r->nr_groups) {
		g = &r->groups[r->last_group];
		if (g->exporter == exporter && g->trigger == trigger && g->revoke == revoke &&
		    g->importer == importer)
			return g;
	}
	for (i = 0; i < r->nr_groups; i++) {
		g = &r->groups[i];
		if (g->exporter == exporter && g->trigger == trigger && g->revoke == revoke &&
		    g->importer == importer) {
			r->last_group = i;
			return g;
		}
	}
	rs_xgrow(&r->groups, &r->cap_groups, r->nr_groups, sizeof(*r->groups));
	g = &r->groups[r->nr_groups];
	memset(g, 0, sizeof(*g));
	g->exporter = exporter;
	g->trigger = trigger;
	g->revoke = revoke;
	g->importer = importer;
	r->last_group = r->nr_groups++;
	return g;
}

static void rs_stage(struct rs_report *r, uint32_t buf, uint32_t importer, int stage,
		     uint64_t ns)
{
	const struct rs_rep_buf *b = &r->bufs[buf];
	struct rs_group *g;

	/* attributed to a move begun before lost events: which move is not known */
	if (b->move_open && rs_gap_between(r, rs_buf_input(r, buf), b->move_ts, r->cur_ts)) {
		r->stage_withheld++;
		return;
	}
	g = rs_group_get(r, rs_buf_exporter(r, buf), b->move_open ? b->move_trigger : RS_NO_ID,
			 b->move_open ? b->move_revoke : -1, importer);
	if (!g->h[stage])
		g->h[stage] = rs_hist_new();
	rs_hist_record(g->h[stage], ns);
}

/* ------------------------------------------------------------ findings */

void rs_report_input_error(struct rs_report *r, uint32_t input, uint64_t line, const char *fmt, ...)
{
	struct rs_input_err *e;
	va_list ap;
	char msg[200];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->errs_total++;
	r->inputs[input].errors++;
	if (r->err && r->errs_total <= RS_MAX_ERR_PRINT)
		fprintf(r->err, "%s:%llu: %s\n", r->inputs[input].name, (unsigned long long)line, msg);
	else if (r->err && r->errs_total == RS_MAX_ERR_PRINT + 1)
		fprintf(r->err, "%s: more input errors; the report counts them all\n",
			r->inputs[input].name);
	if (r->nr_errs >= RS_MAX_ERR_RECS)
		return;
	rs_xgrow(&r->errs, &r->cap_errs, r->nr_errs, sizeof(*r->errs));
	e = &r->errs[r->nr_errs++];
	e->input = input;
	e->line = line;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
}

/*
 * A violation, dated ts, made by the events from since to until (the event that made
 * something due, and the one that showed it never came): claimed, or withheld when events
 * were lost in between.
 */
static void rs_violation(struct rs_report *r, int kind, uint32_t buf, const struct rs_att *a,
			 uint32_t trigger, uint64_t since, uint64_t until, uint64_t ts,
			 uint32_t input, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 11, 12)));

static void rs_violation(struct rs_report *r, int kind, uint32_t buf, const struct rs_att *a,
			 uint32_t trigger, uint64_t since, uint64_t until, uint64_t ts,
			 uint32_t input, uint64_t line, const char *fmt, ...)
{
	const struct rs_gap *gap = rs_gap_between(r, input, since, until);
	struct rs_viol_rec *v;
	char msg[sizeof(v->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (gap) {
		rs_withhold(r, kind, gap, input, since, until, line, r->bufs[buf].ino, msg);
		return;
	}
	r->viol_total[kind]++;
	if (a && a->importer != RS_NO_ID)
		rs_imp_get(r, a->importer)->violations++;
	if (r->bufs[buf].seg >= 0)
		r->segs[r->bufs[buf].seg].violation = 1;
	if (r->nr_viols >= RS_MAX_VIOL_RECS)
		return;
	rs_xgrow(&r->viols, &r->cap_viols, r->nr_viols, sizeof(*r->viols));
	v = &r->viols[r->nr_viols++];
	v->kind = kind;
	v->ts = ts;
	v->line = line;
	v->input = input;
	v->ino = r->bufs[buf].ino;
	v->attach = a ? a->ptr : 0;
	v->exporter = rs_buf_exporter(r, buf);
	v->importer = a ? a->importer : RS_NO_ID;
	v->trigger = trigger;
	v->since = since;
	v->until = until;
	memcpy(v->msg, msg, sizeof(v->msg));
}

static void rs_seg_open(struct rs_report *r, uint32_t buf, uint64_t ts)
{
	struct rs_rep_buf *b = &r->bufs[buf];
	struct rs_seg *s;

	b->seg = -1;
	if (r->nr_segs >= RS_MAX_SEGS) {
		r->segs_dropped++;
		return;
	}
	rs_xgrow(&r->segs, &r->cap_segs, r->nr_segs, sizeof(*r->segs));
	s = &r->segs[r->nr_segs];
	memset(s, 0, sizeof(*s));
	s->start = ts;
	s->buf = buf;
	s->revoke = b->move_revoke;
	s->trigger = b->move_trigger;
	b->seg = (int64_t)r->nr_segs++;
}

/* An attachment's pending unmap that will never come (detach, end of trace). */
static void rs_never_unmapped(struct rs_report *r, struct rs_att *a, const char *when,
			      uint64_t ts, uint32_t input, uint64_t line)
{
	char t[32], why[64];

	rs_fmt_ts(t, sizeof(t), a->inv_ts);
	if (a->inv_revoke < 0)
		snprintf(why, sizeof(why), "outside a VFIO revoke or restore");
	else
		snprintf(why, sizeof(why), "by a %s %s", rs_str(r, a->inv_trigger),
			 rs_dir_name(a->inv_revoke));
	/* dated at the invalidation, shown by everything up to ts */
	rs_violation(r, RS_VIOL_NEVER_UNMAPPED, a->buf, a, a->inv_trigger, a->inv_ts, ts, a->inv_ts,
		     a->inv_input, a->inv_line, "attachment %016llx (%s) of ino %llu invalidated at %s %s and never unmapped before %s",
		     (unsigned long long)a->ptr, rs_str(r, a->importer),
		     (unsigned long long)r->bufs[a->buf].ino, t, why, when);
	(void)input;
	(void)line;
	a->pending = false;
	if (r->bufs[a->buf].pending && a->inv_seq == r->bufs[a->buf].move_seq)
		r->bufs[a->buf].pending--;
}

/* ------------------------------------------------------------ events */

void rs_model_event(struct rs_report *r, const struct rs_ev *ev, uint32_t input, uint64_t line)
{
	uint32_t bi, imp = RS_NO_ID;
	struct rs_rep_buf *b;
	struct rs_att *a = NULL;
	char t[32];

	r->events++;
	r->ev_count[ev->type]++;
	r->cur_ts = ev->ts_ns;
	if (!r->have_ts) {
		r->ts_first = ev->ts_ns;
		r->have_ts = true;
	}
	if (ev->ts_ns > r->ts_last)
		r->ts_last = ev->ts_ns;
	bi = rs_buf_get(r, ev->num[F_INO], input);
	b = &r->bufs[bi];
	if ((ev->have & (1ULL << F_EXP_NAME)) && b->exp_name == RS_NO_ID)
		b->exp_name = rs_sv_id(r, ev, F_EXP_NAME);
	if ((ev->have & (1ULL << F_DEV)) && b->dev == RS_NO_ID)
		b->dev = rs_sv_id(r, ev, F_DEV);
	if (ev->have & (1ULL << F_SIZE))
		b->size = ev->num[F_SIZE];
	if (ev->have & (1ULL << F_DEV_NAME))
		imp = rs_sv_id(r, ev, F_DEV_NAME);
	if (ev->have & (1ULL << F_ATTACH)) {
		a = rs_att_get(r, ev->num[F_ATTACH], bi, input);
		if (a->buf != bi || a->detached) {	/* the pointer was reused */
			uint64_t key = a->key;

			if (a->pending)
				rs_never_unmapped(r, a, "its memory was reused", ev->ts_ns, input, line);
			memset(a, 0, sizeof(*a));
			a->key = key;
			a->ptr = ev->num[F_ATTACH];
			a->buf = bi;
			a->importer = a->inv_trigger = RS_NO_ID;
		}
		if (imp != RS_NO_ID)
			a->importer = imp;
	}

	switch (ev->type) {
	case EV_EXPORT:
		b->exported = true;
		b->last_move_ts = ev->ts_ns;
		break;
	case EV_DYN_ATTACH:
		rs_imp_get(r, imp)->attaches++;
		break;
	case EV_DETACH:
		rs_imp_get(r, imp)->detaches++;
		if (a->pending)
			rs_never_unmapped(r, a, "its detach", ev->ts_ns, input, line);
		a->detached = true;
		break;
	case EV_ATTACH_REJECTED:
		rs_imp_get(r, imp)->rejected++;
		break;
	case EV_MOVE_BEGIN:
		/* a move still open across lost events: its end may be what was lost */
		if (b->move_open && !rs_gap_between(r, input, b->move_ts, ev->ts_ns)) {
			rs_fmt_ts(t, sizeof(t), b->move_ts);
			rs_report_input_error(r, input, line,
					      "ino %llu: move_begin while the move begun at %s is open (events lost?)",
					      (unsigned long long)b->ino, t);
		}
		b->move_open = true;
		b->move_revoke = ev->num[F_REVOKE] != 0;
		b->move_trigger = rs_sv_id(r, ev, F_TRIGGER);
		b->move_ts = ev->ts_ns;
		b->move_line = line;
		b->move_input = input;
		b->move_seq++;
		b->pending = 0;
		b->had_invalidate = false;
		if (!b->move_revoke && b->last_move != 1 && (b->last_move == 0 || b->exported)) {
			rs_violation(r, RS_VIOL_RESTORE_WITHOUT_REVOKE, bi, NULL, b->move_trigger,
				     b->last_move_ts, ev->ts_ns, ev->ts_ns, input, line,
				     "ino %llu restored by %s without a revoke since %s",
				     (unsigned long long)b->ino, rs_str(r, b->move_trigger),
				     b->last_move == 0 ? "the previous restore" : "its export");
		}
		b->last_move = b->move_revoke;
		b->last_move_ts = ev->ts_ns;
		rs_seg_open(r, bi, ev->ts_ns);
		break;
	case EV_INV_BEGIN:
		b->inv_begin_ts = ev->ts_ns;
		b->had_invalidate = true;
		if (b->move_open && b->move_revoke) {
			b->revoked_window = true;
			b->window_ts = ev->ts_ns;
		}
		break;
	case EV_INV_ATTACH:
		/*
		 * revocable=0: the importer has no invalidate_mappings callback, was not told
		 * and owes no unmap (docs/trace-events.md); its duration covers nothing.
		 */
		if (!ev->num[F_REVOCABLE])
			break;
		rs_stage(r, bi, imp, ST_INV_ATTACH, ev->num[F_DURATION_NS]);
		rs_imp_get(r, imp)->invalidations++;
		/* a synchronous importer unmaps inside its callback: already M_UNMAPPED here */
		if (a->state == M_MAPPED) {
			uint32_t seq = b->move_open ? b->move_seq : 0;

			if (!a->pending) {
				a->pending = true;
				a->inv_ts = ev->ts_ns;
				a->inv_line = line;
				a->inv_input = input;
			} else if (a->inv_seq == seq) {
				break;		/* invalidated twice by one move */
			}
			/* (still pending from an earlier move: this move waits for it too) */
			a->inv_seq = seq;
			a->inv_trigger = b->move_open ? b->move_trigger : RS_NO_ID;
			a->inv_revoke = b->move_open ? b->move_revoke : -1;
			if (b->move_open)
				b->pending++;
		}
		break;
	case EV_INV_END:
		rs_stage(r, bi, RS_NO_ID, ST_INVALIDATE, ev->num[F_DURATION_NS]);
		break;
	case EV_MAP:
		rs_imp_get(r, imp)->maps++;
		if ((int64_t)ev->num[F_RET] < 0) {
			rs_imp_get(r, imp)->map_errors++;
			break;
		}
		if (b->revoked_window) {
			rs_fmt_ts(t, sizeof(t), b->move_ts);
			rs_violation(r, RS_VIOL_MAP_WHILE_REVOKED, bi, a, b->move_trigger, b->window_ts,
				     ev->ts_ns, ev->ts_ns, input, line,
				     "attachment %016llx (%s) mapped ino %llu (ret=0) while it was revoked (%s revoke begun at %s)",
				     (unsigned long long)a->ptr, rs_str(r, imp),
				     (unsigned long long)b->ino, rs_str(r, b->move_trigger), t);
		}
		a->state = M_MAPPED;
		break;
	case EV_UNMAP:
		rs_imp_get(r, imp)->unmaps++;
		if (a->pending || (int64_t)ev->num[F_SINCE_INV_NS] > 0) {
			uint64_t ns = (int64_t)ev->num[F_SINCE_INV_NS] > 0 ? ev->num[F_SINCE_INV_NS] :
				      ev->ts_ns - a->inv_ts;
			struct rs_group *g;

			rs_imp_get(r, imp)->unmaps_after_inv++;
			/* attributed to the move that invalidated it, even after move_end */
			if (rs_gap_between(r, input, a->pending ? a->inv_ts : b->move_open ? b->move_ts :
					   ev->ts_ns, ev->ts_ns)) {
				r->stage_withheld++;
				goto unmapped;
			}
			g = rs_group_get(r, rs_buf_exporter(r, bi),
					 a->pending ? a->inv_trigger : b->move_open ? b->move_trigger : RS_NO_ID,
					 a->pending ? a->inv_revoke : b->move_open ? b->move_revoke : -1, imp);
			if (!g->h[ST_UNMAP_AFTER_INV])
				g->h[ST_UNMAP_AFTER_INV] = rs_hist_new();
			rs_hist_record(g->h[ST_UNMAP_AFTER_INV], ns);
		}
unmapped:
		if (a->pending) {
			a->pending = false;
			if (b->move_open && a->inv_seq == b->move_seq && b->pending)
				b->pending--;
		}
		a->state = M_UNMAPPED;
		break;
	case EV_FENCE_WAIT:
		if (b->move_open)
			rs_stage(r, bi, RS_NO_ID, ST_FENCE, ev->num[F_DURATION_NS]);
		if (!ev->num[F_REVOKE])
			b->revoked_window = false;
		break;
	case EV_UNMAP_WAIT:
		rs_stage(r, bi, RS_NO_ID, ST_UNMAP_WAIT, ev->num[F_DURATION_NS]);
		break;
	case EV_UNMAP_WAIT_HUNG: {
		struct rs_hang_rec *h;
		struct rs_rep_importer *im = rs_imp_get(r, imp);

		r->hangs_total++;
		im->hangs++;
		if (im->driver == RS_NO_ID)
			im->driver = rs_sv_id(r, ev, F_DRIVER);
		if (b->seg >= 0)
			r->segs[b->seg].hung = 1;
		if (r->nr_hangs >= RS_MAX_HANG_RECS)
			break;
		rs_xgrow(&r->hangs, &r->cap_hangs, r->nr_hangs, sizeof(*r->hangs));
		h = &r->hangs[r->nr_hangs++];
		h->ts = ev->ts_ns;
		h->line = line;
		h->input = input;
		h->ino = b->ino;
		h->buf = bi;
		h->attach = a->ptr;
		h->mapped = ev->num[F_MAPPED];
		h->since_inv_ms = ev->num[F_SINCE_INV_MS];
		h->waited_ms = ev->num[F_WAITED_MS];
		h->exporter = rs_buf_exporter(r, bi);
		h->importer = imp;
		h->driver = rs_sv_id(r, ev, F_DRIVER);
		h->trigger = b->move_open ? b->move_trigger : RS_NO_ID;
		/* the kernel's line stands; which move it waited in does not, across a gap */
		if (b->move_open && rs_gap_between(r, input, b->move_ts, ev->ts_ns)) {
			h->trigger = RS_NO_ID;
			r->hangs_unattributed++;
		}
		break;
	}
	case EV_UNMAP_WAIT_STALLED:
		/*
		 * kernel-patches v2: the revoke still waits, but the report could not name the
		 * importer (resv lock contended, or no attachment the core counts as mapped)
		 */
		r->hangs_unnamed++;
		if (b->seg >= 0)
			r->segs[b->seg].hung = 1;
		break;
	case EV_MOVE_END:
		if (!b->move_open) {
			/* the trace began inside this move: count what we can */
			b->move_trigger = rs_sv_id(r, ev, F_TRIGGER);
			b->move_revoke = ev->num[F_REVOKE] != 0;
			b->move_open = true;
			b->last_move = b->move_revoke;
			rs_seg_open(r, bi, ev->ts_ns > ev->num[F_DURATION_NS] ?
				    ev->ts_ns - ev->num[F_DURATION_NS] : 0);
		}
		rs_stage(r, bi, RS_NO_ID, ST_MOVE, ev->num[F_DURATION_NS]);
		if (b->move_revoke && b->pending) {
			size_t i;

			for (i = 0; i < r->nr_atts; i++) {
				struct rs_att *x = &r->atts[i];

				if (x->buf != bi || !x->pending || x->inv_seq != b->move_seq)
					continue;
				rs_fmt_ts(t, sizeof(t), x->inv_ts);
				rs_violation(r, RS_VIOL_EARLY_MOVE_END, bi, x, b->move_trigger, x->inv_ts,
					     ev->ts_ns, ev->ts_ns, input, line,
					     "revoke of ino %llu (%s) ended while attachment %016llx (%s), invalidated at %s, was still mapped",
					     (unsigned long long)b->ino, rs_str(r, b->move_trigger),
					     (unsigned long long)x->ptr, rs_str(r, x->importer), t);
			}
		}
		if (!b->move_revoke) {
			b->revoked_window = false;
		} else if (!b->had_invalidate) {
			b->revoked_window = true;	/* no dma_buf events collected */
			b->window_ts = ev->ts_ns;
		}
		b->last_move_ts = ev->ts_ns;
		if (b->seg >= 0)
			r->segs[b->seg].end = ev->ts_ns;
		b->seg = -1;
		b->move_open = false;
		b->pending = 0;
		break;
	default:
		break;
	}
}

void rs_report_finish(struct rs_report *r)
{
	size_t i;

	if (r->finished)
		return;
	r->finished = true;
	for (i = 0; i < r->nr_atts; i++)
		if (r->atts[i].pending)
			rs_never_unmapped(r, &r->atts[i], "the end of the trace", r->ts_last, 0, 0);
	rs_gap_finish(r);
	for (i = 0; i < r->nr_bufs; i++)
		if (r->bufs[i].move_open)
			r->open_moves_at_end++;
}
