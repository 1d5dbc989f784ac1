// SPDX-License-Identifier: GPL-2.0
/* IOMMU faults of one PCI device: the IOMMU's fault interrupt count and its log lines. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rs_lib/iommu_fault.h"

int rs_proc_interrupts_count(const char *text, const char *name, uint64_t *n)
{
	const char *line = text;
	size_t nl = strlen(name);

	while (line && *line) {
		const char *end = strchr(line, '\n'), *p, *last;
		size_t len = end ? (size_t)(end - line) : strlen(line);

		/* the last word of the line */
		last = line + len;
		while (last > line && (last[-1] == ' ' || last[-1] == '\t' || last[-1] == '\r'))
			last--;
		p = last;
		while (p > line && p[-1] != ' ' && p[-1] != '\t')
			p--;
		if ((size_t)(last - p) == nl && !memcmp(p, name, nl)) {
			const char *c = memchr(line, ':', len);
			uint64_t sum = 0;
			char *e;

			if (!c)
				return -ENOENT;
			for (c++; c < line + len;) {
				unsigned long long v;

				while (c < line + len && (*c == ' ' || *c == '\t'))
					c++;
				if (c >= line + len || *c < '0' || *c > '9')
					break;
				v = strtoull(c, &e, 10);
				sum += v;
				c = e;
			}
			*n = sum;
			return 0;
		}
		line = end ? end + 1 : NULL;
	}
	return -ENOENT;
}

bool rs_iommu_fault_line(const char *msg, const char *bdf, unsigned int rid, uint64_t *addr)
{
	const char *p;
	char pat[64];

	/* intel-iommu: "[DMA Write NO_PASID] Request device [0000:00:05.0] fault addr 0x..." */
	snprintf(pat, sizeof(pat), "Request device [%s] fault addr ", bdf);
	p = strstr(msg, pat);
	if (p && strstr(msg, "[DMA ")) {
		*addr = strtoull(p + strlen(pat), NULL, 16);
		return true;
	}
	/* virtio-iommu: "... fault from EP 40 at 0x1000000 [...]" */
	snprintf(pat, sizeof(pat), "fault from EP %u at ", rid);
	p = strstr(msg, pat);
	if (p) {
		*addr = strtoull(p + strlen(pat), NULL, 16);
		return true;
	}
	return false;
}

static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t used = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (used + 1 < len && (n = read(fd, buf + used, len - 1 - used)) > 0)
		used += (size_t)n;
	close(fd);
	buf[used] = '\0';
	return 0;
}

int rs_iommu_faults_open(struct rs_iommu_faults *f, const char *bdf, char *why)
{
	char path[160], link[256], *base, *v;
	unsigned int dom, bus, dev, fn;
	ssize_t n;

	memset(f, 0, sizeof(*f));
	f->kmsg = -1;
	snprintf(f->bdf, sizeof(f->bdf), "%s", bdf);
	if (sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
		return rs_why(why, -EINVAL, "'%s' is not a PCI name", bdf);
	f->rid = bus << 8 | dev << 3 | fn;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return rs_why(why, -ENODEV, "%s has no IOMMU (%s: %s): its DMA is not translated, "
			      "so a revoke cannot stop it", bdf, path, strerror(errno));
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (!strncmp(base, "dmar", 4)) {
		snprintf(f->iommu, sizeof(f->iommu), "intel-iommu %.40s", base);
		snprintf(f->irq, sizeof(f->irq), "%.40s", base);
	} else if ((v = strstr(link, "/virtio")) && v[7] >= '0' && v[7] <= '9') {
		char name[32];
		size_t k = 0;

		for (v++; *v && *v != '/' && k + 1 < sizeof(name); v++)
			name[k++] = *v;
		name[k] = '\0';
		snprintf(f->iommu, sizeof(f->iommu), "virtio-iommu %s", name);
		/*
		 * virtio_pci names its interrupts "<dev>-<vq>" with a vector per queue,
		 * "<dev>-virtqueues" with one for all queues, "<dev>" on INTx (as QEMU's
		 * virtio-iommu-pci, whose MSIs it cannot translate yet, has it).  Only the
		 * event queue interrupts: the request queue is polled.
		 */
		snprintf(f->irq, sizeof(f->irq), "%s-event", name);
		if (rs_iommu_faults_irqs(f, &(uint64_t){ 0 }))
			snprintf(f->irq, sizeof(f->irq), "%s-virtqueues", name);
		if (rs_iommu_faults_irqs(f, &(uint64_t){ 0 }))
			snprintf(f->irq, sizeof(f->irq), "%s", name);
	} else {
		return rs_why(why, -EOPNOTSUPP, "%s: IOMMU %s: revokestorm counts the faults of "
			      "intel-iommu and virtio-iommu only", bdf, link);
	}
	if (rs_iommu_faults_irqs(f, &(uint64_t){ 0 }))
		return rs_why(why, -EOPNOTSUPP, "%s: %s: no interrupt '%s' in /proc/interrupts",
			      bdf, f->iommu, f->irq);
	f->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (f->kmsg >= 0)
		lseek(f->kmsg, 0, SEEK_END);
	return 0;
}

void rs_iommu_faults_close(struct rs_iommu_faults *f)
{
	rs_close_fd(&f->kmsg);
}

int rs_iommu_faults_irqs(struct rs_iommu_faults *f, uint64_t *n)
{
	static __thread char buf[64 << 10];
	int ret = read_text("/proc/interrupts", buf, sizeof(buf));

	return ret ? ret : rs_proc_interrupts_count(buf, f->irq, n);
}

int rs_iommu_faults_wait(struct rs_iommu_faults *f, uint64_t before, uint64_t timeout_ns,
			 uint64_t *now)
{
	struct timespec t0, t;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		ret = rs_iommu_faults_irqs(f, now);
		if (ret)
			return ret;
		if (*now > before)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((uint64_t)(t.tv_sec - t0.tv_sec) * 1000000000ULL + (uint64_t)t.tv_nsec -
		    (uint64_t)t0.tv_nsec > timeout_ns)
			return 0;
		usleep(1000);
	}
}

int rs_iommu_faults_kmsg(struct rs_iommu_faults *f, uint64_t iova, uint64_t len, char *line,
			 size_t n)
{
	uint64_t first = iova & ~0xfffULL, last = (iova + (len ? len - 1 : 0)) | 0xfffULL;
	char rec[2048];
	int hits = 0;

	if (f->kmsg < 0)
		return 0;
	for (;;) {
		ssize_t r = read(f->kmsg, rec, sizeof(rec) - 1);
		uint64_t addr;
		char *msg, *nl;

		if (r < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on with the next */
		if (r <= 0)
			break;
		rec[r] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = '\0';
		if (rs_iommu_fault_line(msg, f->bdf, f->rid, &addr) && addr >= first &&
		    addr <= last) {
			hits++;
			if (line && n)
				snprintf(line, n, "%s", msg);
		}
	}
	return hits;
}
