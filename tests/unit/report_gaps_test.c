// SPDX-License-Identifier: GPL-2.0
/*
 * No verdict across lost events (src/report/report_gaps.c).  One revoke and restore of a
 * dma-buf; the restore's events on CPU 1 are lost, so a map on CPU 0 after it looks like a
 * map of a revoked buffer.  Told where the gap is (revokestorm's "# revokestorm-gap" header,
 * the kernel's "CPU:N [LOST n EVENTS]" line, perf's "LOST n events!"), the report must not
 * claim that violation: it is withheld and said, the exit code is not a pass.  What does not
 * span the gap is still claimed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "rs_report.h"
#include "rs_util.h"
#include "report_mem.h"

#define L(cpu, ts, ev) "     revokestorm-100     [00" #cpu "] .....     " ts ": " ev "\n"
#define ATT "exp_name=vfio_pci_core size=65536 ino=1 attachment:00000000a1b2c3d4 is_dynamic=1 dev_name=0000:00:04.0"
#define BUF "exp_name=vfio_pci_core size=65536 ino=1"
#define DEV "dev=0000:01:00.0 ino=1"

/* export, attach, map; the revoke on CPU 1 with the importer's unmap on CPU 0 */
#define REVOKE \
	L(0, "1.000010", "dma_buf_export: " BUF) \
	L(0, "1.000020", "dma_buf_dynamic_attach: " ATT) \
	L(0, "1.000030", "dma_buf_map_attachment: " ATT " ret=0") \
	L(1, "1.000100", "vfio_pci_dmabuf_move_begin: " DEV " size=65536 revoke=1 trigger=command_memory") \
	L(1, "1.000101", "dma_buf_invalidate_begin: " BUF " nr_attach=1") \
	L(1, "1.000102", "dma_buf_invalidate_attach: " ATT " revocable=1 peer2peer=1 duration_ns=900") \
	L(0, "1.000103", "dma_buf_unmap_attachment: " ATT " since_invalidate_ns=1000") \
	L(1, "1.000104", "dma_buf_invalidate_end: " BUF " nr_attach=1 duration_ns=3000") \
	L(1, "1.000105", "vfio_pci_dmabuf_fence_wait: " DEV " revoke=1 duration_ns=500 ret=9223372036854775807") \
	L(1, "1.000106", "vfio_pci_dmabuf_unmap_wait: " DEV " duration_ns=2000") \
	L(1, "1.000107", "vfio_pci_dmabuf_move_end: " DEV " revoke=1 trigger=command_memory duration_ns=7000")
/* (the restore, 1.000150-1.000160 on CPU 1, is lost) then the importer maps again */
#define MAP	L(0, "1.000200", "dma_buf_map_attachment: " ATT " ret=0")
#define CPU1_NEXT L(1, "1.000300", "dma_buf_export: exp_name=vfio_pci_core size=65536 ino=2")
#define HEADER	"# revokestorm-gap cpu=1 lost=5 after=1.000107000 before=1.000300000\n"

static struct rs_report *feed(const char *text, uint64_t *errors)
{
	struct rs_report *r = report_from_text(text);

	*errors = rs_report_input_errors(r);
	return r;
}

/* Without a word about the gap the report sees a map of a revoked buffer: the false claim. */
TEST(unsaid_gap_makes_the_false_violation)
{
	uint64_t errs;
	struct rs_report *r = feed(REVOKE MAP CPU1_NEXT, &errs);

	EXPECT_EQ(0, errs);
	EXPECT_EQ(1, rs_report_violations(r, RS_VIOL_MAP_WHILE_REVOKED));
	EXPECT_EQ(1, rs_report_exit_code(r));
	rs_report_free(r);
}

/* revokestorm's trace.txt says the gap first: the violation is withheld, not claimed. */
TEST(header_gap_withholds)
{
	uint64_t errs;
	struct rs_report *r = feed(HEADER REVOKE MAP CPU1_NEXT, &errs);

	EXPECT_EQ(0, errs);
	EXPECT_EQ(1, rs_report_gaps(r));
	EXPECT_EQ(0, rs_report_violations(r, -1));
	EXPECT_EQ(1, rs_report_withheld(r, RS_VIOL_MAP_WHILE_REVOKED));
	EXPECT_EQ(4, rs_report_exit_code(r));
	rs_report_free(r);
}

/* The kernel's LOST line comes after the map (it is printed before CPU 1's next event). */
TEST(lost_line_withholds_what_was_found_before_it)
{
	uint64_t errs;
	struct rs_report *r = feed(REVOKE MAP "CPU:1 [LOST 5 EVENTS]\n" CPU1_NEXT, &errs);

	EXPECT_EQ(0, errs);
	EXPECT_EQ(1, rs_report_gaps(r));
	EXPECT_EQ(0, rs_report_violations(r, -1));
	EXPECT_EQ(1, rs_report_withheld(r, -1));
	EXPECT_EQ(4, rs_report_exit_code(r));
	rs_report_free(r);
}

/* Uncounted ("[LOST EVENTS]") is a gap too, and no input error. */
TEST(uncounted_lost_line)
{
	uint64_t errs;
	struct rs_report *r = feed(REVOKE MAP "CPU:1 [LOST EVENTS]\n" CPU1_NEXT, &errs);

	EXPECT_EQ(0, errs);
	EXPECT_EQ(0, rs_report_violations(r, -1));
	EXPECT_EQ(1, rs_report_withheld(r, -1));
	rs_report_free(r);
}

/* perf names no place: the whole input is in doubt. */
TEST(perf_lost_withholds_everything)
{
	uint64_t errs;
	struct rs_report *r = feed(REVOKE MAP CPU1_NEXT "LOST 5 events!\n", &errs);

	EXPECT_EQ(0, errs);
	EXPECT_EQ(0, rs_report_violations(r, -1));
	EXPECT_EQ(1, rs_report_withheld(r, -1));
	rs_report_free(r);
}

/* A violation whose events all lie before the gap is still claimed. */
TEST(violation_before_the_gap_stands)
{
	uint64_t errs;
	struct rs_report *r = feed("# revokestorm-gap cpu=1 lost=5 after=1.000250000 before=1.000300000\n"
				   REVOKE MAP CPU1_NEXT, &errs);

	EXPECT_EQ(0, errs);
	EXPECT_EQ(1, rs_report_violations(r, RS_VIOL_MAP_WHILE_REVOKED));
	EXPECT_EQ(0, rs_report_withheld(r, -1));
	EXPECT_EQ(1, rs_report_exit_code(r));
	rs_report_free(r);
}

/* An invalidation whose unmap may be in the gap is not "never unmapped". */
TEST(pending_unmap_across_a_gap)
{
	static const char text[] =
		"# revokestorm-gap cpu=0 lost=? after=1.000102000 before=-\n"
		L(0, "1.000010", "dma_buf_export: " BUF)
		L(0, "1.000020", "dma_buf_dynamic_attach: " ATT)
		L(0, "1.000030", "dma_buf_map_attachment: " ATT " ret=0")
		L(1, "1.000100", "vfio_pci_dmabuf_move_begin: " DEV " size=65536 revoke=1 trigger=command_memory")
		L(1, "1.000101", "dma_buf_invalidate_begin: " BUF " nr_attach=1")
		L(1, "1.000102", "dma_buf_invalidate_attach: " ATT " revocable=1 peer2peer=1 duration_ns=900")
		L(1, "1.000104", "dma_buf_invalidate_end: " BUF " nr_attach=1 duration_ns=3000");
	uint64_t errs;
	struct rs_report *r = feed(text, &errs);

	EXPECT_EQ(0, errs);
	EXPECT_EQ(0, rs_report_violations(r, -1));
	EXPECT_EQ(1, rs_report_withheld(r, RS_VIOL_NEVER_UNMAPPED));
	rs_report_free(r);
}

/* A move begun before the gap: its durations are not counted under a trigger. */
TEST(breakdown_across_a_gap_is_not_counted)
{
	uint64_t errs;
	struct rs_report *clean = feed(REVOKE, &errs);
	struct rs_report *r = feed("# revokestorm-gap cpu=1 lost=1 after=1.000101000 before=1.000104000\n"
				   REVOKE, &errs);

	EXPECT_EQ(1, rs_report_stage_count(clean, "move"));
	EXPECT_EQ(1, rs_report_stage_count(clean, "invalidate"));
	EXPECT_EQ(0, rs_report_stage_count(r, "move"));
	EXPECT_EQ(0, rs_report_stage_count(r, "invalidate"));
	rs_report_free(clean);
	rs_report_free(r);
}

static char *render(struct rs_report *r, int (*fn)(struct rs_report *, FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(r, f);
	fclose(f);
	return buf;
}

/* Each output says where events were lost and what was not claimed there, and why. */
TEST(outputs_say_what_could_not_be_checked)
{
	static const char said[] = "could not be checked: 5 events lost between 1.000107000 and "
				   "1.000300000 on CPU 1: attachment 00000000a1b2c3d4 (0000:00:04.0) "
				   "mapped ino 1 (ret=0) while it was revoked";
	uint64_t errs;
	struct rs_report *r = feed(HEADER REVOKE MAP CPU1_NEXT, &errs);
	char *text = render(r, rs_report_write_text), *json = render(r, rs_report_write_json);
	char *html = render(r, rs_report_write_html);

	EXPECT_NE(NULL, strstr(text, "NOT CHECKED: EVENTS LOST (1 gaps")) TH_LOG("%s", text);
	EXPECT_NE(NULL, strstr(text, said));
	EXPECT_NE(NULL, strstr(text, "PROTOCOL VIOLATIONS (0)"));
	EXPECT_NE(NULL, strstr(text, "VERDICT: not checked in full: the tracer lost events"));
	EXPECT_NE(NULL, strstr(text, "(exit 4)"));
	EXPECT_NE(NULL, strstr(json, said)) TH_LOG("%s", json);
	EXPECT_NE(NULL, strstr(json, "\"map_while_revoked\": 1"));
	EXPECT_NE(NULL, strstr(json, "\"gaps_total\": 1"));
	EXPECT_NE(NULL, strstr(json, "\"exit_code\": 4"));
	EXPECT_NE(NULL, strstr(html, "Not checked: events lost (1 gaps)"));
	EXPECT_NE(NULL, strstr(html, "could not be checked: 5 events lost between"));
	free(text);
	free(json);
	free(html);
	rs_report_free(r);
}

TEST(bad_gap_header_is_an_input_error)
{
	uint64_t errs;
	struct rs_report *r = feed("# revokestorm-gap cpu=1 lost=5\n" REVOKE, &errs);

	EXPECT_EQ(1, errs);
	rs_report_free(r);
}

TEST_HARNESS_MAIN
