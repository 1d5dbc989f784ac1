// SPDX-License-Identifier: GPL-2.0
/*
 * The baseline for bench/run.sh: the smallest C program that does, per cycle, exactly
 * what a revokestorm pci-command cycle with one iommufd importer does:
 *
 *   clear PCI_COMMAND.MEMORY (revoke), check a new IOMMU_IOAS_MAP_FILE fails with ENODEV,
 *   set PCI_COMMAND.MEMORY (restore), IOMMU_IOAS_UNMAP + IOMMU_IOAS_MAP_FILE (re-map:
 *   iommufd's revoke is permanent for a mapping).
 *
 * usage: revoke_loop PCI_NAME BAR SECONDS   prints "revoke_loop: N cycles in S s: R/s"
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#define CHECK(x) do { if ((x) < 0) { fprintf(stderr, "revoke_loop: %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int open_cdev(const char *bdf)
{
	char path[320];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "revoke_loop: %s: no vfio-dev (bound to vfio-pci?)\n", bdf);
		exit(4);
	}
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "vfio", 4))
			break;
	if (!de)
		exit(4);
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", de->d_name);
	closedir(d);
	return open(path, O_RDWR | O_CLOEXEC);
}

int main(int argc, char **argv)
{
	char buf[sizeof(struct vfio_device_feature) + sizeof(struct vfio_device_feature_dma_buf) +
		 sizeof(struct vfio_region_dma_range)] = { 0 };
	struct vfio_device_feature *f = (void *)buf;
	struct vfio_device_feature_dma_buf *db = (void *)f->data;
	struct iommu_ioas_alloc aa = { .size = sizeof(aa) };
	struct vfio_region_info ri = { .argsz = sizeof(ri) }, ci = { .argsz = sizeof(ci) };
	struct iommu_ioas_map_file mf;
	struct iommu_ioas_unmap um;
	unsigned long long cycles = 0;
	unsigned short cmd, off, on;
	double secs, t0, t;
	int ifd, dfd, dmafd;

	if (argc != 4) {
		fprintf(stderr, "usage: revoke_loop PCI_NAME BAR SECONDS\n");
		return 2;
	}
	secs = atof(argv[3]);
	CHECK(ifd = open("/dev/iommu", O_RDWR | O_CLOEXEC));
	CHECK(ioctl(ifd, IOMMU_IOAS_ALLOC, &aa));
	CHECK(dfd = open_cdev(argv[1]));
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b), .iommufd = ifd };
	CHECK(ioctl(dfd, VFIO_DEVICE_BIND_IOMMUFD, &b));
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = aa.out_ioas_id };
	CHECK(ioctl(dfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at));
	ri.index = atoi(argv[2]);
	CHECK(ioctl(dfd, VFIO_DEVICE_GET_REGION_INFO, &ri));
	ci.index = VFIO_PCI_CONFIG_REGION_INDEX;
	CHECK(ioctl(dfd, VFIO_DEVICE_GET_REGION_INFO, &ci));
	f->argsz = sizeof(buf);
	f->flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF;
	db->region_index = ri.index;
	db->open_flags = O_RDWR | O_CLOEXEC;
	db->nr_ranges = 1;
	db->dma_ranges[0].length = ri.size;
	CHECK(dmafd = ioctl(dfd, VFIO_DEVICE_FEATURE, f));
	mf = (struct iommu_ioas_map_file){
		.size = sizeof(mf), .ioas_id = aa.out_ioas_id, .fd = dmafd, .length = ri.size,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		.iova = 1ULL << 32,
	};
	CHECK(ioctl(ifd, IOMMU_IOAS_MAP_FILE, &mf));
	um = (struct iommu_ioas_unmap){ .size = sizeof(um), .ioas_id = aa.out_ioas_id,
					.iova = mf.iova, .length = mf.length };
	CHECK(pread(dfd, &cmd, 2, ci.offset + PCI_COMMAND));
	off = cmd & ~PCI_COMMAND_MEMORY;
	on = cmd | PCI_COMMAND_MEMORY;

	t0 = now_s();
	do {
		struct iommu_ioas_map_file probe = mf;

		CHECK(pwrite(dfd, &off, 2, ci.offset + PCI_COMMAND));
		probe.iova = 1ULL << 33;
		if (ioctl(ifd, IOMMU_IOAS_MAP_FILE, &probe) == 0 || errno != ENODEV) {
			fprintf(stderr, "revoke_loop: map while revoked did not fail with ENODEV\n");
			return 1;
		}
		CHECK(pwrite(dfd, &on, 2, ci.offset + PCI_COMMAND));
		CHECK(ioctl(ifd, IOMMU_IOAS_UNMAP, &um));
		CHECK(ioctl(ifd, IOMMU_IOAS_MAP_FILE, &mf));
		cycles++;
		t = now_s();
	} while (t - t0 < secs);
	printf("revoke_loop: %llu cycles in %.3f s: %.1f/s\n", cycles, t - t0, cycles / (t - t0));
	return 0;
}
