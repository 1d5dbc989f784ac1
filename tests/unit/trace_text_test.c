// SPDX-License-Identifier: GPL-2.0
/*
 * The recorded sub-buffers -> trace text converter (src/trace_text.c) on sub-buffers built
 * as the kernel writes them (kbuf_pages.h): CPUs merged by time, the kernel's text format
 * that `revokestorm report` reads, and where the kernel dropped events: a "CPU:N [LOST n
 * EVENTS]" line exactly between the last event before the gap and the first after it, the
 * count from the sub-buffer or from the CPU's overrun statistics, never made up.  Also the
 * ring-buffer statistics parser and the buffer sizing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rs_report.h"
#include "rs_scenario.h"
#include "rs_trace_raw.h"
#include "rs_util.h"
#include "unit/kbuf_pages.h"

static void put(const char *dir, const char *rel, const void *data, size_t len)
{
	char *p = rs_xasprintf("%s/%s", dir, rel), *slash = strrchr(p, '/');

	*slash = '\0';
	rs_mkdir_p(p, 0755);
	*slash = '/';
	rs_write_file_atomic(p, data, len);
	free(p);
}

/*
 * Each test loads the formats with libtracefs, which reads /proc/kallsyms: a few seconds
 * under AddressSanitizer, more on a loaded machine (the harness's default is 30 s).
 */
#define RS_TEXT_TIMEOUT	180

FIXTURE(raw) {
	char dir[64];
	FILE *cpu[2];
	char *text;
	size_t len;
	struct rs_trace_text_res res;
};

FIXTURE_SETUP(raw)
{
	int i;

	strcpy(self->dir, "/tmp/rs-trace-raw.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	put(self->dir, "events/header_page", kp_header_page, strlen(kp_header_page));
	put(self->dir, "events/dma_buf/enable", "", 0);
	put(self->dir, "events/dma_buf/dma_buf_export/format", kp_export_format,
	    strlen(kp_export_format));
	for (i = 0; i < 2; i++) {
		char *p = rs_xasprintf("%s/cpu%d", self->dir, i);

		self->cpu[i] = fopen(p, "w");
		free(p);
		ASSERT_NE(NULL, self->cpu[i]);
	}
	self->text = NULL;
	memset(&self->res, 0, sizeof(self->res));
}

FIXTURE_TEARDOWN(raw)
{
	char *cmd = rs_xasprintf("rm -rf %s", self->dir);

	system(cmd);
	free(cmd);
	free(self->text);
	rs_trace_text_res_free(&self->res);
}

/* A sub-buffer of cpu holding exports of inos first..last at ts = ino * 1000 ns. */
static void page(FIXTURE_DATA(raw) *self, int cpu, int first, int last, long long missed)
{
	struct kp_page p;
	uint8_t d[64];
	int ino;

	kp_init(&p, (uint64_t)first * 1000);
	for (ino = first; ino <= last; ino++)
		kp_add(&p, (uint64_t)ino * 1000, d, kp_export(d, 40 + cpu, 4096, (uint64_t)ino));
	kp_finish(&p, missed);
	fwrite(p.b, 1, KP_SIZE, self->cpu[cpu]);
}

static int convert(FIXTURE_DATA(raw) *self, const struct rs_trace_cpu_stats *stats, size_t tail)
{
	char why[256] = "";
	FILE *f;
	int ret;

	fclose(self->cpu[0]);
	fclose(self->cpu[1]);
	f = open_memstream(&self->text, &self->len);
	ret = rs_trace_text(self->dir, 2, stats, tail, f, &self->res, why, sizeof(why));
	fclose(f);
	if (ret)
		fprintf(stderr, "rs_trace_text: %s\n", why);
	return ret;
}

/* The inos of the event lines, in order, and LOST lines as "L<cpu>:<n|?>". */
static void summary(const char *text, char *out, size_t len)
{
	const char *line = text;
	size_t n = 0;

	out[0] = '\0';
	while (line && *line) {
		const char *ino = strstr(line, " ino="), *nl = strchr(line, '\n');
		int cpu;
		long long lost;

		if (sscanf(line, "CPU:%d [LOST %lld EVENTS]", &cpu, &lost) == 2)
			n += snprintf(out + n, len - n, "L%d:%lld ", cpu, lost);
		else if (sscanf(line, "CPU:%d [LOST EVENTS]", &cpu) == 1)
			n += snprintf(out + n, len - n, "L%d:? ", cpu);
		else if (ino && (!nl || ino < nl))
			n += snprintf(out + n, len - n, "%d ", atoi(ino + 5));
		line = nl ? nl + 1 : NULL;
	}
}

TEST_F_TIMEOUT(raw, cpus_merge_by_time_in_the_kernels_text_format, RS_TEXT_TIMEOUT)
{
	char s[256];

	page(self, 0, 1, 1, 0);
	page(self, 0, 3, 4, 0);
	page(self, 1, 2, 2, 0);
	page(self, 1, 5, 6, 0);
	ASSERT_EQ(0, convert(self, NULL, 0));
	summary(self->text, s, sizeof(s));
	EXPECT_STREQ("1 2 3 4 5 6 ", s);
	EXPECT_EQ(6, self->res.events);
	EXPECT_EQ(0, self->res.lost);
	EXPECT_EQ(0, self->res.nr_gaps);
	/* comm-pid, [cpu], flags, secs.nsecs, name, TP_printk output */
	EXPECT_NE(NULL, strstr(self->text, "-41      [001] ..... "
				"    0.000002000: dma_buf_export: exp_name=vfio size=4096 ino=2\n"))
		TH_LOG("%s", self->text);
}

/* What it writes is what the report reads: every line an event, none an input error. */
TEST_F_TIMEOUT(raw, report_reads_the_text, RS_TEXT_TIMEOUT)
{
	struct rs_report *r = rs_report_new();
	FILE *f;

	page(self, 0, 1, 20, 0);
	page(self, 1, 21, 40, 0);
	ASSERT_EQ(0, convert(self, NULL, 0));
	f = fmemopen(self->text, self->len, "r");
	rs_report_set_errfile(r, NULL);
	ASSERT_EQ(0, rs_report_feed_stream(r, f, "trace.txt"));
	fclose(f);
	rs_report_finish(r);
	EXPECT_EQ(40, rs_report_events(r));
	EXPECT_EQ(0, rs_report_input_errors(r));
	EXPECT_EQ(RS_FMT_TRACEFS, rs_report_detected(r));
	rs_report_free(r);
}

/* A sub-buffer that keeps its count: the line between the events around the gap. */
TEST_F_TIMEOUT(raw, stored_count_is_placed_at_the_gap, RS_TEXT_TIMEOUT)
{
	char s[256];

	page(self, 0, 1, 2, 0);
	page(self, 0, 8, 9, 5);
	page(self, 1, 3, 3, 0);
	page(self, 1, 10, 10, 0);
	ASSERT_EQ(0, convert(self, NULL, 0));
	summary(self->text, s, sizeof(s));
	EXPECT_STREQ("1 2 3 L0:5 8 9 10 ", s);
	ASSERT_EQ(1, self->res.nr_gaps);
	EXPECT_EQ(0, self->res.gaps[0].cpu);
	EXPECT_EQ(5, self->res.gaps[0].lost);
	EXPECT_EQ(2000, self->res.gaps[0].after_ns);
	EXPECT_EQ(8000, self->res.gaps[0].before_ns);
	EXPECT_EQ(5, self->res.lost);
	/* said first, before any event */
	EXPECT_EQ(self->text, strstr(self->text, "# revokestorm-gap cpu=0 lost=5 "
				     "after=0.000002000 before=0.000008000\n"));
}

/* No count in the sub-buffer, one gap on that CPU: the CPU's overrun is its count. */
TEST_F_TIMEOUT(raw, single_uncounted_gap_takes_the_overrun, RS_TEXT_TIMEOUT)
{
	struct rs_trace_cpu_stats st[2] = { { .valid = true }, { .overrun = 7, .valid = true } };
	char s[256];

	page(self, 0, 1, 1, 0);
	page(self, 0, 3, 4, 0);
	page(self, 1, 2, 2, 0);
	page(self, 1, 6, 6, -1);
	ASSERT_EQ(0, convert(self, st, 0));
	summary(self->text, s, sizeof(s));
	EXPECT_STREQ("1 2 3 4 L1:7 6 ", s);
	ASSERT_EQ(1, self->res.nr_gaps);
	EXPECT_EQ(1, self->res.gaps[0].cpu);
	EXPECT_EQ(7, self->res.gaps[0].lost);
	EXPECT_EQ(2000, self->res.gaps[0].after_ns);
	EXPECT_EQ(6000, self->res.gaps[0].before_ns);
	EXPECT_EQ(7, self->res.lost);
}

/* Two uncounted gaps: where they are is known, how the overrun splits is not. */
TEST_F_TIMEOUT(raw, several_uncounted_gaps_stay_uncounted, RS_TEXT_TIMEOUT)
{
	struct rs_trace_cpu_stats st[2] = { { .overrun = 10, .dropped = 1, .valid = true },
					    { .valid = true } };
	char s[256];

	page(self, 0, 1, 1, 0);
	page(self, 0, 3, 3, -1);
	page(self, 0, 5, 5, -1);
	page(self, 1, 4, 4, 0);
	ASSERT_EQ(0, convert(self, st, 0));
	summary(self->text, s, sizeof(s));
	EXPECT_STREQ("1 L0:? 3 4 L0:? 5 ", s);
	ASSERT_EQ(2, self->res.nr_gaps);
	EXPECT_EQ(-1, self->res.gaps[0].lost);
	EXPECT_EQ(1000, self->res.gaps[0].after_ns);
	EXPECT_EQ(3000, self->res.gaps[0].before_ns);
	EXPECT_EQ(3000, self->res.gaps[1].after_ns);
	EXPECT_EQ(11, self->res.lost);
	EXPECT_NE(NULL, strstr(self->text, "# revokestorm-gap cpu=0 lost=? after=0.000001000 "
			       "before=0.000003000\n# revokestorm-gap cpu=0 lost=? after=0.000003000 "
			       "before=0.000005000\n"));
}

/* Dropped events no sub-buffer marks: said at the end, with no place claimed. */
TEST_F_TIMEOUT(raw, unmarked_losses_are_unplaced, RS_TEXT_TIMEOUT)
{
	struct rs_trace_cpu_stats st[2] = { { .valid = true }, { .commit_overrun = 3, .valid = true } };
	char s[256];

	page(self, 0, 1, 2, 0);
	page(self, 1, 3, 3, 0);
	ASSERT_EQ(0, convert(self, st, 0));
	summary(self->text, s, sizeof(s));
	EXPECT_STREQ("1 2 3 L1:3 ", s);
	ASSERT_EQ(1, self->res.nr_gaps);
	EXPECT_EQ(0, self->res.gaps[0].after_ns);
	EXPECT_EQ(0, self->res.gaps[0].before_ns);
	EXPECT_EQ(3, self->res.lost);
	EXPECT_NE(NULL, strstr(self->text, "ino=3\nCPU:1 [LOST 3 EVENTS] at an unknown time\n"));
	EXPECT_EQ(self->text, strstr(self->text, "# revokestorm-gap cpu=1 lost=3 after=- before=-\n"));
}

/* A hang bundle reads the last sub-buffers of each CPU only. */
TEST_F_TIMEOUT(raw, tail_reads_the_last_subbuffers, RS_TEXT_TIMEOUT)
{
	char s[256];

	page(self, 0, 1, 1, 0);
	page(self, 0, 2, 2, 0);
	page(self, 0, 3, 3, 0);
	page(self, 1, 4, 4, 0);
	ASSERT_EQ(0, convert(self, NULL, KP_SIZE + 100));
	summary(self->text, s, sizeof(s));
	EXPECT_STREQ("3 4 ", s);
}

/* A partly written last sub-buffer (the reader is still writing) is left for later. */
TEST_F_TIMEOUT(raw, partial_subbuffer_is_not_read, RS_TEXT_TIMEOUT)
{
	char s[256];

	page(self, 0, 1, 1, 0);
	fwrite("partial", 1, 7, self->cpu[0]);
	ASSERT_EQ(0, convert(self, NULL, 0));
	summary(self->text, s, sizeof(s));
	EXPECT_STREQ("1 ", s);
}

TEST(not_a_recording)
{
	struct rs_trace_text_res res;
	char why[256] = "";

	EXPECT_EQ(-ENOENT, rs_trace_text("/nonexistent", 1, NULL, 0, stdout, &res, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "/nonexistent/events/header_page"));
	EXPECT_NE(NULL, strstr(why, "not a recorded trace directory"));
}

/* per_cpu/cpuN/stats as Linux 7.2 writes it. */
TEST(stats_parse)
{
	struct rs_trace_cpu_stats s;

	ASSERT_EQ(0, rs_trace_stats_parse("entries: 12\noverrun: 34\ncommit overrun: 5\n"
					  "bytes: 4096\noldest event ts:  1102.537255\n"
					  "now ts:  1104.1\ndropped events: 6\nread events: 789\n", &s));
	EXPECT_TRUE(s.valid);
	EXPECT_EQ(12, s.entries);
	EXPECT_EQ(34, s.overrun);
	EXPECT_EQ(5, s.commit_overrun);
	EXPECT_EQ(6, s.dropped);
	EXPECT_EQ(789, s.read);
	EXPECT_EQ(45, rs_trace_stats_lost(&s));
	EXPECT_EQ(-EINVAL, rs_trace_stats_parse("nothing here\n", &s));
	EXPECT_EQ(-EINVAL, rs_trace_stats_parse("overrun: x\n", &s));
}

TEST(buffer_size_floor_rate_and_memory_ceiling)
{
	/* 2 GiB guest, 2 CPUs */
	EXPECT_EQ(8192, rs_trace_buffer_kb(0, 2u << 20, 2));
	EXPECT_EQ(8192, rs_trace_buffer_kb(1000, 2u << 20, 2));
	EXPECT_EQ(31250, rs_trace_buffer_kb(400000, 2u << 20, 2));	/* 1 s of 80-byte events */
	EXPECT_EQ(65536, rs_trace_buffer_kb(1e7, 2u << 20, 2));	/* the ceiling */
	/* 1 GiB and 4 CPUs: 1/16 of memory over the CPUs */
	EXPECT_EQ(16384, rs_trace_buffer_kb(1e7, 1u << 20, 4));
	/* a machine too small for the floor: what 1/16 of it allows */
	EXPECT_EQ(2048, rs_trace_buffer_kb(1e7, 64u << 10, 2));
}

static double rate_of(const char *text)
{
	struct rs_scn_opts o = { .default_seed = 1 };
	struct rs_scenario *scn = NULL;
	struct rs_diag d = { 0 };
	double rate;

	if (rs_scn_load_mem("mem.ini", text, strlen(text), &o, &scn, &d)) {
		rs_diag_print(&d, stderr);
		rs_diag_free(&d);
		return -1;
	}
	rs_diag_free(&d);
	rate = rs_trace_expected_rate(scn);
	rs_scn_free(scn);
	return rate;
}

/* buffers x importers x trigger rate x events per cycle, at the busiest phase */
TEST(expected_rate_of_a_scenario)
{
	static const char base[] =
		"[exporter bar]\ntype = vfio\ndevice = 0000:01:00.0\nbar = 2\ncount = 64\n"
		"[importer a]\ntype = iommufd\ntraffic = false\n"
		"[importer b]\ntype = iommufd\ntraffic = false\n"
		"[trigger cmd]\ntype = pci-command\ninterval = 100ms\n";
	char *burst = rs_xasprintf("%s[phase calm]\nduration = 1s\n"
				   "[phase storm]\ntiming = burst\nburst = 20\ninterval = 100ms\n",
				   base);
	char *fast = rs_xasprintf("%s[phase fast]\ninterval = 0\n", base);
	char *traffic = rs_xasprintf("%s[importer c]\ntype = iommufd\ntraffic_interval = 100ms\n",
				     base);
	char *busy = rs_xasprintf("%s[importer c]\ntype = iommufd\ntraffic_interval = 1ms\n", base);

	/* 10 cycles/s x 64 buffers x (12 + 2 x 8) events */
	EXPECT_EQ(10.0 * 64 * 28, rate_of(base));
	/* the storm phase: 200 cycles/s x 64 buffers, more moves than a worker can make */
	EXPECT_EQ(5000.0 * 28, rate_of(burst));
	EXPECT_EQ(5000.0 * 28, rate_of(fast));
	/* a third importer, with traffic: 2 events per buffer per 100 ms, or its maximum */
	EXPECT_EQ(10.0 * 64 * 36 + 64 * 2 * 10.0, rate_of(traffic));
	EXPECT_EQ(10.0 * 64 * 36 + 2 * 2000.0, rate_of(busy));
	free(burst);
	free(fast);
	free(traffic);
	free(busy);
}

TEST_HARNESS_MAIN
