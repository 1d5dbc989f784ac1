/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the lab VM tests (header only, static functions):
 *  - lab_dev(): a lab device from the environment (RS_IVSHMEM0, ...), only inside the
 *    VM and only if the device exists;
 *  - a private tracefs instance with the iommu:map / iommu:unmap events filtered to one
 *    IOVA range, to see from userspace whether an iommufd area is really in (or was
 *    really removed from) the IOMMU page tables;
 *  - raw IOMMU_IOAS_MAP_FILE that returns -errno without any policy;
 *  - lab_kernel_has_fix(): whether the kernel carries a fix of kernel-patches/fixes/.
 */
#ifndef RS_TESTS_VM_LAB_UTIL_H
#define RS_TESTS_VM_LAB_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/iommufd.h>

/* The PCI name in env var `name`, if we run in the lab VM and the device exists. */
static inline const char *lab_dev(const char *name, char *why, size_t len)
{
	const char *v = getenv(name);
	char path[128];

	if (!getenv("RS_VM")) {
		snprintf(why, len, "not in the lab VM (no RS_VM; run it with vm/run-vm.sh)");
		return NULL;
	}
	if (!v || !*v) {
		snprintf(why, len, "no %s in the environment", name);
		return NULL;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", v);
	if (access(path, F_OK)) {
		snprintf(why, len, "%s=%s: no such PCI device", name, v);
		return NULL;
	}
	return v;
}

/*
 * Whether the lab kernel carries the fix whose subject is `slug` (lower case, runs of
 * other characters as '-'), as its artifact says: vm/build-kernel.sh lists the fixes it
 * applied, vm/run-vm.sh exports them as RS_KERNEL_FIXES.  A finding's test expects the
 * bug or the fixed behaviour from this, never from the behaviour itself.  1 carries
 * it, 0 does not, -1 unknown (why says why: not the lab, or an artifact without a list).
 */
static inline int lab_kernel_has_fix(const char *slug, char *why, size_t len)
{
	const char *fixes = getenv("RS_KERNEL_FIXES"), *p;
	size_t n = strlen(slug);

	if (!getenv("RS_VM")) {
		snprintf(why, len, "not in the lab VM: which fixes the kernel carries is unknown");
		return -1;
	}
	if (!fixes) {
		snprintf(why, len, "the kernel artifact lists no fixes (built before the list "
			 "existed?): rebuild it with vm/build-kernel.sh");
		return -1;
	}
	for (p = fixes; (p = strstr(p, slug)); p += n)
		if ((p == fixes || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
	return 0;
}

static inline int lab_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

/* IOMMU_IOAS_MAP_FILE, read+write; *iova in (fixed) and out.  0 or -errno. */
static inline int lab_map_file(int iommufd, uint32_t ioas, int fd, uint64_t start,
			       uint64_t length, uint64_t *iova, bool fixed)
{
	struct iommu_ioas_map_file mf = {
		.size = sizeof(mf),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE |
			 (fixed ? IOMMU_IOAS_MAP_FIXED_IOVA : 0),
		.ioas_id = ioas,
		.fd = fd,
		.start = start,
		.length = length,
		.iova = fixed ? *iova : 0,
	};

	if (ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &mf))
		return -errno;
	*iova = mf.iova;
	return 0;
}

static inline int lab_unmap(int iommufd, uint32_t ioas, uint64_t iova, uint64_t length,
			    uint64_t *unmapped)
{
	struct iommu_ioas_unmap um = {
		.size = sizeof(um), .ioas_id = ioas, .iova = iova, .length = length,
	};

	if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &um))
		return -errno;
	if (unmapped)
		*unmapped = um.length;
	return 0;
}

/* ------------------------------------------------------------ iommu trace events */

struct lab_trace {
	char dir[128];		/* tracefs instance; "" when tracing is unavailable */
};

static inline void lab_trace_close(struct lab_trace *t)
{
	char p[192];

	if (!t->dir[0])
		return;
	snprintf(p, sizeof(p), "%s/events/iommu/enable", t->dir);
	lab_write(p, "0");
	rmdir(t->dir);
	t->dir[0] = '\0';
}

/* A private instance with iommu:map and iommu:unmap on; false (why) if unavailable. */
static inline bool lab_trace_open(struct lab_trace *t, const char *tag, char *why, size_t len)
{
	const char *base = "/sys/kernel/tracing/instances";
	char p[192];

	snprintf(t->dir, sizeof(t->dir), "%s/rs_%s_%d", base, tag, (int)getpid());
	if (mkdir(t->dir, 0700) && errno != EEXIST) {
		snprintf(why, len, "no tracefs instance %s: %s", t->dir, strerror(errno));
		t->dir[0] = '\0';
		return false;
	}
	snprintf(p, sizeof(p), "%s/events/iommu/map/enable", t->dir);
	if (lab_write(p, "1")) {
		snprintf(why, len, "no iommu:map event in %s", t->dir);
		lab_trace_close(t);
		return false;
	}
	snprintf(p, sizeof(p), "%s/events/iommu/unmap/enable", t->dir);
	if (lab_write(p, "1")) {
		snprintf(why, len, "no iommu:unmap event in %s", t->dir);
		lab_trace_close(t);
		return false;
	}
	return true;
}

/* Only events that start inside [iova, iova + length); clears the buffer. */
static inline void lab_trace_watch(struct lab_trace *t, uint64_t iova, uint64_t length)
{
	char p[192], f[128];

	if (!t->dir[0])
		return;
	snprintf(f, sizeof(f), "iova >= 0x%llx && iova < 0x%llx", (unsigned long long)iova,
		 (unsigned long long)(iova + length));
	snprintf(p, sizeof(p), "%s/events/iommu/map/filter", t->dir);
	lab_write(p, f);
	snprintf(p, sizeof(p), "%s/events/iommu/unmap/filter", t->dir);
	lab_write(p, f);
	snprintf(p, sizeof(p), "%s/trace", t->dir);
	lab_write(p, "");
}

/*
 * Bytes mapped (iommu:map size) and unmapped (iommu:unmap unmapped_size) in the watched
 * range since the last lab_trace_watch()/lab_trace_take(); clears the buffer.  -1 each
 * if tracing is unavailable.
 */
static inline void lab_trace_take(struct lab_trace *t, long long *mapped, long long *unmapped)
{
	char p[192], line[512];
	FILE *f;

	*mapped = *unmapped = -1;
	if (!t->dir[0])
		return;
	snprintf(p, sizeof(p), "%s/trace", t->dir);
	f = fopen(p, "re");
	if (!f)
		return;
	*mapped = *unmapped = 0;
	while (fgets(line, sizeof(line), f)) {
		char *s;

		if (line[0] == '#')
			continue;
		if ((s = strstr(line, " unmap: ")) && (s = strstr(s, "unmapped_size=")))
			*unmapped += strtoll(s + strlen("unmapped_size="), NULL, 0);
		else if ((s = strstr(line, " map: ")) && (s = strstr(s, " size=")))
			*mapped += strtoll(s + strlen(" size="), NULL, 0);
	}
	fclose(f);
	lab_write(p, "");
}

#endif /* RS_TESTS_VM_LAB_UTIL_H */
