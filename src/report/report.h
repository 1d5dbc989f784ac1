/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of `revokestorm report` (src/report/): the parsed event, the model the
 * events drive, and the writers' view of it.
 */
#ifndef RS_REPORT_INT_H
#define RS_REPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "rs_hist.h"
#include "rs_report.h"

enum rs_ev_type {
	EV_NONE,
	EV_EXPORT, EV_PUT, EV_MMAP, EV_MMAP_INTERNAL, EV_FD, EV_GET,
	EV_DYN_ATTACH, EV_DETACH,
	EV_INV_BEGIN, EV_INV_ATTACH, EV_INV_END, EV_MAP, EV_UNMAP, EV_ATTACH_REJECTED,
	EV_UNMAP_WAIT_HUNG, EV_UNMAP_WAIT_STALLED,
	EV_MOVE_BEGIN, EV_FENCE_WAIT, EV_UNMAP_WAIT, EV_MOVE_END,
	EV_MOCK_ATTACH, EV_MOCK_INVALIDATE, EV_MOCK_UNMAP, EV_MOCK_FENCE,
	EV_NR,
};

/* Fields, as bits of rs_ev.have. */
enum rs_field {
	F_EXP_NAME, F_SIZE, F_INO, F_ATTACH, F_IS_DYNAMIC, F_DEV_NAME, F_NR_ATTACH,
	F_DURATION_NS, F_REVOCABLE, F_PEER2PEER, F_RET, F_SINCE_INV_NS, F_ERR, F_DRIVER,
	F_MAPPED, F_SINCE_INV_MS, F_WAITED_MS, F_DEV, F_REVOKE, F_TRIGGER, F_FD, F_HANDLE,
	F_BEHAVIOUR, F_REASON, F_DELAY_MS, F_VAL,
	F_NR,
};

struct rs_sv {			/* a string view into the line */
	const char *s;
	size_t len;
};

struct rs_ev {
	enum rs_ev_type type;
	int cpu;		/* -1: the line does not say */
	uint64_t ts_ns;
	uint64_t have;		/* 1 << enum rs_field */
	uint64_t num[F_NR];	/* numeric fields (signed ones as two's complement) */
	struct rs_sv str[F_NR];	/* string fields */
	char why[160];		/* what is wrong with the line, when the parser says so */
};

struct rs_ev_info {
	const char *name;
	const char *group;
	uint64_t need;		/* fields a valid line must have */
};

extern const struct rs_ev_info rs_ev_info[EV_NR];
extern const char *const rs_triggers[8];

/* Breakdown stages. */
enum rs_stage {
	ST_MOVE,		/* move_begin .. move_end (duration_ns) */
	ST_INVALIDATE,		/* invalidate_begin .. invalidate_end */
	ST_INV_ATTACH,		/* one importer's invalidate_mappings callback */
	ST_FENCE,		/* fence wait */
	ST_UNMAP_WAIT,		/* completion wait: every importer unmapped */
	ST_UNMAP_AFTER_INV,	/* an importer's unmap, since its invalidation */
	ST_NR,
};

extern const char *const rs_stage_key[ST_NR];	/* "move", "invalidate", ... */
extern const char *const rs_stage_label[ST_NR];

/* ------------------------------------------------------------ the model */

#define RS_NO_ID	0xffffffffu

struct rs_group {
	uint32_t exporter, trigger, importer;	/* string ids; importer RS_NO_ID: the buffer */
	int revoke;				/* 1 revoke, 0 restore, -1 outside a move */
	struct rs_hist *h[ST_NR];
};

struct rs_rep_importer {
	uint32_t name, driver;
	uint64_t attaches, detaches, maps, map_errors, unmaps, unmaps_after_inv, invalidations,
		 rejected, hangs, violations;
};

struct rs_hang_rec {
	uint64_t ts, line, ino, attach, mapped, since_inv_ms, waited_ms;
	uint32_t input, exporter, importer, driver, trigger, buf;
};

struct rs_viol_rec {
	int kind;
	uint64_t since, until;	/* the events that make it: a gap between withholds it */
	uint64_t ts, line, ino, attach;
	uint32_t input, exporter, importer, trigger;
	char msg[200];
};

struct rs_input_err {
	uint32_t input;
	uint64_t line;
	char msg[200];
};

struct rs_seg {			/* timeline: one move of one dma-buf */
	uint64_t start, end;	/* end 0: never ended */
	uint32_t buf;		/* index into bufs */
	uint8_t revoke, hung, violation;
	uint32_t trigger;
};

struct rs_rep_buf;
struct rs_att;

/*
 * Where an input lost events (report_gaps.c): the lost events' times lie strictly between
 * after and before (0 / UINT64_MAX: unbounded on that side).
 */
struct rs_gap {
	uint32_t input;
	int cpu;		/* -1: the input did not say */
	int64_t lost;		/* -1: not counted */
	uint64_t after, before;
	bool open;		/* from a LOST line: before is that CPU's next event, not seen yet */
};

/* A verdict not claimed because its evidence spans a gap. */
struct rs_withheld_rec {
	int kind;		/* enum rs_violation_kind */
	uint32_t input, gap;	/* gap: index into gaps */
	uint64_t since, ts, line, ino;
	char msg[200];
};

struct rs_input {
	char *name;
	enum rs_report_format fmt;
	uint64_t lines, events, ignored, errors, lost;
	uint64_t lost_uncounted;	/* LOST lines without a count */
	bool truncated;
	bool gap_header;		/* "# revokestorm-gap" lines said every gap up front */
	uint64_t *cpu_last;		/* per CPU: time of its last line */
	size_t nr_cpu_last;
};

#define RS_MAX_HANG_RECS	10000
#define RS_MAX_VIOL_RECS	10000
#define RS_MAX_ERR_RECS		1000
#define RS_MAX_ERR_PRINT	20
#define RS_MAX_SEGS		20000
#define RS_MAX_GAPS		10000
#define RS_MAX_WITHHELD_RECS	10000

struct rs_report {
	FILE *err;
	/* strings */
	char **strs;
	size_t nr_strs, cap_strs;
	uint32_t *str_tab;		/* open addressing: id + 1, 0 empty */
	size_t str_tab_size;
	/* dma-bufs and attachments, by ino / attachment pointer */
	struct rs_rep_buf *bufs;
	size_t nr_bufs, cap_bufs;
	uint32_t *buf_tab;
	size_t buf_tab_size;
	struct rs_att *atts;
	size_t nr_atts, cap_atts;
	uint32_t *att_tab;
	size_t att_tab_size;
	/* breakdown */
	struct rs_group *groups;
	size_t nr_groups, cap_groups;
	size_t last_group;		/* the one found last: the next event's, most often */
	struct rs_rep_importer *imps;
	size_t nr_imps, cap_imps;
	/* findings */
	struct rs_hang_rec *hangs;
	size_t nr_hangs, cap_hangs;
	uint64_t hangs_total;
	uint64_t hangs_unnamed;		/* dma_buf_unmap_wait_stalled: a report naming no importer */
	struct rs_viol_rec *viols;
	size_t nr_viols, cap_viols;
	uint64_t viol_total[RS_VIOL_NR];
	struct rs_input_err *errs;
	size_t nr_errs, cap_errs;
	uint64_t errs_total;
	struct rs_seg *segs;
	size_t nr_segs, cap_segs;
	uint64_t segs_dropped;
	/* gaps in the events, and what was not claimed across them */
	struct rs_gap *gaps;
	size_t nr_gaps, cap_gaps;
	uint64_t gaps_total;
	struct rs_withheld_rec *withheld;
	size_t nr_withheld, cap_withheld;
	uint64_t withheld_total[RS_VIOL_NR];
	uint64_t stage_withheld;	/* breakdown samples whose move spans a gap */
	uint64_t hangs_unattributed;	/* hung-importer lines whose trigger spans a gap */
	uint64_t cur_ts;		/* the event being modelled */
	/* inputs */
	struct rs_input *inputs;
	size_t nr_inputs, cap_inputs;
	uint64_t ev_count[EV_NR];
	uint64_t events, ts_first, ts_last;
	bool have_ts, finished;
	uint64_t open_moves_at_end;
	/* results.json of a results directory */
	char *res_scenario, *res_status, *res_seed, *res_kernel, *res_dir;
	struct rs_res_counter {		/* importers' own counters (rs_count()) */
		char *importer, *name;
		uint64_t value;
	} *res_cnt;
	size_t nr_res_cnt;
};

/* gaps.c */
bool rs_gap_header_line(struct rs_report *r, uint32_t input, const char *line, size_t len);
bool rs_gap_lost_line(struct rs_report *r, uint32_t input, const char *line, size_t len);
void rs_gap_line_seen(struct rs_report *r, uint32_t input, int cpu, uint64_t ts);
/* The first gap of input whose lost events could lie in [since, until], or NULL. */
const struct rs_gap *rs_gap_between(const struct rs_report *r, uint32_t input, uint64_t since,
				    uint64_t until);
void rs_withhold(struct rs_report *r, int kind, const struct rs_gap *g, uint32_t input,
		 uint64_t since, uint64_t ts, uint64_t line, uint64_t ino, const char *msg);
/* End of input: violations found before a gap that covers them was read become withheld. */
void rs_gap_finish(struct rs_report *r);
/* "5123 events lost between 41.205118207 and 41.262000031 on CPU 1" */
void rs_gap_text(const struct rs_gap *g, char *buf, size_t len);
/* "could not be checked: <the gap>: <what would have been claimed>" */
void rs_withheld_text(const struct rs_report *r, const struct rs_withheld_rec *w, char *buf,
		      size_t len);
uint64_t rs_withheld_count(const struct rs_report *r);	/* verdicts, samples and attributions */
/* parse.c */
enum rs_report_format rs_parse_line(const char *line, size_t len, enum rs_report_format hint,
				    struct rs_ev *ev, const char **why);
/* model.c */
uint32_t rs_str_id(struct rs_report *r, const char *s, size_t len);
static inline const char *rs_str(const struct rs_report *r, uint32_t id)
{
	return id == RS_NO_ID ? "-" : r->strs[id];
}
void rs_model_event(struct rs_report *r, const struct rs_ev *ev, uint32_t input, uint64_t line);
void rs_report_input_error(struct rs_report *r, uint32_t input, uint64_t line,
			   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const char *rs_viol_key(int kind);
const char *rs_viol_label(int kind);
uint64_t rs_buf_ino(const struct rs_report *r, uint32_t buf);
uint32_t rs_buf_input(const struct rs_report *r, uint32_t buf);	/* index into inputs */
uint32_t rs_buf_exporter(const struct rs_report *r, uint32_t buf);
const char *rs_dir_name(int revoke);

/* fmt.c: what the text, JSON and HTML forms (text.c, json.c, html.c) share */
#define RS_NR_PCTS	4
extern const double rs_pcts[RS_NR_PCTS];	/* 50, 90, 99, 99.9 */
void rs_fmt_ns(char *buf, size_t len, uint64_t ns);
void rs_fmt_ts(char *buf, size_t len, uint64_t ns);
int rs_group_cmp(const struct rs_report *r, const struct rs_group *a, const struct rs_group *b);
size_t *rs_sorted_groups(const struct rs_report *r);
uint64_t rs_findings(const struct rs_report *r);	/* hangs and violations */
const char *rs_rep_verdict(const struct rs_report *r);	/* one line */

#endif /* RS_REPORT_INT_H */
