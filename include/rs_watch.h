/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Watching the kernel and ourselves during a run (soak): kernel log reports with an
 * allowlist, taint before/after, and our own RSS and fd count for leak checks.
 */
#ifndef RS_WATCH_H
#define RS_WATCH_H

#include <stdbool.h>
#include <stddef.h>

struct rs_watch;

/* A kernel log line that reports a problem, as seen by the watcher. */
struct rs_klog_report {
	char *line;		/* "[  12.345678] WARNING: CPU: 0 PID: 1 at ..." */
	bool allowed;		/* matched the allowlist: recorded, does not fail the run */
	bool hung_importer;	/* the patch set's hung-importer warning: a finding, not a splat */
};

/*
 * Start following /dev/kmsg from now.  allow_file: one POSIX extended regex per line
 * (# comments), or NULL.  0, or -errno with why (a bad regex names file:line).
 */
int rs_watch_start(struct rs_watch **wp, const char *allow_file, char *why, size_t whylen);
/* A copy of the reports so far, the caller's to free with rs_klog_reports_free(). */
struct rs_klog_report *rs_watch_reports(struct rs_watch *w, size_t *nr);
void rs_klog_reports_free(struct rs_klog_report *r, size_t nr);
/* How many reports so far. */
size_t rs_watch_count(struct rs_watch *w);
/* Reports that fail the run (not allowed, not hung-importer findings). */
size_t rs_watch_failures(struct rs_watch *w);
void rs_watch_stop(struct rs_watch *w);

/* The dma-buf inode a hung-importer report names ("dma-buf: X ino 42: hung importer ..."), or 0. */
unsigned long rs_klog_hung_ino(const char *line);
/* Classify one kernel log message (without timestamp); exposed for tests. */
enum rs_klog_class { RS_KLOG_NONE, RS_KLOG_REPORT, RS_KLOG_HUNG_IMPORTER };
enum rs_klog_class rs_klog_classify(const char *msg);

/* /proc/sys/kernel/tainted, and its letters as the kernel prints them ("G W  O"). */
unsigned long rs_taint_read(void);
void rs_taint_letters(unsigned long taint, char *buf, size_t len);

/* Our own resource use, for leak checks across soak intervals. */
struct rs_health {
	long rss_kb;			/* -1: could not be read */
	int fds;			/* -1: could not be counted */
	int threads;
	unsigned long taint;
};

void rs_health_sample(struct rs_health *h);

#endif /* RS_WATCH_H */
