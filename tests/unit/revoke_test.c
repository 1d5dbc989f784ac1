// SPDX-License-Identifier: GPL-2.0
/*
 * The revoke state of a low-power entry with wake-up: the wake-up eventfd is polled,
 * never consumed, and a `revoked` hook's access is judged by it (refused before the
 * wake-up, working after it; docs/findings.md 1b).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rs_lib/common.h"
#include "rs_lib/revoke.h"

static void wake(int efd)
{
	uint64_t one = 1;

	if (write(efd, &one, sizeof(one)) != sizeof(one))
		abort();
}

TEST(no_eventfd_is_never_woken)
{
	struct rs_revoke_ctl c = {};

	EXPECT_FALSE(rs_revoke_woken(&c, 0));
	EXPECT_FALSE(rs_revoke_woken(NULL, 0));
	rs_revoke_set_wake(&c, -1);
	EXPECT_FALSE(rs_revoke_woken(&c, 0));
	EXPECT_STREQ("revoked until the device's wake-up", rs_revoke_state_name(RS_REVOKED_WAKE));
}

TEST(woken_is_polled_not_consumed_and_closed_on_reset)
{
	struct rs_revoke_ctl c = {};
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	ASSERT_LE(0, efd);
	rs_revoke_set_wake(&c, efd);
	EXPECT_FALSE(rs_revoke_woken(&c, 0));
	wake(efd);
	EXPECT_TRUE(rs_revoke_woken(&c, 0));
	EXPECT_TRUE(rs_revoke_woken(&c, 0));	/* still readable: not consumed */
	rs_revoke_set_wake(&c, -1);		/* closes it */
	EXPECT_EQ(-1, fcntl(efd, F_GETFD));
	EXPECT_EQ(EBADF, errno);
	EXPECT_FALSE(rs_revoke_woken(&c, 0));
}

TEST(wake_check)
{
	struct rs_revoke_ctl c = {};
	char why[RS_WHY_LEN];
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	ASSERT_LE(0, efd);
	rs_revoke_set_wake(&c, efd);
	/* before the wake-up: refused is right, working is a violation (after 1 s) */
	EXPECT_EQ(0, rs_revoke_wake_check(&c, false, false, why));
	why[0] = '\0';
	EXPECT_EQ(-EPROTO, rs_revoke_wake_check(&c, false, true, why));
	EXPECT_NE(NULL, strstr(why, "low power is engaged"));
	/* the access raced the wake-up: it worked, and the signal came */
	wake(efd);
	EXPECT_EQ(0, rs_revoke_wake_check(&c, false, true, why));
	/* after the wake-up: working is right, refused is the 7.2.13 bug */
	EXPECT_EQ(0, rs_revoke_wake_check(&c, true, true, why));
	EXPECT_EQ(-EPROTO, rs_revoke_wake_check(&c, true, false, why));
	EXPECT_NE(NULL, strstr(why, "findings.md 1b"));
	rs_revoke_set_wake(&c, -1);
}

TEST_HARNESS_MAIN
