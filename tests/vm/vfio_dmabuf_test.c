// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO PCI dma-buf export (VFIO_DEVICE_FEATURE_DMA_BUF) of an ivshmem-plain BAR2 (and of
 * the edu and nvme BAR0), through the cdev + iommufd path and the legacy group + type1
 * container path, imported into an iommufd IOAS with IOMMU_IOAS_MAP_FILE; revoked and
 * restored by every trigger the emulated devices have: the PCI_COMMAND memory bit,
 * VFIO_DEVICE_RESET and VFIO_DEVICE_PCI_HOT_RESET (RS_IVSHMEM0 and the nvme, behind root
 * ports, have a bus reset; the nvme also FLR), LOW_POWER_ENTRY/EXIT, PCI_PM_CTRL D3hot
 * and PCIe DEVCTL.BCR_FLR config writes (nvme), and closing the device fd.  Bad export
 * arguments get the kernel's errno.
 *
 * The IOAS has a page table in both paths: the device's own vIOMMU domain (cdev, the
 * device is attached to the IOAS) or an iommufd mock domain (group path, the IOAS is
 * our own; skipped without CONFIG_IOMMUFD_TEST).  Whether an area really is in the page
 * table is read from the iommu:map / iommu:unmap trace events, filtered to its IOVAs.
 *
 * Kernel references (Linux 7.2.13, drivers/vfio/pci/ unless named):
 *  - export born revoked when memory is off: vfio_pci_dmabuf.c:310
 *  - attach of a revoked buffer (MAP_FILE): -ENODEV, vfio_pci_dmabuf.c:33-34
 *  - iommufd private map: -ENODEV revoked, -EOPNOTSUPP nr_ranges != 1, :131-136
 *  - revoke/un-revoke: vfio_pci_dma_buf_move :336-378; close: cleanup :380-406
 *  - importer: iopt_revoke_notify iommufd/pages.c:1434-1451 (permanent)
 *  - triggers: vfio_pci_config.c:593-595/633-634 (PCI_COMMAND), :712-726 (PM_CTRL),
 *    :907-916 (BCR_FLR); vfio_pci_core.c:1323-1342 (reset, -EINVAL without a method),
 *    :2575-2611 (hot reset), :371-389 (low power entry, -EINVAL when engaged), :456-467
 *
 * Run: vm/run-vm.sh -- build/tests/vm/vfio_dmabuf_test (skips outside the lab VM)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "lab_util.h"
#include "rs_lib/iommufd.h"
#include "rs_lib/pci.h"
#include "rs_lib/vfio.h"

#define PAGE		4096UL
#define BAR		(self->bar)	/* the BAR exported: the variant's */
#define MAX_LEN		(1UL << 20)

FIXTURE(vfio)
{
	struct rs_vfio_dev d;
	bool opened;
	struct rs_iommufd f;		/* group path: our own IOAS */
	int iommufd;			/* the IOAS's iommufd (d.iommufd or f.fd) */
	uint32_t ioas;
	bool domain;			/* the IOAS has a page table */
	unsigned int bar;
	uint64_t bar_size, len;
	char reset_method[64];
	struct lab_trace tr;
	bool traced;
	int bufs[16];
	unsigned int nbufs;
};

FIXTURE_VARIANT(vfio)
{
	const char *env;
	enum rs_vfio_mode mode;
	unsigned int bar;
};

/* ivshmem-plain: BAR2 is RAM; ivshmem0 has a bus reset, ivshmem1 no reset at all */
FIXTURE_VARIANT_ADD(vfio, cdev_ivshmem0) { "RS_IVSHMEM0", RS_VFIO_CDEV, 2 };
FIXTURE_VARIANT_ADD(vfio, group_ivshmem0) { "RS_IVSHMEM0", RS_VFIO_GROUP, 2 };
FIXTURE_VARIANT_ADD(vfio, cdev_ivshmem1) { "RS_IVSHMEM1", RS_VFIO_CDEV, 2 };
FIXTURE_VARIANT_ADD(vfio, group_ivshmem1) { "RS_IVSHMEM1", RS_VFIO_GROUP, 2 };
/* nvme (no guest driver): BAR0 registers; PCI PM (D3hot), PCIe FLR */
FIXTURE_VARIANT_ADD(vfio, cdev_nvme) { "RS_NVME", RS_VFIO_CDEV, 0 };
FIXTURE_VARIANT_ADD(vfio, group_nvme) { "RS_NVME", RS_VFIO_GROUP, 0 };
/* edu: BAR0 1 MiB of registers, on the root bus: no reset, no PM */
FIXTURE_VARIANT_ADD(vfio, cdev_edu) { "RS_EDU", RS_VFIO_CDEV, 0 };
FIXTURE_VARIANT_ADD(vfio, group_edu) { "RS_EDU", RS_VFIO_GROUP, 0 };

FIXTURE_SETUP(vfio)
{
	struct vfio_region_info ri;
	const char *bdf;
	char why[RS_WHY_LEN];
	int ret;

	self->f.fd = self->f.access_fd = -1;
	self->iommufd = -1;
	rs_vfio_init(&self->d);
	bdf = lab_dev(variant->env, why, sizeof(why));
	if (!bdf)
		SKIP(return, "%s", why);
	ret = rs_vfio_open(&self->d, bdf, variant->mode, why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	self->opened = true;

	if (variant->mode == RS_VFIO_CDEV) {
		self->iommufd = self->d.iommufd;
		self->ioas = self->d.ioas_id;
		self->domain = true;	/* the device's vIOMMU domain */
	} else {
		ASSERT_EQ(0, rs_iommufd_open(&self->f, why)) TH_LOG("%s", why);
		self->iommufd = self->f.fd;
		self->ioas = self->f.ioas_id;
		self->domain = !rs_iommufd_mock_domain(&self->f, why);
		/* the lab kernel has CONFIG_IOMMUFD_TEST: without it we would see nothing */
		ASSERT_TRUE(self->domain) TH_LOG("IOAS without a page table: %s", why);
	}

	self->bar = variant->bar;
	ASSERT_EQ(0, rs_vfio_region_info(&self->d, BAR, &ri));
	self->bar_size = ri.size;
	ASSERT_LE(2 * PAGE, self->bar_size) TH_LOG("%s: BAR%u of %llu bytes", bdf, BAR,
						   (unsigned long long)ri.size);
	self->len = self->bar_size < MAX_LEN ? self->bar_size : MAX_LEN;
	if (rs_pci_attr(bdf, "reset_method", self->reset_method, sizeof(self->reset_method)))
		self->reset_method[0] = '\0';

	/* in the lab (tracing on) the page-table checks must not silently vanish */
	self->traced = lab_trace_open(&self->tr, "vfio", why, sizeof(why));
	ASSERT_TRUE(self->traced) TH_LOG("page-table state not observable: %s", why);
}

FIXTURE_TEARDOWN(vfio)
{
	char why[RS_WHY_LEN];
	uint16_t cmd;
	unsigned int i;

	if (self->opened && self->d.fd >= 0) {
		/* leave the device as we found it: low power exited, D0, memory enabled */
		rs_vfio_low_power(&self->d, false, NULL);
		if (self->d.caps.pm &&
		    !rs_vfio_cfg_read16(&self->d, self->d.caps.pm + PCI_PM_CTRL, &cmd) &&
		    (cmd & PCI_PM_CTRL_STATE_MASK) &&
		    rs_vfio_cfg_update16(&self->d, self->d.caps.pm + PCI_PM_CTRL,
					 PCI_PM_CTRL_STATE_MASK, 0, NULL, NULL, why))
			TH_LOG("teardown: %s", why);
		if (!rs_vfio_cfg_read16(&self->d, PCI_COMMAND, &cmd) &&
		    !(cmd & PCI_COMMAND_MEMORY) &&
		    rs_vfio_cfg_update16(&self->d, PCI_COMMAND, 0, PCI_COMMAND_MEMORY, NULL,
					 NULL, why))
			TH_LOG("teardown: %s", why);
	}
	for (i = 0; i < self->nbufs; i++)
		if (self->bufs[i] >= 0)
			close(self->bufs[i]);
	lab_trace_close(&self->tr);
	rs_iommufd_close(&self->f);
	rs_vfio_destroy(&self->d);
}

/* Export [off, off + len) of BAR2: the fd (kept for teardown) or -errno. */
static int export(FIXTURE_DATA(vfio) *self, uint64_t off, uint64_t len)
{
	struct rs_vfio_range r = { .offset = off, .length = len };
	int fd = rs_vfio_export_dmabuf(&self->d, BAR, &r, 1, NULL);

	if (fd >= 0 && self->nbufs < 16)
		self->bufs[self->nbufs++] = fd;
	return fd;
}

static int map(FIXTURE_DATA(vfio) *self, int fd, uint64_t *iova)
{
	return lab_map_file(self->iommufd, self->ioas, fd, 0, self->len, iova, false);
}

static int map_fixed(FIXTURE_DATA(vfio) *self, int fd, uint64_t iova)
{
	return lab_map_file(self->iommufd, self->ioas, fd, 0, self->len, &iova, true);
}

static int set_memory(FIXTURE_DATA(vfio) *self, bool on)
{
	return rs_vfio_cfg_update16(&self->d, PCI_COMMAND, on ? 0 : PCI_COMMAND_MEMORY,
				    on ? PCI_COMMAND_MEMORY : 0, NULL, NULL, NULL);
}

static int low_power(FIXTURE_DATA(vfio) *self, bool enter)
{
	return rs_vfio_low_power(&self->d, enter, NULL);
}

/* With a page table and tracing: the watched area had `m` bytes mapped, `u` unmapped. */
#define EXPECT_PT(m_want, u_want)						\
	do {									\
		long long _m, _u;						\
		lab_trace_take(&self->tr, &_m, &_u);				\
		if (self->traced && self->domain) {				\
			EXPECT_EQ((long long)(m_want), _m) TH_LOG("bytes mapped"); \
			EXPECT_EQ((long long)(u_want), _u) TH_LOG("bytes unmapped"); \
		}								\
	} while (0)

/*
 * Map fd and check the page table got all of it: map anywhere, unmap, then map again
 * at that IOVA with the trace filtered to it.  Leaves the trace watching the area.
 */
#define MAP_LIVE(fd, iovap)							\
	do {									\
		int _r = map(self, fd, iovap);					\
		ASSERT_EQ(0, _r) TH_LOG("MAP_FILE: %s", strerror(-_r));	\
		ASSERT_EQ(0, lab_unmap(self->iommufd, self->ioas, *(iovap),	\
				       self->len, NULL));			\
		lab_trace_watch(&self->tr, *(iovap), self->len);		\
		_r = map_fixed(self, fd, *(iovap));				\
		ASSERT_EQ(0, _r) TH_LOG("MAP_FILE fixed: %s", strerror(-_r));	\
		EXPECT_PT(self->len, 0);					\
	} while (0)

/*
 * The area at iova is dead for good: its IOVA is still taken (EEXIST for another,
 * live buffer), unmapping it frees the IOVA without touching the page table, and a
 * fixed re-map there with live_fd works.
 */
static void dead_area_then_remap(struct __test_metadata *_metadata, FIXTURE_DATA(vfio) *self,
				 uint64_t iova, int live_fd)
{
	uint64_t unmapped = 0;

	lab_trace_watch(&self->tr, iova, self->len);
	EXPECT_EQ(-EEXIST, map_fixed(self, live_fd, iova));
	ASSERT_EQ(0, lab_unmap(self->iommufd, self->ioas, iova, self->len, &unmapped));
	EXPECT_EQ(self->len, unmapped);
	EXPECT_PT(0, 0);
	ASSERT_EQ(0, map_fixed(self, live_fd, iova));
	EXPECT_PT(self->len, 0);
}

TEST_F(vfio, export_map_unmap)
{
	struct rs_vfio_range r[2] = {
		{ .offset = 0, .length = PAGE },
		{ .offset = 2 * PAGE, .length = PAGE },
	};
	uint64_t iova = 0, iova2 = 0, unmapped = 0;
	int fd, fd2;

	ASSERT_EQ(0, rs_vfio_feature_probe(&self->d, VFIO_DEVICE_FEATURE_DMA_BUF,
					   VFIO_DEVICE_FEATURE_GET));
	fd = export(self, 0, self->len);
	ASSERT_LE(0, fd) TH_LOG("export: %s", strerror(-fd));
	MAP_LIVE(fd, &iova);
	/* the same buffer twice: a second area */
	ASSERT_EQ(0, map(self, fd, &iova2));
	EXPECT_NE(iova, iova2);
	ASSERT_EQ(0, lab_unmap(self->iommufd, self->ioas, iova, self->len, &unmapped));
	EXPECT_EQ(self->len, unmapped);
	EXPECT_PT(0, self->len);
	ASSERT_EQ(0, lab_unmap(self->iommufd, self->ioas, iova2, self->len, NULL));

	/* part of the buffer, and past its end (iommufd/pages.c:1540-1542) */
	EXPECT_EQ(0, lab_map_file(self->iommufd, self->ioas, fd, PAGE, PAGE, &iova, false));
	EXPECT_EQ(-EINVAL, lab_map_file(self->iommufd, self->ioas, fd, 0, self->len + PAGE,
					&iova, false));
	EXPECT_EQ(-EINVAL, lab_map_file(self->iommufd, self->ioas, fd, self->len, PAGE, &iova,
					false));

	/* two ranges export fine, but iommufd takes one range only (vfio_pci_dmabuf.c:135) */
	fd2 = rs_vfio_export_dmabuf(&self->d, BAR, r, 2, NULL);
	ASSERT_LE(0, fd2) TH_LOG("2-range export: %s", strerror(-fd2));
	self->bufs[self->nbufs++] = fd2;
	EXPECT_EQ(-EOPNOTSUPP, lab_map_file(self->iommufd, self->ioas, fd2, 0, 2 * PAGE, &iova,
					    false));
}

TEST_F(vfio, revoke_command_memory)
{
	uint64_t iova = 0, iova2 = 0;
	int fd, fd2, ret;

	fd = export(self, 0, self->len);
	ASSERT_LE(0, fd);
	MAP_LIVE(fd, &iova);

	/* memory off: revoked, the area leaves the page table inside the write */
	ASSERT_EQ(0, set_memory(self, false));
	EXPECT_PT(0, self->len);
	EXPECT_EQ(-ENODEV, map(self, fd, &iova2));
	/* a new export while memory is off works, but is born revoked */
	fd2 = export(self, 0, self->len);
	ASSERT_LE(0, fd2) TH_LOG("export with memory off: %s", strerror(-fd2));
	EXPECT_EQ(-ENODEV, map(self, fd2, &iova2));
	/* writing memory-off again changes nothing */
	ASSERT_EQ(0, set_memory(self, false));
	EXPECT_EQ(-ENODEV, map(self, fd, &iova2));

	/* memory on: both buffers are live again (un-revoked in place) ... */
	ASSERT_EQ(0, set_memory(self, true));
	EXPECT_PT(0, 0);	/* ... but the old area is not put back */
	ret = map(self, fd, &iova2);
	EXPECT_EQ(0, ret) TH_LOG("MAP_FILE after memory on: %s", strerror(-ret));
	ret = map(self, fd2, &iova2);
	EXPECT_EQ(0, ret) TH_LOG("MAP_FILE of the born-revoked buffer: %s", strerror(-ret));
	dead_area_then_remap(_metadata, self, iova, fd);

	/* and the re-mapped area is revocable again */
	ASSERT_EQ(0, set_memory(self, false));
	EXPECT_PT(0, self->len);
	ASSERT_EQ(0, set_memory(self, true));
}

TEST_F(vfio, revoke_reset)
{
	uint64_t iova = 0, iova2 = 0;
	int fd, ret;

	fd = export(self, 0, self->len);
	ASSERT_LE(0, fd);
	MAP_LIVE(fd, &iova);

	if (!(self->d.info.flags & VFIO_DEVICE_FLAGS_RESET)) {
		/* no reset method: EINVAL before anything is revoked (vfio_pci_core.c:1323) */
		EXPECT_EQ(-1, ioctl(self->d.fd, VFIO_DEVICE_RESET));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_PT(0, 0);
		EXPECT_EQ(0, map(self, fd, &iova2));
		SKIP(return, "%s has no reset method (reset_method '%s'): VFIO_DEVICE_RESET "
		     "gives EINVAL and revokes nothing (checked)", self->d.bdf,
		     self->reset_method);
	}
	TH_LOG("%s: reset_method '%s'", self->d.bdf, self->reset_method);

	/* reset: revoke, reset, un-revoke (memory still on), all inside the ioctl */
	ret = rs_vfio_reset(&self->d, NULL);
	ASSERT_EQ(0, ret) TH_LOG("VFIO_DEVICE_RESET: %s", strerror(-ret));
	EXPECT_PT(0, self->len);
	ret = map(self, fd, &iova2);
	EXPECT_EQ(0, ret) TH_LOG("MAP_FILE after reset: %s", strerror(-ret));
	dead_area_then_remap(_metadata, self, iova, fd);

	/* reset with memory off: still revoked afterwards, live again with memory on */
	ASSERT_EQ(0, set_memory(self, false));
	EXPECT_PT(0, self->len);
	ASSERT_EQ(0, rs_vfio_reset(&self->d, NULL));
	EXPECT_EQ(-ENODEV, map(self, fd, &iova2));
	ASSERT_EQ(0, set_memory(self, true));
	EXPECT_EQ(0, map(self, fd, &iova2));
}

TEST_F(vfio, revoke_low_power)
{
	uint64_t iova = 0, iova2 = 0;
	int fd, ret;

	if (rs_vfio_feature_probe(&self->d, VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
				  VFIO_DEVICE_FEATURE_SET))
		SKIP(return, "no VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY (CONFIG_PM off?)");
	fd = export(self, 0, self->len);
	ASSERT_LE(0, fd);
	MAP_LIVE(fd, &iova);

	ret = low_power(self, true);
	ASSERT_EQ(0, ret) TH_LOG("LOW_POWER_ENTRY: %s", strerror(-ret));
	EXPECT_PT(0, self->len);
	EXPECT_EQ(-ENODEV, map(self, fd, &iova2));
	/* already engaged: EINVAL, after revoking (again) (vfio_pci_core.c:378-383) */
	EXPECT_EQ(-EINVAL, low_power(self, true));
	EXPECT_EQ(-ENODEV, map(self, fd, &iova2));

	ASSERT_EQ(0, low_power(self, false));
	EXPECT_PT(0, 0);
	ret = map(self, fd, &iova2);
	EXPECT_EQ(0, ret) TH_LOG("MAP_FILE after LOW_POWER_EXIT: %s", strerror(-ret));
	/* exit when not engaged: a no-op that succeeds */
	EXPECT_EQ(0, low_power(self, false));
	dead_area_then_remap(_metadata, self, iova, fd);

	/* memory off during low power: exit alone does not un-revoke */
	ASSERT_EQ(0, low_power(self, true));
	ASSERT_EQ(0, set_memory(self, false));
	ASSERT_EQ(0, low_power(self, false));
	EXPECT_EQ(-ENODEV, map(self, fd, &iova2));
	ASSERT_EQ(0, set_memory(self, true));
	EXPECT_EQ(0, map(self, fd, &iova2));
}

/* Wait up to ms for the device's runtime suspend; rt gets the last runtime_status. */
static bool runtime_suspended(const char *bdf, char *rt, size_t len, int ms)
{
	for (;; ms -= 100) {
		snprintf(rt, len, "?");
		rs_pci_attr(bdf, "power/runtime_status", rt, len);
		if (!strcmp(rt, "suspended") || ms <= 0)
			return !strcmp(rt, "suspended");
		usleep(100 * 1000);
	}
}

/* Log the power state; wait (up to 3 s) for the runtime suspend if `settle`. */
static void log_power(struct __test_metadata *_metadata, FIXTURE_DATA(vfio) *self,
		      const char *when, bool settle)
{
	char st[32] = "?", rt[32] = "?";

	runtime_suspended(self->d.bdf, rt, sizeof(rt), settle ? 3000 : 0);
	rs_pci_attr(self->d.bdf, "power_state", st, sizeof(st));
	TH_LOG("%s: %s power_state %s, runtime_status %s", when, self->d.bdf, st, rt);
}

/*
 * docs/findings.md #1.  While LOW_POWER is engaged the BAR must not be reachable: mmap
 * faults check pm_runtime_engaged (vfio_pci_core.c:1764).  On 7.2.13 the dma-buf paths
 * only check __vfio_pci_memory_enabled() (vfio_pci_config.c:404-418), which is true
 * during any ioctl or config access because those runtime-resume the device: so a new
 * export during low power is born live (vfio_pci_dmabuf.c:310), and any PCI_COMMAND
 * write that keeps memory on un-revokes every buffer (vfio_pci_config.c:633-634)
 * although low power is still engaged.  With the fix both stay revoked until the exit.
 */
#define FIX_LOW_POWER	"vfio-pci-keep-dma-bufs-revoked-while-low-power-is-engaged"

TEST_F(vfio, low_power_keeps_dmabufs_revoked)
{
	uint64_t iova = 0, iova2 = 0;
	char why[RS_WHY_LEN];
	int fd, fd2, ret, fixed;

	if (rs_vfio_feature_probe(&self->d, VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
				  VFIO_DEVICE_FEATURE_SET))
		SKIP(return, "no VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY (CONFIG_PM off?)");
	fixed = lab_kernel_has_fix(FIX_LOW_POWER, why, sizeof(why));
	if (fixed < 0)
		SKIP(return, "%s", why);
	TH_LOG("kernel %s the fix \"%s\": expecting %s", fixed ? "carries" : "lacks",
	       FIX_LOW_POWER, fixed ? "revoked buffers" : "the bug (live buffers)");
	fd = export(self, 0, self->len);
	ASSERT_LE(0, fd);
	MAP_LIVE(fd, &iova);
	ASSERT_EQ(0, low_power(self, true));
	EXPECT_PT(0, self->len);
	EXPECT_EQ(-ENODEV, map(self, fd, &iova2));

	log_power(_metadata, self, "low power engaged", true);
	fd2 = export(self, 0, self->len);
	ASSERT_LE(0, fd2) TH_LOG("export during low power: %s", strerror(-fd2));
	/* the export ioctl resumed the device; MAP_FILE (an iommufd ioctl) does not */
	log_power(_metadata, self, "after the export", true);
	ret = map(self, fd2, &iova2);
	TH_LOG("export during LOW_POWER: MAP_FILE of it = %d (%s)", ret,
	       ret ? strerror(-ret) : "live: mapped while low power is engaged");
	EXPECT_EQ(fixed ? -ENODEV : 0, ret);

	/* rewrite PCI_COMMAND with memory still on */
	ASSERT_EQ(0, set_memory(self, true));
	ret = map(self, fd, &iova2);
	TH_LOG("PCI_COMMAND rewrite during LOW_POWER: MAP_FILE of the revoked buffer = %d "
	       "(%s)", ret, ret ? strerror(-ret) : "un-revoked while low power is engaged");
	EXPECT_EQ(fixed ? -ENODEV : 0, ret);

	/* the exit restores both */
	ASSERT_EQ(0, low_power(self, false));
	ret = map(self, fd, &iova2);
	EXPECT_EQ(0, ret) TH_LOG("MAP_FILE after LOW_POWER_EXIT: %s", strerror(-ret));
	ret = map(self, fd2, &iova2);
	EXPECT_EQ(0, ret) TH_LOG("MAP_FILE of the low-power export after LOW_POWER_EXIT: %s",
				 strerror(-ret));
}

/*
 * docs/findings.md #1b.  LOW_POWER_ENTRY_WITH_WAKEUP: the first access that resumes the
 * device ends low power (vfio_pci_core_runtime_resume: eventfd signalled,
 * pm_runtime_engaged cleared) and the uAPI calls LOW_POWER_EXIT optional after that; on
 * 7.2.13 the resume path does not un-revoke, so the dma-bufs stay revoked until a
 * LOW_POWER_EXIT (or a PCI_COMMAND write) that userspace was told it need not make.
 * With the fix the wake-up restores them.
 */
#define FIX_WAKEUP	"vfio-pci-restore-dma-bufs-when-a-wake-up-ends-low-power"

TEST_F(vfio, low_power_wakeup_restores_dmabufs)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	uint64_t iova = 0, iova2 = 0, count = 0;
	char rt[32] = "?", why[RS_WHY_LEN];
	int fd, efd, ret, fixed;

	if (rs_vfio_feature_probe(&self->d, VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
				  VFIO_DEVICE_FEATURE_SET))
		SKIP(return, "no VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP (CONFIG_PM off?)");
	fixed = lab_kernel_has_fix(FIX_WAKEUP, why, sizeof(why));
	if (fixed < 0)
		SKIP(return, "%s", why);
	TH_LOG("kernel %s the fix \"%s\": expecting %s after the wake-up",
	       fixed ? "carries" : "lacks", FIX_WAKEUP,
	       fixed ? "live buffers" : "the bug (revoked buffers)");
	fd = export(self, 0, self->len);
	ASSERT_LE(0, fd);
	MAP_LIVE(fd, &iova);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	ret = rs_vfio_low_power_wakeup(&self->d, efd, NULL);
	ASSERT_EQ(0, ret) TH_LOG("LOW_POWER_ENTRY_WITH_WAKEUP: %s", strerror(-ret));
	EXPECT_PT(0, self->len);
	EXPECT_EQ(-ENODEV, map(self, fd, &iova2));

	/* a wake-up is signalled only once the device really was runtime-suspended */
	if (!runtime_suspended(self->d.bdf, rt, sizeof(rt), 5000)) {
		close(efd);
		SKIP(return, "%s never runtime-suspended (runtime_status %s)", self->d.bdf, rt);
	}
	/* any ioctl on the device fd resumes it: the wake-up */
	ASSERT_EQ(0, ioctl(self->d.fd, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(sizeof(count), read(efd, &count, sizeof(count))) TH_LOG("no wake-up signalled");
	EXPECT_LE(1, count);
	/* low power has ended: a plain entry is accepted again, not -EINVAL (engaged) */
	ASSERT_EQ(0, low_power(self, true));
	ASSERT_EQ(0, low_power(self, false));
	/* ...that exit un-revoked; redo the wake-up and look before any exit */
	ASSERT_EQ(0, rs_vfio_low_power_wakeup(&self->d, efd, NULL));
	ASSERT_TRUE(runtime_suspended(self->d.bdf, rt, sizeof(rt), 5000)) TH_LOG("%s", rt);
	ASSERT_EQ(0, ioctl(self->d.fd, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(sizeof(count), read(efd, &count, sizeof(count))) TH_LOG("no wake-up signalled");
	ret = map(self, fd, &iova2);
	TH_LOG("after the wake-up, before LOW_POWER_EXIT: MAP_FILE = %d (%s)", ret,
	       ret ? strerror(-ret) : "live");
	EXPECT_EQ(fixed ? 0 : -ENODEV, ret);
	/* the optional exit: live either way */
	ASSERT_EQ(0, low_power(self, false));
	EXPECT_EQ(0, map(self, fd, &iova2));
	close(efd);
}

TEST_F(vfio, revoke_close_device)
{
	uint64_t iova = 0, iova2 = 0;
	char why[RS_WHY_LEN];
	int fd, fd2, fd3, ret;

	fd = export(self, 0, self->len);
	ASSERT_LE(0, fd);
	fd2 = export(self, 0, self->len);
	ASSERT_LE(0, fd2);
	MAP_LIVE(fd, &iova);

	/* closing the device fd revokes every buffer for good (vfio_pci_dmabuf.c:394) */
	rs_vfio_close_device(&self->d);
	EXPECT_PT(0, self->len);
	EXPECT_EQ(-ENODEV, map(self, fd, &iova2));
	EXPECT_EQ(-ENODEV, map(self, fd2, &iova2));

	ret = rs_vfio_reopen_device(&self->d, why);
	ASSERT_EQ(0, ret) TH_LOG("re-open: %s", why);
	/* unlinked from the device (:400-401): the old buffers stay revoked */
	EXPECT_EQ(-ENODEV, map(self, fd, &iova2));
	EXPECT_EQ(-ENODEV, map(self, fd2, &iova2));
	fd3 = export(self, 0, self->len);
	ASSERT_LE(0, fd3) TH_LOG("export after re-open: %s", strerror(-fd3));
	ret = map(self, fd3, &iova2);
	EXPECT_EQ(0, ret) TH_LOG("MAP_FILE of a fresh export: %s", strerror(-ret));
	dead_area_then_remap(_metadata, self, iova, fd3);
	/* a trigger on the re-opened device does not reach the old buffers */
	ASSERT_EQ(0, set_memory(self, false));
	EXPECT_PT(0, self->len);
	ASSERT_EQ(0, set_memory(self, true));
	EXPECT_EQ(-ENODEV, map(self, fd, &iova2));
}

/*
 * Several areas of one buffer and areas of two buffers: one revoke takes them all out
 * of the page table (iopt_revoke_notify walks every tracked area of every buffer), and
 * all stay dead after the restore.
 */
TEST_F(vfio, revoke_many_areas)
{
	uint64_t base = 0, iova2 = 0, unmapped = 0;
	int a, b, i;

	a = export(self, 0, self->len);
	ASSERT_LE(0, a);
	b = export(self, 0, self->len);
	ASSERT_LE(0, b);
	/* three areas side by side: a, a, b at base, base + len, base + 2 len */
	ASSERT_EQ(0, map(self, a, &base));
	ASSERT_EQ(0, lab_unmap(self->iommufd, self->ioas, base, self->len, NULL));
	lab_trace_watch(&self->tr, base, 3 * self->len);
	for (i = 0; i < 3; i++) {
		int ret = map_fixed(self, i < 2 ? a : b, base + i * self->len);

		if (ret == -EEXIST || ret == -EINVAL)
			SKIP(return, "no free IOVA window of 3 x %llu bytes at 0x%llx",
			     (unsigned long long)self->len, (unsigned long long)base);
		ASSERT_EQ(0, ret) TH_LOG("area %d: %s", i, strerror(-ret));
	}
	EXPECT_PT(3 * self->len, 0);

	ASSERT_EQ(0, set_memory(self, false));
	EXPECT_PT(0, 3 * self->len);
	EXPECT_EQ(-ENODEV, map(self, a, &iova2));
	EXPECT_EQ(-ENODEV, map(self, b, &iova2));
	ASSERT_EQ(0, set_memory(self, true));
	EXPECT_PT(0, 0);
	ASSERT_EQ(0, lab_unmap(self->iommufd, self->ioas, base, 3 * self->len, &unmapped));
	EXPECT_EQ(3 * self->len, unmapped);
	EXPECT_PT(0, 0);
	EXPECT_EQ(0, map_fixed(self, b, base));
	EXPECT_PT(self->len, 0);
}

/* VFIO_DEVICE_PCI_HOT_RESET: revoke every device of the bus, reset it, restore. */
TEST_F(vfio, revoke_hot_reset)
{
	uint64_t iova = 0, iova2 = 0;
	char why[RS_WHY_LEN];
	int fd, ret;

	ret = rs_vfio_hot_reset_check(&self->d, NULL, 0, why);
	if (ret)
		SKIP(return, "no usable hot reset: %s", why);
	fd = export(self, 0, self->len);
	ASSERT_LE(0, fd);
	MAP_LIVE(fd, &iova);

	ret = rs_vfio_hot_reset(&self->d, why);
	if (ret == -ENOTTY) {
		/*
		 * The bus reset itself failed (the nvme's QEMU root port advertises 16 GT/s
		 * but never sets Data Link Layer Link Active: drivers/pci/pci.c:4833-4838),
		 * after the revoke; the error path restores (vfio_pci_core.c:2606-2611).
		 */
		EXPECT_PT(0, self->len);
		ret = map(self, fd, &iova2);
		EXPECT_EQ(0, ret) TH_LOG("MAP_FILE after a failed hot reset: %s",
					 strerror(-ret));
		dead_area_then_remap(_metadata, self, iova, fd);
		SKIP(return, "%s: the bus reset fails with ENOTTY (root port without link "
		     "active after reset; revoke and restore around it checked)", self->d.bdf);
	}
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	EXPECT_PT(0, self->len);
	ret = map(self, fd, &iova2);
	EXPECT_EQ(0, ret) TH_LOG("MAP_FILE after hot reset: %s", strerror(-ret));
	dead_area_then_remap(_metadata, self, iova, fd);

	/* with memory off the buffer stays revoked across the hot reset */
	ASSERT_EQ(0, set_memory(self, false));
	EXPECT_PT(0, self->len);
	ASSERT_EQ(0, rs_vfio_hot_reset(&self->d, why)) TH_LOG("%s", why);
	EXPECT_EQ(-ENODEV, map(self, fd, &iova2));
	ASSERT_EQ(0, set_memory(self, true));
	EXPECT_EQ(0, map(self, fd, &iova2));
}

static int set_pm_state(FIXTURE_DATA(vfio) *self, unsigned int state)
{
	return rs_vfio_cfg_update16(&self->d, self->d.caps.pm + PCI_PM_CTRL,
				    PCI_PM_CTRL_STATE_MASK, (uint16_t)state, NULL, NULL, NULL);
}

/* PCI_PM_CTRL to D3hot revokes, back to D0 restores (vfio_pci_config.c:712-726). */
TEST_F(vfio, revoke_d3hot)
{
	uint64_t iova = 0, iova2 = 0;
	int fd, fd2, ret;

	if (!self->d.caps.pm)
		SKIP(return, "%s has no PCI PM capability", self->d.bdf);
	fd = export(self, 0, self->len);
	ASSERT_LE(0, fd);
	MAP_LIVE(fd, &iova);

	ASSERT_EQ(0, set_pm_state(self, 3));
	EXPECT_PT(0, self->len);
	log_power(_metadata, self, "PM_CTRL D3hot", false);
	EXPECT_EQ(-ENODEV, map(self, fd, &iova2));
	/* a new export in D3hot is born revoked (current_state >= D3hot) */
	fd2 = export(self, 0, self->len);
	ASSERT_LE(0, fd2) TH_LOG("export in D3hot: %s", strerror(-fd2));
	EXPECT_EQ(-ENODEV, map(self, fd2, &iova2));

	ASSERT_EQ(0, set_pm_state(self, 0));
	EXPECT_PT(0, 0);
	ret = map(self, fd, &iova2);
	EXPECT_EQ(0, ret) TH_LOG("MAP_FILE after D0: %s", strerror(-ret));
	ret = map(self, fd2, &iova2);
	EXPECT_EQ(0, ret) TH_LOG("MAP_FILE of the buffer born in D3hot: %s", strerror(-ret));
	dead_area_then_remap(_metadata, self, iova, fd);
}

/* PCIe DEVCTL.BCR_FLR through config space: revoke, FLR, restore in one write. */
TEST_F(vfio, revoke_flr_config)
{
	uint64_t iova = 0, iova2 = 0;
	int fd, ret;

	if (!self->d.caps.exp || !self->d.caps.flr)
		SKIP(return, "%s has no PCIe FLR (DEVCAP.FLR)", self->d.bdf);
	fd = export(self, 0, self->len);
	ASSERT_LE(0, fd);
	MAP_LIVE(fd, &iova);

	ret = rs_vfio_cfg_update16(&self->d, self->d.caps.exp + PCI_EXP_DEVCTL, 0,
				   PCI_EXP_DEVCTL_BCR_FLR, NULL, NULL, NULL);
	ASSERT_EQ(0, ret) TH_LOG("DEVCTL.BCR_FLR write: %s", strerror(-ret));
	EXPECT_PT(0, self->len);
	ret = map(self, fd, &iova2);
	EXPECT_EQ(0, ret) TH_LOG("MAP_FILE after FLR: %s", strerror(-ret));
	dead_area_then_remap(_metadata, self, iova, fd);
}

/* VFIO_DEVICE_FEATURE with a dma_buf payload of nr ranges, built by hand. */
static int raw_export(FIXTURE_DATA(vfio) *self, uint32_t flags, uint32_t region,
		      uint32_t dflags, uint32_t nr, const struct vfio_region_dma_range *r,
		      unsigned int nr_given)
{
	size_t len = sizeof(struct vfio_device_feature) +
		     sizeof(struct vfio_device_feature_dma_buf) + nr_given * sizeof(*r);
	struct vfio_device_feature *f = calloc(1, len);
	struct vfio_device_feature_dma_buf *db = (void *)f->data;
	int ret;

	f->argsz = (uint32_t)len;
	f->flags = flags | VFIO_DEVICE_FEATURE_DMA_BUF;
	db->region_index = region;
	db->open_flags = O_RDWR | O_CLOEXEC;
	db->flags = dflags;
	db->nr_ranges = nr;
	memcpy(db->dma_ranges, r, nr_given * sizeof(*r));
	ret = ioctl(self->d.fd, VFIO_DEVICE_FEATURE, f);
	ret = ret < 0 ? -errno : ret;
	free(f);
	if (ret >= 0 && self->nbufs < 16)
		self->bufs[self->nbufs++] = ret;
	return ret;
}

#define GET VFIO_DEVICE_FEATURE_GET

TEST_F(vfio, bad_ranges)
{
	const uint64_t bar = self->bar_size;
	struct vfio_region_dma_range ok = { 0, PAGE }, r;
	struct vfio_device_feature *f;
	struct vfio_device_feature_dma_buf *db;
	uint8_t *p;
	size_t hdr;
	int ret;

	if (variant->bar != 2)
		SKIP(return, "the bad-range table assumes the ivshmem layout (256-byte BAR0, "
		     "no BAR1, RAM BAR2)");

#define EXPECT_RANGE(err, off, len)						\
	do {									\
		r.offset = (off);						\
		r.length = (len);						\
		EXPECT_EQ(err, raw_export(self, GET, BAR, 0, 1, &r, 1))		\
			TH_LOG("range [0x%llx, +0x%llx)", (unsigned long long)r.offset, \
			       (unsigned long long)r.length);			\
	} while (0)

	EXPECT_LE(0, raw_export(self, GET, BAR, 0, 1, &ok, 1));
	/* the whole BAR is fine, one byte more is not (vfio_pci_dmabuf.c:163-164) */
	r.offset = 0;
	r.length = bar;
	EXPECT_LE(0, raw_export(self, GET, BAR, 0, 1, &r, 1));
	EXPECT_RANGE(-EINVAL, 0, bar + PAGE);
	EXPECT_RANGE(-EINVAL, bar, PAGE);
	EXPECT_RANGE(-EINVAL, bar - PAGE, 2 * PAGE);
	EXPECT_RANGE(-EINVAL, 1ULL << 40, PAGE);
	/* offset + BAR start overflows (:158-162) */
	EXPECT_RANGE(-EOVERFLOW, ~0ULL - PAGE + 1, PAGE);
	/* unaligned offset or length, zero length (:203-204) */
	EXPECT_RANGE(-EINVAL, PAGE / 2, PAGE);
	EXPECT_RANGE(-EINVAL, 0, PAGE / 2);
	EXPECT_RANGE(-EINVAL, 0, PAGE + 1);
	EXPECT_RANGE(-EINVAL, 0, 0);
	/* no ranges, flags != 0 (:243) */
	EXPECT_EQ(-EINVAL, raw_export(self, GET, BAR, 0, 0, &ok, 1));
	EXPECT_EQ(-EINVAL, raw_export(self, GET, BAR, 1, 1, &ok, 1));
	/* SET is not supported, nor neither GET nor SET (include/linux/vfio.h:274-281) */
	EXPECT_EQ(-EINVAL, raw_export(self, VFIO_DEVICE_FEATURE_SET, BAR, 0, 1, &ok, 1));
	EXPECT_EQ(-EINVAL, raw_export(self, 0, BAR, 0, 1, &ok, 1));
	/* a region that is no BAR, or an unused BAR (:250-252) */
	EXPECT_EQ(-ENODEV, raw_export(self, GET, VFIO_PCI_BAR1_REGION_INDEX, 0, 1, &ok, 1));
	EXPECT_EQ(-ENODEV, raw_export(self, GET, VFIO_PCI_ROM_REGION_INDEX, 0, 1, &ok, 1));
	EXPECT_EQ(-ENODEV, raw_export(self, GET, VFIO_PCI_CONFIG_REGION_INDEX, 0, 1, &ok, 1));
	EXPECT_EQ(-ENODEV, raw_export(self, GET, 1000, 0, 1, &ok, 1));
	/* BAR0 (256 bytes of registers) is smaller than a page (:163-164) */
	EXPECT_EQ(-EINVAL, raw_export(self, GET, VFIO_PCI_BAR0_REGION_INDEX, 0, 1, &ok, 1));

	/* many ranges: the same page 64 times is accepted (no overlap check) */
	{
		struct vfio_region_dma_range many[64];
		unsigned int i;

		for (i = 0; i < 64; i++)
			many[i] = ok;
		ret = raw_export(self, GET, BAR, 0, 64, many, 64);
		EXPECT_LE(0, ret) TH_LOG("64 ranges: %s", strerror(-ret));
	}
	/* more ranges than the argument holds, running into an unmapped page: EFAULT */
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + PAGE, PAGE));
	hdr = sizeof(*f) + sizeof(*db) + sizeof(ok);
	f = (void *)(p + PAGE - hdr);
	db = (void *)f->data;
	f->argsz = (uint32_t)hdr;
	f->flags = GET | VFIO_DEVICE_FEATURE_DMA_BUF;
	db->region_index = BAR;
	db->open_flags = O_RDWR | O_CLOEXEC;
	db->flags = 0;
	db->nr_ranges = 64;
	db->dma_ranges[0] = ok;
	EXPECT_EQ(-1, ioctl(self->d.fd, VFIO_DEVICE_FEATURE, f));
	EXPECT_EQ(EFAULT, errno);
	/* absurdly many: the kernel copy cannot be allocated (memdup_user, mm/util.c:221) */
	db->nr_ranges = UINT32_MAX;
	EXPECT_EQ(-1, ioctl(self->d.fd, VFIO_DEVICE_FEATURE, f));
	EXPECT_EQ(ENOMEM, errno);
	munmap(p, PAGE);
#undef EXPECT_RANGE
}

/* An I/O-port BAR has no p2pdma provider: EINVAL (vfio_pci_dmabuf.c:181-183). */
TEST_F(vfio, io_bar)
{
	struct vfio_region_dma_range ok = { 0, PAGE };
	uint64_t start, size, flags;
	unsigned int bar;

	for (bar = 0; bar <= 5; bar++) {
		if (rs_pci_bar(self->d.bdf, bar, &start, &size, &flags) || !size)
			continue;
		if (flags & RS_IORESOURCE_IO)
			break;
	}
	if (bar > 5)
		SKIP(return, "%s has no I/O BAR (no lab device has one)", self->d.bdf);
	EXPECT_EQ(-EINVAL, raw_export(self, GET, bar, 0, 1, &ok, 1));
}

TEST_HARNESS_MAIN
