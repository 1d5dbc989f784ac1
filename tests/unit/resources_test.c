// SPDX-License-Identifier: GPL-2.0
/*
 * Our own resources (issue 14, item 1): what an error says when the process is out of
 * descriptors.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rs_lib/hint.h"
#include "rs_lib/iommufd.h"

/* Lower the soft limit to what is open now, so that the next open() fails with EMFILE. */
static void fill_fd_table(struct __test_metadata *_metadata)
{
	struct rlimit rl;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = (rlim_t)fd;	/* fds 0..fd-1 are open: the table is full */
	close(fd);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	ASSERT_EQ(-1, open("/dev/null", O_RDONLY | O_CLOEXEC));
	ASSERT_EQ(EMFILE, errno);
}

/* EMFILE is the process's limit, whatever the call: not a missing kernel option. */
TEST(emfile_has_its_own_hint)
{
	char why[512] = "";
	struct rs_iommufd f;
	int ret;

	EXPECT_NE(NULL, strstr(rs_errno_hint(RS_HINT_VFIO_EXPORT, EMFILE), "RLIMIT_NOFILE"));
	EXPECT_NE(NULL, strstr(rs_errno_hint(RS_HINT_MOCK_ATTACH, -EMFILE), "ulimit -n"));
	EXPECT_NE(NULL, strstr(rs_errno_hint(RS_HINT_IOMMUFD_MAP, ENFILE), "fs.file-max"));

	fill_fd_table(_metadata);
	ret = rs_iommufd_open(&f, why);
	EXPECT_EQ(-EMFILE, ret);
	EXPECT_EQ(NULL, strstr(why, "CONFIG_IOMMUFD"));
	EXPECT_NE(NULL, strstr(why, "out of file descriptors"));
}

TEST_HARNESS_MAIN
