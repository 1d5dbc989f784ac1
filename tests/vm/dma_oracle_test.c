// SPDX-License-Identifier: GPL-2.0
/*
 * The DMA oracle in the lab (importer "dma", src/importers/dma.c): QEMU's edu device,
 * driven through VFIO behind its own IOMMU domain, DMAs stamps into the ivshmem BAR2
 * dma-buf.  For each trigger the lab's first ivshmem has (pci-command, reset, hot-reset,
 * low-power, close): every DMA issued after a revoke is blocked and faults in the IOMMU,
 * every DMA after the restore and the remap lands, nothing written before is lost.
 *
 * The negative control: a trigger of this test's own ("skip-revoke") tells the importers
 * the buffer is revoked without asking the kernel to revoke anything.  The oracle must
 * then see the DMA land and fail the run naming the stamp: an oracle that passed here
 * could not catch a kernel that forgot to unmap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "rs_lib/plug.h"
#include "rs_lib/revoke.h"
#include "rs_lib/vfio.h"
#include "run_util.h"
#include "vm/lab_util.h"

/* ------------------------------------------------------------ the negative control */

static int skip_revoke(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	struct rs_vfio_dev *d = handle;

	rs_revoke_set(&d->revoke, RS_REVOKED);	/* and no kernel call at all */
	return 0;
}

static int skip_restore(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	struct rs_vfio_dev *d = handle;

	rs_revoke_set(&d->revoke, RS_LIVE);
	return 0;
}

static const struct rs_opt skip_opts[] = { { NULL } };

static const struct rs_trigger_ops skip_revoke_trigger = {
	.type = "skip-revoke",
	.help = "test only: claims a revoke without one (the oracle's negative control)",
	.opts = skip_opts,
	.needs = "vfio",
	.revoke = skip_revoke,
	.restore = skip_restore,
};
RS_REGISTER(trigger, skip_revoke_trigger)

/* ------------------------------------------------------------ helpers */

static const char *base =
	"[global]\n"
	"kmsg_markers = false\n"
	"trace = off\n"
	"status_interval = 0\n"
	"leak_check = false\n"
	"seed = 10\n";

/* The importer's counter key in results.json, -1 if absent. */
static long long counter(const char *json, const char *key)
{
	const char *c = strstr(json, "\"counters\": {\n        \"probes\"");
	char pat[64];
	const char *p;

	if (!c)
		return -1;
	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(c, pat);
	return p ? atoll(p + strlen(pat)) : -1;
}

/* duration: long enough for every trigger's cycles (an edu copy takes 200 ms) */
static char *scenario(const char *ivshmem, const char *edu, const char *duration,
		      const char *triggers)
{
	return rs_xasprintf("duration = %s\nhang_timeout = 30s\n"
			    "[exporter bar]\ntype = vfio\ndevice = %s\nbar = 2\nsize = 64K\n"
			    "[importer dma]\ndevice = %s\ntraffic = false\n%s", duration, ivshmem,
			    edu, triggers);
}

FIXTURE(lab)
{
	const char *ivshmem, *edu;
	struct run_out o;
	bool ran;
};

FIXTURE_SETUP(lab)
{
	char why[128];

	self->ran = false;
	self->ivshmem = lab_dev("RS_IVSHMEM0", why, sizeof(why));
	if (self->ivshmem)
		self->edu = lab_dev("RS_EDU", why, sizeof(why));
	if (!self->ivshmem || !self->edu)
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(lab)
{
	if (self->ran) {
		/* what the run said, when a check of it failed (RS_TEST_VERBOSE: always) */
		if (!getenv("RS_TEST_VERBOSE") && _metadata->exit_code != KSFT_PASS)
			run_print_ktap(stderr, &self->o);
		run_free(&self->o);
	}
}

static int run(struct __test_metadata *_metadata, FIXTURE_DATA(lab) *self, const char *duration,
	       const char *triggers)
{
	char *text = scenario(self->ivshmem, self->edu, duration, triggers);
	int ret = run_text_base(base, text, &self->o);

	free(text);
	self->ran = !ret;
	return ret;
}

/* ------------------------------------------------------------ tests */

/* PCI_COMMAND.MEMORY: revoked until the restore, so the check of each blocked DMA waits for it. */
TEST_F_TIMEOUT(lab, pci_command, 120)
{
	ASSERT_EQ(0, run(_metadata, self, "8s", "[trigger pci-command]\ncycles = 3\ninterval = 10ms\n"));
	EXPECT_EQ(0, self->o.code);
	EXPECT_EQ(3, counter(self->o.json, "after_revoke"));
	EXPECT_EQ(3, counter(self->o.json, "blocked"));
	EXPECT_EQ(3, counter(self->o.json, "faults_seen"));
	EXPECT_EQ(4, counter(self->o.json, "must_land"));	/* after import, after 3 restores */
	EXPECT_EQ(4, counter(self->o.json, "landed"));
	EXPECT_EQ(0, counter(self->o.json, "violations"));
	EXPECT_LT(0, counter(self->o.json, "intact_checked"));
}

/* Every trigger of the first ivshmem, taking turns: revoked, pulsed and closed buffers. */
TEST_F_TIMEOUT(lab, every_trigger, 120)
{
	ASSERT_EQ(0, run(_metadata, self, "30s",
			 "[trigger pci-command]\ncycles = 2\ninterval = 10ms\n"
			 "[trigger reset]\ncycles = 2\ninterval = 10ms\n"
			 "[trigger hot-reset]\ncycles = 2\ninterval = 10ms\n"
			 "[trigger low-power]\ncycles = 2\ninterval = 10ms\n"
			 "[trigger close]\ncycles = 2\ninterval = 10ms\n"));
	EXPECT_EQ(0, self->o.code);
	EXPECT_EQ(10, counter(self->o.json, "after_revoke"));
	EXPECT_EQ(10, counter(self->o.json, "blocked"));
	EXPECT_EQ(10, counter(self->o.json, "faults_seen"));
	EXPECT_EQ(0, counter(self->o.json, "faults_missing"));
	EXPECT_EQ(0, counter(self->o.json, "violations"));
	EXPECT_EQ(11, counter(self->o.json, "must_land"));
	EXPECT_EQ(11, counter(self->o.json, "landed"));
}

/* The negative control: no revoke, so the DMA lands, and the oracle must say so. */
TEST_F_TIMEOUT(lab, negative_control_catches_a_missing_revoke, 120)
{
	ASSERT_EQ(0, run(_metadata, self, "12s", "[trigger skip-revoke]\ncycles = 2\ninterval = 10ms\n"));
	EXPECT_EQ(1, self->o.code);
	EXPECT_EQ(2, counter(self->o.json, "landed_after_revoke"));
	EXPECT_EQ(0, counter(self->o.json, "blocked"));
	EXPECT_LE(2, counter(self->o.json, "violations"));
	EXPECT_NE(NULL, strstr(self->o.ktap, "not ok"));
	EXPECT_NE(NULL, strstr(self->o.ktap, "after revoke, buffer 0, offset 0x"));
	EXPECT_NE(NULL, strstr(self->o.ktap, "LANDED in bar's memory"));
}

TEST_HARNESS_MAIN
