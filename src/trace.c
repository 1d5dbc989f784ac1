// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel event collection: a private tracefs instance (libtracefs) whose per-CPU ring
 * buffers are recorded raw into DIR/trace.raw and turned into DIR/trace.txt when the run
 * ends (rs_trace_raw.h), or a `perf record` child writing DIR/perf.data (trace_perf.c).
 * The instance is created, sized, enabled and removed here, and nowhere else.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event-parse.h>
#include <tracefs.h>

#include "rs_trace.h"
#include "rs_trace_raw.h"
#include "rs_util.h"
#include "trace_int.h"

static const struct rs_trace_group rs_trace_groups_init[] = {
	{ "dma_buf", "dma_buf_export", "exports, attaches, detaches", false, false },
	{ "dma_buf", "dma_buf_invalidate_begin",
	  "invalidate, map/unmap per attachment, attach rejections, hung importers", true, false },
	{ "vfio_pci", "vfio_pci_dmabuf_move_begin",
	  "revoke/restore per dma-buf with trigger, fence wait, unmap wait", true, false },
	{ "dma_buf_mock", "dma_buf_mock_attach", "mock importer actions", true, false },
	{ "dma_fence", "dma_fence_wait_start", "fence waits (not attributed to a revoke)", false, false },
	{ "iommu", "unmap", "IOMMU unmaps, e.g. iommufd's revoke", false, false },
};

/* Events enabled per group: NULL = the whole group. */
const char *const rs_trace_only[RS_NR_GROUPS][3] = {
	[4] = { "dma_fence_wait_start", "dma_fence_wait_end", NULL },
	[5] = { "map", "unmap", NULL },
};

_Static_assert(RS_ARRAY_SIZE(rs_trace_groups_init) == RS_NR_GROUPS, "trace_int.h's group count");

/* tracefs trace_clock; perf record -k CLOCK_MONOTONIC is the same clock */
#define RS_TRACE_CLOCK		"mono"

/* A hang bundle's excerpt: the last this many bytes of each CPU's recording. */
#define RS_TRACE_SNAP_BYTES	(4u << 20)

static uint64_t rs_thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t rs_mem_total_kb(void)
{
	unsigned long long kb = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static int rs_nr_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	return n > 0 ? (int)n : 1;
}

int rs_trace_mode_parse(const char *s, enum rs_trace_mode *mode)
{
	if (!strcmp(s, "off"))
		*mode = RS_TRACE_OFF;
	else if (!strcmp(s, "tracefs"))
		*mode = RS_TRACE_TRACEFS;
	else if (!strcmp(s, "perf"))
		*mode = RS_TRACE_PERF;
	else
		return -EINVAL;
	return 0;
}

const char *rs_tracefs_root(void)
{
	static const char *const cands[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char p[128];
	size_t i;

	for (i = 0; i < RS_ARRAY_SIZE(cands); i++) {
		snprintf(p, sizeof(p), "%s/instances", cands[i]);
		if (access(p, F_OK) == 0)
			return cands[i];
	}
	return NULL;
}

static void probe_groups(struct rs_trace *t)
{
	size_t i, len = 0;
	bool any_patched_missing = false;

	memcpy(t->groups, rs_trace_groups_init, sizeof(t->groups));
	t->missing[0] = '\0';
	for (i = 0; i < RS_NR_GROUPS; i++) {
		char *p = rs_xasprintf("%s/events/%s/%s", t->root, t->groups[i].group,
				       t->groups[i].probe);

		t->groups[i].present = access(p, F_OK) == 0;
		free(p);
		if (t->groups[i].present || !t->groups[i].patched)
			continue;
		any_patched_missing = true;
		len += snprintf(t->missing + len, sizeof(t->missing) - len, "%s%s/%s",
				len ? " " : "", t->groups[i].group, t->groups[i].probe);
		if (len >= sizeof(t->missing))
			len = sizeof(t->missing) - 1;
	}
	if (any_patched_missing)
		snprintf(t->missing + len, sizeof(t->missing) - len,
			 " (kernel without revokestorm's kernel-patches/: only userspace timings and stock events)");
}

/* Copy one file of the tracing directory into the recording's directory; 0 or -errno. */
static int rs_save_file(const char *from, const char *to)
{
	char *buf;
	size_t len;
	int ret;

	ret = rs_read_file(from, &buf, &len, 16 << 20);
	if (ret)
		return ret;
	ret = rs_write_file_atomic(to, buf, len);
	free(buf);
	return ret;
}

/*
 * The formats the recording needs to be read anywhere, in tracefs layout (so that
 * tracefs_local_events() loads them): events/header_page, header_event, and for every
 * enabled group (and ftrace, for trace_marker lines) each event's format.
 */
static int rs_save_formats(struct rs_trace *t, char *why, size_t whylen)
{
	static const char *const heads[] = { "header_page", "header_event" };
	const char *groups[RS_NR_GROUPS + 1];
	size_t i, ng = 0;
	int ret;

	for (i = 0; i < RS_ARRAY_SIZE(heads); i++) {
		char *from = rs_xasprintf("%s/events/%s", t->root, heads[i]);
		char *to = rs_xasprintf("%s/events/%s", t->raw_dir, heads[i]);

		*strrchr(to, '/') = '\0';
		ret = rs_mkdir_p(to, 0755);
		to[strlen(to)] = '/';
		if (!ret)
			ret = rs_save_file(from, to);
		if (ret && i == 0) {
			snprintf(why, whylen, "cannot save %s into %s: %s", from, to, strerror(-ret));
			free(from);
			free(to);
			return ret;
		}
		free(from);
		free(to);
	}
	for (i = 0; i < RS_NR_GROUPS; i++)
		if (t->groups[i].present && (!ng || strcmp(groups[ng - 1], t->groups[i].group)))
			groups[ng++] = t->groups[i].group;
	groups[ng++] = "ftrace";
	for (i = 0; i < ng; i++) {
		char *dir = rs_xasprintf("%s/events/%s", t->root, groups[i]);
		struct dirent *de;
		DIR *d = opendir(dir);

		while (d && (de = readdir(d))) {
			char *from, *to, *todir;

			if (de->d_name[0] == '.')
				continue;
			from = rs_xasprintf("%s/%s/format", dir, de->d_name);
			todir = rs_xasprintf("%s/events/%s/%s", t->raw_dir, groups[i], de->d_name);
			to = rs_xasprintf("%s/format", todir);
			if (access(from, R_OK) == 0 && !rs_mkdir_p(todir, 0755))
				rs_save_file(from, to);
			free(from);
			free(to);
			free(todir);
		}
		if (d)
			closedir(d);
		free(dir);
		/* tracefs_event_systems() lists a group by its "enable" file */
		dir = rs_xasprintf("%s/events/%s/enable", t->raw_dir, groups[i]);
		rs_write_file_atomic(dir, "", 0);
		free(dir);
	}
	return 0;
}

/* The ring buffer's sub-buffer size, from events/header_page. */
static int rs_subbuf_size(const char *raw_dir)
{
	char *p = rs_xasprintf("%s/events/header_page", raw_dir), *buf;
	struct tep_handle *tep;
	size_t len;
	int size = 0;

	if (!rs_read_file(p, &buf, &len, 1 << 16)) {
		tep = tep_alloc();
		if (tep && !tep_parse_header_page(tep, buf, len, sizeof(long)))
			size = tep_get_sub_buffer_size(tep);
		tep_free(tep);
		free(buf);
	}
	free(p);
	return size > 16 ? size : getpagesize();
}

/*
 * Size the per-CPU buffers: the kernel may refuse a large one (ENOMEM), then each half
 * down to 1 MiB is tried; the size obtained is kept in t->buffer_kb.
 */
static void rs_set_buffer(struct rs_trace *t)
{
	size_t kb;
	char *v;

	for (kb = t->want_kb; tracefs_instance_set_buffer_size(t->instance, kb, -1) && kb > 1024;)
		kb /= 2;
	v = tracefs_instance_file_read(t->instance, "buffer_size_kb", NULL);
	t->buffer_kb = v ? strtoull(v, NULL, 10) : 0;
	free(v);
}

static int start_tracefs(struct rs_trace *t, char *why, size_t whylen)
{
	size_t i;
	char *name;
	int ret;

	name = rs_xasprintf("revokestorm-%d", (int)getpid());
	t->inst = rs_xasprintf("%s/instances/%s", t->root, name);
	if (t->made)
		t->made(t->made_arg, t->inst, 0);
	if (mkdir(t->inst, 0700) && errno != EEXIST) {
		ret = -errno;
		snprintf(why, whylen, "cannot create the tracefs instance %s: %s", t->inst,
			 strerror(errno));
		free(name);
		return ret;
	}
	t->created = true;
	t->instance = tracefs_instance_alloc(t->root, name);
	free(name);
	if (!t->instance) {
		ret = errno ? -errno : -ENOENT;
		snprintf(why, whylen, "cannot use the tracefs instance %s: %s", t->inst,
			 strerror(-ret));
		return ret;
	}
	rs_set_buffer(t);
	/* the engine's clock (CLOCK_MONOTONIC): trace times compare with its own */
	if (tracefs_instance_file_write(t->instance, "trace_clock", RS_TRACE_CLOCK) < 0) {
		ret = errno ? -errno : -EIO;
		snprintf(why, whylen, "cannot set %s/trace_clock to %s: %s", t->inst,
			 RS_TRACE_CLOCK, strerror(-ret));
		return ret;
	}
	for (i = 0; i < RS_NR_GROUPS; i++) {
		const char *const *only = rs_trace_only[i];

		if (!t->groups[i].present)
			continue;
		if (!only[0])
			tracefs_event_enable(t->instance, t->groups[i].group, NULL);
		for (; *only; only++)
			tracefs_event_enable(t->instance, t->groups[i].group, *only);
	}
	t->raw_dir = rs_xasprintf("%s/trace.raw", t->dir);
	ret = rs_mkdir_p(t->raw_dir, 0755);
	if (ret) {
		snprintf(why, whylen, "cannot create %s: %s", t->raw_dir, strerror(-ret));
		return ret;
	}
	ret = rs_save_formats(t, why, whylen);
	if (ret)
		return ret;
	t->out_path = rs_xasprintf("%s/trace.txt", t->dir);
	t->marker_ok = !tracefs_print_init(t->instance);
	ret = rs_trace_rec_start(&t->rec, t->instance, t->raw_dir, rs_subbuf_size(t->raw_dir),
				 why, whylen);
	if (ret)
		return ret;
	t->nr_cpus = rs_trace_rec_nr_cpus(t->rec);
	t->stats = rs_xcalloc((size_t)t->nr_cpus, sizeof(*t->stats));
	tracefs_trace_on(t->instance);
	return 0;
}

int rs_trace_start(struct rs_trace **tp, enum rs_trace_mode mode, const struct rs_trace_opts *o,
		   const char *dir, char *why, size_t whylen)
{
	const char *root = o ? o->root : NULL;
	struct rs_trace *t;
	int ret;

	*tp = NULL;
	if (mode == RS_TRACE_OFF)
		return 0;
	if (!root)
		root = rs_tracefs_root();
	if (!root) {
		snprintf(why, whylen, "no tracefs mounted (mount -t tracefs tracefs /sys/kernel/tracing)");
		return -ENOENT;
	}
	t = rs_xcalloc(1, sizeof(*t));
	t->mode = mode;
	t->root = rs_xstrdup(root);
	t->dir = rs_xstrdup(dir);
	t->info.lost = -1;
	t->perf_ctl = t->perf_ack = -1;
	t->made = o ? o->made : NULL;
	t->made_arg = o ? o->made_arg : NULL;
	t->want_kb = o && o->buffer_kb ? o->buffer_kb :
		     rs_trace_buffer_kb(o ? o->events_per_s : 0, rs_mem_total_kb(), rs_nr_cpus());
	pthread_mutex_init(&t->snap_lock, NULL);
	pthread_rwlock_init(&t->mark_lock, NULL);
	probe_groups(t);
	ret = mode == RS_TRACE_PERF ? rs_perf_start(t, why, whylen) : start_tracefs(t, why, whylen);
	if (ret) {
		rs_trace_stop(t);
		return ret;
	}
	*tp = t;
	return 0;
}

void rs_trace_mark(struct rs_trace *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (!t || !t->marker_ok)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pthread_rwlock_rdlock(&t->mark_lock);
	if (n > 0 && t->marker_ok)
		tracefs_printf(t->instance, "%s", buf);
	pthread_rwlock_unlock(&t->mark_lock);
}

/* Keep the last max_lines lines of buf[0..len) into path. */
static int rs_write_last_lines(const char *path, const char *buf, size_t len, size_t max_lines)
{
	size_t start = len, lines = 0;

	while (start > 0) {
		if (buf[start - 1] == '\n' && start != len && ++lines >= max_lines)
			break;
		start--;
	}
	return rs_write_file_atomic(path, buf + start, len - start);
}

/* The last max_lines lines of a text file (at most its last 4 MiB) into path. */
static int rs_trace_tail_of(const char *from, const char *path, size_t max_lines)
{
	size_t len = 0, want = RS_TRACE_SNAP_BYTES;
	char *buf;
	off_t size;
	ssize_t n;
	int fd = open(from, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	size = lseek(fd, 0, SEEK_END);
	if (size < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if ((off_t)want > size)
		want = (size_t)size;
	buf = rs_xmalloc(want + 1);
	n = pread(fd, buf, want, size - (off_t)want);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (!ret) {
		len = (size_t)n;
		ret = rs_write_last_lines(path, buf, len, max_lines);
	}
	free(buf);
	return ret;
}

int rs_trace_snapshot(struct rs_trace *t, const char *path, size_t max_lines)
{
	struct rs_trace_text_res res;
	char why[256], *buf = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	if (!t || t->mode != RS_TRACE_TRACEFS)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&t->snap_lock);
	if (!t->rec) {
		/* finished: trace.txt is whole */
		pthread_mutex_unlock(&t->snap_lock);
		return rs_trace_tail_of(t->out_path, path, max_lines);
	}
	/* what the kernel holds reaches the files; a reader that cannot is not waited for */
	rs_trace_rec_flush(t->rec, 2000);
	f = open_memstream(&buf, &len);
	ret = rs_trace_text(t->raw_dir, t->nr_cpus, NULL, RS_TRACE_SNAP_BYTES, f, &res, why,
			    sizeof(why));
	fclose(f);
	pthread_mutex_unlock(&t->snap_lock);
	rs_trace_text_res_free(&res);
	if (!ret)
		ret = rs_write_last_lines(path, buf, len, max_lines);
	free(buf);
	return ret;
}

static long long rs_live_lost(const struct rs_trace *t)
{
	long long lost = 0;
	int cpu;

	for (cpu = 0; cpu < t->nr_cpus; cpu++) {
		struct rs_trace_cpu_stats s;
		char rel[64], *text;

		snprintf(rel, sizeof(rel), "per_cpu/cpu%d/stats", cpu);
		text = tracefs_instance_file_read(t->instance, rel, NULL);
		if (!text)
			return -1;
		if (!rs_trace_stats_parse(text, &s))
			lost += rs_trace_stats_lost(&s);
		free(text);
	}
	return lost;
}

long long rs_trace_lost(const struct rs_trace *t)
{
	if (!t || t->mode != RS_TRACE_TRACEFS)
		return -1;
	if (t->info.done)
		return t->info.lost;
	return t->instance ? rs_live_lost(t) : -1;
}

const char *rs_trace_clock(const struct rs_trace *t)
{
	if (!t)
		return NULL;
	return t->mode == RS_TRACE_PERF ? "CLOCK_MONOTONIC" : RS_TRACE_CLOCK;
}

void rs_trace_gap_text(const struct rs_trace_gap *g, char *buf, size_t len)
{
	char n[32] = "";

	if (g->lost >= 0)
		snprintf(n, sizeof(n), "%lld ", g->lost);
	if (!g->before_ns)
		snprintf(buf, len, "%sevents lost on CPU %d at an unknown time", n, g->cpu);
	else if (!g->after_ns)
		snprintf(buf, len, "%sevents lost before %llu.%09llu on CPU %d", n,
			 (unsigned long long)(g->before_ns / 1000000000ULL),
			 (unsigned long long)(g->before_ns % 1000000000ULL), g->cpu);
	else
		snprintf(buf, len, "%sevents lost between %llu.%09llu and %llu.%09llu on CPU %d", n,
			 (unsigned long long)(g->after_ns / 1000000000ULL),
			 (unsigned long long)(g->after_ns % 1000000000ULL),
			 (unsigned long long)(g->before_ns / 1000000000ULL),
			 (unsigned long long)(g->before_ns % 1000000000ULL), g->cpu);
}

const struct rs_trace_info *rs_trace_info(const struct rs_trace *t)
{
	return t && t->info.done ? &t->info : NULL;
}

/*
 * Remove our instance (and free its ring buffers), once nothing uses it: the readers are
 * stopped and no trace_marker write is under way.  0 or -errno with why.
 */
static int rs_instance_remove(struct rs_trace *t, char *why, size_t whylen)
{
	int ret = 0;

	pthread_rwlock_wrlock(&t->mark_lock);
	t->marker_ok = false;
	/* the kernel keeps an instance with an open file of it (EBUSY) */
	tracefs_print_close(t->instance);
	pthread_rwlock_unlock(&t->mark_lock);
	if (tracefs_instance_destroy(t->instance)) {
		ret = errno ? -errno : -EIO;
		snprintf(why, whylen, "cannot remove the tracefs instance %s: %s", t->inst,
			 strerror(-ret));
	}
	t->removed = true;
	return ret;
}

/*
 * Stop the recorder and write trace.txt from the recorded sub-buffers, with the gaps
 * where the kernel dropped events; t->info says what came out.  The instance goes.
 */
static int rs_tracefs_finish(struct rs_trace *t, char *why, size_t whylen)
{
	struct rs_trace_text_res res;
	char *from, *to, w2[256] = "";
	uint64_t c0;
	FILE *out;
	int ret, ret2;

	tracefs_trace_off(t->instance);
	pthread_mutex_lock(&t->snap_lock);	/* a hang bundle may be reading */
	ret = rs_trace_rec_stop(t->rec, t->stats, why, whylen);
	t->info.recorder_cpu_ns = rs_trace_rec_cpu_ns(t->rec);
	t->info.raw_bytes = rs_trace_rec_bytes(t->rec);
	rs_trace_rec_free(t->rec);
	t->rec = NULL;
	pthread_mutex_unlock(&t->snap_lock);
	/* pid -> comm, for the text; the table is shared by every instance */
	from = rs_xasprintf("%s/saved_cmdlines", t->root);
	to = rs_xasprintf("%s/saved_cmdlines", t->raw_dir);
	rs_save_file(from, to);
	free(from);
	free(to);
	c0 = rs_thread_cpu_ns();
	out = fopen(t->out_path, "we");
	if (!out) {
		ret2 = -errno;
		snprintf(w2, sizeof(w2), "cannot create %s: %s", t->out_path, strerror(errno));
	} else {
		setvbuf(out, NULL, _IOFBF, 1 << 20);
		fprintf(out, "# tracer: revokestorm, tracefs instance %s recorded raw per CPU (%s)\n"
			"# trace_clock: %s (CLOCK_MONOTONIC, the engine's clock)\n"
			"# ring buffer: %zu KiB per CPU, %d CPUs\n", t->inst, t->raw_dir,
			RS_TRACE_CLOCK, t->buffer_kb, t->nr_cpus);
		ret2 = rs_trace_text(t->raw_dir, t->nr_cpus, t->stats, 0, out, &res, w2, sizeof(w2));
		if (fclose(out) && !ret2) {
			ret2 = -errno;
			snprintf(w2, sizeof(w2), "%s: %s", t->out_path, strerror(errno));
		}
	}
	t->info.convert_cpu_ns = rs_thread_cpu_ns() - c0;
	if (out && !ret2) {
		t->info.events = res.events;
		t->info.lost = res.lost;
		t->gaps = res.gaps;
		t->info.gaps = t->gaps;
		t->info.nr_gaps = res.nr_gaps;
	} else if (out) {
		rs_trace_text_res_free(&res);
	}
	if (ret2 && !ret) {
		ret = ret2;
		snprintf(why, whylen, "%s", w2);
	}
	t->info.buffer_kb = t->buffer_kb;
	t->info.nr_cpus = t->nr_cpus;
	t->info.done = true;
	ret2 = rs_instance_remove(t, w2, sizeof(w2));
	if (ret2 && !ret) {
		ret = ret2;
		snprintf(why, whylen, "%s", w2);
	}
	return ret;
}

int rs_trace_finish(struct rs_trace *t, char *why, size_t whylen)
{
	int ret = 0;

	if (!t || t->finished)
		return 0;
	t->finished = true;
	if (t->rec)
		ret = rs_tracefs_finish(t, why, whylen);
	if (t->perf_pid > 0)
		ret = rs_perf_stop(t, why, whylen);
	return ret;
}

void rs_trace_stop(struct rs_trace *t)
{
	char why[256];

	rs_trace_stop_checked(t, why, sizeof(why));
}

int rs_trace_stop_checked(struct rs_trace *t, char *why, size_t whylen)
{
	int ret;

	if (!t)
		return 0;
	ret = rs_trace_finish(t, why, whylen);
	rs_trace_rec_free(t->rec);
	if (t->instance && !t->removed)
		rs_instance_remove(t, why, whylen);
	else if (t->created && !t->instance)
		rmdir(t->inst);
	tracefs_instance_free(t->instance);
	pthread_mutex_destroy(&t->snap_lock);
	pthread_rwlock_destroy(&t->mark_lock);
	free(t->gaps);
	free(t->stats);
	free(t->raw_dir);
	free(t->inst);
	free(t->root);
	free(t->dir);
	free(t->out_path);
	free(t->rec_path);
	if (t->perf_ctl >= 0)
		close(t->perf_ctl);
	if (t->perf_ack >= 0)
		close(t->perf_ack);
	free(t);
	return ret;
}

int rs_trace_perf_pid(const struct rs_trace *t)
{
	return t ? (int)t->perf_pid : 0;
}

const struct rs_trace_group *rs_trace_groups(const struct rs_trace *t, size_t *nr)
{
	*nr = t ? RS_NR_GROUPS : 0;
	return t ? t->groups : NULL;
}

const char *rs_trace_missing(const struct rs_trace *t)
{
	return t ? t->missing : "";
}
