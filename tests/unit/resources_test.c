// SPDX-License-Identifier: GPL-2.0
/*
 * Our own resources (issue 14, item 1): the descriptor budget and the open-file limit,
 * the leak check that could not measure, and what an error says when the process is out
 * of descriptors.  The runs themselves are in controller_test.c (fd_*).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rs_fdbudget.h"
#include "rs_lib/hint.h"
#include "rs_lib/iommufd.h"
#include "rs_soak.h"
#include "rs_watch.h"

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

/* The leak check's sample with a full table: the table is the limit, not "0 fds". */
TEST(health_sample_with_full_fd_table)
{
	struct rlimit rl;
	struct rs_health h;

	fill_fd_table(_metadata);
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	rs_health_sample(&h);
	EXPECT_EQ((int)rl.rlim_cur, h.fds);
}

/* Issue 14: "ok leak-check" on "fds 0 -> 0, RSS -1 -> -1": figures never read. */
TEST(leak_check_that_could_not_measure_is_not_ok)
{
	struct rs_soak s = { .leak_check = true, .have_base = true, .after_base = 5,
			     .leak_fds = 16, .leak_rss_kb = 65536 };
	char why[256];

	s.base = (struct rs_health){ .fds = 0, .rss_kb = -1 };
	s.last = s.base;
	EXPECT_EQ(RS_RES_SKIP, rs_soak_verdict(&s, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "could not measure"));

	/* RSS unread, fds measured and flat: still not a pass */
	s.base = (struct rs_health){ .fds = 20, .rss_kb = -1 };
	s.last = (struct rs_health){ .fds = 21, .rss_kb = 6000 };
	EXPECT_EQ(RS_RES_SKIP, rs_soak_verdict(&s, why, sizeof(why)));

	/* what was measured still fails the check */
	s.last = (struct rs_health){ .fds = 400, .rss_kb = -1 };
	EXPECT_EQ(RS_RES_FAIL, rs_soak_verdict(&s, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "open fds grew from 20 to 400"));

	s.base = (struct rs_health){ .fds = 20, .rss_kb = 6000 };
	s.last = (struct rs_health){ .fds = 22, .rss_kb = 6100 };
	EXPECT_EQ(RS_RES_PASS, rs_soak_verdict(&s, why, sizeof(why)));
}

/* The numbers and the fix; what fits, fits. */
TEST(fd_budget_says_numbers_and_fix)
{
	struct rs_fd_need n = { .bufs = 1024, .imports = 0, .devices = 4, .trace = RS_FDS_TRACE,
				.run = RS_FDS_RUN, .reserve = RS_FDS_RESERVE, .open = 5 };
	struct rlimit rl = { .rlim_cur = 1024, .rlim_max = 1024 };
	uint64_t total = 1024 + 4 * RS_FDS_PER_DEVICE + RS_FDS_TRACE + RS_FDS_RUN +
			 RS_FDS_RESERVE + 5;
	char why[768] = "", want[64];

	EXPECT_EQ(-EMFILE, rs_fd_budget_check(&n, &rl, why, sizeof(why)));
	EXPECT_EQ(total, n.total);
	snprintf(want, sizeof(want), "needs %llu file descriptors", (unsigned long long)total);
	EXPECT_NE(NULL, strstr(why, want));
	EXPECT_NE(NULL, strstr(why, "1024 dma-bufs"));
	EXPECT_NE(NULL, strstr(why, "allows 1024 (hard limit 1024)"));
	snprintf(want, sizeof(want), "`ulimit -Hn %llu`", (unsigned long long)total);
	EXPECT_NE(NULL, strstr(why, want));
	EXPECT_NE(NULL, strstr(why, "LimitNOFILE="));

	rl.rlim_cur = rl.rlim_max = total;
	why[0] = '\0';
	EXPECT_EQ(0, rs_fd_budget_check(&n, &rl, why, sizeof(why)));
	EXPECT_STREQ("", why);
}

/* Soft raised to hard; a child gets the soft limit the process started with back. */
TEST(nofile_raise_and_restore)
{
	struct rlimit rl;

	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_max < 256)
		SKIP(return, "hard open-file limit below 256");
	rl.rlim_cur = 200;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	ASSERT_EQ(0, rs_nofile_raise(&rl));
	EXPECT_EQ(rl.rlim_max, rl.rlim_cur);
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	EXPECT_EQ(rl.rlim_max, rl.rlim_cur);
	rs_nofile_restore();
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	EXPECT_EQ(200, rl.rlim_cur);
}

TEST_HARNESS_MAIN
