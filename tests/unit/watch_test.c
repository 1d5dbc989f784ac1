// SPDX-License-Identifier: GPL-2.0
/* Kernel log classification, allowlists, taint letters, self-health sampling. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rs_util.h"
#include "rs_watch.h"

TEST(classify)
{
	EXPECT_EQ(RS_KLOG_REPORT, rs_klog_classify("WARNING: CPU: 1 PID: 77 at drivers/dma-buf/dma-buf.c:1405"));
	EXPECT_EQ(RS_KLOG_REPORT, rs_klog_classify("BUG: KASAN: slab-use-after-free in dma_buf_detach+0x1a/0x90"));
	EXPECT_EQ(RS_KLOG_REPORT, rs_klog_classify("INFO: task revokestorm:12 blocked for more than 30 seconds."));
	EXPECT_EQ(RS_KLOG_REPORT, rs_klog_classify("WARNING: possible circular locking dependency detected"));
	EXPECT_EQ(RS_KLOG_HUNG_IMPORTER,
		  rs_klog_classify("dma-buf: hung importer 0000:01:00.0 (vfio-pci) has not unmapped ino 42 for 2000 ms"));
	EXPECT_EQ(RS_KLOG_NONE, rs_klog_classify("vfio-pci 0000:01:00.0: enabling device (0000 -> 0002)"));
	EXPECT_EQ(RS_KLOG_NONE, rs_klog_classify("rcu: 	RCU lockdep checking is enabled."));
	EXPECT_EQ(RS_KLOG_NONE, rs_klog_classify("INFO: task list is short"));
}

TEST(taint_letters)
{
	char buf[32];

	rs_taint_letters(0, buf, sizeof(buf));
	EXPECT_STREQ("", buf);
	rs_taint_letters((1UL << 9) | (1UL << 12), buf, sizeof(buf));
	EXPECT_STREQ("WO", buf);
	rs_taint_letters(1UL << 7, buf, sizeof(buf));
	EXPECT_STREQ("D", buf);
}

TEST(health_counts_our_fds)
{
	struct rs_health a, b;
	int fd;

	rs_health_sample(&a);
	EXPECT_GT(a.rss_kb, 0);
	EXPECT_GE(a.threads, 1);
	fd = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, fd);
	rs_health_sample(&b);
	EXPECT_EQ(a.fds + 1, b.fds);
	close(fd);
}

TEST(bad_allowlist_names_file_and_line)
{
	char path[] = "/tmp/rs-allow.XXXXXX", why[256] = "";
	struct rs_watch *w = (void *)1;
	int fd = mkstemp(path);

	ASSERT_LE(0, fd);
	ASSERT_LT(0, dprintf(fd, "# expected noise\nWARNING: .*dma_buf_mock\n(unclosed\n"));
	close(fd);
	EXPECT_EQ(-EINVAL, rs_watch_start(&w, path, why, sizeof(why)));
	EXPECT_EQ(NULL, w);
	EXPECT_NE(NULL, strstr(why, ":3: not a valid extended regular expression"));
	unlink(path);
}

TEST_HARNESS_MAIN
