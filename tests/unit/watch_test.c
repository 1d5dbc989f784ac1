// SPDX-License-Identifier: GPL-2.0
/* Kernel log classification, allowlists, taint letters, self-health sampling. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rs_kmsg.h"
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

/* Hang attribution matches the kernel's hung-importer report to an import by the inode. */
TEST(hung_importer_ino)
{
	EXPECT_EQ(3, rs_klog_hung_ino("[    3.616112] dma-buf: vfio_pci_core ino 3: hung importer 0000:01:00.0 (vfio-pci) still holds 1 mapping(s) 501 ms after invalidate"));
	EXPECT_EQ(4096, rs_klog_hung_ino("dma-buf: ib_uverbs ino 4096: hung importer mlx5_0 (mlx5_core) still holds 2 mapping(s) 10000 ms after invalidate"));
	EXPECT_EQ(0, rs_klog_hung_ino("dma-buf: vfio_pci_core ino x: hung importer"));
	EXPECT_EQ(0, rs_klog_hung_ino("INFO: task revokestorm:42 blocked for more than 30 seconds. ino 3: x"));
	EXPECT_EQ(0, rs_klog_hung_ino("WARNING: CPU: 0 PID: 1 at drivers/dma-buf/dma-buf.c:100"));
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

static size_t wait_reports(struct rs_watch *w, size_t want)
{
	int i;

	for (i = 0; i < 5000 && rs_watch_count(w) < want; i++)
		usleep(1000);
	return rs_watch_count(w);
}

/*
 * Issue 9, item 1: the reports handed out stay valid while the watcher thread goes on
 * adding (hung-task lines keep coming during a hang, when results are rewritten).
 */
TEST(hang_path_reports_outlive_growth)
{
	char dir[] = "/tmp/rs-kmsg-XXXXXX", fifo[64], why[256] = "";
	struct rs_klog_report *r;
	struct rs_watch *w;
	int rfd, wfd, i;
	size_t nr;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/kmsg", dir);
	ASSERT_EQ(0, mkfifo(fifo, 0600));
	rfd = open(fifo, O_RDONLY | O_NONBLOCK);
	wfd = open(fifo, O_WRONLY);
	ASSERT_LE(0, wfd);
	rs_kmsg_path = fifo;
	ASSERT_EQ(0, rs_watch_start(&w, NULL, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_LT(0, dprintf(wfd, "3,1,1000,-;INFO: task a:1 blocked for more than 2 seconds.\n"
			     " SUBSYSTEM=test\n"));
	ASSERT_EQ(1, wait_reports(w, 1));
	r = rs_watch_reports(w, &nr);
	ASSERT_EQ(1, nr);
	/*
	 * One record at a time, as /dev/kmsg hands them out: a FIFO would otherwise let a
	 * loaded machine's reader get 8 KiB of records with one cut in half.
	 */
	for (i = 2; i < 200; i++) {
		ASSERT_LT(0, dprintf(wfd, "3,%d,%d,-;WARNING: CPU: 0 PID: %d at x.c:1\n", i, i * 1000, i));
		ASSERT_EQ(i, wait_reports(w, i));
	}
	EXPECT_STREQ("[    0.001000] INFO: task a:1 blocked for more than 2 seconds.", r[0].line);
	EXPECT_FALSE(r[0].allowed);
	EXPECT_EQ(199, rs_watch_failures(w));
	rs_klog_reports_free(r, nr);
	rs_watch_stop(w);
	close(wfd);
	close(rfd);
	unlink(fifo);
	rmdir(dir);
}

TEST_HARNESS_MAIN
