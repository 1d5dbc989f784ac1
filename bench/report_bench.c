// SPDX-License-Identifier: GPL-2.0
/*
 * `revokestorm report` parse rate (not a test: nothing passes or fails on a number).
 *
 * Writes N million synthetic but protocol-correct events (64 dma-bufs on 4 VFIO devices,
 * two importers each, revoke + restore cycles with seeded random durations) as
 * `perf script` text and as tracefs text, then times rs_report_feed_path() + finish on
 * one thread (CPU time of this process, which is single-threaded while parsing).  With
 * --perf (and perf installed) it also records context switches with
 * `perf bench sched pipe` and times `perf script` writing them, for the rate perf
 * itself produces tracepoint text; the events differ from ours (sched_switch), so that
 * number is a yardstick, not a like-for-like comparison.
 *
 * usage: report_bench [-n MILLIONS] [--keep] [--perf] [--dir DIR]
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "rs_report.h"
#include "rs_util.h"

#define NR_BUFS		64
#define NR_DEVS		4

static const char *const trig[] = { "command_memory", "flr", "reset", "pm_d3hot" };

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct gen {
	FILE *f;
	bool tracefs;
	uint64_t us, n, seed;
};

static void line(struct gen *g, int cpu, const char *grp, const char *ev, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void line(struct gen *g, int cpu, const char *grp, const char *ev, const char *fmt, ...)
{
	va_list ap;

	g->us += 1 + rs_splitmix64(&g->seed) % 7;
	if (g->tracefs)
		fprintf(g->f, "     revokestorm-%-7d [%03d] ..... %6llu.%06llu: %s: ", 1191, cpu,
			(unsigned long long)(g->us / 1000000), (unsigned long long)(g->us % 1000000), ev);
	else
		fprintf(g->f, "     revokestorm   %d [%03d] %6llu.%06llu: %*s:%s: ", 1191, cpu,
			(unsigned long long)(g->us / 1000000), (unsigned long long)(g->us % 1000000),
			(int)(38 - strlen(ev)), grp, ev);
	va_start(ap, fmt);
	vfprintf(g->f, fmt, ap);
	va_end(ap);
	fputc('\n', g->f);
	g->n++;
}

#define EXPF "exp_name=vfio_pci_core size=16384 ino=%u"

static void attach_line(struct gen *g, const char *ev, unsigned int ino, int k, const char *tail,
			uint64_t v)
{
	line(g, k, "dma_buf", ev, EXPF " attachment:%016x is_dynamic=1 dev_name=0000:00:%02x.0 %s%llu",
	     ino, 0xa1b20000u + ino * 2 + k, 8 + k, tail, (unsigned long long)v);
}

static uint64_t gen_file(const char *path, bool tracefs, uint64_t want)
{
	struct gen g = { .tracefs = tracefs, .us = 100000000, .seed = 42 };
	unsigned int i, ino;
	int k;

	g.f = fopen(path, "w");
	if (!g.f) {
		fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	for (i = 0; i < NR_BUFS; i++) {
		ino = 4000 + i;
		line(&g, 0, "dma_buf", "dma_buf_export", EXPF, ino);
		for (k = 0; k < 2; k++) {
			line(&g, 0, "dma_buf", "dma_buf_dynamic_attach",
			     EXPF " attachment:%016x is_dynamic=1 dev_name=0000:00:%02x.0", ino,
			     0xa1b20000u + ino * 2 + k, 8 + k);
			attach_line(&g, "dma_buf_map_attachment", ino, k, "ret=", 0);
		}
	}
	while (g.n < want) {
		unsigned int b = (unsigned int)(rs_splitmix64(&g.seed) % NR_BUFS);
		const char *t = trig[b % 4];
		char dev[16];
		int rev;

		ino = 4000 + b;
		snprintf(dev, sizeof(dev), "0000:00:%02x.0", 3 + b % NR_DEVS);
		for (rev = 1; rev >= 0; rev--) {
			line(&g, 1, "vfio_pci", "vfio_pci_dmabuf_move_begin",
			     "dev=%s ino=%u size=16384 revoke=%d trigger=%s", dev, ino, rev, t);
			line(&g, 1, "dma_buf", "dma_buf_invalidate_begin", EXPF " nr_attach=2", ino);
			for (k = 0; k < 2; k++)
				line(&g, 1, "dma_buf", "dma_buf_invalidate_attach",
				     EXPF " attachment:%016x is_dynamic=1 revocable=1 peer2peer=1 dev_name=0000:00:%02x.0 duration_ns=%llu",
				     ino, 0xa1b20000u + ino * 2 + k, 8 + k,
				     (unsigned long long)(300 + rs_splitmix64(&g.seed) % 3000));
			line(&g, 1, "dma_buf", "dma_buf_invalidate_end", EXPF " nr_attach=2 duration_ns=%llu",
			     ino, (unsigned long long)(2000 + rs_splitmix64(&g.seed) % 6000));
			line(&g, 1, "vfio_pci", "vfio_pci_dmabuf_fence_wait",
			     "dev=%s ino=%u revoke=%d duration_ns=%llu ret=9223372036854775807", dev, ino,
			     rev, (unsigned long long)(500 + rs_splitmix64(&g.seed) % 2000));
			if (rev) {
				for (k = 0; k < 2; k++)
					attach_line(&g, "dma_buf_unmap_attachment", ino, k, "since_invalidate_ns=",
						    10000 + rs_splitmix64(&g.seed) % 90000);
				line(&g, 1, "vfio_pci", "vfio_pci_dmabuf_unmap_wait", "dev=%s ino=%u duration_ns=%llu",
				     dev, ino, (unsigned long long)(20000 + rs_splitmix64(&g.seed) % 90000));
			}
			line(&g, 1, "vfio_pci", "vfio_pci_dmabuf_move_end",
			     "dev=%s ino=%u revoke=%d trigger=%s duration_ns=%llu", dev, ino, rev, t,
			     (unsigned long long)(30000 + rs_splitmix64(&g.seed) % 120000));
		}
		for (k = 0; k < 2; k++)
			attach_line(&g, "dma_buf_map_attachment", ino, k, "ret=", 0);
	}
	if (fclose(g.f)) {
		fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return g.n;
}

/* user + system CPU of reaped children */
static double children_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static long max_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void bench_parse(const char *path, const char *what, uint64_t n, off_t bytes)
{
	struct rs_report *r = rs_report_new();
	double c0 = cpu_s(), w0 = wall_s(), c, w;

	rs_report_feed_path(r, path);
	rs_report_finish(r);
	c = cpu_s() - c0;
	w = wall_s() - w0;
	printf("bench: report parse %-11s %llu events (%.0f MiB) in %.2f s CPU (%.2f s wall): "
	       "%.2f M events/s on one core, %.0f MiB/s; %llu violations, %llu input errors; max RSS %ld MiB\n",
	       what, (unsigned long long)rs_report_events(r), (double)bytes / 1048576.0, c, w,
	       (double)rs_report_events(r) / c / 1e6, (double)bytes / c / 1048576.0,
	       (unsigned long long)rs_report_violations(r, -1),
	       (unsigned long long)rs_report_input_errors(r), max_rss_kb() / 1024);
	if (rs_report_events(r) != n || rs_report_violations(r, -1) || rs_report_input_errors(r))
		printf("bench: WARNING: expected %llu events and no findings\n", (unsigned long long)n);
	fflush(stdout);
	rs_report_free(r);
}

static off_t file_size(const char *path)
{
	FILE *f = fopen(path, "r");
	off_t n;

	if (!f)
		return 0;
	fseeko(f, 0, SEEK_END);
	n = ftello(f);
	fclose(f);
	return n;
}

/* perf script's own text rate, on context-switch tracepoints from `perf bench sched pipe`. */
static void bench_perf(const char *dir)
{
	char *data = rs_xasprintf("%s/sched.data", dir), *cmd;
	double c0, w0, w;
	unsigned long long lines = 0;
	FILE *p;
	int c;

	if (system("perf --version >/dev/null 2>&1")) {
		printf("bench: perf script: perf not installed, not measured\n");
		free(data);
		return;
	}
	cmd = rs_xasprintf("perf record -q -e sched:sched_switch -o %s -- perf bench sched pipe -l 600000 >/dev/null 2>&1",
			   data);
	if (system(cmd)) {
		printf("bench: perf script: `perf record -e sched:sched_switch` failed (not root? perf_event_paranoid?), not measured\n");
		free(cmd);
		free(data);
		return;
	}
	free(cmd);
	cmd = rs_xasprintf("perf script -i %s 2>/dev/null", data);
	c0 = children_cpu_s();
	w0 = wall_s();
	p = popen(cmd, "r");
	while (p && (c = getc_unlocked(p)) != EOF)
		lines += c == '\n';
	if (p)
		pclose(p);
	w = wall_s() - w0;
	c0 = children_cpu_s() - c0;
	printf("bench: perf script writing %llu sched:sched_switch lines: %.2f s CPU (%.2f s wall): "
	       "%.2f M events/s (perf's own rate on other events: a yardstick)\n", lines, c0, w,
	       (double)lines / c0 / 1e6);
	free(cmd);
	cmd = rs_xasprintf("rm -f %s", data);
	(void)!system(cmd);
	free(cmd);
	free(data);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keep", no_argument, NULL, 'k' },
		{ "perf", no_argument, NULL, 'p' },
		{ "dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	double millions = 2.0;
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	bool keep = false, perf = false;
	char *ps, *tf;
	uint64_t n;
	int c;

	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			millions = strtod(optarg, NULL);
			break;
		case 'k':
			keep = true;
			break;
		case 'p':
			perf = true;
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: report_bench [-n MILLIONS] [--keep] [--perf] [--dir DIR]\n");
			return 2;
		}
	}
	ps = rs_xasprintf("%s/rs-report-bench.perf-script.txt", dir);
	tf = rs_xasprintf("%s/rs-report-bench.tracefs.txt", dir);
	printf("bench: report: %.1f M synthetic events, %d dma-bufs, %ld CPUs online\n", millions, NR_BUFS,
	       sysconf(_SC_NPROCESSORS_ONLN));
	n = gen_file(ps, false, (uint64_t)(millions * 1e6));
	bench_parse(ps, "perf-script", n, file_size(ps));
	n = gen_file(tf, true, (uint64_t)(millions * 1e6));
	bench_parse(tf, "tracefs", n, file_size(tf));
	if (perf)
		bench_perf(dir);
	if (!keep) {
		unlink(ps);
		unlink(tf);
	}
	free(ps);
	free(tf);
	return 0;
}
