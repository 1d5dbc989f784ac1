// SPDX-License-Identifier: GPL-2.0
/* Kernel hung-task reports -> starting scenarios (revokestorm repro REPORT). */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "rs_repro.h"
#include "rs_scenario.h"
#include "rs_util.h"

static char *scenario_for(struct __test_metadata *_metadata, const char *file, const char **why,
			  struct rs_hung_report *r)
{
	char path[256], *text, *scn;
	size_t len;

	snprintf(path, sizeof(path), "tests/unit/reports/%s", file);
	if (rs_read_file(path, &text, &len, 0)) {
		ksft_print_msg("cannot read %s (run from the repository top)\n", path);
		return NULL;
	}
	EXPECT_EQ(0, rs_hung_report_parse(text, r));
	free(text);
	scn = rs_hung_report_scenario(r, why);
	return scn;
}

TEST(unmap_wait_under_pci_command)
{
	struct rs_hung_report r;
	const char *why;
	char *scn = scenario_for(_metadata, "vfio-unmap-wait.txt", &why, &r);

	ASSERT_NE(NULL, scn);
	EXPECT_STREQ("revokestorm", r.task);
	EXPECT_EQ(1187, r.pid);
	EXPECT_EQ(122, r.seconds);
	/* "? __pfx_process_timeout" is an unreliable frame and must be skipped. */
	EXPECT_STREQ("__wait_for_common", r.frames[3]);
	EXPECT_NE(NULL, strstr(scn, "type = pci-command"));
	EXPECT_NE(NULL, strstr(scn, "behaviour = stuck"));
	EXPECT_NE(NULL, strstr(scn, "an importer never unmapped"));
	free(scn);
	rs_hung_report_free(&r);
}

TEST(fence_wait_under_reset)
{
	struct rs_hung_report r;
	const char *why;
	char *scn = scenario_for(_metadata, "vfio-fence-reset.txt", &why, &r);

	ASSERT_NE(NULL, scn);
	EXPECT_STREQ("qemu-system-x86", r.task);
	/* module suffixes like "[vfio_pci_core]" are not part of the name */
	EXPECT_STREQ("vfio_pci_dma_buf_move", r.frames[6]);
	EXPECT_NE(NULL, strstr(scn, "type = reset"));
	EXPECT_NE(NULL, strstr(scn, "behaviour = fence"));
	free(scn);
	rs_hung_report_free(&r);
}

TEST(unrelated_hang_is_refused_with_reason)
{
	struct rs_hung_report r;
	const char *why = NULL;
	char *scn = scenario_for(_metadata, "unrelated.txt", &why, &r);

	EXPECT_EQ(NULL, scn);
	ASSERT_NE(NULL, why);
	EXPECT_NE(NULL, strstr(why, "no frame of the dma-buf revoke path"));
	rs_hung_report_free(&r);
}

TEST(rdma_exporter_hang_is_refused_with_reason)
{
	struct rs_hung_report r;
	const char *why = NULL;
	char *scn = scenario_for(_metadata, "rdma.txt", &why, &r);

	EXPECT_EQ(NULL, scn);
	ASSERT_NE(NULL, why);
	EXPECT_NE(NULL, strstr(why, "RDMA uverbs"));
	rs_hung_report_free(&r);
}

TEST(text_without_report)
{
	struct rs_hung_report r;

	EXPECT_EQ(-ENOENT, rs_hung_report_parse("BUG: kernel NULL pointer dereference\n", &r));
	EXPECT_EQ(-ENOENT, rs_hung_report_parse("INFO: task truncated", &r));
}

/* Generated scenarios must load with the real plugins' keys (the binary's tables). */
static void expect_loads(struct __test_metadata *_metadata, const char *scn)
{
	struct rs_scn_opts o = { .default_seed = 1 };
	struct rs_scenario *s = NULL;
	struct rs_diag d = { 0 };
	int err;

	setenv("RS_IVSHMEM0", "0000:01:00.0", 1);
	err = rs_scn_load_mem("repro.ini", scn, strlen(scn), &o, &s, &d);
	if (err)
		rs_diag_print(&d, stderr);
	EXPECT_EQ(0, err);
	rs_diag_free(&d);
	if (s)
		rs_scn_free(s);
}

TEST(generated_scenarios_load)
{
	static const char *const files[] = { "vfio-unmap-wait.txt", "vfio-fence-reset.txt" };
	struct rs_hung_report r;
	const char *why;
	size_t i;

	for (i = 0; i < 2; i++) {
		char *scn = scenario_for(_metadata, files[i], &why, &r);

		ASSERT_NE(NULL, scn);
		expect_loads(_metadata, scn);
		free(scn);
		rs_hung_report_free(&r);
	}
}

TEST(hung_importer_warning)
{
	struct rs_hung_importer h;
	const char *why = NULL;
	char *text, *scn;
	size_t len;

	ASSERT_EQ(0, rs_read_file("tests/unit/reports/hung-importer-warning.txt", &text, &len, 0));
	ASSERT_EQ(0, rs_hung_importer_parse(text, &h));
	free(text);
	EXPECT_STREQ("vfio_pci_core", h.exp_name);
	EXPECT_EQ(3, h.ino);
	EXPECT_STREQ("0000:01:00.0", h.dev_name);
	EXPECT_STREQ("vfio-pci", h.driver);
	EXPECT_EQ(1, h.mappings);
	EXPECT_EQ(501, h.ms);
	scn = rs_hung_importer_scenario(&h, &why);
	ASSERT_NE(NULL, scn);
	EXPECT_NE(NULL, strstr(scn, "behaviour = stuck"));
	EXPECT_NE(NULL, strstr(scn, "hung importer 0000:01:00.0 (vfio-pci)"));
	expect_loads(_metadata, scn);
	free(scn);
	EXPECT_EQ(-ENOENT, rs_hung_importer_parse("dma-buf: vfio_pci_core ino 3: hung", &h));
}

/* kernel-patches v2's warnings (hand-written from its pr_warn formats). */
TEST(hung_importer_warning_v2)
{
	struct rs_hung_importer h;
	const char *why = NULL;
	char *scn;

	ASSERT_EQ(0, rs_hung_importer_parse("[ 3.6] dma-buf: vfio_pci_core ino 3: hung importer 0000:01:00.0 (vfio-pci) still holds 1 mapping(s) 501 ms after invalidate; importer dma_buf_mock_invalidate_mappings, task mock_importer_t:95 waiting 502 ms for unmap\n", &h));
	EXPECT_EQ(3, h.ino);
	EXPECT_EQ(501, h.ms);
	EXPECT_FALSE(h.never_invalidated);
	/* a report that names no importer is skipped for the next one */
	ASSERT_EQ(0, rs_hung_importer_parse("[ 3.6] dma-buf: vfio_pci_core ino 4: hung importer not named: resv lock contended; task revokestorm:120 waiting 500 ms for unmap\n"
					    "[ 4.6] dma-buf: vfio_pci_core ino 5: hung importer 0000:01:00.0 (vfio-pci) still holds 2 mapping(s), never invalidated; importer 0x0, task revokestorm:120 waiting 1500 ms for unmap\n", &h));
	EXPECT_EQ(5, h.ino);
	EXPECT_EQ(2, h.mappings);
	EXPECT_EQ(0, h.ms);
	EXPECT_TRUE(h.never_invalidated);
	EXPECT_STREQ("vfio-pci", h.driver);
	scn = rs_hung_importer_scenario(&h, &why);
	ASSERT_NE(NULL, scn);
	EXPECT_NE(NULL, strstr(scn, "still holds 2 mapping(s), never invalidated\n")) TH_LOG("%s", scn);
	expect_loads(_metadata, scn);
	free(scn);
	EXPECT_EQ(-ENOENT, rs_hung_importer_parse("dma-buf: vfio_pci_core ino 4: hung importer not named: no mapped attachment, the exporter counts a mapping the core does not; task x:1 waiting 5 ms for unmap", &h));
}

/* The same warning from the RDMA uverbs exporter (patch 5): refused with the reason. */
TEST(hung_importer_warning_rdma)
{
	struct rs_hung_importer h;
	const char *why = NULL;
	char *text;
	size_t len;

	ASSERT_EQ(0, rs_read_file("tests/unit/reports/hung-importer-warning-rdma.txt", &text, &len, 0));
	ASSERT_EQ(0, rs_hung_importer_parse(text, &h));
	free(text);
	EXPECT_STREQ("ib_uverbs", h.exp_name);
	EXPECT_STREQ("mlx5_core", h.driver);
	EXPECT_EQ(NULL, rs_hung_importer_scenario(&h, &why));
	ASSERT_NE(NULL, why);
	EXPECT_NE(NULL, strstr(why, "RDMA uverbs exporter"));
	strcpy(h.exp_name, "amdgpu");
	why = NULL;
	EXPECT_EQ(NULL, rs_hung_importer_scenario(&h, &why));
	ASSERT_NE(NULL, why);
	EXPECT_NE(NULL, strstr(why, "vfio_pci_core exporter only"));
}

static char *read_report(struct __test_metadata *_metadata, const char *file)
{
	char path[256], *text = NULL;
	size_t len;

	snprintf(path, sizeof(path), "tests/unit/reports/%s", file);
	EXPECT_EQ(0, rs_read_file(path, &text, &len, 0));
	return text;
}

/*
 * A whole kernel log: a task queued behind the revoke (on no frame of its path) is
 * reported first, as fence_stall_test's leave it; the report that maps comes after.
 */
TEST(log_with_a_victim_first_maps_the_next_report)
{
	char *victim = read_report(_metadata, "unrelated.txt");
	char *hang = read_report(_metadata, "vfio-unmap-wait.txt");
	char *warn = read_report(_metadata, "hung-importer-warning.txt");
	char *text, *scn, why[512] = "";

	ASSERT_TRUE(victim && hang && warn);
	text = rs_xasprintf("%s%s", victim, hang);
	scn = rs_repro_text(text, why, sizeof(why));
	ASSERT_NE(NULL, scn);
	EXPECT_NE(NULL, strstr(scn, "pci-command"));
	free(scn);
	free(text);
	/* no hung task maps: the hung-importer warning after it does */
	text = rs_xasprintf("%s%s", victim, warn);
	scn = rs_repro_text(text, why, sizeof(why));
	EXPECT_NE(NULL, scn);
	free(scn);
	free(text);
	/* nothing maps: the first report's reason */
	scn = rs_repro_text(victim, why, sizeof(why));
	EXPECT_EQ(NULL, scn);
	EXPECT_NE(NULL, strstr(why, "task jbd2/sda1-8:321: cannot map this hang"));
	free(victim);
	free(hang);
	free(warn);
}

TEST_HARNESS_MAIN
