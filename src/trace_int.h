/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The collection's state, shared by its tracefs half (trace.c) and its perf half
 * (trace_perf.c).  Private to them: everyone else goes through rs_trace.h.
 */
#ifndef RS_TRACE_INT_H
#define RS_TRACE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "rs_trace.h"

/* the event groups trace.c knows (rs_trace_groups_init) */
#define RS_NR_GROUPS 6

/* Events enabled per group: NULL = the whole group. */
extern const char *const rs_trace_only[RS_NR_GROUPS][3];

struct tracefs_instance;
struct rs_trace_rec;
struct rs_trace_cpu_stats;

struct rs_trace {
	enum rs_trace_mode mode;
	char *root;		/* tracefs mount */
	char *inst;		/* our instance directory */
	char *dir;		/* results directory */
	char *out_path;		/* trace.txt or perf.data */
	char *rec_path;		/* where perf records, when not out_path (see rs_perf_start) */
	struct rs_trace_group groups[RS_NR_GROUPS];
	char missing[256];
	/* tracefs */
	struct tracefs_instance *instance;
	struct rs_trace_rec *rec;
	char *raw_dir;		/* DIR/trace.raw: the per-CPU sub-buffers and their formats */
	bool marker_ok;
	size_t want_kb, buffer_kb;
	void (*made)(void *arg, const char *instance, int perf_pid);	/* rs_trace_opts */
	void *made_arg;
	int nr_cpus;
	struct rs_trace_cpu_stats *stats;	/* per CPU, after the recorder stopped */
	struct rs_trace_info info;
	struct rs_trace_gap *gaps;
	pthread_mutex_t snap_lock;
	pthread_rwlock_t mark_lock;	/* rs_trace_mark() against the instance's removal */
	bool created, finished, removed;
	/* perf */
	pid_t perf_pid;
	int perf_ctl, perf_ack;	/* perf's --control pipes (ours: write, read), -1 if none */
};

/* trace_perf.c: spawn `perf record` into t->dir and wait until it records; 0 or -errno, why */
int rs_perf_start(struct rs_trace *t, char *why, size_t whylen);
/* Stop perf; say in why if it did not write a whole perf.data. */
int rs_perf_stop(struct rs_trace *t, char *why, size_t whylen);

#endif
