// SPDX-License-Identifier: GPL-2.0
/*
 * The iommufd selftest mock dma-buf exporter (CONFIG_IOMMUFD_TEST:
 * IOMMU_TEST_OP_DMABUF_GET / IOMMU_TEST_OP_DMABUF_REVOKE, drivers/iommu/iommufd/selftest.c)
 * imported with IOMMU_IOAS_MAP_FILE into an IOAS with 0, 1 or 2 mock domains: revoke,
 * the errno of a new map while revoked, the state of the existing mapping (seen through
 * the iommu:map/unmap trace events of the mock domains), un-revoke and re-map.
 *
 * Kernel references (Linux 7.2.13):
 *  - DMABUF_GET length: selftest.c:2032-2034 (rounded up to a page, 0 < len <= 512 pages)
 *  - revoke/un-revoke: selftest.c:2083-2086 (sets the flag, then ALWAYS invalidates;
 *    with the fix of docs/findings.md #3 only on a change of state)
 *  - private map: selftest.c:2015-2016 (-ENODEV when revoked)
 *  - importer: iopt_revoke_notify pages.c:1434-1451 (unmaps every domain, permanent)
 *  - MAP_FILE range: io_pagetable.c:492-493 (length 0), pages.c:1540-1542 (past the end)
 *
 * Runs anywhere: without /dev/iommu or CONFIG_IOMMUFD_TEST every test skips.  On a kernel
 * whose DMABUF_GET loses the new fd's number (Linux 7.3-rc, docs/findings.md #5) the tests
 * find the buffer's fd in /proc/self/fd (get_dmabuf()); dmabuf_get_returns_the_new_fd is
 * that finding's test: it expects the bug on 7.3 without the fix.
 * Run: vm/run-vm.sh -- build/tests/vm/iommufd_mock_dmabuf_test
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include "kselftest_harness.h"
#include "iommufd_test.h"
#include "lab_util.h"
#include "rs_lib/iommufd.h"

#define PAGE		4096UL
#define BUF_SIZE	(4 * PAGE)

static int test_cmd(int fd, struct iommu_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return ioctl(fd, IOMMU_TEST_CMD, cmd) < 0 ? -errno : 0;
}

/* The dma-buf fds below `max` in set[] (1 = a dma-buf); how many. */
static int dmabuf_fds(char *set, int max)
{
	int fd, n = 0;

	for (fd = 0; fd < max; fd++) {
		set[fd] = rs_fd_is_dmabuf(fd);
		n += set[fd];
	}
	return n;
}

#define FD_SCAN 256	/* the tests hold far fewer fds */

/* The highest fd that is a dma-buf in after[] and was not in before[], or `none`. */
static int new_dmabuf_fd(const char *before, const char *after, int none)
{
	int i, got = none;

	for (i = 0; i < FD_SCAN; i++)
		if (after[i] && !before[i])
			got = i;
	return got;
}

/*
 * The new dma-buf's fd, or -errno.  A kernel that returns 0 for it (docs/findings.md
 * #5, 7.3-rc without the fix) still installed it: it is the one dma-buf fd that was not
 * there before the call (this test is single-threaded), so the tests of the other
 * findings run on that kernel too.  -EBADFD if it cannot be told.
 */
static int get_dmabuf(int fd, uint32_t len)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_DMABUF_GET,
		.dmabuf_get = { .length = len, .open_flags = O_RDWR | O_CLOEXEC },
	};
	char before[FD_SCAN], after[FD_SCAN];
	int ret, n;

	n = dmabuf_fds(before, FD_SCAN);
	cmd.size = sizeof(cmd);
	ret = ioctl(fd, IOMMU_TEST_CMD, &cmd);	/* the new dma-buf fd */
	if (ret < 0)
		return -errno;
	if (ret != 0 || rs_fd_is_dmabuf(0))
		return ret;
	/* 0 while fd 0 is no dma-buf: the kernel lost the fd's number (7.3-rc) */
	if (dmabuf_fds(after, FD_SCAN) != n + 1)
		return -EBADFD;
	return new_dmabuf_fd(before, after, -EBADFD);
}

static int mock_revoke(int fd, int dmabuf, bool revoked)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_DMABUF_REVOKE,
		.dmabuf_revoke = { .dmabuf_fd = dmabuf, .revoked = revoked },
	};

	return test_cmd(fd, &cmd);
}

FIXTURE(mock)
{
	int fd;
	uint32_t ioas;
	unsigned int nr_domains;	/* distinct hwpts (page tables) in the IOAS */
	uint32_t idev, hwpt[8];
	struct lab_trace tr;
	bool traced;
	int dmabuf;
};

FIXTURE_VARIANT(mock)
{
	unsigned int mock_domains;
};

FIXTURE_VARIANT_ADD(mock, no_domain) { .mock_domains = 0 };
FIXTURE_VARIANT_ADD(mock, mock_domain) { .mock_domains = 1 };
FIXTURE_VARIANT_ADD(mock, two_mock_domains) { .mock_domains = 2 };

static void add_hwpt(FIXTURE_DATA(mock) *self, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < self->nr_domains; i++)
		if (self->hwpt[i] == id)
			return;
	if (self->nr_domains < 8)
		self->hwpt[self->nr_domains++] = id;
}

/*
 * A mock device attached to the IOAS.  A second one usually joins the first one's
 * auto domain (iommufd reuses a compatible hwpt), so count distinct hwpts.
 */
static int add_mock_domain(FIXTURE_DATA(mock) *self)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_MOCK_DOMAIN, .id = self->ioas };
	int ret = test_cmd(self->fd, &cmd);

	if (ret)
		return ret;
	self->idev = cmd.mock_domain.out_idev_id;
	add_hwpt(self, cmd.mock_domain.out_hwpt_id);
	return 0;
}

/* A new paging hwpt (its own page table) on the IOAS: filled from the IOAS now. */
static int alloc_hwpt(FIXTURE_DATA(mock) *self)
{
	struct iommu_hwpt_alloc ha = {
		.size = sizeof(ha), .dev_id = self->idev, .pt_id = self->ioas,
	};

	if (ioctl(self->fd, IOMMU_HWPT_ALLOC, &ha))
		return -errno;
	add_hwpt(self, ha.out_hwpt_id);
	return 0;
}

FIXTURE_SETUP(mock)
{
	struct iommu_ioas_alloc aa = { .size = sizeof(aa) };
	char why[256];
	unsigned int i;
	int ret;

	self->fd = -1;
	self->dmabuf = -1;
	self->fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (self->fd < 0)
		SKIP(return, "no /dev/iommu (%s): CONFIG_IOMMUFD off or not the lab kernel",
		     strerror(errno));
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_IOAS_ALLOC, &aa));
	self->ioas = aa.out_ioas_id;

	ret = get_dmabuf(self->fd, BUF_SIZE);
	if (ret == -ENOTTY)
		SKIP(return, "kernel without CONFIG_IOMMUFD_TEST (IOMMU_TEST_CMD: ENOTTY)");
	if (ret == -EBADFD)
		SKIP(return, "%s", RS_IOMMUFD_DMABUF_GET_LOST);
	ASSERT_LE(0, ret) TH_LOG("IOMMU_TEST_OP_DMABUF_GET: %s", strerror(-ret));
	self->dmabuf = ret;

	for (i = 0; i < variant->mock_domains; i++) {
		ret = add_mock_domain(self);
		ASSERT_EQ(0, ret) TH_LOG("IOMMU_TEST_OP_MOCK_DOMAIN: %s", strerror(-ret));
	}
	self->traced = lab_trace_open(&self->tr, "mock", why, sizeof(why));
	/* in the lab VM (tracing on) the page-table checks must not silently vanish */
	if (getenv("RS_VM")) {
		ASSERT_TRUE(self->traced) TH_LOG("mapping state not observable: %s", why);
	} else if (!self->traced) {
		TH_LOG("mapping state not observable: %s", why);
	}
}

FIXTURE_TEARDOWN(mock)
{
	lab_trace_close(&self->tr);
	if (self->dmabuf >= 0)
		close(self->dmabuf);
	if (self->fd >= 0)
		close(self->fd);
}

/* Bytes the domains mapped/unmapped in the watched range since the last look. */
#define TAKE(m, u) lab_trace_take(&self->tr, &(m), &(u))
/* With tracing and domains: every domain must have done exactly `per` bytes. */
#define EXPECT_DOMAINS(got, per)						\
	do {									\
		if (self->traced)						\
			EXPECT_EQ((long long)(per) * self->nr_domains, (got));	\
	} while (0)

TEST_F(mock, map_revoke_remap)
{
	uint64_t iova = 0, iova2 = 0, unmapped = 0;
	long long m, u;
	int ret, other;

	ret = lab_map_file(self->fd, self->ioas, self->dmabuf, 0, BUF_SIZE, &iova, false);
	ASSERT_EQ(0, ret) TH_LOG("MAP_FILE of a live mock dma-buf: %s", strerror(-ret));
	lab_trace_watch(&self->tr, iova, BUF_SIZE);

	/* revoke: every domain drops the area, synchronously inside the ioctl */
	ASSERT_EQ(0, mock_revoke(self->fd, self->dmabuf, true));
	TAKE(m, u);
	EXPECT_DOMAINS(u, BUF_SIZE);
	EXPECT_DOMAINS(m, 0);

	/* new maps of the revoked buffer: ENODEV (selftest.c:2015-2016) */
	EXPECT_EQ(-ENODEV, lab_map_file(self->fd, self->ioas, self->dmabuf, 0, BUF_SIZE,
					&iova2, false));
	EXPECT_EQ(-ENODEV, lab_map_file(self->fd, self->ioas, self->dmabuf, PAGE, PAGE,
					&iova2, false));

	/* a second revoke is a no-op for the dead area */
	ASSERT_EQ(0, mock_revoke(self->fd, self->dmabuf, true));
	TAKE(m, u);
	EXPECT_DOMAINS(u, 0);

	/* a page table allocated while revoked is not given the area (pages.c:1835-1836) */
	if (variant->mock_domains) {
		ASSERT_EQ(0, alloc_hwpt(self));
		TAKE(m, u);
		if (self->traced)
			EXPECT_EQ(0, m);
	}

	/*
	 * The dead area still holds its IOVA: a fixed map of another (live) buffer over it
	 * collides (EEXIST, io_pagetable.c:202).  The revoked buffer itself gets ENODEV
	 * first: the import (attach + private map) runs before the IOVA is checked.
	 */
	other = get_dmabuf(self->fd, BUF_SIZE);
	ASSERT_LE(0, other);
	iova2 = iova;
	EXPECT_EQ(-EEXIST, lab_map_file(self->fd, self->ioas, other, 0, BUF_SIZE, &iova2, true));
	EXPECT_EQ(-ENODEV, lab_map_file(self->fd, self->ioas, self->dmabuf, 0, BUF_SIZE,
					&iova2, true));
	close(other);

	/* un-revoke: the old area stays dead (permanent), a new map works */
	ASSERT_EQ(0, mock_revoke(self->fd, self->dmabuf, false));
	TAKE(m, u);
	EXPECT_DOMAINS(m, 0);
	EXPECT_DOMAINS(u, 0);
	ret = lab_map_file(self->fd, self->ioas, self->dmabuf, 0, BUF_SIZE, &iova2, false);
	ASSERT_EQ(0, ret) TH_LOG("MAP_FILE after un-revoke: %s", strerror(-ret));
	EXPECT_NE(iova, iova2);

	/* unmap the dead area (it still counts its full length), map again at its IOVA */
	lab_trace_watch(&self->tr, iova, BUF_SIZE);
	ASSERT_EQ(0, lab_unmap(self->fd, self->ioas, iova, BUF_SIZE, &unmapped));
	EXPECT_EQ(BUF_SIZE, unmapped);
	TAKE(m, u);
	EXPECT_DOMAINS(u, 0);	/* nothing left in the page tables to unmap */
	ASSERT_EQ(0, lab_map_file(self->fd, self->ioas, self->dmabuf, 0, BUF_SIZE, &iova,
				  true));
	TAKE(m, u);
	EXPECT_DOMAINS(m, BUF_SIZE);

	/* and that fresh area is revocable again */
	ASSERT_EQ(0, mock_revoke(self->fd, self->dmabuf, true));
	TAKE(m, u);
	EXPECT_DOMAINS(u, BUF_SIZE);
	ASSERT_EQ(0, mock_revoke(self->fd, self->dmabuf, false));
	ASSERT_EQ(0, lab_unmap(self->fd, self->ioas, iova, BUF_SIZE, NULL));
	ASSERT_EQ(0, lab_unmap(self->fd, self->ioas, iova2, BUF_SIZE, NULL));
}

/*
 * docs/findings.md #3.  On 7.2.13, DMABUF_REVOKE with revoked = 0 on a buffer that was
 * never revoked still calls dma_buf_invalidate_mappings() (selftest.c:2083-2086), and
 * iommufd treats every invalidate as a revoke (pages.c:1434-1451): the live mapping dies
 * although the exporter says the buffer is live.  New maps work.  With the fix the mock
 * invalidates only on a change of state, as VFIO does (vfio_pci_dmabuf.c:347), and the
 * mapping stays in the page tables until it is unmapped.
 */
#define FIX_MOCK_UNREVOKE "iommufd-selftest-invalidate-a-mock-dma-buf-only-when-its-state-changes"

TEST_F(mock, unrevoke_of_live_buffer_keeps_mapping)
{
	uint64_t iova = 0, iova2 = 0, unmapped = 0;
	char why[256];
	long long m, u;
	int fixed;

	if (!variant->mock_domains || !self->traced)
		SKIP(return, "needs a mock domain and the iommu trace events to see the page "
		     "tables");
	fixed = lab_kernel_has_fix(FIX_MOCK_UNREVOKE, why, sizeof(why));
	if (fixed < 0)
		SKIP(return, "%s", why);
	TH_LOG("kernel %s the fix \"%s\": expecting the un-revoke to %s the live mapping",
	       fixed ? "carries" : "lacks", FIX_MOCK_UNREVOKE, fixed ? "keep" : "kill");
	ASSERT_EQ(0, lab_map_file(self->fd, self->ioas, self->dmabuf, 0, BUF_SIZE, &iova,
				  false));
	lab_trace_watch(&self->tr, iova, BUF_SIZE);
	ASSERT_EQ(0, mock_revoke(self->fd, self->dmabuf, false));
	TAKE(m, u);
	EXPECT_DOMAINS(m, 0);
	EXPECT_DOMAINS(u, fixed ? 0 : BUF_SIZE);
	ASSERT_EQ(0, lab_map_file(self->fd, self->ioas, self->dmabuf, 0, BUF_SIZE, &iova2,
				  false));
	/* the first area: still in the page tables (fixed) or already gone (bug) */
	lab_trace_watch(&self->tr, iova, BUF_SIZE);
	ASSERT_EQ(0, lab_unmap(self->fd, self->ioas, iova, BUF_SIZE, &unmapped));
	EXPECT_EQ(BUF_SIZE, unmapped);
	TAKE(m, u);
	EXPECT_DOMAINS(u, fixed ? BUF_SIZE : 0);
	ASSERT_EQ(0, lab_unmap(self->fd, self->ioas, iova2, BUF_SIZE, NULL));
}

/* Closing the dma-buf fd does not revoke: the area holds its own reference. */
TEST_F(mock, close_fd_keeps_mapping)
{
	uint64_t iova = 0;
	long long m, u;

	ASSERT_EQ(0, lab_map_file(self->fd, self->ioas, self->dmabuf, 0, BUF_SIZE, &iova,
				  false));
	lab_trace_watch(&self->tr, iova, BUF_SIZE);
	close(self->dmabuf);
	self->dmabuf = -1;
	TAKE(m, u);
	EXPECT_DOMAINS(u, 0);
	/* the last reference goes with the unmap: then the domains drop it */
	ASSERT_EQ(0, lab_unmap(self->fd, self->ioas, iova, BUF_SIZE, NULL));
	TAKE(m, u);
	EXPECT_DOMAINS(u, BUF_SIZE);
}

/*
 * docs/findings.md #5: Linux 7.3's iommufd_test_dmabuf_get() (selftest.c:2058-2063) keeps
 * dma_buf_fd()'s result in rc, then returns 0: the new fd is installed, but userspace gets
 * 0.  7.2 returns dma_buf_fd()'s value (selftest.c:2058), so the bug is in 7.3 and later
 * without the fix of kernel-patches/fixes/7.3/.  The new fd is found by what /proc/self/fd
 * holds before and after; fd 0 is kept open so that the kernel cannot install it there.
 */
#define FIX_DMABUF_GET_FD "iommufd-selftest-return-the-new-fd-from-iommu-test-op-dmabuf-get"

TEST(dmabuf_get_returns_the_new_fd)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DMABUF_GET,
		.dmabuf_get = { .length = PAGE, .open_flags = O_RDWR | O_CLOEXEC },
	};
	char before[FD_SCAN], after[FD_SCAN], why[256];
	unsigned int major = 0, minor = 0;
	int fd, ret, fixed, got, fds;
	struct utsname u;
	bool affected;

	ASSERT_EQ(0, uname(&u));
	ASSERT_EQ(2, sscanf(u.release, "%u.%u", &major, &minor));
	affected = major > 7 || (major == 7 && minor >= 3);
	fixed = lab_kernel_has_fix(FIX_DMABUF_GET_FD, why, sizeof(why));
	if (affected && fixed < 0)
		SKIP(return, "%s", why);
	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "no /dev/iommu (%s): CONFIG_IOMMUFD off or not the lab kernel",
		     strerror(errno));
	if (fcntl(0, F_GETFD) < 0)	/* a closed fd 0 would hide the bug */
		ASSERT_EQ(0, open("/dev/null", O_RDONLY));
	TH_LOG("Linux %s %s: expecting DMABUF_GET to return %s", u.release,
	       !affected ? "(7.2 has no bug here)" : fixed ? "carries the fix" : "lacks the fix",
	       affected && !fixed ? "0 and install the fd elsewhere" : "the new fd");
	fds = dmabuf_fds(before, sizeof(before));
	ret = ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (ret < 0 && errno == ENOTTY) {
		close(fd);
		SKIP(return, "kernel without CONFIG_IOMMUFD_TEST (IOMMU_TEST_CMD: ENOTTY)");
	}
	ASSERT_LE(0, ret) TH_LOG("IOMMU_TEST_OP_DMABUF_GET: %s", strerror(errno));
	ASSERT_EQ(fds + 1, dmabuf_fds(after, sizeof(after)))
		TH_LOG("DMABUF_GET returned %d but installed no new dma-buf fd below %zu",
		       ret, sizeof(after));
	got = new_dmabuf_fd(before, after, -1);
	TH_LOG("DMABUF_GET returned %d; the new dma-buf is fd %d", ret, got);
	if (affected && !fixed) {
		EXPECT_EQ(0, ret);
		EXPECT_NE(0, got);
	} else {
		EXPECT_EQ(got, ret);
	}
	close(got);
	close(fd);
}

/*
 * The 7.3-rc check of get_dmabuf() (a 0 that is not a dma-buf) rests on rs_fd_is_dmabuf():
 * true for the buffer, false for what fd 0 is when nothing was installed there.
 */
TEST_F(mock, fd_is_dmabuf)
{
	int memfd = memfd_create("rs-not-a-dmabuf", MFD_CLOEXEC);

	EXPECT_TRUE(rs_fd_is_dmabuf(self->dmabuf));
	ASSERT_LE(0, memfd);
	EXPECT_FALSE(rs_fd_is_dmabuf(memfd));
	close(memfd);
	EXPECT_FALSE(rs_fd_is_dmabuf(self->fd));	/* /dev/iommu */
	EXPECT_FALSE(rs_fd_is_dmabuf(1 << 20));	/* not open */
}

TEST_F(mock, bad_args)
{
	struct iommu_ioas_map_file mf = {
		.size = sizeof(mf), .ioas_id = self->ioas, .fd = self->dmabuf,
		.length = BUF_SIZE,
	};
	uint64_t iova = 0;
	int memfd, ret;

	/* DMABUF_GET: 0 < ALIGN(len, PAGE) <= 512 pages (selftest.c:2032-2034) */
	EXPECT_EQ(-EINVAL, get_dmabuf(self->fd, 0));
	EXPECT_EQ(-EINVAL, get_dmabuf(self->fd, 512 * PAGE + 1));
	ret = get_dmabuf(self->fd, 1);		/* rounded up to one page */
	ASSERT_LE(0, ret);
	EXPECT_EQ(0, lab_map_file(self->fd, self->ioas, ret, 0, PAGE, &iova, false));
	EXPECT_EQ(-EINVAL, lab_map_file(self->fd, self->ioas, ret, 0, PAGE + 1, &iova, false));
	close(ret);
	ret = get_dmabuf(self->fd, 512 * PAGE);
	ASSERT_LE(0, ret);
	close(ret);

	/* MAP_FILE ranges: length 0 (io_pagetable.c:492), past the end (pages.c:1540) */
	EXPECT_EQ(-EINVAL, lab_map_file(self->fd, self->ioas, self->dmabuf, 0, 0, &iova, false));
	EXPECT_EQ(-EINVAL, lab_map_file(self->fd, self->ioas, self->dmabuf, BUF_SIZE, BUF_SIZE,
					&iova, false));
	EXPECT_EQ(-EINVAL, lab_map_file(self->fd, self->ioas, self->dmabuf, 0, BUF_SIZE + 1,
					&iova, false));
	EXPECT_EQ(-EINVAL, lab_map_file(self->fd, self->ioas, self->dmabuf, BUF_SIZE - PAGE,
					2 * PAGE, &iova, false));
	/* start + length - 1 overflows (io_pagetable.c:494-495) */
	EXPECT_EQ(-EOVERFLOW, lab_map_file(self->fd, self->ioas, self->dmabuf, 2 * PAGE,
					   ~0ULL - PAGE, &iova, false));
	/* neither READABLE nor WRITEABLE (ioas.c:220-222) */
	EXPECT_EQ(-1, ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &mf));
	EXPECT_EQ(EINVAL, errno);

	/* DMABUF_REVOKE of an fd that is not a dma-buf, and of no fd */
	memfd = memfd_create("rs-mock", MFD_CLOEXEC);
	ASSERT_LE(0, memfd);
	EXPECT_EQ(-EINVAL, mock_revoke(self->fd, memfd, true));
	close(memfd);
	EXPECT_EQ(-EBADF, mock_revoke(self->fd, 1 << 20, true));
}

TEST_HARNESS_MAIN
