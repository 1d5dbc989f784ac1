// SPDX-License-Identifier: GPL-2.0
/*
 * A live check's claim about the kernel against the trace oracle of the same run
 * (rs_oracle_check_claim()): confirmed by the trace, contradicted by it, or not
 * checkable across lost events.  The traces are tracefs text in the patch set's format
 * (docs/trace-events.md), written out here event by event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "rs_ctl.h"
#include "rs_report.h"
#include "rs_util.h"
#include "report_mem.h"

#define T(ts, ev) "  rs-cmd.bar-101     [000] .....     " ts ": " ev "\n"
#define BUF "exp_name=vfio_pci_core size=16384 ino=7"
#define ATT BUF " attachment:00000000ce8ed12f is_dynamic=1"
#define DEV "dev_name=0000:01:00.0"

/* mapped, then a revoke that invalidates and waits: the sync importer unmaps inside */
#define MAPPED_THEN_REVOKE(trigger) \
	T("2.000000", "dma_buf_map_attachment: " ATT " " DEV " ret=0") \
	T("2.500000", "vfio_pci_dmabuf_move_begin: dev=0000:01:00.0 ino=7 size=16384 revoke=1 trigger=" trigger) \
	T("2.500001", "dma_buf_invalidate_begin: " BUF " nr_attach=1") \
	T("2.500002", "dma_buf_mock_invalidate: ino=7 handle=7 behaviour=sync") \
	T("2.500003", "dma_buf_mock_unmap: ino=7 handle=7 behaviour=sync reason=invalidate") \
	T("2.500004", "dma_buf_unmap_attachment: " ATT " " DEV " since_invalidate_ns=3000") \
	T("2.500005", "dma_buf_invalidate_attach: " ATT " revocable=1 peer2peer=1 " DEV " duration_ns=4000") \
	T("2.500006", "dma_buf_invalidate_end: " BUF " nr_attach=1 duration_ns=5000") \
	T("2.500007", "vfio_pci_dmabuf_fence_wait: dev=0000:01:00.0 ino=7 revoke=1 duration_ns=100 ret=9223372036854775807") \
	T("2.500008", "vfio_pci_dmabuf_unmap_wait: dev=0000:01:00.0 ino=7 duration_ns=100") \
	T("2.500009", "vfio_pci_dmabuf_move_end: dev=0000:01:00.0 ino=7 revoke=1 trigger=" trigger " duration_ns=9000")

#define RESTORE(trigger) \
	T("2.600000", "vfio_pci_dmabuf_move_begin: dev=0000:01:00.0 ino=7 size=16384 revoke=0 trigger=" trigger) \
	T("2.600001", "dma_buf_invalidate_begin: " BUF " nr_attach=1") \
	T("2.600002", "dma_buf_invalidate_end: " BUF " nr_attach=1 duration_ns=1000") \
	T("2.600003", "vfio_pci_dmabuf_fence_wait: dev=0000:01:00.0 ino=7 revoke=0 duration_ns=100 ret=9223372036854775807") \
	T("2.600004", "vfio_pci_dmabuf_move_end: dev=0000:01:00.0 ino=7 revoke=0 trigger=" trigger " duration_ns=4000")

static struct rs_claim claim(enum rs_claim_kind kind, uint64_t since_ns, uint64_t t_ns)
{
	struct rs_claim c = { .kind = kind, .ino = 7, .since_ns = since_ns, .t_ns = t_ns };

	return c;
}

/*
 * Issue 12, point 3: a reset revokes and restores in one call, and traffic maps the
 * buffer again before the importer's hook looks.  "Still mapped after the revoke" was
 * the live check's mistake; the trace shows the unmap at the invalidation and a new map
 * after the restore, so it contradicts the claim.
 */
TEST(self_restoring_trigger_remap_contradicts_still_mapped)
{
	struct rs_report *r = report_from_text(MAPPED_THEN_REVOKE("reset") RESTORE("reset")
				    T("2.700000", "dma_buf_map_attachment: " ATT " " DEV " ret=0"));
	struct rs_claim c = claim(RS_CLAIM_MAPPED_AFTER_REVOKE, 2400000000ULL, 2800000000ULL);

	EXPECT_EQ(0, rs_report_violations(r, -1));
	EXPECT_EQ(-1, rs_oracle_check_claim(r, &c));
	rs_report_free(r);
}

/* A revoke that really returned with a mapping left: the trace shows it too. */
TEST(early_move_end_confirms_still_mapped)
{
	struct rs_report *r = report_from_text(
		T("2.000000", "dma_buf_map_attachment: " ATT " " DEV " ret=0")
		T("2.500000", "vfio_pci_dmabuf_move_begin: dev=0000:01:00.0 ino=7 size=16384 revoke=1 trigger=command_memory")
		T("2.500001", "dma_buf_invalidate_begin: " BUF " nr_attach=1")
		T("2.500005", "dma_buf_invalidate_attach: " ATT " revocable=1 peer2peer=1 " DEV " duration_ns=4000")
		T("2.500007", "vfio_pci_dmabuf_fence_wait: dev=0000:01:00.0 ino=7 revoke=1 duration_ns=100 ret=9223372036854775807")
		T("2.500009", "vfio_pci_dmabuf_move_end: dev=0000:01:00.0 ino=7 revoke=1 trigger=command_memory duration_ns=9000")
		T("2.900000", "dma_buf_unmap_attachment: " ATT " " DEV " since_invalidate_ns=400000000"));
	struct rs_claim c = claim(RS_CLAIM_MAPPED_AFTER_REVOKE, 2400000000ULL, 2600000000ULL);

	EXPECT_EQ(1, rs_report_violations(r, RS_VIOL_EARLY_MOVE_END));
	EXPECT_EQ(1, rs_oracle_check_claim(r, &c));
	rs_report_free(r);
}

/* A map that succeeded while revoked is in the trace; one that failed is not a claim's. */
TEST(map_while_revoked_confirmed_or_contradicted)
{
	struct rs_report *r = report_from_text(MAPPED_THEN_REVOKE("command_memory")
				    T("2.550000", "dma_buf_map_attachment: " ATT " " DEV " ret=0"));
	struct rs_report *r2 = report_from_text(MAPPED_THEN_REVOKE("command_memory")
				     T("2.550000", "dma_buf_map_attachment: " ATT " " DEV " ret=-19"));
	struct rs_claim c = claim(RS_CLAIM_MAP_WHILE_REVOKED, 2400000000ULL, 2560000000ULL);

	EXPECT_EQ(1, rs_report_violations(r, RS_VIOL_MAP_WHILE_REVOKED));
	EXPECT_EQ(1, rs_oracle_check_claim(r, &c));
	EXPECT_EQ(0, rs_report_violations(r2, -1));
	EXPECT_EQ(-1, rs_oracle_check_claim(r2, &c));
	/* the claim must come from the revoke it follows: an older violation does not count */
	c.since_ns = 2560000000ULL;
	c.t_ns = 2570000000ULL;
	EXPECT_EQ(-1, rs_oracle_check_claim(r, &c));
	rs_report_free(r);
	rs_report_free(r2);
}

/* Events lost: nothing is concluded, neither way. */
TEST(lost_events_leave_a_claim_unchecked)
{
	struct rs_report *r = report_from_text(MAPPED_THEN_REVOKE("command_memory")
				    "CPU:1 [LOST 42 EVENTS]\n"
				    T("2.550000", "dma_buf_map_attachment: " ATT " " DEV " ret=-19"));
	struct rs_claim c = claim(RS_CLAIM_MAP_WHILE_REVOKED, 2400000000ULL, 2560000000ULL);

	EXPECT_EQ(42, rs_report_lost(r));
	EXPECT_EQ(0, rs_oracle_check_claim(r, &c));
	rs_report_free(r);
}

/* A claim about a revoke from before the first event read cannot be checked either. */
TEST(claim_before_the_trace_is_unchecked)
{
	struct rs_report *r = report_from_text(MAPPED_THEN_REVOKE("command_memory"));
	struct rs_claim c = claim(RS_CLAIM_MAP_WHILE_REVOKED, 1000000000ULL, 2600000000ULL);

	EXPECT_EQ(0, rs_oracle_check_claim(r, &c));
	rs_report_free(r);
}

TEST_HARNESS_MAIN
