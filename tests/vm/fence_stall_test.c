// SPDX-License-Identifier: GPL-2.0
/*
 * What a fence that is never signalled does to each revoke trigger (docs/findings.md).
 *
 * Any holder of a dma-buf fd can add a fence to its reservation object with
 * DMA_BUF_IOCTL_IMPORT_SYNC_FILE; VFIO's revoke waits for every fence, uninterruptibly and
 * with no timeout, holding the device's memory_lock (and the buffer's reservation lock).
 * For each trigger of the lab's first ivshmem (PCI_COMMAND.MEMORY clear, VFIO_DEVICE_RESET,
 * hot reset, LOW_POWER_ENTRY, closing the device fd), with a sw_sync fence in one of its
 * dma-bufs:
 *  - the trigger does not return while the fence is unsignalled: its thread sleeps in D
 *    state in the revoke's fence wait (the kernel stack says where);
 *  - other users of the device, one thread each: which block with it (a PCI_COMMAND
 *    write, BAR access, another dma-buf's export or release, the blocked buffer's
 *    reservation: adding a fence, debugfs bufinfo) and which do not (a config read,
 *    VFIO_DEVICE_GET_INFO, and mapping the buffer, which VFIO refuses at once: it is
 *    already marked revoked);
 *  - signalling the fence lets everything finish;
 * and, held past the hung-task timeout (30 s in the lab), the detector reports the
 * trigger and the threads queued behind it (expected here: the lab's klog-allow file).
 * The "blocked" facts are the assertions; how long things took is printed, not asserted.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "rs_lib/fence.h"
#include "rs_lib/iommufd.h"
#include "rs_lib/vfio.h"
#include "vm/lab_util.h"

#define BUF_SIZE	(64u << 10)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------ a call in a thread */

struct call {
	const char *name;
	int (*fn)(struct call *c);
	void *ctx;
	pthread_t th;
	_Atomic int tid;
	_Atomic bool done;
	int ret;
	uint64_t start, end;
};

static void *call_main(void *arg)
{
	struct call *c = arg;

	atomic_store(&c->tid, (int)syscall(SYS_gettid));
	pthread_setname_np(pthread_self(), "rs-stall");
	c->start = now_ns();
	c->ret = c->fn(c);
	c->end = now_ns();
	atomic_store(&c->done, true);
	return NULL;
}

static void call_start(struct call *c)
{
	atomic_store(&c->done, false);
	atomic_store(&c->tid, 0);
	if (pthread_create(&c->th, NULL, call_main, c))
		abort();
}

/* Has it returned within ms? */
static bool call_wait(struct call *c, unsigned int ms)
{
	uint64_t end = now_ns() + ms * 1000000ULL;

	while (!atomic_load(&c->done) && now_ns() < end)
		usleep(2000);
	return atomic_load(&c->done);
}

/* "D (disk sleep)" and the top of the kernel stack of a thread of ours. */
static void task_state(int tid, char *state, size_t slen, char *stack, size_t klen)
{
	char p[64], *s;
	FILE *f;
	size_t n;

	state[0] = stack[0] = '\0';
	snprintf(p, sizeof(p), "/proc/self/task/%d/status", tid);
	f = fopen(p, "re");
	while (f && fgets(stack, (int)klen, f))
		if (!strncmp(stack, "State:", 6)) {
			for (s = stack + 6; *s == '\t' || *s == ' '; s++)
				;
			snprintf(state, slen, "%.40s", s);
			state[strcspn(state, "\n")] = '\0';
		}
	if (f)
		fclose(f);
	snprintf(p, sizeof(p), "/proc/self/task/%d/stack", tid);
	f = fopen(p, "re");
	n = f ? fread(stack, 1, klen - 1, f) : 0;
	stack[n] = '\0';
	if (f)
		fclose(f);
}

/* An integer in a /proc or /sys file, -1 if unreadable. */
static int lab_read_int(const char *path)
{
	FILE *f = fopen(path, "re");
	int v = -1;

	if (f && fscanf(f, "%d", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

/* ------------------------------------------------------------ the fixture */

FIXTURE(stall)
{
	struct rs_vfio_dev d;
	int buf, buf2;
	struct rs_fence_src src;
	int sync_fd;
	uint64_t id;
	bool open;
};

FIXTURE_VARIANT(stall)
{
	const char *trigger;
	int (*revoke)(struct rs_vfio_dev *d, char *why);
	int (*undo)(struct rs_vfio_dev *d, char *why);
	bool device_fd_closed;	/* the trigger closes the fd the other users would use */
};

static int t_command(struct rs_vfio_dev *d, char *why)
{
	return rs_vfio_cfg_update16(d, PCI_COMMAND, PCI_COMMAND_MEMORY, 0, NULL, NULL, why);
}

static int u_command(struct rs_vfio_dev *d, char *why)
{
	return rs_vfio_cfg_update16(d, PCI_COMMAND, 0, PCI_COMMAND_MEMORY, NULL, NULL, why);
}

static int t_reset(struct rs_vfio_dev *d, char *why)
{
	return rs_vfio_reset(d, why);
}

static int t_hot_reset(struct rs_vfio_dev *d, char *why)
{
	return rs_vfio_hot_reset(d, why);
}

static int t_low_power(struct rs_vfio_dev *d, char *why)
{
	return rs_vfio_low_power(d, true, why);
}

static int u_low_power(struct rs_vfio_dev *d, char *why)
{
	return rs_vfio_low_power(d, false, why);
}

static int t_close(struct rs_vfio_dev *d, char *why)
{
	rs_vfio_close_device(d);
	return 0;
}

static int u_close(struct rs_vfio_dev *d, char *why)
{
	return rs_vfio_reopen_device(d, why);
}

FIXTURE_VARIANT_ADD(stall, pci_command) { "PCI_COMMAND.MEMORY clear", t_command, u_command, false };
FIXTURE_VARIANT_ADD(stall, reset) { "VFIO_DEVICE_RESET", t_reset, NULL, false };
FIXTURE_VARIANT_ADD(stall, hot_reset) { "VFIO_DEVICE_PCI_HOT_RESET", t_hot_reset, NULL, false };
FIXTURE_VARIANT_ADD(stall, low_power) { "LOW_POWER_ENTRY", t_low_power, u_low_power, false };
FIXTURE_VARIANT_ADD(stall, close) { "close of the device fd", t_close, u_close, true };

static int export(struct rs_vfio_dev *d, uint64_t off, char *why)
{
	struct rs_vfio_range r = { off, BUF_SIZE };

	return rs_vfio_export_dmabuf(d, 2, &r, 1, why);
}

FIXTURE_SETUP(stall)
{
	const char *bdf;
	char why[RS_WHY_LEN];

	self->buf = self->buf2 = self->sync_fd = -1;
	self->open = false;
	rs_vfio_init(&self->d);
	bdf = lab_dev("RS_IVSHMEM0", why, sizeof(why));
	if (!bdf)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, rs_vfio_open(&self->d, bdf, RS_VFIO_CDEV, why)) TH_LOG("%s", why);
	self->open = true;
	self->buf = export(&self->d, 0, why);
	ASSERT_LE(0, self->buf) TH_LOG("%s", why);
	self->buf2 = export(&self->d, BUF_SIZE, why);
	ASSERT_LE(0, self->buf2) TH_LOG("%s", why);
	if (rs_fence_src_open(&self->src, RS_FENCE_SW_SYNC, "rs-stall", why))
		SKIP(return, "%s", why);
	self->sync_fd = rs_fence_new(&self->src, &self->id, why);
	ASSERT_LE(0, self->sync_fd) TH_LOG("%s", why);
	ASSERT_EQ(0, rs_dmabuf_import_sync_file(self->buf, self->sync_fd, true, why))
		TH_LOG("%s", why);
}

FIXTURE_TEARDOWN(stall)
{
	rs_close_fd(&self->sync_fd);
	rs_fence_src_close(&self->src);	/* signals a fence still pending */
	rs_close_fd(&self->buf);
	rs_close_fd(&self->buf2);
	if (self->open)
		rs_vfio_destroy(&self->d);
}

/* ------------------------------------------------------------ the other users */

struct users {
	FIXTURE_DATA(stall) *self;
	int iommufd;
	uint32_t ioas;
	struct rs_fence_src src2;
	uint16_t command;
};

static int u_cfg_read(struct call *c)
{
	struct users *u = c->ctx;
	uint16_t v;

	return rs_vfio_cfg_read16(&u->self->d, PCI_COMMAND, &v);
}

static int u_cfg_write(struct call *c)
{
	struct users *u = c->ctx;

	/* PCI_COMMAND as it is (MEMORY set): vfio takes memory_lock for the write */
	return rs_vfio_cfg_write16(&u->self->d, PCI_COMMAND, u->command);
}

static int u_bar_read(struct call *c)
{
	struct users *u = c->ctx;
	uint32_t v;

	return rs_vfio_bar_read(&u->self->d, 2, 0, &v, 4);
}

static int u_get_info(struct call *c)
{
	struct users *u = c->ctx;
	struct vfio_device_info info = { .argsz = sizeof(info) };

	return rs_ioctl(u->self->d.fd, VFIO_DEVICE_GET_INFO, &info);
}

static int u_export(struct call *c)
{
	struct users *u = c->ctx;
	int fd = export(&u->self->d, 2 * BUF_SIZE, NULL);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? fd : 0;
}

static int u_close_other(struct call *c)
{
	struct users *u = c->ctx;

	rs_close_fd(&u->self->buf2);
	return 0;
}

static int u_bufinfo(struct call *c)
{
	char b[4096];
	int fd = open("/sys/kernel/debug/dma_buf/bufinfo", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, b, sizeof(b))) > 0)
		;
	close(fd);
	return n < 0 ? -errno : 0;
}

static int u_map(struct call *c)
{
	struct users *u = c->ctx;
	uint64_t iova = 0;

	if (u->iommufd < 0)
		return -ENODEV;
	return lab_map_file(u->iommufd, u->ioas, u->self->buf, 0, BUF_SIZE, &iova, false);
}

static int u_fence(struct call *c)
{
	struct users *u = c->ctx;
	uint64_t id;
	int fd = rs_fence_new(&u->src2, &id, NULL), ret;

	if (fd < 0)
		return fd;
	ret = rs_dmabuf_import_sync_file(u->self->buf, fd, false, NULL);
	rs_fence_signal(&u->src2, id, NULL);
	close(fd);
	return ret;
}

struct user_def {
	const char *name;
	int (*fn)(struct call *c);
	bool device_fd;		/* uses the device fd (EBADF once a close trigger closed it) */
	bool blocks;		/* expected to wait for the fence */
};

static const struct user_def user_defs[] = {
	{ "config read of PCI_COMMAND", u_cfg_read, true, false },
	{ "config write of PCI_COMMAND", u_cfg_write, true, true },
	{ "BAR2 read through the region", u_bar_read, true, true },
	{ "VFIO_DEVICE_GET_INFO", u_get_info, true, false },
	{ "export of another dma-buf", u_export, true, true },
	{ "close of another dma-buf of the device", u_close_other, false, true },
	{ "debugfs dma_buf/bufinfo", u_bufinfo, false, true },
	/* VFIO's attach sees the buffer already marked revoked: ENODEV at once */
	{ "IOMMU_IOAS_MAP_FILE of the buffer", u_map, false, false },
	{ "a second fence into the buffer", u_fence, false, true },
};

#define NR_USERS	(sizeof(user_defs) / sizeof(user_defs[0]))

/* ------------------------------------------------------------ the test */

struct trig_ctx {
	FIXTURE_DATA(stall) *self;
	const FIXTURE_VARIANT(stall) *v;
};

static int trig_fn(struct call *c)
{
	struct trig_ctx *t = c->ctx;
	char w[RS_WHY_LEN];

	return t->v->revoke(&t->self->d, w);
}

static void stall(struct __test_metadata *_metadata, FIXTURE_DATA(stall) *self,
		  const FIXTURE_VARIANT(stall) *variant, unsigned int hold_ms)
{
	struct iommu_ioas_alloc aa = { .size = sizeof(aa) };
	struct call trig = { .name = variant->trigger }, calls[NR_USERS];
	struct users u = { .self = self, .iommufd = -1 };
	char why[RS_WHY_LEN], state[64], stack[4096];
	struct trig_ctx tc = { self, variant };
	uint64_t signal_at;
	unsigned int i;

	u.iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (u.iommufd >= 0 && ioctl(u.iommufd, IOMMU_IOAS_ALLOC, &aa))
		rs_close_fd(&u.iommufd);
	u.ioas = aa.out_ioas_id;
	ASSERT_EQ(0, rs_fence_src_open(&u.src2, RS_FENCE_SW_SYNC, "rs-stall-2", why))
		TH_LOG("%s", why);

	ASSERT_EQ(0, rs_vfio_cfg_read16(&self->d, PCI_COMMAND, &u.command));
	u.command |= PCI_COMMAND_MEMORY;
	/* the trigger, in a thread of its own */
	trig.ctx = &tc;
	trig.fn = trig_fn;
	call_start(&trig);
	EXPECT_FALSE(call_wait(&trig, 1000)) {
		TH_LOG("%s returned (%d) with an unsignalled fence in the buffer", variant->trigger,
		       trig.ret);
	}
	task_state(atomic_load(&trig.tid), state, sizeof(state), stack, sizeof(stack));
	ksft_print_msg("%s: blocked, thread state %s; kernel stack:\n%s", variant->trigger,
		       state, stack);
	EXPECT_EQ('D', state[0]);
	EXPECT_NE(NULL, strstr(stack, "dma_resv_wait_timeout"));

	/* the other users of the device, each in a thread */
	for (i = 0; i < NR_USERS; i++) {
		calls[i] = (struct call){ .name = user_defs[i].name, .fn = user_defs[i].fn, .ctx = &u };
		/* once a close trigger closed it, the fd number is free: never use it */
		if (variant->device_fd_closed && user_defs[i].device_fd)
			atomic_store(&calls[i].done, true);
		else
			call_start(&calls[i]);
	}
	usleep(1000 * 1000);
	if (hold_ms)
		usleep(hold_ms * 1000);
	for (i = 0; i < NR_USERS; i++) {
		bool done = atomic_load(&calls[i].done);

		if (variant->device_fd_closed && user_defs[i].device_fd)
			continue;	/* EBADF: the fd is gone, nothing to wait for */
		ksft_print_msg("%s while %s is stuck: %s%s\n", user_defs[i].name, variant->trigger,
			       done ? "returned " : "BLOCKED",
			       done ? (calls[i].ret ? strerror(-calls[i].ret) : "0") : "");
		EXPECT_EQ(!user_defs[i].blocks, done) {
			TH_LOG("%s: %s", user_defs[i].name, done ? "did not block" : "blocked");
		}
	}

	/* signal the fence: everything goes on */
	signal_at = now_ns();
	ASSERT_EQ(0, rs_fence_signal(&self->src, self->id, why)) TH_LOG("%s", why);
	ASSERT_TRUE(call_wait(&trig, 10000));
	pthread_join(trig.th, NULL);
	ksft_print_msg("%s: returned %d, %.3f s after it started, %.3f ms after the signal\n",
		       variant->trigger, trig.ret, (double)(trig.end - trig.start) / 1e9,
		       (double)(trig.end - signal_at) / 1e6);
	EXPECT_EQ(0, trig.ret);
	for (i = 0; i < NR_USERS; i++) {
		if (variant->device_fd_closed && user_defs[i].device_fd)
			continue;
		EXPECT_TRUE(call_wait(&calls[i], 10000)) TH_LOG("%s still blocked", calls[i].name);
		pthread_join(calls[i].th, NULL);
	}
	if (variant->undo)
		EXPECT_EQ(0, variant->undo(&self->d, why)) TH_LOG("%s", why);
	rs_fence_src_close(&u.src2);
	rs_close_fd(&u.iommufd);
}

TEST_F_TIMEOUT(stall, never_signalled_fence, 60)
{
	stall(_metadata, self, variant, 0);
}

/*
 * Past the hung-task timeout: the detector reports the trigger's thread (and, with
 * CONFIG_DETECT_HUNG_TASK_BLOCKER, the users queued on memory_lock behind it).  Only for
 * the PCI_COMMAND write: the others are the same wait.
 */
TEST_F_TIMEOUT(stall, hung_task_detector, 120)
{
	char line[1024], allow[256];
	bool seen = false;
	int kmsg, interval;
	FILE *f;

	if (strcmp(variant->trigger, "PCI_COMMAND.MEMORY clear"))
		SKIP(return, "one trigger is enough: the others wait in the same place");
	if (!getenv("RS_OUT"))
		SKIP(return, "no RS_OUT: the lab's klog-allow file cannot expect the reports");
	snprintf(allow, sizeof(allow), "%s/klog-allow", getenv("RS_OUT"));
	f = fopen(allow, "a");
	ASSERT_NE(NULL, f);
	fputs("INFO: task rs-stall:[0-9]+ blocked for more than\n", f);
	fclose(f);
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, kmsg);
	lseek(kmsg, 0, SEEK_END);
	/* khungtaskd looks every timeout seconds by default: up to 2 x 30 s; look every second */
	interval = lab_read_int("/proc/sys/kernel/hung_task_check_interval_secs");
	lab_write("/proc/sys/kernel/hung_task_check_interval_secs", "1");
	stall(_metadata, self, variant, 33000);
	if (interval >= 0) {
		char v[16];

		snprintf(v, sizeof(v), "%d", interval);
		lab_write("/proc/sys/kernel/hung_task_check_interval_secs", v);
	}
	for (;;) {
		ssize_t n = read(kmsg, line, sizeof(line) - 1);

		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		line[n] = '\0';
		if (strstr(line, "INFO: task rs-stall:") && strstr(line, "blocked for more than")) {
			ksft_print_msg("kernel: %s", strchr(line, ';') ? strchr(line, ';') + 1 : line);
			seen = true;
		}
	}
	close(kmsg);
	EXPECT_TRUE(seen) TH_LOG("no hung-task report of the stuck trigger in 34 s (timeout 30 s, "
				 "checked every second)");
}

TEST_HARNESS_MAIN
