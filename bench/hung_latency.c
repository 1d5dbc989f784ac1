// SPDX-License-Identifier: GPL-2.0
/*
 * Detection latency of the patch set's hung importer report (issue 8): how long after the
 * period a stuck importer is reported, measured from the trace.
 *
 * Per round: the mock importer (kernel-patches/0008) maps a VFIO dma-buf of the device
 * (BAR2, 64 KiB) with behaviour "stuck"; a thread clears PCI_COMMAND.MEMORY (the revoke
 * waits for the mapping); the main thread waits for dma_buf:dma_buf_unmap_wait_hung in a
 * private tracefs instance (global clock: comparable across CPUs), releases the attachment
 * and restores.  The latency is the hung event's timestamp minus that of
 * vfio_pci:vfio_pci_dmabuf_fence_wait (emitted just before the unmap wait begins) minus the
 * period.
 *
 * usage: hung_latency PCI_NAME PERIOD_MS ROUNDS
 * prints one "hung_latency: round N: ..." line per round and a summary; never a verdict.
 */
#include <dirent.h>
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
#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#if defined(__has_include)
#if __has_include(<dma-buf-mock.h>)
#include <dma-buf-mock.h>
#define HAVE_MOCK 1
#endif
#endif

#ifdef HAVE_MOCK
#define TR	"/sys/kernel/tracing/instances/rs_hung_latency"
#define HUNG	"/sys/module/dma_buf/parameters/hung_importer_ms"
#define DIE(...) do { fprintf(stderr, "hung_latency: " __VA_ARGS__); exit(1); } while (0)

static int dfd;
static off_t cfg;

static void put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		DIE("write %s: %s\n", path, strerror(errno));
	close(fd);
}

static char *slurp(const char *path)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY);
	ssize_t n, len = 0;

	if (fd < 0)
		DIE("open %s: %s\n", path, strerror(errno));
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* Timestamp (s) of the first line with ": event:" and ino=..., or -1. */
static double event_ts(const char *text, const char *event, const char *ino)
{
	char key[96];
	const char *p = text;

	snprintf(key, sizeof(key), ": %s: ", event);
	while ((p = strstr(p, key))) {
		const char *bol = p, *eol = strchr(p, '\n');

		while (bol > text && bol[-1] != '\n')
			bol--;
		if (!eol)
			eol = p + strlen(p);
		if (memmem(p, eol - p, ino, strlen(ino))) {
			const char *t = p;

			while (t > bol && t[-1] != ' ')
				t--;
			return strtod(t, NULL);
		}
		p = eol;
	}
	return -1;
}

static void set_memory(int on)
{
	unsigned short cmd;

	if (pread(dfd, &cmd, 2, cfg + PCI_COMMAND) != 2)
		DIE("config read: %s\n", strerror(errno));
	cmd = on ? cmd | PCI_COMMAND_MEMORY : cmd & ~PCI_COMMAND_MEMORY;
	if (pwrite(dfd, &cmd, 2, cfg + PCI_COMMAND) != 2)
		DIE("config write: %s\n", strerror(errno));
}

static void *revoke_fn(void *arg)
{
	set_memory(0);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	char buf[sizeof(struct vfio_device_feature) + sizeof(struct vfio_device_feature_dma_buf) +
		 sizeof(struct vfio_region_dma_range)] = { 0 };
	struct vfio_device_feature *f = (void *)buf;
	struct vfio_device_feature_dma_buf *db = (void *)f->data;
	struct vfio_region_info ci = { .argsz = sizeof(ci), .index = VFIO_PCI_CONFIG_REGION_INDEX };
	struct iommu_ioas_alloc aa = { .size = sizeof(aa) };
	char path[320], saved[32], ino[40], period_s[16];
	int ifd, mfd, dmafd, rounds, period, r, n;
	double *lat;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (argc != 4) {
		fprintf(stderr, "usage: hung_latency PCI_NAME PERIOD_MS ROUNDS\n");
		return 2;
	}
	period = atoi(argv[2]);
	rounds = atoi(argv[3]);
	lat = calloc(rounds, sizeof(*lat));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", argv[1]);
	d = opendir(path);
	if (!d)
		DIE("%s: no vfio-dev\n", argv[1]);
	while ((de = readdir(d)) && strncmp(de->d_name, "vfio", 4))
		;
	if (!de)
		DIE("%s: no vfio cdev\n", argv[1]);
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", de->d_name);
	closedir(d);
	ifd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	dfd = open(path, O_RDWR | O_CLOEXEC);
	if (ifd < 0 || dfd < 0 || ioctl(ifd, IOMMU_IOAS_ALLOC, &aa))
		DIE("open %s or /dev/iommu: %s\n", path, strerror(errno));
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b), .iommufd = ifd };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = aa.out_ioas_id };

	if (ioctl(dfd, VFIO_DEVICE_BIND_IOMMUFD, &b) ||
	    ioctl(dfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) ||
	    ioctl(dfd, VFIO_DEVICE_GET_REGION_INFO, &ci))
		DIE("bind/attach %s: %s\n", argv[1], strerror(errno));
	cfg = ci.offset;
	set_memory(1);
	f->argsz = sizeof(buf);
	f->flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF;
	db->region_index = VFIO_PCI_BAR2_REGION_INDEX;
	db->open_flags = O_RDWR | O_CLOEXEC;
	db->nr_ranges = 1;
	db->dma_ranges[0].length = 65536;
	dmafd = ioctl(dfd, VFIO_DEVICE_FEATURE, f);
	if (dmafd < 0 || fstat(dmafd, &st))
		DIE("export: %s\n", strerror(errno));
	snprintf(ino, sizeof(ino), " ino=%lu ", (unsigned long)st.st_ino);
	mfd = open("/sys/kernel/debug/" DMA_BUF_MOCK_DEBUGFS_FILE, O_RDWR | O_CLOEXEC);
	if (mfd < 0)
		DIE("no mock importer: %s\n", strerror(errno));

	snprintf(saved, sizeof(saved), "%s", slurp(HUNG));
	snprintf(period_s, sizeof(period_s), "%d", period);
	put(HUNG, period_s);
	rmdir(TR);
	if (mkdir(TR, 0700))
		DIE("mkdir %s: %s\n", TR, strerror(errno));
	put(TR "/trace_clock", "global");
	put(TR "/events/dma_buf/dma_buf_unmap_wait_hung/enable", "1");
	put(TR "/events/vfio_pci/vfio_pci_dmabuf_fence_wait/enable", "1");

	for (r = 0; r < rounds; r++) {
		struct dma_buf_mock_attach a = {
			.dmabuf_fd = dmafd, .behaviour = DMA_BUF_MOCK_STUCK,
			.flags = DMA_BUF_MOCK_F_MAP,
		};
		struct dma_buf_mock_handle h = { 0 };
		double t_wait = -1, t_hung = -1;
		pthread_t thr;
		int i;

		snprintf(a.dev_name, sizeof(a.dev_name), "%s", argv[1]);
		put(TR "/trace", "");
		if (ioctl(mfd, DMA_BUF_MOCK_IOCTL_ATTACH, &a))
			DIE("mock attach: %s\n", strerror(errno));
		pthread_create(&thr, NULL, revoke_fn, NULL);
		for (i = 0; i < 3000 && t_hung < 0; i++) {	/* 30 s at most */
			usleep(10000);
			char *t = slurp(TR "/trace");

			t_wait = event_ts(t, "vfio_pci_dmabuf_fence_wait", ino);
			t_hung = event_ts(t, "dma_buf_unmap_wait_hung", ino);
		}
		h.handle = a.handle;
		ioctl(mfd, DMA_BUF_MOCK_IOCTL_RELEASE, &h);
		pthread_join(thr, NULL);
		set_memory(1);
		if (t_wait < 0 || t_hung < 0)
			DIE("round %d: no hung report within 30 s\n", r + 1);
		lat[r] = (t_hung - t_wait) * 1000 - period;
		printf("hung_latency: round %d: reported %.3f ms after the unmap wait began: %.3f ms after the %d ms period\n",
		       r + 1, (t_hung - t_wait) * 1000, lat[r], period);
	}
	put(TR "/tracing_on", "0");
	rmdir(TR);
	put(HUNG, saved);
	n = rounds;
	qsort(lat, n, sizeof(*lat), cmp);
	printf("hung_latency: period %d ms, %d rounds: latency after the period median %.3f ms, min %.3f ms, max %.3f ms\n",
	       period, n, lat[n / 2], lat[0], lat[n - 1]);
	return 0;
}
#else
int main(void)
{
	fprintf(stderr, "hung_latency: built without <dma-buf-mock.h> (the patched lab kernel's headers/test)\n");
	return 4;
}
#endif
