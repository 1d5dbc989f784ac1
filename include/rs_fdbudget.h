/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The descriptor budget (src/controller/fdbudget.c): RLIMIT_NOFILE's soft limit raised to
 * the hard one at the start of a run, the descriptors a scenario needs counted before any
 * device is touched, and a reserve held back so that results.json, KTAP and the state
 * file can be written at the end even when the run ran out of descriptors.
 */
#ifndef RS_FDBUDGET_H
#define RS_FDBUDGET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

/*
 * Upper bound of what one exporter or importer device holds open (vfio: the device and
 * an iommufd, or group, container and device; rdma: the verbs context, netlink sockets).
 */
#define RS_FDS_PER_DEVICE	8
/*
 * The run's own files: results.json and kcidb.json (written through a temporary),
 * intervals.jsonl, the state file, KTAP to a file, the kernel log, the wake pipe, the
 * signalfd, the hang bundle's files and sysfs reads.
 */
#define RS_FDS_RUN		32
/*
 * The tracer: per CPU its trace_pipe_raw, the splice pipe libtracefs reads it through and
 * the output file (4, with room); 8 more for trace_marker, trace.txt and perf's pipes.
 */
#define RS_FDS_TRACE_PER_CPU	4
#define RS_FDS_TRACE		8
/* Held (on /dev/null) for the whole run and closed before the last results are written. */
#define RS_FDS_RESERVE		16

struct rs_fd_need {
	uint64_t bufs;		/* dma-buf fds: every exporter's count */
	uint64_t imports;	/* fds imports hold: buffers x importers x the type's cost */
	unsigned int devices;	/* exporters + importers, RS_FDS_PER_DEVICE each */
	unsigned int trace;	/* 0, or RS_FDS_TRACE + RS_FDS_TRACE_PER_CPU x CPUs */
	unsigned int run;	/* RS_FDS_RUN */
	unsigned int reserve;	/* RS_FDS_RESERVE */
	uint64_t open;		/* already open when the run starts (stdio, the caller's) */
	uint64_t total;		/* all of the above: rs_fd_need_total() */
};

uint64_t rs_fd_need_total(struct rs_fd_need *n);

/*
 * Raise RLIMIT_NOFILE's soft limit to the hard one (the first call remembers the soft
 * limit the process was given, for rs_nofile_restore()).  *rl gets the limit in force.
 * 0 or -errno (then *rl is the unchanged limit, if it could be read).
 */
int rs_nofile_raise(struct rlimit *rl);
/*
 * In a child before exec: give back the soft limit the process started with (select()
 * users break above 1024).
 */
void rs_nofile_restore(void);

/*
 * Does n fit in rl?  0, or -EMFILE with why saying the numbers and the fix: the hard limit
 * to raise (`ulimit -Hn`, LimitNOFILE=, limits.conf) or the counts to lower.
 */
int rs_fd_budget_check(struct rs_fd_need *n, const struct rlimit *rl, char *why, size_t len);

/* Hold n descriptors back (on /dev/null); 0 or -errno. */
int rs_fd_reserve_take(unsigned int n);
/* Close them: the last writes of a run have room.  Async-signal-safe. */
void rs_fd_reserve_release(void);

#endif /* RS_FDBUDGET_H */
