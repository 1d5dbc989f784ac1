/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `revokestorm report`: read collected kernel events (perf script text, perf trace
 * output, tracefs trace text; docs/trace-events.md), break every revoke down into its
 * stages per exporter, trigger and importer, list hung-importer detections, and check
 * the revoke protocol over the ordered event stream.  docs/reading-a-report.md.
 *
 * Streaming: input is read in blocks and parsed line by line; memory grows with the
 * number of distinct dma-bufs, attachments, names and findings (findings kept in detail
 * are capped, all are counted), never with the number of events.
 */
#ifndef RS_REPORT_H
#define RS_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define RS_REPORT_SCHEMA_VERSION	1

enum rs_report_format {
	RS_FMT_UNKNOWN,
	RS_FMT_PERF_SCRIPT,	/* perf script: comm pid [cpu] secs.usecs: group:event: fields */
	RS_FMT_PERF_TRACE,	/* perf trace: msecs comm/tid group:event(field: value, ...) */
	RS_FMT_TRACEFS,		/* tracefs trace/trace_pipe: comm-pid [cpu] flags secs.usecs: event: fields */
	RS_FMT_NR,
};

/* The protocol invariants (docs/reading-a-report.md). */
enum rs_violation_kind {
	RS_VIOL_MAP_WHILE_REVOKED,	/* (a) a map succeeded while the dma-buf was revoked */
	RS_VIOL_NEVER_UNMAPPED,		/* (b) an invalidated attachment was never unmapped */
	RS_VIOL_EARLY_MOVE_END,		/* (c) a revoke returned before all its unmaps */
	RS_VIOL_RESTORE_WITHOUT_REVOKE,	/* (d) a restore not preceded by a revoke */
	RS_VIOL_NR,
};

struct rs_report;

struct rs_report *rs_report_new(void);
void rs_report_free(struct rs_report *r);
/*
 * Parse one input: a trace file, "-" for stdin, or a results directory (its trace.txt,
 * or perf.data through `perf script`; results.json for the header).  Garbled lines are
 * reported on stderr as "FILE:LINE: what is wrong" and counted; parsing continues.
 * Returns 0, or -errno when the input cannot be read at all (said on stderr).
 */
int rs_report_feed_path(struct rs_report *r, const char *path);
/* Parse a stream; name is used in messages. */
int rs_report_feed_stream(struct rs_report *r, FILE *f, const char *name);
/* End of input: attachments still waiting for an unmap become violations. */
void rs_report_finish(struct rs_report *r);

int rs_report_write_text(struct rs_report *r, FILE *f);
int rs_report_write_json(struct rs_report *r, FILE *f);
int rs_report_write_html(struct rs_report *r, FILE *f);

/* Results, for tests and the exit code. */
uint64_t rs_report_events(const struct rs_report *r);		/* recognised events */
uint64_t rs_report_input_errors(const struct rs_report *r);	/* garbled/truncated lines */
uint64_t rs_report_hangs(const struct rs_report *r);
uint64_t rs_report_violations(const struct rs_report *r, int kind);	/* kind -1: all */
/* Violations not claimed because their evidence spans lost events; kind -1: all. */
uint64_t rs_report_withheld(const struct rs_report *r, int kind);
uint64_t rs_report_gaps(const struct rs_report *r);	/* places where events were lost */
enum rs_report_format rs_report_detected(const struct rs_report *r);	/* of the last input */
const char *rs_report_format_name(enum rs_report_format f);
/* count and percentile (ns) of a breakdown stage, summed over every group; 0 if none. */
uint64_t rs_report_stage_count(const struct rs_report *r, const char *stage);
uint64_t rs_report_stage_pct(const struct rs_report *r, const char *stage, double pct);
/* One protocol violation the model found (the first 10,000 are kept; all are counted). */
struct rs_report_finding {
	int kind;		/* enum rs_violation_kind */
	uint64_t ts_ns;		/* the event's timestamp, in the trace's clock */
	uint64_t ino;		/* the dma-buf */
	uint64_t line;		/* in its input */
	const char *input;	/* the input's name */
	const char *msg;
};
size_t rs_report_nr_findings(const struct rs_report *r);
bool rs_report_finding(const struct rs_report *r, size_t i, struct rs_report_finding *f);
const char *rs_report_viol_label(int kind);
/* First and last event timestamp read; false when no event was read. */
bool rs_report_span(const struct rs_report *r, uint64_t *first, uint64_t *last);
/* Events the tracer says it lost (tracefs LOST lines, perf LOST records), all inputs. */
uint64_t rs_report_lost(const struct rs_report *r);
/*
 * May events be missing between t0 and t1?  Nothing in such a span may be concluded
 * from the trace.  Where the inputs do not say when they lost events, every span may.
 */
bool rs_report_gap(const struct rs_report *r, uint64_t t0, uint64_t t1);
/* Does the model know where events were lost (and so withholds only what spans a gap)? */
/* 0 clean, 1 violations or hangs, 2 bad input, 4 clean where checked but events were lost. */
int rs_report_exit_code(const struct rs_report *r);
/* Where "FILE:LINE: ..." messages go (default stderr); NULL silences them. */
void rs_report_set_errfile(struct rs_report *r, FILE *f);

/* `revokestorm report [--format text|json|html] [-o FILE] INPUT...` */
int rs_report_main(int argc, char **argv);

#endif /* RS_REPORT_H */
