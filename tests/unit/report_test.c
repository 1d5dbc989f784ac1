// SPDX-License-Identifier: GPL-2.0
/*
 * `revokestorm report` over the checked-in samples in tests/unit/traces/ (written by
 * gen.py from docs/trace-events.md): the three input formats give the same breakdown;
 * each protocol invariant is caught by its own sample and only there; hung importers
 * are listed; truncated and garbled input is reported with file:line and the partial
 * results kept; exit codes; JSON parses and HTML is self-contained.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rs_report.h"
#include "rs_util.h"

#define T(name) "tests/unit/traces/" name

/* Parse one sample; messages go to *errs (caller frees) when errs is set. */
static struct rs_report *load(struct __test_metadata *_metadata, const char *path, char **errs)
{
	struct rs_report *r = rs_report_new();
	size_t len;
	FILE *ef = NULL;

	if (errs) {
		*errs = NULL;
		ef = open_memstream(errs, &len);
	}
	rs_report_set_errfile(r, ef);
	EXPECT_EQ(0, rs_report_feed_path(r, path)) TH_LOG("%s (run from the repository top)", path);
	rs_report_finish(r);
	if (ef)
		fclose(ef);
	return r;
}

/* Output of one writer as a string. */
static char *render(struct rs_report *r, int (*w)(struct rs_report *, FILE *), int *err)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	*err = w(r, f);
	fclose(f);
	return buf;
}

static void expect_only(struct __test_metadata *_metadata, struct rs_report *r, int kind)
{
	int k;

	for (k = 0; k < RS_VIOL_NR; k++)
		EXPECT_EQ(k == kind ? 1u : 0u, rs_report_violations(r, k)) TH_LOG("invariant %d", k);
}

TEST(three_formats_same_breakdown)
{
	static const char *const files[] = {
		T("clean.tracefs.txt"), T("clean.perf-script.txt"), T("clean.perf-trace.txt"),
	};
	static const enum rs_report_format fmts[] = {
		RS_FMT_TRACEFS, RS_FMT_PERF_SCRIPT, RS_FMT_PERF_TRACE,
	};
	static const char *const stages[] = {
		"move", "invalidate", "invalidate_attach", "fence_wait", "completion_wait",
		"unmap_after_invalidate",
	};
	/* 3 revokes + 3 restores, 2 importers: counts per stage */
	static const uint64_t counts[] = { 6, 6, 12, 6, 3, 6 };
	uint64_t p50[6] = { 0 }, p99[6] = { 0 }, max[6] = { 0 }, min_fence = 0;
	size_t i, s;

	for (i = 0; i < 3; i++) {
		struct rs_report *r = load(_metadata, files[i], NULL);

		EXPECT_EQ(fmts[i], rs_report_detected(r)) TH_LOG("%s", files[i]);
		EXPECT_EQ(69, rs_report_events(r)) TH_LOG("%s", files[i]);
		EXPECT_EQ(0, rs_report_input_errors(r));
		EXPECT_EQ(0, rs_report_violations(r, -1)) TH_LOG("%s", files[i]);
		EXPECT_EQ(0, rs_report_hangs(r));
		EXPECT_EQ(0, rs_report_exit_code(r));
		for (s = 0; s < RS_ARRAY_SIZE(stages); s++) {
			EXPECT_EQ(counts[s], rs_report_stage_count(r, stages[s]))
				TH_LOG("%s %s", files[i], stages[s]);
			if (!i) {
				p50[s] = rs_report_stage_pct(r, stages[s], 50);
				p99[s] = rs_report_stage_pct(r, stages[s], 99);
				max[s] = rs_report_stage_pct(r, stages[s], 100);
				min_fence = rs_report_stage_pct(r, "fence_wait", 0);
			}
			EXPECT_EQ(p50[s], rs_report_stage_pct(r, stages[s], 50)) TH_LOG("%s", stages[s]);
			EXPECT_EQ(p99[s], rs_report_stage_pct(r, stages[s], 99)) TH_LOG("%s", stages[s]);
		}
		rs_report_free(r);
	}
	/* the samples' values: the slowest revoke took 104 us, fence waits 950/610 ns */
	EXPECT_EQ(104000, max[0]);
	EXPECT_EQ(950, max[3]);
	EXPECT_EQ(610, min_fence);
	EXPECT_LE(104000 - 104000 / 128, p99[0]);	/* within the histogram's error */
}

TEST(text_report_names_groups)
{
	struct rs_report *r = load(_metadata, T("clean.tracefs.txt"), NULL);
	int err;
	char *text = render(r, rs_report_write_text, &err);

	EXPECT_EQ(0, err);
	EXPECT_NE(NULL, strstr(text, "0000:00:03.0  command_memory  revoke   -             whole move                  2"));
	EXPECT_NE(NULL, strstr(text, "0000:00:03.0  flr             revoke   0000:00:05.0  unmap after invalidate      1   93.0us"));
	EXPECT_NE(NULL, strstr(text, "VERDICT: clean (exit 0)"));
	free(text);
	rs_report_free(r);
}

TEST(map_while_revoked)
{
	struct rs_report *r = load(_metadata, T("viol-map-while-revoked.perf-script.txt"), NULL);
	int err;
	char *text = render(r, rs_report_write_text, &err);

	expect_only(_metadata, r, RS_VIOL_MAP_WHILE_REVOKED);
	EXPECT_EQ(1, rs_report_exit_code(r));
	/* the violating line, not the restore's map afterwards */
	EXPECT_NE(NULL, strstr(text, "[a] 100.010124  tests/unit/traces/viol-map-while-revoked.perf-script.txt:17  attachment 00000000a1b2c3d4 (0000:00:04.0)"));
	free(text);
	rs_report_free(r);
}

TEST(never_unmapped)
{
	struct rs_report *r = load(_metadata, T("viol-never-unmapped.tracefs.txt"), NULL);
	int err;
	char *text = render(r, rs_report_write_text, &err);

	expect_only(_metadata, r, RS_VIOL_NEVER_UNMAPPED);
	EXPECT_NE(NULL, strstr(text, "never unmapped before its detach"));
	EXPECT_NE(NULL, strstr(text, "000000007c1d22e0 (0000:03:00.0)"));
	EXPECT_EQ(1, rs_report_exit_code(r));
	free(text);
	rs_report_free(r);
}

TEST(move_end_before_unmap)
{
	struct rs_report *r = load(_metadata, T("viol-early-move-end.perf-script.txt"), NULL);
	int err;
	char *text = render(r, rs_report_write_text, &err);

	expect_only(_metadata, r, RS_VIOL_EARLY_MOVE_END);
	EXPECT_NE(NULL, strstr(text, "revoke of ino 4242 (reset) ended while attachment 00000000e5f60718 (0000:00:05.0)"));
	/* the late unmap still counts as an unmap after invalidate */
	EXPECT_EQ(2, rs_report_stage_count(r, "unmap_after_invalidate"));
	free(text);
	rs_report_free(r);
}

TEST(restore_without_revoke)
{
	struct rs_report *r = load(_metadata, T("viol-restore-without-revoke.perf-trace.txt"), NULL);

	EXPECT_EQ(RS_FMT_PERF_TRACE, rs_report_detected(r));
	expect_only(_metadata, r, RS_VIOL_RESTORE_WITHOUT_REVOKE);
	EXPECT_EQ(1, rs_report_exit_code(r));
	rs_report_free(r);
}

TEST(hung_importer)
{
	struct rs_report *r = load(_metadata, T("hung-importer.tracefs.txt"), NULL);
	int err;
	char *text = render(r, rs_report_write_text, &err);

	EXPECT_EQ(2, rs_report_hangs(r));
	EXPECT_EQ(0, rs_report_violations(r, -1));	/* slow, but by the protocol */
	EXPECT_EQ(1, rs_report_exit_code(r));
	EXPECT_NE(NULL, strstr(text, "HUNG IMPORTERS (2 detections)"));
	EXPECT_NE(NULL, strstr(text, "importer 0000:00:04.0 (driver virtio-pci) attachment 00000000a1b2c3d4 mapped=1, 20000 ms since invalidate, revoke waited 20000 ms (trigger flr)"));
	/* the completion wait is the 25 s the importer held on */
	EXPECT_GE(rs_report_stage_pct(r, "completion_wait", 50), 24900000000ULL);
	EXPECT_LE(rs_report_stage_pct(r, "completion_wait", 50), 25100000000ULL);
	free(text);
	rs_report_free(r);
}

TEST(truncated_input)
{
	char *errs;
	struct rs_report *r = load(_metadata, T("truncated.tracefs.txt"), &errs);
	int err;
	char *text = render(r, rs_report_write_text, &err);

	EXPECT_EQ(1, rs_report_input_errors(r));
	EXPECT_EQ(2, rs_report_exit_code(r));
	EXPECT_EQ(35, rs_report_events(r));	/* everything before the cut */
	EXPECT_EQ(2, rs_report_stage_count(r, "move"));	/* the third lost its move_end */
	EXPECT_NE(NULL, strstr(errs, "tests/unit/traces/truncated.tracefs.txt:42: truncated line (no newline at the end of the file)"));
	EXPECT_NE(NULL, strstr(text, "1 revoke/restore moves had not ended"));
	free(errs);
	free(text);
	rs_report_free(r);
}

TEST(garbled_lines)
{
	char *errs;
	struct rs_report *r = load(_metadata, T("garbled.perf-script.txt"), &errs);

	EXPECT_EQ(3, rs_report_input_errors(r));
	EXPECT_EQ(68, rs_report_events(r));	/* 69 less the broken one */
	EXPECT_EQ(2, rs_report_exit_code(r));
	EXPECT_NE(NULL, strstr(errs, "garbled.perf-script.txt:6: ino: not a number: '42x2'"));
	EXPECT_NE(NULL, strstr(errs, "garbled.perf-script.txt:10: not an event line"));
	EXPECT_NE(NULL, strstr(errs, "garbled.perf-script.txt:21: dma_buf_invalidate_attach: no field 'ino'"));
	/* the rest is still analysed: 6 moves */
	EXPECT_EQ(6, rs_report_stage_count(r, "move"));
	free(errs);
	rs_report_free(r);
}

/* The contract's own sample lines (docs/trace-events.md, from the lab VM) all parse. */
TEST(trace_events_doc_samples)
{
	char path[] = "/tmp/rs-report-doc.XXXXXX", *text, *line, *save = NULL;
	size_t len, n = 0;
	struct rs_report *r;
	FILE *f;
	int fd;

	ASSERT_EQ(0, rs_read_file("docs/trace-events.md", &text, &len, 0));
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	f = fdopen(fd, "w");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* tracefs lines: "  comm-pid   [cpu] flags  secs.usecs: event: fields" */
		if (line[0] != ' ' || !strstr(line, "] ") || !strstr(line, ": "))
			continue;
		fprintf(f, "%s\n", line);
		n++;
	}
	fclose(f);
	free(text);
	EXPECT_LE(20, n);
	r = load(_metadata, path, NULL);
	EXPECT_EQ(n, rs_report_events(r));
	EXPECT_EQ(0, rs_report_input_errors(r));
	EXPECT_EQ(1, rs_report_hangs(r));
	rs_report_free(r);
	unlink(path);
}

/*
 * kernel-patches v2's hung-importer reports (docs/trace-events.md, hand-written from its
 * TP_printk formats): the hung event gains importer, invalidated, comm and pid, and a report
 * that cannot name the importer is dma_buf_unmap_wait_stalled; both are findings (exit 1).
 */
TEST(v2_hung_and_stalled_reports)
{
	static const char lines[] =
		"     kworker/0:1-12      [000] .....     3.616112: dma_buf_unmap_wait_hung: exp_name=vfio_pci_core size=65536 ino=3 attachment:000000002a55190f dev_name=0000:01:00.0 driver=vfio-pci importer=dma_buf_mock_invalidate_mappings mapped=1 invalidated=1 since_invalidate_ms=501 waited_ms=501 comm=mock_importer_t pid=95\n"
		"     kworker/0:1-12      [000] .....     4.617001: dma_buf_unmap_wait_hung: exp_name=vfio_pci_core size=65536 ino=3 attachment:000000002a55190f dev_name=0000:01:00.0 driver=vfio-pci importer=0x0 mapped=1 invalidated=0 since_invalidate_ms=0 waited_ms=1502 comm=mock_importer_t pid=95\n"
		"     kworker/1:2-40      [001] .....     5.001000: dma_buf_unmap_wait_stalled: exp_name=vfio_pci_core size=65536 ino=4 reason=resv_contended waited_ms=500 comm=revokestorm pid=120\n"
		"     kworker/1:2-40      [001] .....     5.002000: dma_buf_unmap_wait_stalled: exp_name=vfio_pci_core size=65536 ino=4 reason=no_mapped_attachment waited_ms=1500 comm=revokestorm pid=120\n"
		" mock_importer_t-94      [001] .....     5.339991: dma_buf_mock_unmap: ino=3 attachment:000000002a55190f handle=1 behaviour=stuck reason=exit\n";
	char path[] = "/tmp/rs-report-v2.XXXXXX", *json, *text, *errs;
	struct rs_report *r;
	int fd, err;

	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(lines), write(fd, lines, strlen(lines)));
	close(fd);
	r = load(_metadata, path, &errs);
	unlink(path);
	EXPECT_EQ(5, rs_report_events(r));
	EXPECT_EQ(0, rs_report_input_errors(r)) TH_LOG("%s", errs);
	EXPECT_EQ(4, rs_report_hangs(r));	/* 2 named, 2 not */
	EXPECT_EQ(1, rs_report_exit_code(r));
	json = render(r, rs_report_write_json, &err);
	EXPECT_EQ(0, err);
	EXPECT_NE(NULL, strstr(json, "\"hangs_total\": 2"));
	EXPECT_NE(NULL, strstr(json, "\"hangs_unnamed\": 2"));
	EXPECT_NE(NULL, strstr(json, "\"dma_buf_unmap_wait_stalled\": 2"));
	EXPECT_NE(NULL, strstr(json, "\"since_invalidate_ms\": 501"));
	text = render(r, rs_report_write_text, &err);
	EXPECT_NE(NULL, strstr(text, "2 more report(s) could not name the importer")) TH_LOG("%s", text);
	free(json);
	free(text);
	free(errs);
	rs_report_free(r);
}

/* Not events, not errors: callchains, tracefs stack traces, perf trace syscalls (hand-written). */
TEST(noise_lines_are_not_errors)
{
	char *errs;
	struct rs_report *r = load(_metadata, T("noise.mixed.txt"), &errs);

	EXPECT_EQ(2, rs_report_events(r));
	EXPECT_EQ(0, rs_report_input_errors(r)) TH_LOG("%s", errs);
	EXPECT_EQ(0, rs_report_exit_code(r));
	free(errs);
	rs_report_free(r);
}

/* Feed len bytes of `in` as input `name`; messages go to *errs (caller frees). */
static struct rs_report *load_mem(const char *in, size_t len, const char *name, int *ret,
				  char **errs)
{
	struct rs_report *r = rs_report_new();
	FILE *f = fmemopen((void *)in, len, "r");
	size_t elen;
	FILE *ef = open_memstream(errs, &elen);

	rs_report_set_errfile(r, ef);
	*ret = rs_report_feed_stream(r, f, name);
	rs_report_finish(r);
	fclose(ef);
	fclose(f);
	return r;
}

/* A NUL inside a line (fuzzer-found: it once made the string table read past a field). */
TEST(nul_byte_in_line)
{
	static const char in[] =
		"     revokestorm-1187    [001] .....    100.000100: dma_buf_export: exp_name=vfio_pci_core size=16384 ino=4242\n"
		"     revokestorm-1190    [000] .....    100.000200: dma_buf_dynamic_attach: exp_name=vfio_pci_core size=16384 ino=4242 attachment:00000000a1b2c3d4 is_dynamic=1 dev_name=0000:00:04.0\n"
		"     revokestorm-1190    [000] .....    100.000300: dma_buf_dynamic_attach: exp_name=vfio_pci_core size=16384 ino=4242 attachment:00000000e5f60718 is_dynamic=1 dev_name=0000:00:04.0\0xyz\n";
	char *errs = NULL;
	int ret;
	struct rs_report *r = load_mem(in, sizeof(in) - 1, "mem", &ret, &errs);

	EXPECT_EQ(0, ret);
	EXPECT_EQ(2, rs_report_events(r));
	EXPECT_EQ(1, rs_report_input_errors(r));
	EXPECT_EQ(2, rs_report_exit_code(r));
	EXPECT_NE(NULL, strstr(errs, "mem:3: NUL byte in line (binary data?)")) TH_LOG("%s", errs);
	free(errs);
	rs_report_free(r);
}

/* perf.data given where text is wanted: one error that says what to pass instead. */
TEST(perf_data_file)
{
	static const char in[] = "PERFILE2\x68\0\0\0\0\0\0\0\n\n";
	char *errs = NULL;
	int ret;
	struct rs_report *r = load_mem(in, sizeof(in) - 1, "results/perf.data", &ret, &errs);

	EXPECT_EQ(-EINVAL, ret);
	EXPECT_EQ(1, rs_report_input_errors(r));
	EXPECT_NE(NULL, strstr(errs, "results/perf.data:1: a perf.data file, not text: pass its results "
			       "directory, or the output of `perf script -i results/perf.data`"))
		TH_LOG("%s", errs);
	free(errs);
	rs_report_free(r);
}

TEST(json_parses)
{
	struct rs_report *r = load(_metadata, T("hung-importer.tracefs.txt"), NULL);
	char path[] = "/tmp/rs-report-json.XXXXXX", cmd[256];
	int err, fd;
	char *text = render(r, rs_report_write_json, &err);

	EXPECT_EQ(0, err);
	EXPECT_NE(NULL, strstr(text, "\"report_schema_version\": 1"));
	EXPECT_NE(NULL, strstr(text, "\"hangs_total\": 2"));
	EXPECT_NE(NULL, strstr(text, "\"exit_code\": 1"));
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(text), write(fd, text, strlen(text)));
	close(fd);
	if (system("python3 -c 'import json' >/dev/null 2>&1") == 0) {
		snprintf(cmd, sizeof(cmd),
			 "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
			 "assert d[\"hangs\"][1][\"waited_ms\"] == 20000; "
			 "assert d[\"violation_counts\"][\"map_while_revoked\"] == 0' %s", path);
		EXPECT_EQ(0, system(cmd));
	}
	unlink(path);
	free(text);
	rs_report_free(r);
}

TEST(html_self_contained)
{
	struct rs_report *r = load(_metadata, T("hung-importer.tracefs.txt"), NULL);
	int err;
	char *html = render(r, rs_report_write_html, &err);

	EXPECT_EQ(0, err);
	EXPECT_EQ(0, strncmp(html, "<!DOCTYPE html>", 15));
	EXPECT_NE(NULL, strstr(html, "<svg class=\"timeline\""));
	EXPECT_NE(NULL, strstr(html, "<svg class=\"hist\""));
	EXPECT_NE(NULL, strstr(html, "class=\"hangmark\""));
	/* nothing fetched from elsewhere */
	EXPECT_TRUE(strstr(html, "src=") == NULL);
	EXPECT_TRUE(strstr(html, "href=") == NULL);
	EXPECT_TRUE(strstr(html, "url(") == NULL);
	EXPECT_TRUE(strstr(html, "@import") == NULL);
	EXPECT_NE(NULL, strstr(html, "</html>"));
	free(html);
	rs_report_free(r);
}

static int run_main(char *const *argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return rs_report_main(argc, (char **)argv);
}

TEST(command_line_and_results_dir)
{
	char dir[] = "/tmp/rs-report-dir.XXXXXX", out[300], *p, *text;
	size_t len;
	FILE *f;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/out.txt", dir);
	EXPECT_EQ(2, run_main((char *const[]){ "report", "--format", "xml", T("clean.tracefs.txt"), NULL }));
	EXPECT_EQ(2, run_main((char *const[]){ "report", "-o", out, "/nonexistent/trace", NULL }));
	EXPECT_EQ(0, run_main((char *const[]){ "report", "-o", out, T("clean.perf-trace.txt"), NULL }));
	EXPECT_EQ(1, run_main((char *const[]){ "report", "-o", out, "-f", "json", T("hung-importer.tracefs.txt"), NULL }));
	EXPECT_EQ(2, run_main((char *const[]){ "report", "-o", out, T("garbled.perf-script.txt"), NULL }));
	/* a results directory: results.json for the header, trace.txt for the events */
	p = rs_xasprintf("cp " T("viol-map-while-revoked.perf-script.txt") " %s/trace.txt", dir);
	ASSERT_EQ(0, system(p));
	free(p);
	p = rs_xasprintf("%s/results.json", dir);
	f = fopen(p, "w");
	ASSERT_NE(NULL, f);
	fputs("{\n  \"results_schema_version\": 1,\n  \"status\": \"pass\",\n  \"seed\": 77,\n"
	      "  \"scenario\": {\n    \"name\": \"smoke\"\n  },\n  \"kernel\": {\n    \"release\": \"7.2.13\"\n  },\n"
	      "  \"importers\": [\n    {\n      \"name\": \"dma0\",\n      \"imports\": [\n        {\n"
	      "          \"exporter\": \"bar\"\n        }\n      ],\n      \"traffic\": {\n"
	      "        \"errors\": [\n          {\n            \"name\": \"EIO\"\n          }\n"
	      "        ]\n      },\n      \"counters\": {\n"
	      "        \"after_revoke\": 5,\n        \"blocked\": 5\n      }\n    },\n"
	      "    {\n      \"name\": \"map\",\n      \"counters\": {}\n    }\n  ],\n"
	      "  \"loads\": [\n    {\n      \"name\": \"x\",\n      \"counters\": {\n"
	      "        \"not_an_importer\": 1\n      }\n    }\n  ]\n}\n", f);
	fclose(f);
	free(p);
	EXPECT_EQ(1, run_main((char *const[]){ "report", "-o", out, dir, NULL }));
	ASSERT_EQ(0, rs_read_file(out, &text, &len, 0));
	EXPECT_NE(NULL, strstr(text, "scenario smoke, status pass, seed 77, kernel 7.2.13"));
	EXPECT_NE(NULL, strstr(text, "\ncounters: importer dma0: after_revoke 5, blocked 5\n"));
	EXPECT_EQ(NULL, strstr(text, "not_an_importer"));
	EXPECT_EQ(NULL, strstr(text, "importer map"));
	EXPECT_NE(NULL, strstr(text, "(a) map succeeded while revoked              1"));
	free(text);
	/* only perf.data and no perf: exit 2 and say what to run */
	p = rs_xasprintf("rm %s/trace.txt && touch %s/perf.data", dir, dir);
	ASSERT_EQ(0, system(p));
	free(p);
	setenv("PERF", "/nonexistent/perf", 1);
	EXPECT_EQ(2, run_main((char *const[]){ "report", "-o", out, dir, NULL }));
	unsetenv("PERF");
	p = rs_xasprintf("rm -rf %s", dir);
	ASSERT_EQ(0, system(p));
	free(p);
}

/*
 * Issue 9, item 7: the last line without a newline is parsed within its own bytes.  The
 * read buffer still holds the first line's digits after it: they are not its count.
 */
TEST(report_parser_last_line_own_bytes)
{
	static const char in[] = "# 0123456789012345678901234567890123456789\nCPU:0 [LOST 5";
	char *errs = NULL, *json;
	int ret, err;
	struct rs_report *r = load_mem(in, sizeof(in) - 1, "mem", &ret, &errs);

	json = render(r, rs_report_write_json, &err);
	EXPECT_NE(NULL, strstr(json, "\"lost_events\": 5,")) TH_LOG("%s", json);
	free(json);
	free(errs);
	rs_report_free(r);
}

/* Item 7: numbers and timestamps that do not fit are errors, not wrapped into others. */
TEST(report_parser_no_wrap)
{
	static const char in[] =
		"     revokestorm-1187    [001] .....    100.000100: dma_buf_export: exp_name=vfio_pci_core size=16384 ino=18446744073709551616\n"
		"     revokestorm-1187    [001] .....    99999999999.000100: dma_buf_export: exp_name=vfio_pci_core size=16384 ino=7\n"
		"     revokestorm-1187    [001] .....    100.000300: dma_buf_export: exp_name=vfio_pci_core size=16384 ino=8\n";
	char *errs = NULL;
	int ret;
	struct rs_report *r = load_mem(in, sizeof(in) - 1, "mem", &ret, &errs);

	EXPECT_EQ(1, rs_report_events(r));
	EXPECT_EQ(2, rs_report_input_errors(r));
	EXPECT_NE(NULL, strstr(errs, "mem:1: ino: out of range: '18446744073709551616'")) TH_LOG("%s", errs);
	EXPECT_NE(NULL, strstr(errs, "mem:2: ")) TH_LOG("%s", errs);
	EXPECT_EQ(2, rs_report_exit_code(r));
	free(errs);
	rs_report_free(r);
}

/* Item 7: the most negative value of a signed field (UBSan: no negation overflow). */
TEST(report_parser_int64_min)
{
	static const char in[] =
		"     revokestorm-1187    [001] .....    100.000100: dma_buf_export: exp_name=vfio_pci_core size=16384 ino=4242\n"
		"     revokestorm-1190    [000] .....    100.000200: dma_buf_dynamic_attach: exp_name=vfio_pci_core size=16384 ino=4242 attachment:00000000a1b2c3d4 is_dynamic=1 dev_name=0000:00:04.0\n"
		"     revokestorm-1190    [000] .....    100.000300: dma_buf_map_attachment: exp_name=vfio_pci_core size=16384 ino=4242 attachment:00000000a1b2c3d4 is_dynamic=1 dev_name=0000:00:04.0 ret=-9223372036854775808\n"
		"     revokestorm-1190    [000] .....    100.000400: dma_buf_map_attachment: exp_name=vfio_pci_core size=16384 ino=4242 attachment:00000000a1b2c3d4 is_dynamic=1 dev_name=0000:00:04.0 ret=-9223372036854775809\n";
	char *errs = NULL;
	int ret;
	struct rs_report *r = load_mem(in, sizeof(in) - 1, "mem", &ret, &errs);

	EXPECT_EQ(1, rs_report_input_errors(r)) TH_LOG("%s", errs);
	EXPECT_NE(NULL, strstr(errs, "mem:4: ret: out of range")) TH_LOG("%s", errs);
	free(errs);
	rs_report_free(r);
}

struct par_arg {
	const char *path;
	char *json;
};

static void *par_report(void *arg)
{
	struct par_arg *a = arg;
	struct rs_report *r = rs_report_new();
	char *buf = NULL;
	size_t len;
	FILE *f;
	int i;

	rs_report_set_errfile(r, NULL);
	for (i = 0; i < 3; i++)		/* the same input again: more of the same work */
		rs_report_feed_path(r, a->path);
	rs_report_finish(r);
	f = open_memstream(&buf, &len);
	rs_report_write_json(r, f);
	fclose(f);
	a->json = buf;
	rs_report_free(r);
	return NULL;
}

/*
 * Item 7: the parser and the writers keep no state of their own (they had statics): two
 * reports made at once in two threads are each what one alone gives (and make check-tsan
 * sees no race).
 */
TEST(report_parser_reentrant)
{
	struct par_arg a[2] = { { T("hung-importer.tracefs.txt") }, { T("garbled.perf-script.txt") } };
	struct par_arg alone[2] = { a[0], a[1] };
	pthread_t th[2];
	int i;

	for (i = 0; i < 2; i++)
		par_report(&alone[i]);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, par_report, &a[i]));
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 2; i++) {
		char *ta = strstr(a[i].json, "\"inputs\""), *tb = strstr(alone[i].json, "\"inputs\"");

		/* from the inputs on: the header has the time of the report */
		ASSERT_NE(NULL, ta);
		ASSERT_NE(NULL, tb);
		EXPECT_STREQ(tb, ta);
		free(a[i].json);
		free(alone[i].json);
	}
}

/* Item 7: results.json is parsed, not searched for text: compact JSON reads the same. */
TEST(report_results_json_parsed)
{
	char dir[] = "/tmp/rs-report-rj.XXXXXX", out[300], *p, *text;
	size_t len;
	FILE *f;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/out.txt", dir);
	p = rs_xasprintf("cp " T("clean.tracefs.txt") " %s/trace.txt", dir);
	ASSERT_EQ(0, system(p));
	free(p);
	p = rs_xasprintf("%s/results.json", dir);
	f = fopen(p, "w");
	ASSERT_NE(NULL, f);
	fputs("{\"tool\":{\"name\":\"revokestorm\",\"version\":\"0.1\"},\"status\":\"hang\","
	      "\"seed\":77,\"scenario\":{\"name\":\"smoke\",\"path\":\"s.ini\"},"
	      "\"kernel\":{\"sysname\":\"Linux\",\"release\":\"7.2.13\"}}", f);
	fclose(f);
	free(p);
	EXPECT_EQ(0, run_main((char *const[]){ "report", "-o", out, dir, NULL }));
	ASSERT_EQ(0, rs_read_file(out, &text, &len, 0));
	EXPECT_NE(NULL, strstr(text, "scenario smoke, status hang, seed 77, kernel 7.2.13")) TH_LOG("%s", text);
	free(text);
	p = rs_xasprintf("rm -rf %s", dir);
	ASSERT_EQ(0, system(p));
	free(p);
}

TEST_HARNESS_MAIN
