/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel event collection during a run: a private tracefs instance (default) or a
 * `perf record` child, with the stock dma_buf events and the patch set's events.
 * See docs/trace-events.md.
 */
#ifndef RS_TRACE_H
#define RS_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rs_trace_mode {
	RS_TRACE_OFF,
	RS_TRACE_TRACEFS,	/* private instance; DIR/trace.raw, then text into DIR/trace.txt */
	RS_TRACE_PERF,		/* perf record -a into DIR/perf.data */
};

struct rs_trace_opts {
	const char *root;	/* tracefs mount; NULL: find it */
	double events_per_s;	/* expected peak event rate: sizes the ring buffer */
	size_t buffer_kb;	/* per-CPU ring buffer; 0: from events_per_s */
	/*
	 * Called with the instance's path before it is made, and with perf's pid once it is
	 * spawned (before it records): what the start leaves behind is on record before it
	 * exists, so a crash inside the start (seconds, while buffers are sized) leaves
	 * nothing the next start cannot find.  NULL: nobody records.
	 */
	void (*made)(void *arg, const char *instance, int perf_pid);
	void *made_arg;
};

/* Where the kernel dropped events of one CPU (tracefs). */
struct rs_trace_gap {
	int cpu;
	long long lost;		/* -1: some, count unknown */
	uint64_t after_ns;	/* last event of that CPU before the gap (0: none) */
	uint64_t before_ns;	/* first event after it (0: none: the losses are unplaced) */
};

/* What a finished tracefs recording holds (rs_trace_info()). */
struct rs_trace_info {
	bool done;
	uint64_t events;		/* event lines in trace.txt */
	long long lost;			/* events the kernel dropped */
	const struct rs_trace_gap *gaps;
	size_t nr_gaps;
	size_t buffer_kb;		/* per-CPU ring buffer obtained */
	int nr_cpus;
	uint64_t raw_bytes;		/* sub-buffers recorded */
	uint64_t recorder_cpu_ns;	/* CPU time of the per-CPU readers during the run */
	uint64_t convert_cpu_ns;	/* CPU time of writing trace.txt after it */
};

/* One event group and whether this kernel has it. */
struct rs_trace_group {
	const char *group;	/* tracefs events/<group> */
	const char *probe;	/* an event that tells whether the group is ours or stock */
	const char *provides;	/* what a report gets from it */
	bool patched;		/* comes from kernel-patches/ */
	bool present;
};

struct rs_trace;

/*
 * Start collecting into dir (opts may be NULL).  On failure returns -errno with why
 * filled; a kernel without the patch set is not a failure: rs_trace_missing() says what it
 * lacks.
 */
int rs_trace_start(struct rs_trace **tp, enum rs_trace_mode mode,
		   const struct rs_trace_opts *opts, const char *dir, char *why, size_t whylen);
/* Write a line into the event stream (trace_marker), e.g. userspace phase boundaries. */
void rs_trace_mark(struct rs_trace *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Copy the last max_lines collected so far into path (hang bundles). */
int rs_trace_snapshot(struct rs_trace *t, const char *path, size_t max_lines);
/*
 * Stop collecting and write out everything collected (trace.txt, perf.data); t stays for
 * rs_trace_info() and rs_trace_lost().  0, or -errno with why.  Safe on NULL; idempotent.
 */
int rs_trace_finish(struct rs_trace *t, char *why, size_t whylen);
/* Finish if not yet done, remove the instance, free.  Safe on NULL. */
void rs_trace_stop(struct rs_trace *t);
/* The same; 0, or -errno with why saying what went wrong (perf failed, data incomplete). */
int rs_trace_stop_checked(struct rs_trace *t, char *why, size_t whylen);

/*
 * perf's pid, the leader of its own process group (0 if none).  What the collection leaves
 * behind if we die is handed to rs_trace_opts.made as it is made.
 */
int rs_trace_perf_pid(const struct rs_trace *t);

/* The groups and their presence, for results and for "what is missing" messages. */
const struct rs_trace_group *rs_trace_groups(const struct rs_trace *t, size_t *nr);
/* "vfio_pci dma_buf_mock (kernel-patches/ not applied)" or "" when nothing is missing. */
const char *rs_trace_missing(const struct rs_trace *t);
/* Events lost to full buffers (tracefs per_cpu stats), or -1 if unknown (perf, off). */
long long rs_trace_lost(const struct rs_trace *t);
/* After rs_trace_finish() of a tracefs recording: what it holds; else NULL. */
const struct rs_trace_info *rs_trace_info(const struct rs_trace *t);
/*
 * "5 events lost between 12.000001000 and 12.000345000 on CPU 1" (trace clock seconds),
 * for KTAP, results and the report's "could not be checked" lines.
 */
void rs_trace_gap_text(const struct rs_trace_gap *g, char *buf, size_t len);
/* The clock of the event times: "mono" (tracefs), "CLOCK_MONOTONIC" (perf); NULL: off. */
const char *rs_trace_clock(const struct rs_trace *t);

/* Parse "off", "tracefs", "perf". */
int rs_trace_mode_parse(const char *s, enum rs_trace_mode *mode);
/* Is path (which must exist) on a file system of type fstype in the mounts table? */
bool rs_path_fs_is(const char *path, const char *mounts, const char *fstype);
/* Find the tracefs mount point; NULL if none. */
const char *rs_tracefs_root(void);

#endif /* RS_TRACE_H */
