// SPDX-License-Identifier: GPL-2.0
/*
 * The storm matrix's verdict on a cell (src/matrix.c), from cells' KTAP as the lab wrote
 * them (2026-12-01, --cover on the default lab kernel), trimmed.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "rs_cli.h"

#define HEAD	"KTAP version 1\n1..8\n"
#define TAIL	"ok 6 kernel-log\nok 7 trace-oracle\nok 8 live-vs-trace\n"

/* af-flr on the lab's exporters: no exporter has the capability; the importer refused. */
static const char af_flr_acted_nowhere[] = HEAD
	"ok 1 phase.main\n"
	"ok 2 t.ivshmem # SKIP 0000:01:00.0 has no PCI Advanced Features capability\n"
	"ok 3 t.nvme # SKIP 0000:02:00.0 has no PCI Advanced Features capability\n"
	"ok 4 t.mock # SKIP exporter mock (type iommufd-mock) has no 'vfio' interface, which trigger t (type af-flr) needs\n"
	"# importer.im: 2 of 3 imports refused by the exporter, as it must: vfio refuses it, as it must: EOPNOTSUPP\n"
	"ok 5 importer.im\n" TAIL "# pass: seed 1, results r\n";

/* pm-d3hot revoked the nvme, but the rdma importer had no device. */
static const char rdma_imported_nothing[] = HEAD
	"ok 1 phase.main\n"
	"ok 2 t.ivshmem # SKIP 0000:01:00.0 has no PCI PM capability\n"
	"ok 3 t.nvme\n"
	"ok 4 t.mock # SKIP exporter mock (type iommufd-mock) has no 'vfio' interface, which trigger t (type pm-d3hot) needs\n"
	"ok 5 importer.im # SKIP no RDMA device at all (0 devices)\n" TAIL "# pass: seed 1, results r\n";

static const char both_ran[] = HEAD
	"ok 1 phase.main\nok 2 t.ivshmem\nok 3 t.nvme\nok 4 t.mock # SKIP no 'vfio' interface\n"
	"ok 5 importer.im\n" TAIL "# pass: seed 1, results r\n";

#define STUCK(evidence) HEAD \
	"ok 1 phase.main # SKIP cut short: importer im hung a revoke\n" \
	"ok 2 t.ivshmem # SKIP blocked behind importer im: 'revoke: t (low-power) on ivshmem' did not return\n" \
	"ok 3 t.nvme # SKIP blocked behind importer im\n" \
	"ok 4 t.mock # SKIP exporter mock has no 'vfio' interface\n" \
	"# importer.im: counters: mock_maps 12\n" \
	"# importer.im: hung importer: mock attachment 2 (behaviour stuck) never unmaps until released, on buffer 0 of nvme (ino 2636); a revoke of nvme waited 3.09s for it; " evidence "\n" \
	"not ok 5 importer.im\n" TAIL "# hang: seed 1, results r\n"

/* A cell passes only when what it is about ran: its trigger somewhere, its importer. */
TEST(cell_whose_trigger_acted_nowhere_is_skipped)
{
	char why[512] = "", note[256] = "";

	EXPECT_EQ(0, rs_matrix_judge_ktap(af_flr_acted_nowhere, 0, false, why, sizeof(why),
					  note, sizeof(note)));
	EXPECT_NE(NULL, strstr(why, "has no PCI Advanced Features capability")) TH_LOG("%s", why);
}

TEST(cell_whose_importer_imported_nothing_is_skipped)
{
	char why[512] = "", note[256] = "";

	EXPECT_EQ(0, rs_matrix_judge_ktap(rdma_imported_nothing, 0, false, why, sizeof(why),
					  note, sizeof(note)));
	/* the importer's reason, not the skipped exporters' (the trigger acted on the nvme) */
	EXPECT_EQ(0, strncmp(why, "importer.im: no RDMA device", 27)) TH_LOG("%s", why);
}

TEST(cell_where_both_ran_passes)
{
	char why[512] = "", note[256] = "";

	EXPECT_EQ(1, rs_matrix_judge_ktap(both_ran, 0, false, why, sizeof(why), note, sizeof(note)))
		TH_LOG("%s", why);
}

/* A stuck importer's hang passes only when the kernel's own report names it. */
TEST(culprit_cell_needs_the_kernel_report)
{
	char why[512] = "", note[256] = "";

	EXPECT_EQ(1, rs_matrix_judge_ktap(STUCK("kernel: [   58.704001] dma-buf: vfio_pci_core ino 2636: hung importer 0000:02:00.0 (vfio-pci) still holds"),
					  1, true, why, sizeof(why), note, sizeof(note))) TH_LOG("%s", why);
	EXPECT_NE(NULL, strstr(note, "hang blamed on importer.im")) TH_LOG("%s", note);
	EXPECT_EQ(-1, rs_matrix_judge_ktap(STUCK("no kernel report of it (a kernel without kernel-patches/' hung-importer report, or dma_buf.hung_importer_ms=0)"),
					   1, true, why, sizeof(why), note, sizeof(note)));
	EXPECT_NE(NULL, strstr(why, "without the kernel's hung-importer evidence")) TH_LOG("%s", why);
	/* a clean variant may not hang at all */
	EXPECT_EQ(-1, rs_matrix_judge_ktap(STUCK("kernel: [ 1.0] dma-buf: hung importer"), 1, false,
					   why, sizeof(why), note, sizeof(note)));
}

/*
 * A cell's run is killed past its limit, unless it is still writing its trace text: that
 * conversion outlasts the run under TCG on a loaded machine (two cells were killed while
 * writing trace.txt, 17 MB of it, in a check-vm next to a kernel build).
 */
TEST(cell_past_its_limit_is_killed_unless_writing_its_trace_text)
{
	const uint64_t s = 1000000000ULL, t0 = 100 * s, limit = 78 * s;

	EXPECT_FALSE(rs_matrix_overdue(t0 + 77 * s, t0, limit, -1, 0));
	/* past the limit with no trace text: killed */
	EXPECT_TRUE(rs_matrix_overdue(t0 + 79 * s, t0, limit, -1, 0));
	/* past it, trace.txt grown 1 s ago: converting, not stuck */
	EXPECT_FALSE(rs_matrix_overdue(t0 + 90 * s, t0, limit, 17 << 20, t0 + 89 * s));
	/* past it, trace.txt unchanged for 31 s: killed */
	EXPECT_TRUE(rs_matrix_overdue(t0 + 120 * s, t0, limit, 17 << 20, t0 + 89 * s));
}

TEST_HARNESS_MAIN
