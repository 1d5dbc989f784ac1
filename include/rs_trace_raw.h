/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tracefs recorder's parts (src/trace.c drives them):
 *  - src/trace_rec.c: one thread per CPU splices the instance's per_cpu/cpuN/trace_pipe_raw
 *    sub-buffers into RAWDIR/cpuN, as `trace-cmd record` does (libtracefs tracefs_cpu_*);
 *  - src/trace_text.c: after the run (or for a hang bundle), RAWDIR's sub-buffers are
 *    parsed with libtraceevent (kbuffer + tep) into the kernel's own trace text, merged by
 *    time, with a "CPU:N [LOST n EVENTS]" line where the kernel dropped events;
 *  - src/trace_size.c: the ring buffer size for the scenario's expected event rate.
 *
 * RAWDIR is self-contained: events/header_page and the enabled events' format files in
 * tracefs layout (libtracefs' tracefs_local_events() reads it), saved_cmdlines, the
 * per-CPU sub-buffers cpuN and their ring-buffer statistics cpuN.stats.
 */
#ifndef RS_TRACE_RAW_H
#define RS_TRACE_RAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rs_trace.h"

struct tracefs_instance;
struct rs_scenario;

/* Per-CPU ring-buffer statistics (per_cpu/cpuN/stats); lost() sums what was dropped. */
struct rs_trace_cpu_stats {
	long long entries, overrun, commit_overrun, dropped, read;
	bool valid;
};

static inline long long rs_trace_stats_lost(const struct rs_trace_cpu_stats *s)
{
	return s->valid ? s->overrun + s->commit_overrun + s->dropped : 0;
}

/* Parse the text of a per_cpu/cpuN/stats file; 0 or -EINVAL. */
int rs_trace_stats_parse(const char *text, struct rs_trace_cpu_stats *s);

/* ------------------------------------------------------------ recorder */

struct rs_trace_rec;

/*
 * Start one reader per CPU of inst (its per_cpu/cpuN directories) writing RAWDIR/cpuN.
 * subbuf_size: the ring buffer's sub-buffer size (events/header_page).
 */
int rs_trace_rec_start(struct rs_trace_rec **rp, struct tracefs_instance *inst,
		       const char *rawdir, int subbuf_size, char *why, size_t whylen);
/* Everything the kernel has recorded so far reaches the files (hang bundles); 0 or -errno. */
int rs_trace_rec_flush(struct rs_trace_rec *r, int timeout_ms);
/*
 * Drain the buffers (tracing must be off), stop the readers, save each CPU's statistics
 * (RAWDIR/cpuN.stats and stats[], nr_cpus long); 0 or -errno with why.
 */
int rs_trace_rec_stop(struct rs_trace_rec *r, struct rs_trace_cpu_stats *stats,
		      char *why, size_t whylen);
/* Stop (without the statistics) and free.  Safe on NULL. */
void rs_trace_rec_free(struct rs_trace_rec *r);
int rs_trace_rec_nr_cpus(const struct rs_trace_rec *r);
/* Bytes written so far, over all CPUs. */
uint64_t rs_trace_rec_bytes(const struct rs_trace_rec *r);
/* CPU time (user + system) the readers used, in ns; complete after rs_trace_rec_stop(). */
uint64_t rs_trace_rec_cpu_ns(const struct rs_trace_rec *r);

/* ------------------------------------------------------------ text */

struct rs_trace_text_res {
	uint64_t events;	/* event lines written */
	long long lost;		/* events lost, by the statistics (else by the gaps' counts) */
	struct rs_trace_gap *gaps;
	size_t nr_gaps;
};

void rs_trace_text_res_free(struct rs_trace_text_res *res);

/*
 * RAWDIR (nr_cpus CPUs) as tracefs text into out.  stats (NULL: none) give each CPU's loss
 * count, placed on the gaps whose count the sub-buffers did not keep.  tail_bytes: only
 * the last that many bytes of each CPU file (0: all).  0 or -errno with why.
 */
int rs_trace_text(const char *rawdir, int nr_cpus, const struct rs_trace_cpu_stats *stats,
		  size_t tail_bytes, FILE *out, struct rs_trace_text_res *res, char *why,
		  size_t whylen);

/* ------------------------------------------------------------ size */

/* Events per second the scenario's triggers and traffic make at their peak. */
double rs_trace_expected_rate(const struct rs_scenario *scn);
/*
 * Per-CPU ring-buffer size (KiB) holding a second of events at events_per_s, between 8 MiB
 * and 64 MiB or mem_total_kb / 16 over nr_cpus.
 */
size_t rs_trace_buffer_kb(double events_per_s, uint64_t mem_total_kb, int nr_cpus);

#endif /* RS_TRACE_RAW_H */
