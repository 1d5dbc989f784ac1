// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel mock importer (debugfs dma_buf/mock_importer, CONFIG_DMA_BUF_MOCK_IMPORTER) against a
 * VFIO dma-buf exported from an ivshmem BAR2 (and an nvme BAR0) and revoked through the
 * PCI_COMMAND memory bit (and every other trigger the device has), with the events of kernel-patches/ read from a private tracefs instance: each
 * behaviour (sync, deferred, stuck, pinned, fence) must produce its events
 * (docs/trace-events.md), the stuck importer must be reported as hung by the dma-buf core
 * (device, callback, waiting task) within one dma_buf.hung_importer_ms period (plus a
 * margin), and the revoke must complete once it is released.  Only "within a generous
 * bound" timing checks.  The series' own kselftest (kernel-patches/0009) covers the
 * mock's release on close and exit; this test follows the events.
 * Run: vm/run-vm.sh -- build/tests/vm/mock_importer_test
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "rs_lib/vfio.h"

#if defined(__has_include)
#if __has_include(<dma-buf-mock.h>)
#include <dma-buf-mock.h>	/* not uAPI: the lab kernel build's headers/test */
#define HAVE_MOCK 1
#endif
#endif

#ifdef HAVE_MOCK

#define TRACEFS		"/sys/kernel/tracing"
#define MOCK_PATH	"/sys/kernel/debug/" DMA_BUF_MOCK_DEBUGFS_FILE
#define HUNG_PARAM	"/sys/module/dma_buf/parameters/hung_importer_ms"

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

static char *read_file(const char *path)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* ------------------------------------------------------------------ trace lines */

struct ev {
	const char *line;	/* into the trace text; NULL if not found */
	size_t len;
	double ts;		/* seconds */
	int pos;		/* index among all event lines */
};

/*
 * The first event line at or after index from whose name is event and which contains
 * every NULL-terminated substring.  Lines look like
 * "  task-1  [001] .....  12.345678: event: k=v k=v".
 */
static struct ev find_ev(const char *text, int from, const char *event, ...)
{
	struct ev e = { 0 };
	char key[128];
	const char *p = text;
	int pos = 0;

	snprintf(key, sizeof(key), ": %s: ", event);
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);
		char *hit = line[0] == '#' ? NULL : strstr(line, key);

		if (hit && pos >= from) {
			va_list ap;
			const char *sub;
			bool ok = true;

			va_start(ap, event);
			while ((sub = va_arg(ap, const char *)))
				if (!strstr(hit, sub))
					ok = false;
			va_end(ap);
			if (ok) {
				char *t = hit;

				while (t > line && t[-1] != ' ')
					t--;
				e.line = p;
				e.len = len;
				e.ts = strtod(t, NULL);
				e.pos = pos;
				free(line);
				return e;
			}
		}
		if (line[0] != '#')
			pos++;
		free(line);
		p = nl ? nl + 1 : NULL;
	}
	return e;
}

/* The number after "key=" in e's line, or -1. */
static long long ev_field(const struct ev *e, const char *key)
{
	char k[64], *line, *f;
	long long v = -1;

	if (!e->line)
		return -1;
	line = strndup(e->line, e->len);
	snprintf(k, sizeof(k), " %s=", key);
	f = strstr(line, k);
	if (f)
		v = strtoll(f + strlen(k), NULL, 10);
	free(line);
	return v;
}

#define EV_SHOW(e) (int)((e).line ? (e).len : 9), ((e).line ? (e).line : "not found")

/* ------------------------------------------------------------------ fixture */

FIXTURE(mock)
{
	struct rs_vfio_dev d;
	bool opened;
	int dbuf;
	unsigned long ino;
	char ino_s[40];
	char dev_s[64];
	int mfd;
	char inst[128];
	char hung_saved[32];
};

FIXTURE_VARIANT(mock)
{
	const char *env;	/* environment variable naming the device */
	unsigned int region;	/* BAR exported */
	uint64_t size;
};

/* ivshmem-plain: BAR2 RAM, alone behind a root port (bus reset); no PM or PCIe caps */
FIXTURE_VARIANT_ADD(mock, ivshmem0) { "RS_IVSHMEM0", VFIO_PCI_BAR2_REGION_INDEX, 65536 };
/* nvme (no guest driver): BAR0 registers; PCI PM (D3hot) and PCIe FLR */
FIXTURE_VARIANT_ADD(mock, nvme) { "RS_NVME", VFIO_PCI_BAR0_REGION_INDEX, 4096 };

static char *trace_text(FIXTURE_DATA(mock) *self)
{
	char p[192];

	snprintf(p, sizeof(p), "%s/trace", self->inst);
	return read_file(p);
}

/* Keep what the instance recorded in $RS_OUT/mock_importer_test.trace (the run directory). */
static void trace_keep(FIXTURE_DATA(mock) *self)
{
	const char *out = getenv("RS_OUT");
	char p[256], *t;
	FILE *f;

	if (!out || !self->inst[0])
		return;
	t = trace_text(self);
	snprintf(p, sizeof(p), "%s/mock_importer_test.trace", out);
	f = t ? fopen(p, "a") : NULL;
	if (f) {
		fputs(t, f);
		fclose(f);
	}
	free(t);
}

static void trace_clear(FIXTURE_DATA(mock) *self)
{
	char p[192];

	trace_keep(self);
	snprintf(p, sizeof(p), "%s/trace", self->inst);
	write_file(p, "");
}

static int set_memory(FIXTURE_DATA(mock) *self, bool on, char *why)
{
	return rs_vfio_cfg_update16(&self->d, PCI_COMMAND, on ? 0 : PCI_COMMAND_MEMORY,
				    on ? PCI_COMMAND_MEMORY : 0, NULL, NULL, why);
}

FIXTURE_SETUP(mock)
{
	const char *bdf = getenv(variant->env);
	struct rs_vfio_range r = { .offset = 0, .length = variant->size };
	static const char *const systems[] = { "dma_buf", "vfio_pci", "dma_buf_mock" };
	char why[RS_WHY_LEN], p[256];
	struct stat st;
	unsigned int i;

	self->dbuf = -1;
	self->mfd = -1;
	self->inst[0] = '\0';
	self->hung_saved[0] = '\0';
	rs_vfio_init(&self->d);
	if (!getenv("RS_VM") || !bdf || !*bdf)
		SKIP(return, "not in the lab VM (no RS_VM / %s)", variant->env);
	if (access(MOCK_PATH, F_OK))
		SKIP(return, "kernel lacks CONFIG_DMA_BUF_MOCK_IMPORTER (no " MOCK_PATH ")");
	ASSERT_EQ(0, rs_vfio_open(&self->d, bdf, RS_VFIO_AUTO, why)) TH_LOG("%s", why);
	self->opened = true;
	/* a killed earlier run may have left the memory bit clear */
	ASSERT_EQ(0, set_memory(self, true, why)) TH_LOG("%s", why);
	self->dbuf = rs_vfio_export_dmabuf(&self->d, variant->region, &r, 1, why);
	ASSERT_LE(0, self->dbuf) TH_LOG("%s", why);
	ASSERT_EQ(0, fstat(self->dbuf, &st));
	self->ino = (unsigned long)st.st_ino;
	snprintf(self->ino_s, sizeof(self->ino_s), "ino=%lu ", self->ino);
	snprintf(self->dev_s, sizeof(self->dev_s), "dev=%s ", self->d.bdf);
	self->mfd = open(MOCK_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->mfd) TH_LOG("open " MOCK_PATH ": %s", strerror(errno));

	snprintf(self->inst, sizeof(self->inst), TRACEFS "/instances/rs_mock_test_%d", getpid());
	rmdir(self->inst);
	ASSERT_EQ(0, mkdir(self->inst, 0700)) TH_LOG("mkdir %s: %s", self->inst, strerror(errno));
	snprintf(p, sizeof(p), "%s/buffer_size_kb", self->inst);
	write_file(p, "2048");
	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/events/%s/enable", self->inst, systems[i]);
		ASSERT_EQ(0, write_file(p, "1")) TH_LOG("enable %s: missing events?", p);
	}
}

FIXTURE_TEARDOWN(mock)
{
	char why[RS_WHY_LEN], p[256];

	if (self->mfd >= 0)
		close(self->mfd);
	if (self->opened)
		set_memory(self, true, why);
	if (self->dbuf >= 0)
		close(self->dbuf);
	if (self->opened)
		rs_vfio_close(&self->d);
	rs_vfio_destroy(&self->d);
	if (self->hung_saved[0])
		write_file(HUNG_PARAM, self->hung_saved);
	if (self->inst[0]) {
		trace_keep(self);
		snprintf(p, sizeof(p), "%s/tracing_on", self->inst);
		write_file(p, "0");
		rmdir(self->inst);
	}
}

static int mock_attach(FIXTURE_DATA(mock) *self, uint32_t behaviour, uint32_t delay_ms,
		       bool map, uint32_t *handle)
{
	struct dma_buf_mock_attach a = {
		.dmabuf_fd = self->dbuf,
		.behaviour = behaviour,
		.delay_ms = delay_ms,
		.flags = map ? DMA_BUF_MOCK_F_MAP : 0,
	};

	snprintf(a.dev_name, sizeof(a.dev_name), "%s", self->d.bdf);
	if (ioctl(self->mfd, DMA_BUF_MOCK_IOCTL_ATTACH, &a))
		return -errno;
	*handle = a.handle;
	return 0;
}

static int mock_cmd(FIXTURE_DATA(mock) *self, unsigned long req, uint32_t handle)
{
	struct dma_buf_mock_handle h = { .handle = handle };

	return ioctl(self->mfd, req, &h) ? -errno : 0;
}

static int mock_status(FIXTURE_DATA(mock) *self, uint32_t handle, struct dma_buf_mock_status *s)
{
	memset(s, 0, sizeof(*s));
	s->handle = handle;
	return ioctl(self->mfd, DMA_BUF_MOCK_IOCTL_STATUS, s) ? -errno : 0;
}

/* A revoke (PCI_COMMAND.MEMORY cleared) in a thread, for importers that hold it up. */
struct revoker {
	FIXTURE_DATA(mock) *self;
	pthread_t thr;
	int tid;		/* __atomic: the revoking thread */
	volatile int done;
	int ret;
	long long start, end;
	char why[RS_WHY_LEN];
};

static void *revoke_thread(void *arg)
{
	struct revoker *r = arg;

	__atomic_store_n(&r->tid, (int)gettid(), __ATOMIC_RELEASE);
	r->start = now_ns();
	r->ret = set_memory(r->self, false, r->why);
	r->end = now_ns();
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static bool revoker_done(struct revoker *r)
{
	return __atomic_load_n(&r->done, __ATOMIC_ACQUIRE);
}

/* Wait up to ms for the thread; true if it finished. */
static bool revoker_wait(struct revoker *r, int ms)
{
	long long until = now_ns() + ms * 1000000LL;

	while (!revoker_done(r) && now_ns() < until)
		usleep(10000);
	return revoker_done(r);
}

/*
 * After the action that should let the revoke end (`after`): it ends within 10 s, else
 * closing the mock context detaches everything so the test never leaves it blocked.
 */
static void revoker_finish(struct __test_metadata *_metadata, struct revoker *r,
			   const char *after)
{
	EXPECT_TRUE(revoker_wait(r, 10000)) TH_LOG("the revoke did not end after %s", after);
	if (!revoker_done(r)) {
		close(r->self->mfd);
		r->self->mfd = -1;
	}
	pthread_join(r->thr, NULL);
	EXPECT_EQ(0, r->ret) TH_LOG("%s", r->why);
}

static bool kmsg_has(const char *needle, const char *needle2)
{
	char buf[8192];
	bool found = false;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	while ((n = read(fd, buf, sizeof(buf) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (strstr(buf, needle) && strstr(buf, needle2)) {
			const char *out = getenv("RS_OUT");
			char p[256];
			FILE *f;

			found = true;
			snprintf(p, sizeof(p), "%s/mock_importer_test.kmsg", out ? out : "/tmp");
			f = fopen(p, "a");
			if (f) {
				fputs(buf, f);
				fclose(f);
			}
		}
	}
	close(fd);
	return found;
}

/* The events of one revoke and restore with a sync importer, in order. */
TEST_F(mock, sync)
{
	struct dma_buf_mock_status st;
	char why[RS_WHY_LEN], dn[64];
	struct ev mb, ib, ia, mi, mu, ua, ie, fw, uw, me, rb, re;
	uint32_t h, h2;
	char *t;

	snprintf(dn, sizeof(dn), "dev_name=%s", self->d.bdf);
	ASSERT_EQ(0, mock_attach(self, DMA_BUF_MOCK_SYNC, 0, true, &h));
	ASSERT_EQ(0, mock_status(self, h, &st));
	EXPECT_EQ(1, st.mapped);
	EXPECT_EQ(1, st.revocable);
	EXPECT_EQ(1, st.maps);
	EXPECT_EQ(0, st.map_invalidations);
	t = trace_text(self);
	ASSERT_NE(NULL, t);
	EXPECT_NE(NULL, find_ev(t, 0, "dma_buf_mock_attach", self->ino_s, "behaviour=sync",
				dn, " ret=0", NULL).line) TH_LOG("%s", t);
	EXPECT_NE(NULL, find_ev(t, 0, "dma_buf_map_attachment", self->ino_s, dn,
				"is_dynamic=1", " ret=0", NULL).line) TH_LOG("%s", t);
	free(t);
	trace_clear(self);

	ASSERT_EQ(0, set_memory(self, false, why)) TH_LOG("%s", why);
	t = trace_text(self);
	ASSERT_NE(NULL, t);
	mb = find_ev(t, 0, "vfio_pci_dmabuf_move_begin", self->dev_s, self->ino_s,
		     "revoke=1 trigger=command_memory", NULL);
	ib = find_ev(t, 0, "dma_buf_invalidate_begin", "exp_name=vfio_pci_core", self->ino_s,
		     "nr_attach=1", NULL);
	ia = find_ev(t, 0, "dma_buf_invalidate_attach", self->ino_s, "is_dynamic=1 revocable=1 "
		     "peer2peer=1", dn, NULL);
	mi = find_ev(t, 0, "dma_buf_mock_invalidate", self->ino_s, "behaviour=sync", NULL);
	mu = find_ev(t, 0, "dma_buf_mock_unmap", self->ino_s, "behaviour=sync",
		     "reason=invalidate", NULL);
	ua = find_ev(t, 0, "dma_buf_unmap_attachment", self->ino_s, dn, NULL);
	ie = find_ev(t, 0, "dma_buf_invalidate_end", self->ino_s, "nr_attach=1", NULL);
	fw = find_ev(t, 0, "vfio_pci_dmabuf_fence_wait", self->dev_s, self->ino_s, "revoke=1",
		     NULL);
	uw = find_ev(t, 0, "vfio_pci_dmabuf_unmap_wait", self->dev_s, self->ino_s, NULL);
	me = find_ev(t, 0, "vfio_pci_dmabuf_move_end", self->dev_s, self->ino_s,
		     "revoke=1 trigger=command_memory", NULL);
	ASSERT_NE(NULL, mb.line) TH_LOG("%s", t);
	ASSERT_NE(NULL, ib.line) TH_LOG("%s", t);
	ASSERT_NE(NULL, ia.line) TH_LOG("%s", t);
	ASSERT_NE(NULL, mi.line) TH_LOG("%s", t);
	ASSERT_NE(NULL, mu.line) TH_LOG("%s", t);
	ASSERT_NE(NULL, ua.line) TH_LOG("%s", t);
	ASSERT_NE(NULL, ie.line) TH_LOG("%s", t);
	ASSERT_NE(NULL, fw.line) TH_LOG("%s", t);
	ASSERT_NE(NULL, uw.line) TH_LOG("%s", t);
	ASSERT_NE(NULL, me.line) TH_LOG("%s", t);
	/* the order of the revoke sequence */
	EXPECT_LT(mb.pos, ib.pos);
	EXPECT_LT(ib.pos, mi.pos);
	EXPECT_LT(mi.pos, mu.pos);
	EXPECT_LT(mu.pos, ia.pos);
	EXPECT_LT(ia.pos, ie.pos);
	EXPECT_LT(ie.pos, fw.pos);
	EXPECT_LT(fw.pos, uw.pos);
	EXPECT_LT(uw.pos, me.pos);
	/* unmapped inside the invalidate callback: no fence, no unmap wait to speak of */
	EXPECT_LE(0, ev_field(&ua, "since_invalidate_ns"));
	EXPECT_LT(0, ev_field(&fw, "ret"));
	EXPECT_LE(0, ev_field(&uw, "duration_ns"));
	EXPECT_LE(ev_field(&uw, "duration_ns"), ev_field(&me, "duration_ns"));
	TH_LOG("sample: %.*s", EV_SHOW(me));
	free(t);

	/* revoked: MAP fails with the exporter's error, so does a new attach */
	EXPECT_EQ(-ENODEV, mock_cmd(self, DMA_BUF_MOCK_IOCTL_MAP, h));
	ASSERT_EQ(0, mock_status(self, h, &st));
	EXPECT_EQ(0, st.mapped);
	EXPECT_EQ(-ENODEV, st.last_map_err);
	EXPECT_EQ(1, st.invalidations);
	EXPECT_EQ(1, st.unmaps);
	EXPECT_EQ(-ENODEV, mock_attach(self, DMA_BUF_MOCK_SYNC, 0, false, &h2));

	/* restore: its own events, then attach + map work again */
	trace_clear(self);
	ASSERT_EQ(0, set_memory(self, true, why)) TH_LOG("%s", why);
	t = trace_text(self);
	ASSERT_NE(NULL, t);
	rb = find_ev(t, 0, "vfio_pci_dmabuf_move_begin", self->ino_s,
		     "revoke=0 trigger=command_memory", NULL);
	re = find_ev(t, 0, "vfio_pci_dmabuf_move_end", self->ino_s,
		     "revoke=0 trigger=command_memory", NULL);
	EXPECT_NE(NULL, rb.line) TH_LOG("%s", t);
	EXPECT_NE(NULL, re.line) TH_LOG("%s", t);
	EXPECT_EQ(NULL, find_ev(t, 0, "vfio_pci_dmabuf_unmap_wait", NULL).line);
	free(t);
	EXPECT_EQ(0, mock_cmd(self, DMA_BUF_MOCK_IOCTL_MAP, h));
	EXPECT_EQ(-EBUSY, mock_cmd(self, DMA_BUF_MOCK_IOCTL_MAP, h));
	/* the restore invalidated too; the new mapping was made after both */
	ASSERT_EQ(0, mock_status(self, h, &st));
	EXPECT_EQ(2, st.invalidations);
	EXPECT_EQ(2, st.map_invalidations);
	ASSERT_EQ(0, mock_attach(self, DMA_BUF_MOCK_SYNC, 0, true, &h2));
	EXPECT_NE(h, h2);
	EXPECT_EQ(0, mock_cmd(self, DMA_BUF_MOCK_IOCTL_UNMAP, h2));
	EXPECT_EQ(-EINVAL, mock_cmd(self, DMA_BUF_MOCK_IOCTL_UNMAP, h2));
	EXPECT_EQ(0, mock_cmd(self, DMA_BUF_MOCK_IOCTL_RELEASE, h2));
	EXPECT_EQ(-ENOENT, mock_cmd(self, DMA_BUF_MOCK_IOCTL_RELEASE, h2));
	EXPECT_EQ(0, mock_cmd(self, DMA_BUF_MOCK_IOCTL_RELEASE, h));
}

/* A deferred importer unmaps delay_ms after the invalidation; the revoke waits for it. */
TEST_F(mock, deferred)
{
	const int delay = 300;
	char why[RS_WHY_LEN];
	struct ev mu, ua, uw;
	long long t0, dt;
	uint32_t h;
	char *t;

	ASSERT_EQ(0, mock_attach(self, DMA_BUF_MOCK_DEFERRED, delay, true, &h));
	trace_clear(self);
	t0 = now_ns();
	ASSERT_EQ(0, set_memory(self, false, why)) TH_LOG("%s", why);
	dt = now_ns() - t0;
	t = trace_text(self);
	ASSERT_NE(NULL, t);
	mu = find_ev(t, 0, "dma_buf_mock_unmap", self->ino_s, "behaviour=deferred",
		     "reason=deferred", NULL);
	ua = find_ev(t, 0, "dma_buf_unmap_attachment", self->ino_s, NULL);
	uw = find_ev(t, 0, "vfio_pci_dmabuf_unmap_wait", self->ino_s, NULL);
	ASSERT_NE(NULL, mu.line) TH_LOG("%s", t);
	ASSERT_NE(NULL, ua.line) TH_LOG("%s", t);
	ASSERT_NE(NULL, uw.line) TH_LOG("%s", t);
	EXPECT_LT(mu.pos, uw.pos);
	/* the delayed work runs no earlier than delay after the invalidation */
	EXPECT_LE((delay - 1) * 1000000LL, ev_field(&ua, "since_invalidate_ns")) TH_LOG("%s", t);
	EXPECT_LE((delay / 2) * 1000000LL, ev_field(&uw, "duration_ns")) TH_LOG("%s", t);
	EXPECT_LE((delay - 1) * 1000000LL, dt);
	EXPECT_GT(30000000000LL, dt);
	TH_LOG("sample: %.*s", EV_SHOW(ua));
	free(t);
	EXPECT_EQ(0, mock_cmd(self, DMA_BUF_MOCK_IOCTL_RELEASE, h));
}

/*
 * Deferred, like xe: the unmap comes at the next map when that is sooner than the delay.
 * The revoke waits for the unmap; a MAP during that wait unmaps ("reason=map"), which
 * lets the revoke end, and then fails on the revoked buffer.  After the restore the
 * importer maps again, and the still-pending delayed work must not unmap that mapping.
 */
TEST_F(mock, deferred_unmap_at_next_map)
{
	struct dma_buf_mock_status st;
	struct revoker rv = { .self = self };
	char why[RS_WHY_LEN];
	struct ev mi, mu, uw;
	long long until;
	uint32_t h;
	char *t = NULL;

	/* far longer than the test: only the MAP can end the revoke's wait */
	ASSERT_EQ(0, mock_attach(self, DMA_BUF_MOCK_DEFERRED, DMA_BUF_MOCK_MAX_DELAY_MS, true, &h));
	trace_clear(self);
	ASSERT_EQ(0, pthread_create(&rv.thr, NULL, revoke_thread, &rv));
	until = now_ns() + 10000 * 1000000LL;
	do {
		free(t);
		usleep(20000);
		t = trace_text(self);
		ASSERT_NE(NULL, t);
		mi = find_ev(t, 0, "dma_buf_mock_invalidate", self->ino_s, "behaviour=deferred",
			     NULL);
	} while (!mi.line && now_ns() < until);
	EXPECT_NE(NULL, mi.line) TH_LOG("no dma_buf_mock_invalidate:\n%s", t);
	free(t);
	EXPECT_FALSE(revoker_done(&rv)) TH_LOG("the revoke did not wait for the deferred unmap");

	EXPECT_EQ(-ENODEV, mock_cmd(self, DMA_BUF_MOCK_IOCTL_MAP, h));
	revoker_finish(_metadata, &rv, "the MAP's unmap");

	t = trace_text(self);
	ASSERT_NE(NULL, t);
	mu = find_ev(t, 0, "dma_buf_mock_unmap", self->ino_s, "behaviour=deferred", "reason=map",
		     NULL);
	uw = find_ev(t, 0, "vfio_pci_dmabuf_unmap_wait", self->dev_s, self->ino_s, NULL);
	ASSERT_NE(NULL, mu.line) TH_LOG("%s", t);
	ASSERT_NE(NULL, uw.line) TH_LOG("%s", t);
	EXPECT_LT(mu.pos, uw.pos);
	EXPECT_EQ(NULL, find_ev(t, 0, "dma_buf_mock_unmap", self->ino_s, "reason=deferred",
				NULL).line) TH_LOG("%s", t);
	TH_LOG("sample: %.*s", EV_SHOW(mu));
	free(t);
	ASSERT_EQ(0, mock_status(self, h, &st));
	EXPECT_EQ(0, st.mapped);
	EXPECT_EQ(1, st.unmaps);
	EXPECT_EQ(-ENODEV, st.last_map_err);

	/* restored: the next map works and stays (invalidated was cleared by the unmap) */
	ASSERT_EQ(0, set_memory(self, true, why)) TH_LOG("%s", why);
	EXPECT_EQ(0, mock_cmd(self, DMA_BUF_MOCK_IOCTL_MAP, h));
	ASSERT_EQ(0, mock_status(self, h, &st));
	EXPECT_EQ(1, st.mapped);
	EXPECT_EQ(2, st.maps);
	EXPECT_EQ(0, mock_cmd(self, DMA_BUF_MOCK_IOCTL_RELEASE, h));
}

/* A stuck importer holds the revoke up; the core names it; RELEASE lets the revoke end. */
TEST_F(mock, stuck)
{
	const int period = 500;
	struct dma_buf_mock_status st;
	struct revoker rv = { .self = self };
	struct ev hung, mu, ua, uw, me;
	long long seen = 0, until, rel;
	char *saved, dn[64], drv[64];
	uint32_t h;
	char *t = NULL;

	saved = read_file(HUNG_PARAM);
	ASSERT_NE(NULL, saved) TH_LOG("no %s: dma_buf_wait_unmap_completion() missing?",
				      HUNG_PARAM);
	snprintf(self->hung_saved, sizeof(self->hung_saved), "%s", saved);
	free(saved);
	ASSERT_EQ(0, write_file(HUNG_PARAM, "500"));
	/* The hung importer warning is expected; nothing else is. */
	if (getenv("RS_OUT")) {
		char p[256];
		FILE *f;

		snprintf(p, sizeof(p), "%s/klog-allow", getenv("RS_OUT"));
		f = fopen(p, "a");
		if (f) {
			fprintf(f, "dma-buf: vfio_pci_core ino [0-9]+: hung importer %s \\(vfio-pci\\)\n",
				self->d.bdf);
			fclose(f);
		}
	}
	snprintf(dn, sizeof(dn), "dev_name=%s", self->d.bdf);
	snprintf(drv, sizeof(drv), "driver=vfio-pci");

	ASSERT_EQ(0, mock_attach(self, DMA_BUF_MOCK_STUCK, 0, true, &h));
	trace_clear(self);
	ASSERT_EQ(0, pthread_create(&rv.thr, NULL, revoke_thread, &rv));

	/* the hung report within one period plus a generous margin */
	until = now_ns() + (period + 4000) * 1000000LL;
	while (now_ns() < until) {
		free(t);
		t = trace_text(self);
		ASSERT_NE(NULL, t);
		hung = find_ev(t, 0, "dma_buf_unmap_wait_hung", self->ino_s, dn, drv,
			       "importer=dma_buf_mock_invalidate_mappings", "mapped=1",
			       "invalidated=1", NULL);
		if (hung.line) {
			seen = now_ns();
			break;
		}
		usleep(20000);
	}
	EXPECT_NE(0, seen) TH_LOG("no dma_buf_unmap_wait_hung for %s:\n%s", dn, t);
	EXPECT_FALSE(revoker_done(&rv)) TH_LOG("the revoke did not wait for the stuck importer");
	if (seen) {
		/*
		 * Not before the period: the detector's delayed work counts jiffies, the event's
		 * fields ktime.  Under TCG on the debug kernel the two clocks drift by a few
		 * milliseconds (seen: 493 ms for a 500 ms period), so 2% is allowed.
		 */
		EXPECT_LE(period - 1 - period / 50, ev_field(&hung, "waited_ms"));
		EXPECT_LE(period - 1 - period / 50, ev_field(&hung, "since_invalidate_ms"));
		/* the waiting task is the revoking thread */
		EXPECT_EQ(__atomic_load_n(&rv.tid, __ATOMIC_ACQUIRE), ev_field(&hung, "pid"));
		TH_LOG("sample: %.*s", EV_SHOW(hung));
	}
	free(t);
	t = NULL;
	ASSERT_EQ(0, mock_status(self, h, &st));
	EXPECT_EQ(1, st.mapped);
	EXPECT_EQ(1, st.invalidations);
	/* the mapping outlived the invalidation */
	EXPECT_EQ(0, st.map_invalidations);
	EXPECT_TRUE(kmsg_has("hung importer", self->d.bdf));
	EXPECT_TRUE(kmsg_has("importer dma_buf_mock_invalidate_mappings, task", self->d.bdf));

	/* still stuck one more period later; then release it */
	usleep((period + 200) * 1000);
	EXPECT_FALSE(revoker_done(&rv));
	rel = now_ns();
	EXPECT_EQ(0, mock_cmd(self, DMA_BUF_MOCK_IOCTL_RELEASE, h));
	revoker_finish(_metadata, &rv, "RELEASE");

	t = trace_text(self);
	ASSERT_NE(NULL, t);
	mu = find_ev(t, 0, "dma_buf_mock_unmap", self->ino_s, "behaviour=stuck", "reason=release",
		     NULL);
	ua = find_ev(t, 0, "dma_buf_unmap_attachment", self->ino_s, dn, NULL);
	uw = find_ev(t, 0, "vfio_pci_dmabuf_unmap_wait", self->dev_s, self->ino_s, NULL);
	me = find_ev(t, 0, "vfio_pci_dmabuf_move_end", self->ino_s,
		     "revoke=1 trigger=command_memory", NULL);
	ASSERT_NE(NULL, mu.line) TH_LOG("%s", t);
	ASSERT_NE(NULL, uw.line) TH_LOG("%s", t);
	ASSERT_NE(NULL, me.line) TH_LOG("%s", t);
	EXPECT_LT(mu.pos, uw.pos);
	EXPECT_LT(uw.pos, me.pos);
	/* the unmap wait lasted at least as long as the importer was seen stuck */
	if (seen)
		EXPECT_LE(rel - seen + period * 1000000LL, ev_field(&uw, "duration_ns"))
			TH_LOG("%.*s", EV_SHOW(uw));
	EXPECT_LE(period * 1000000LL, ev_field(&ua, "since_invalidate_ns"));
	TH_LOG("sample: %.*s", EV_SHOW(uw));
	free(t);
}

/* Closing the context recovers from a stuck importer too. */
TEST_F(mock, stuck_close)
{
	struct revoker rv = { .self = self };
	uint32_t h;
	char *t;

	ASSERT_EQ(0, mock_attach(self, DMA_BUF_MOCK_STUCK, 0, true, &h));
	trace_clear(self);
	ASSERT_EQ(0, pthread_create(&rv.thr, NULL, revoke_thread, &rv));
	EXPECT_FALSE(revoker_wait(&rv, 300));
	close(self->mfd);
	self->mfd = -1;
	EXPECT_TRUE(revoker_wait(&rv, 10000));
	pthread_join(rv.thr, NULL);
	EXPECT_EQ(0, rv.ret) TH_LOG("%s", rv.why);
	t = trace_text(self);
	ASSERT_NE(NULL, t);
	EXPECT_NE(NULL, find_ev(t, 0, "dma_buf_mock_unmap", self->ino_s, "reason=close",
				NULL).line) TH_LOG("%s", t);
	EXPECT_NE(NULL, find_ev(t, 0, "dma_buf_detach", self->ino_s, NULL).line);
	free(t);
}

/* A pinned (non-revocable) importer is refused by VFIO, and the core says so. */
TEST_F(mock, pinned)
{
	char dn[64];
	struct ev rj, ma;
	uint32_t h = 0;
	char *t;

	snprintf(dn, sizeof(dn), "dev_name=%s", self->d.bdf);
	trace_clear(self);
	EXPECT_EQ(-EOPNOTSUPP, mock_attach(self, DMA_BUF_MOCK_PINNED, 0, true, &h));
	t = trace_text(self);
	ASSERT_NE(NULL, t);
	rj = find_ev(t, 0, "dma_buf_attach_rejected", "exp_name=vfio_pci_core", self->ino_s,
		     "is_dynamic=1 revocable=0 peer2peer=1", dn, "err=-95", NULL);
	ma = find_ev(t, 0, "dma_buf_mock_attach", self->ino_s, "behaviour=pinned", dn,
		     "ret=-95", NULL);
	EXPECT_NE(NULL, rj.line) TH_LOG("%s", t);
	EXPECT_NE(NULL, ma.line) TH_LOG("%s", t);
	EXPECT_EQ(NULL, find_ev(t, 0, "dma_buf_dynamic_attach", NULL).line);
	TH_LOG("sample: %.*s", EV_SHOW(rj));
	free(t);
	/* a revocable importer on the same buffer is accepted */
	EXPECT_EQ(0, mock_attach(self, DMA_BUF_MOCK_SYNC, 0, true, &h));
}

/* A fence left by the importer holds the revoke's fence wait for its lifetime. */
TEST_F(mock, fence)
{
	const int delay = 400;
	char why[RS_WHY_LEN];
	struct ev mf, fw, mu, me;
	long long mapped, start;
	uint32_t h;
	char *t;

	trace_clear(self);
	ASSERT_EQ(0, mock_attach(self, DMA_BUF_MOCK_FENCE, delay, true, &h));
	mapped = now_ns();
	start = now_ns();
	ASSERT_EQ(0, set_memory(self, false, why)) TH_LOG("%s", why);
	t = trace_text(self);
	ASSERT_NE(NULL, t);
	mf = find_ev(t, 0, "dma_buf_mock_fence", self->ino_s, "delay_ms=400", NULL);
	fw = find_ev(t, 0, "vfio_pci_dmabuf_fence_wait", self->ino_s, "revoke=1", NULL);
	mu = find_ev(t, 0, "dma_buf_mock_unmap", self->ino_s, "behaviour=fence",
		     "reason=invalidate", NULL);
	me = find_ev(t, 0, "vfio_pci_dmabuf_move_end", self->ino_s, "revoke=1", NULL);
	ASSERT_NE(NULL, mf.line) TH_LOG("%s", t);
	ASSERT_NE(NULL, fw.line) TH_LOG("%s", t);
	ASSERT_NE(NULL, mu.line) TH_LOG("%s", t);
	ASSERT_NE(NULL, me.line) TH_LOG("%s", t);
	EXPECT_LT(mf.pos, fw.pos);
	EXPECT_LT(mu.pos, fw.pos);
	/* the fence was created at map time and signals delay later */
	EXPECT_LE(delay * 1000000LL - (start - mapped) - 5000000LL, ev_field(&fw, "duration_ns"))
		TH_LOG("%.*s", EV_SHOW(fw));
	EXPECT_LT(0, ev_field(&fw, "ret"));
	TH_LOG("sample: %.*s", EV_SHOW(fw));
	free(t);
}

/*
 * Every VFIO trigger the lab's devices offer tags its events: PCI_PM_CTRL D3hot and PCIe
 * DEVCTL.BCR_FLR (nvme only), low power entry and exit, VFIO_DEVICE_RESET and
 * VFIO_DEVICE_PCI_HOT_RESET (both devices sit alone behind a root port, so they have a bus
 * reset), and the final close.  No lab device has AF FLR.  A sync mock importer keeps a
 * mapping before each trigger; a trigger the device lacks is logged and skipped.
 */
static void trigger_case(struct __test_metadata *_metadata, FIXTURE_DATA(mock) *self,
			 uint32_t h, const char *name, bool restore,
			 int (*fire)(FIXTURE_DATA(mock) *self, char *why))
{
	char why[RS_WHY_LEN], want[64], dn[64];
	struct ev b, ua, e;
	int ret;
	char *t;

	snprintf(dn, sizeof(dn), "dev_name=%s", self->d.bdf);
	ASSERT_EQ(0, set_memory(self, true, why)) TH_LOG("%s", why);
	ret = mock_cmd(self, DMA_BUF_MOCK_IOCTL_MAP, h);
	ASSERT_TRUE(ret == 0 || ret == -EBUSY) TH_LOG("MAP before %s: %s", name, strerror(-ret));
	trace_clear(self);
	ret = fire(self, why);
	if (ret) {
		TH_LOG("trigger %s not available here: %s", name, why);
		return;
	}
	t = trace_text(self);
	ASSERT_NE(NULL, t);
	snprintf(want, sizeof(want), "revoke=1 trigger=%s", name);
	b = find_ev(t, 0, "vfio_pci_dmabuf_move_begin", self->dev_s, self->ino_s, want, NULL);
	ua = find_ev(t, 0, "dma_buf_unmap_attachment", self->ino_s, dn, NULL);
	e = find_ev(t, 0, "vfio_pci_dmabuf_move_end", self->dev_s, self->ino_s, want, NULL);
	EXPECT_NE(NULL, b.line) TH_LOG("%s:\n%s", name, t);
	EXPECT_NE(NULL, ua.line) TH_LOG("%s:\n%s", name, t);
	EXPECT_NE(NULL, e.line) TH_LOG("%s:\n%s", name, t);
	if (b.line && ua.line && e.line) {
		EXPECT_LT(b.pos, ua.pos);
		EXPECT_LT(ua.pos, e.pos);
		TH_LOG("sample: %.*s", EV_SHOW(e));
	}
	if (restore) {
		snprintf(want, sizeof(want), "revoke=0 trigger=%s", name);
		e = find_ev(t, 0, "vfio_pci_dmabuf_move_end", self->ino_s, want, NULL);
		EXPECT_NE(NULL, e.line) TH_LOG("%s:\n%s", name, t);
	}
	free(t);
}

static int fire_pm_d3hot(FIXTURE_DATA(mock) *self, char *why)
{
	unsigned int pm = self->d.caps.pm;
	int ret;

	if (!pm) {
		snprintf(why, RS_WHY_LEN, "%s has no PCI PM capability", self->d.bdf);
		return -EOPNOTSUPP;
	}
	ret = rs_vfio_cfg_update16(&self->d, pm + PCI_PM_CTRL, PCI_PM_CTRL_STATE_MASK,
				   3 /* D3hot */, NULL, NULL, why);
	usleep(20000);
	if (!ret)
		ret = rs_vfio_cfg_update16(&self->d, pm + PCI_PM_CTRL, PCI_PM_CTRL_STATE_MASK,
					   0, NULL, NULL, why);
	usleep(20000);
	return ret;
}

static int fire_flr(FIXTURE_DATA(mock) *self, char *why)
{
	if (!self->d.caps.exp || !self->d.caps.flr) {
		snprintf(why, RS_WHY_LEN, "%s has no PCIe FLR", self->d.bdf);
		return -EOPNOTSUPP;
	}
	return rs_vfio_cfg_update16(&self->d, self->d.caps.exp + PCI_EXP_DEVCTL, 0,
				    PCI_EXP_DEVCTL_BCR_FLR, NULL, NULL, why);
}

static int fire_low_power(FIXTURE_DATA(mock) *self, char *why)
{
	int ret = rs_vfio_low_power(&self->d, true, why);

	return ret ? ret : rs_vfio_low_power(&self->d, false, why);
}

static int fire_reset(FIXTURE_DATA(mock) *self, char *why)
{
	return rs_vfio_reset(&self->d, why);
}

static int fire_hot_reset(FIXTURE_DATA(mock) *self, char *why)
{
	return rs_vfio_hot_reset(&self->d, why);
}

static int fire_close(FIXTURE_DATA(mock) *self, char *why)
{
	rs_vfio_close_device(&self->d);
	return 0;
}

TEST_F(mock, triggers)
{
	struct dma_buf_mock_status st;
	uint32_t h;

	ASSERT_EQ(0, mock_attach(self, DMA_BUF_MOCK_SYNC, 0, true, &h));
	trigger_case(_metadata, self, h, "pm_d3hot", false, fire_pm_d3hot);
	trigger_case(_metadata, self, h, "flr", false, fire_flr);
	trigger_case(_metadata, self, h, "low_power", true, fire_low_power);
	trigger_case(_metadata, self, h, "reset", false, fire_reset);
	trigger_case(_metadata, self, h, "hot_reset", false, fire_hot_reset);
	trigger_case(_metadata, self, h, "close", false, fire_close);
	/* closed: revoked for good */
	EXPECT_EQ(-ENODEV, mock_cmd(self, DMA_BUF_MOCK_IOCTL_MAP, h));
	ASSERT_EQ(0, mock_status(self, h, &st));
	EXPECT_LE(4, st.invalidations);
	self->opened = false;
	rs_vfio_close(&self->d);
}

/*
 * Without a PCI device name the mock's own device imports: it has no DMA mask, so the mock
 * refuses its maps (EINVAL) before the exporter would map through it.
 */
TEST_F(mock, own_device_cannot_map)
{
	struct dma_buf_mock_attach a = {
		.dmabuf_fd = self->dbuf,
		.behaviour = DMA_BUF_MOCK_SYNC,
	};
	struct dma_buf_mock_status st;

	ASSERT_EQ(0, ioctl(self->mfd, DMA_BUF_MOCK_IOCTL_ATTACH, &a)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-EINVAL, mock_cmd(self, DMA_BUF_MOCK_IOCTL_MAP, a.handle));
	ASSERT_EQ(0, mock_status(self, a.handle, &st));
	EXPECT_EQ(0, st.mapped);
	EXPECT_EQ(-EINVAL, st.last_map_err);
	/* bad arguments */
	a.reserved = 1;
	EXPECT_NE(0, ioctl(self->mfd, DMA_BUF_MOCK_IOCTL_ATTACH, &a));
	EXPECT_EQ(EINVAL, errno);
	a.reserved = 0;
	a.behaviour = 99;
	EXPECT_NE(0, ioctl(self->mfd, DMA_BUF_MOCK_IOCTL_ATTACH, &a));
	EXPECT_EQ(EINVAL, errno);
	a.behaviour = DMA_BUF_MOCK_DEFERRED;
	a.delay_ms = DMA_BUF_MOCK_MAX_DELAY_MS + 1;
	EXPECT_NE(0, ioctl(self->mfd, DMA_BUF_MOCK_IOCTL_ATTACH, &a));
	EXPECT_EQ(EINVAL, errno);
	a.delay_ms = 0;
	a.behaviour = DMA_BUF_MOCK_SYNC;
	snprintf(a.dev_name, sizeof(a.dev_name), "0000:ff:1f.7");
	EXPECT_NE(0, ioctl(self->mfd, DMA_BUF_MOCK_IOCTL_ATTACH, &a));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-ENOENT, mock_cmd(self, DMA_BUF_MOCK_IOCTL_MAP, 12345));
}

/*
 * A hot reset through one function revokes the dma-bufs of every device it resets
 * (vfio_pci_dev_set_hot_reset: vfio_pci_core.c:2580, un-revoked at :2611 once the bus
 * reset restored PCI_COMMAND).  The lab's RS_IVSHMEM_MF0/1 are two functions behind one
 * root port, in one IOMMU group; both are opened through the same iommufd, as the cdev
 * hot reset requires.  A sync mock importer on each buffer counts the invalidations and
 * unmaps.
 */
TEST(hot_reset_revokes_every_function)
{
	const char *bdf[2] = { getenv("RS_IVSHMEM_MF0"), getenv("RS_IVSHMEM_MF1") };
	struct rs_vfio_range r = { .offset = 0, .length = 65536 };
	struct rs_vfio_dev d[2];
	struct dma_buf_mock_attach a[2];
	struct dma_buf_mock_status st;
	int buf[2] = { -1, -1 }, mfd, i;
	char why[RS_WHY_LEN];

	if (!getenv("RS_VM") || !bdf[0] || !bdf[1])
		SKIP(return, "not in the lab VM (no RS_VM / RS_IVSHMEM_MF0 / RS_IVSHMEM_MF1)");
	if (access(MOCK_PATH, F_OK))
		SKIP(return, "kernel lacks CONFIG_DMA_BUF_MOCK_IMPORTER (no " MOCK_PATH ")");
	for (i = 0; i < 2; i++)
		rs_vfio_init(&d[i]);
	ASSERT_EQ(0, rs_vfio_open(&d[0], bdf[0], RS_VFIO_CDEV, why)) TH_LOG("%s", why);
	d[1].iommufd = dup(d[0].iommufd);
	d[1].ioas_id = d[0].ioas_id;
	ASSERT_EQ(0, rs_vfio_open(&d[1], bdf[1], RS_VFIO_CDEV, why)) TH_LOG("%s", why);
	mfd = open(MOCK_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, mfd);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, rs_vfio_cfg_update16(&d[i], PCI_COMMAND, 0, PCI_COMMAND_MEMORY, NULL,
						  NULL, why)) TH_LOG("%s", why);
		buf[i] = rs_vfio_export_dmabuf(&d[i], VFIO_PCI_BAR2_REGION_INDEX, &r, 1, why);
		ASSERT_LE(0, buf[i]) TH_LOG("%s", why);
		memset(&a[i], 0, sizeof(a[i]));
		a[i].dmabuf_fd = buf[i];
		a[i].behaviour = DMA_BUF_MOCK_SYNC;
		a[i].flags = DMA_BUF_MOCK_F_MAP;
		snprintf(a[i].dev_name, sizeof(a[i].dev_name), "%.31s", d[i].bdf);
		ASSERT_EQ(0, ioctl(mfd, DMA_BUF_MOCK_IOCTL_ATTACH, &a[i])) TH_LOG("%s", strerror(errno));
	}

	ASSERT_EQ(0, rs_vfio_hot_reset_check(&d[0], NULL, 0, why)) TH_LOG("%s", why);
	ASSERT_EQ(0, rs_vfio_hot_reset(&d[0], why)) TH_LOG("%s", why);
	for (i = 0; i < 2; i++) {
		struct dma_buf_mock_handle h = { .handle = a[i].handle };

		memset(&st, 0, sizeof(st));
		st.handle = a[i].handle;
		ASSERT_EQ(0, ioctl(mfd, DMA_BUF_MOCK_IOCTL_STATUS, &st));
		/* revoked, then un-revoked after the bus reset: both invalidate */
		EXPECT_EQ(2, st.invalidations) TH_LOG("%s: a hot reset through %s", bdf[i], bdf[0]);
		EXPECT_EQ(1, st.unmaps);
		EXPECT_EQ(0, st.mapped);
		/* live again: the bus reset restored PCI_COMMAND.MEMORY */
		EXPECT_EQ(0, ioctl(mfd, DMA_BUF_MOCK_IOCTL_MAP, &h)) TH_LOG("%s: %s", bdf[i],
									    strerror(errno));
	}
	close(mfd);
	for (i = 0; i < 2; i++) {
		close(buf[i]);
		rs_vfio_close(&d[i]);
		rs_vfio_destroy(&d[i]);
	}
}

#else /* !HAVE_MOCK */

TEST(mock_importer)
{
	SKIP(return, "built without <dma-buf-mock.h>: build the patched lab kernel "
		     "(vm/build-kernel.sh) and rebuild");
}

#endif /* HAVE_MOCK */

TEST_HARNESS_MAIN
