// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO PCI device access: cdev + iommufd or group + container, config space through the
 * config region, dma-buf export, reset, hot reset, low power.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "rs_lib/hint.h"
#include "rs_lib/vfio.h"

#ifndef PCI_SLOT
#define PCI_SLOT(devfn)		(((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)		((devfn) & 0x07)
#endif

void rs_vfio_init(struct rs_vfio_dev *d)
{
	memset(d, 0, sizeof(*d));
	d->fd = d->iommufd = d->group_fd = d->container_fd = -1;
	d->group = -1;
	atomic_store(&d->cmd_cache, -1);
	pthread_rwlock_init(&d->lock, NULL);
	pthread_mutex_init(&d->cfg_lock, NULL);
}

void rs_vfio_destroy(struct rs_vfio_dev *d)
{
	rs_vfio_close(d);
	pthread_rwlock_destroy(&d->lock);
	pthread_mutex_destroy(&d->cfg_lock);
}

static int check_driver(const char *bdf, char *why)
{
	char drv[64];
	int ret = rs_pci_driver(bdf, drv, sizeof(drv));

	if (ret == -ENODEV)
		return rs_why(why, -ENODEV, "no PCI device %s (/sys/bus/pci/devices/%s)", bdf, bdf);
	if (ret == -ENOENT)
		return rs_why(why, -ENODEV, "device %s is bound to no driver, not vfio-pci: "
			      "bind it with %s", bdf, rs_pci_bind_hint(bdf));
	if (ret)
		return rs_why(why, ret, "device %s: cannot read its driver: %s", bdf,
			      strerror(-ret));
	if (strcmp(drv, "vfio-pci"))
		return rs_why(why, -EBUSY, "device %s is bound to %s, not vfio-pci: bind it with "
			      "echo %s > /sys/bus/pci/devices/%s/driver/unbind; %s",
			      bdf, drv, bdf, bdf, rs_pci_bind_hint(bdf));
	return 0;
}

static int open_cdev(struct rs_vfio_dev *d, char *why)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct iommu_ioas_alloc aa = { .size = sizeof(aa) };
	int ret;

	if (d->iommufd < 0) {
		d->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
		if (d->iommufd < 0)
			return rs_why(why, -errno, "%s: open /dev/iommu: %s%s", d->bdf,
				      strerror(errno), rs_errno_hint(RS_HINT_IOMMUFD_OPEN, errno));
		ret = rs_ioctl(d->iommufd, IOMMU_IOAS_ALLOC, &aa);
		if (ret < 0)
			return rs_why(why, ret, "%s: IOMMU_IOAS_ALLOC: %s", d->bdf, strerror(-ret));
		d->ioas_id = aa.out_ioas_id;
	}
	d->fd = open(d->path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		return rs_why(why, -errno, "%s: open %s: %s%s", d->bdf, d->path, strerror(errno),
			      rs_errno_hint(RS_HINT_OPEN, errno));
	bind.iommufd = d->iommufd;
	ret = rs_ioctl(d->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
	if (ret < 0)
		return rs_why(why, ret, "%s: VFIO_DEVICE_BIND_IOMMUFD on %s: %s%s", d->bdf, d->path,
			      strerror(-ret), rs_errno_hint(RS_HINT_VFIO_BIND, ret));
	d->devid = bind.out_devid;
	at.pt_id = d->ioas_id;
	ret = rs_ioctl(d->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
	if (ret < 0)
		return rs_why(why, ret, "%s: VFIO_DEVICE_ATTACH_IOMMUFD_PT: %s", d->bdf,
			      strerror(-ret));
	return 0;
}

static int open_group(struct rs_vfio_dev *d, char *why)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	int ret, type;

	if (d->group_fd < 0) {
		d->group = rs_pci_iommu_group(d->bdf);
		if (d->group < 0)
			return rs_why(why, -ENODEV, "%s is in no IOMMU group: boot with a (v)IOMMU "
				      "or vfio.enable_unsafe_noiommu_mode=1", d->bdf);
		snprintf(d->path, sizeof(d->path), "/dev/vfio/%d", d->group);
		d->group_fd = open(d->path, O_RDWR | O_CLOEXEC);
		if (d->group_fd < 0 && errno == ENOENT) {
			snprintf(d->path, sizeof(d->path), "/dev/vfio/noiommu-%d", d->group);
			d->group_fd = open(d->path, O_RDWR | O_CLOEXEC);
			d->noiommu = d->group_fd >= 0;
		}
		if (d->group_fd < 0)
			return rs_why(why, -errno, "%s: open group /dev/vfio/%d: %s%s", d->bdf,
				      d->group, strerror(errno),
				      rs_errno_hint(RS_HINT_VFIO_GROUP, errno));
		ret = rs_ioctl(d->group_fd, VFIO_GROUP_GET_STATUS, &st);
		if (ret < 0)
			return rs_why(why, ret, "%s: VFIO_GROUP_GET_STATUS: %s", d->bdf,
				      strerror(-ret));
		if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE))
			return rs_why(why, -EBUSY, "%s: group %d is not viable: bind every device "
				      "of /sys/kernel/iommu_groups/%d/devices to vfio-pci",
				      d->bdf, d->group, d->group);
		d->container_fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
		if (d->container_fd < 0)
			return rs_why(why, -errno, "%s: open /dev/vfio/vfio: %s "
				      "(CONFIG_VFIO_CONTAINER or CONFIG_IOMMUFD_VFIO_CONTAINER)",
				      d->bdf, strerror(errno));
		if (rs_ioctl(d->container_fd, VFIO_GET_API_VERSION, NULL) != VFIO_API_VERSION)
			return rs_why(why, -EINVAL, "%s: /dev/vfio/vfio: wrong VFIO API version",
				      d->bdf);
		type = d->noiommu ? VFIO_NOIOMMU_IOMMU : VFIO_TYPE1v2_IOMMU;
		if (rs_ioctl(d->container_fd, VFIO_CHECK_EXTENSION, (void *)(long)type) <= 0)
			return rs_why(why, -EOPNOTSUPP, "%s: the container has no %s IOMMU",
				      d->bdf, d->noiommu ? "no-IOMMU" : "type1v2");
		ret = rs_ioctl(d->group_fd, VFIO_GROUP_SET_CONTAINER, &d->container_fd);
		if (ret < 0)
			return rs_why(why, ret, "%s: VFIO_GROUP_SET_CONTAINER: %s", d->bdf,
				      strerror(-ret));
		ret = rs_ioctl(d->container_fd, VFIO_SET_IOMMU, (void *)(long)type);
		if (ret < 0)
			return rs_why(why, ret, "%s: VFIO_SET_IOMMU: %s", d->bdf, strerror(-ret));
	}
	ret = rs_ioctl(d->group_fd, VFIO_GROUP_GET_DEVICE_FD, d->bdf);
	if (ret < 0)
		return rs_why(why, ret, "%s: VFIO_GROUP_GET_DEVICE_FD: %s%s", d->bdf,
			      strerror(-ret), ret == -EBUSY ? " (already open, e.g. as a cdev)" : "");
	d->fd = ret;
	return 0;
}

static int open_device_fd(struct rs_vfio_dev *d, char *why)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri) };
	int ret;

	ret = d->mode == RS_VFIO_CDEV ? open_cdev(d, why) : open_group(d, why);
	if (ret)
		goto fail;
	d->info.argsz = sizeof(d->info);
	ret = rs_ioctl(d->fd, VFIO_DEVICE_GET_INFO, &d->info);
	if (ret < 0) {
		rs_why(why, ret, "%s: VFIO_DEVICE_GET_INFO: %s", d->bdf, strerror(-ret));
		goto fail;
	}
	if (!(d->info.flags & VFIO_DEVICE_FLAGS_PCI)) {
		ret = rs_why(why, -ENODEV, "%s: not a VFIO PCI device", d->bdf);
		goto fail;
	}
	ri.index = VFIO_PCI_CONFIG_REGION_INDEX;
	ret = rs_ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri);
	if (ret < 0) {
		rs_why(why, ret, "%s: config region info: %s", d->bdf, strerror(-ret));
		goto fail;
	}
	d->cfg_off = ri.offset;
	d->cfg_size = ri.size;
	ret = rs_vfio_read_caps(d, why);
	if (ret)
		goto fail;
	return 0;
fail:
	rs_close_fd(&d->fd);
	return ret;
}

int rs_vfio_open(struct rs_vfio_dev *d, const char *bdf, enum rs_vfio_mode mode, char *why)
{
	int ret;

	if (rs_pci_bdf_normalize(bdf, d->bdf, sizeof(d->bdf)))
		return rs_why(why, -EINVAL, "'%s' is not a PCI device name (like 0000:00:03.0)",
			      bdf);
	ret = check_driver(d->bdf, why);
	if (ret)
		return ret;
	if (mode == RS_VFIO_AUTO || mode == RS_VFIO_CDEV) {
		ret = rs_pci_vfio_cdev(d->bdf, d->path, sizeof(d->path));
		if (ret && mode == RS_VFIO_CDEV)
			return rs_why(why, -ENODEV, "%s has no VFIO cdev (no vfio-dev/ in sysfs: "
				      "CONFIG_VFIO_DEVICE_CDEV off, or a no-IOMMU group)", d->bdf);
		mode = ret ? RS_VFIO_GROUP : RS_VFIO_CDEV;
	}
	d->mode = mode;
	ret = open_device_fd(d, why);
	if (ret)
		rs_vfio_close(d);
	return ret;
}

/* Something else than our PCI_COMMAND writes may have changed the device's config space. */
static void rs_vfio_forget(struct rs_vfio_dev *d)
{
	atomic_store(&d->cmd_cache, -1);
}

/* Bumped by every hot reset: it may have reset devices other than the one it went through. */
static _Atomic uint32_t rs_hot_reset_epoch;

static void rs_cmd_cache_set(struct rs_vfio_dev *d, uint16_t v)
{
	atomic_store(&d->cmd_cache, (int64_t)atomic_load(&rs_hot_reset_epoch) << 16 | v);
}

/* The remembered PCI_COMMAND, or -1 when unknown or older than the last hot reset. */
static int rs_cmd_cache_get(struct rs_vfio_dev *d)
{
	int64_t c = atomic_load(&d->cmd_cache);

	if (c < 0 || (uint32_t)(c >> 16) != atomic_load(&rs_hot_reset_epoch))
		return -1;
	return (int)(c & 0xffff);
}

void rs_vfio_close_device(struct rs_vfio_dev *d)
{
	rs_vfio_forget(d);
	rs_close_fd(&d->fd);
}

void rs_vfio_close(struct rs_vfio_dev *d)
{
	rs_revoke_set_wake(&d->revoke, -1);
	rs_vfio_forget(d);
	rs_close_fd(&d->fd);
	rs_close_fd(&d->group_fd);
	rs_close_fd(&d->container_fd);
	rs_close_fd(&d->iommufd);
	d->ioas_id = d->devid = 0;
}

int rs_vfio_reopen_device(struct rs_vfio_dev *d, char *why)
{
	if (d->fd >= 0)
		return 0;
	rs_vfio_forget(d);
	return open_device_fd(d, why);
}

int rs_vfio_get(struct rs_vfio_dev *d, char *why)
{
	pthread_rwlock_rdlock(&d->lock);
	if (d->fd >= 0)
		return 0;
	pthread_rwlock_unlock(&d->lock);
	return rs_why(why, -ENODEV, "%s is closed (by a close trigger)", d->bdf);
}

void rs_vfio_put(struct rs_vfio_dev *d)
{
	pthread_rwlock_unlock(&d->lock);
}

int rs_vfio_cfg_update16(struct rs_vfio_dev *d, unsigned int off, uint16_t clear, uint16_t set,
			 uint16_t *old, uint16_t *new_val, char *why)
{
	int cached = off == PCI_COMMAND ? rs_cmd_cache_get(d) : -1;
	uint16_t v, n;
	int ret;

	pthread_mutex_lock(&d->cfg_lock);
	if (cached >= 0) {
		v = (uint16_t)cached;
	} else {
		ret = rs_vfio_cfg_read16(d, off, &v);
		if (ret) {
			rs_why(why, ret, "%s: config read at 0x%x: %s", d->bdf, off,
			       strerror(-ret));
			goto out;
		}
	}
	n = (uint16_t)((v & ~clear) | set);
	ret = rs_vfio_cfg_write(d, off, &n, 2);
	if (ret)
		rs_why(why, ret, "%s: config write 0x%04x at 0x%x: %s", d->bdf, n, off,
		       strerror(-ret));
	if (!ret && off == PCI_COMMAND)
		rs_cmd_cache_set(d, n);
	if (old)
		*old = v;
	if (new_val)
		*new_val = n;
out:
	pthread_mutex_unlock(&d->cfg_lock);
	return ret;
}

int rs_vfio_cfg_update8(struct rs_vfio_dev *d, unsigned int off, uint8_t clear, uint8_t set,
			char *why)
{
	uint8_t v, n;
	int ret;

	pthread_mutex_lock(&d->cfg_lock);
	ret = rs_vfio_cfg_read(d, off, &v, 1);
	if (ret) {
		rs_why(why, ret, "%s: config read at 0x%x: %s", d->bdf, off, strerror(-ret));
		goto out;
	}
	n = (uint8_t)((v & ~clear) | set);
	ret = rs_vfio_cfg_write(d, off, &n, 1);
	if (ret)
		rs_why(why, ret, "%s: config write 0x%02x at 0x%x: %s", d->bdf, n, off,
		       strerror(-ret));
out:
	pthread_mutex_unlock(&d->cfg_lock);
	return ret;
}

int rs_vfio_region_info(struct rs_vfio_dev *d, unsigned int index, struct vfio_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = sizeof(*ri);
	ri->index = index;
	return rs_ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, ri) < 0 ? -errno : 0;
}

static int bar_rw(struct rs_vfio_dev *d, unsigned int bar, uint64_t off, void *buf, size_t len,
		  bool write)
{
	struct vfio_region_info ri;
	ssize_t n;
	int ret;

	if (bar > VFIO_PCI_BAR5_REGION_INDEX)
		return -EINVAL;
	ret = rs_vfio_region_info(d, bar, &ri);
	if (ret)
		return ret;
	if (off > ri.size || len > ri.size - off)
		return -ERANGE;
	do {
		n = write ? pwrite(d->fd, buf, len, (off_t)(ri.offset + off)) :
			    pread(d->fd, buf, len, (off_t)(ri.offset + off));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int rs_vfio_bar_read(struct rs_vfio_dev *d, unsigned int bar, uint64_t off, void *buf,
		     size_t len)
{
	return bar_rw(d, bar, off, buf, len, false);
}

int rs_vfio_bar_write(struct rs_vfio_dev *d, unsigned int bar, uint64_t off, const void *buf,
		      size_t len)
{
	return bar_rw(d, bar, off, (void *)buf, len, true);
}

int rs_vfio_bar_mmap(struct rs_vfio_dev *d, unsigned int bar, void **addr, uint64_t *size,
		     char *why)
{
	struct vfio_region_info ri;
	void *p;
	int ret;

	ret = bar > VFIO_PCI_BAR5_REGION_INDEX ? -EINVAL : rs_vfio_region_info(d, bar, &ri);
	if (ret || !ri.size)
		return rs_why(why, ret ? ret : -ENODEV, "%s has no BAR%u", d->bdf, bar);
	if (!(ri.flags & VFIO_REGION_INFO_FLAG_MMAP))
		return rs_why(why, -EOPNOTSUPP, "%s: BAR%u cannot be mmapped through VFIO",
			      d->bdf, bar);
	p = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, (off_t)ri.offset);
	if (p == MAP_FAILED)
		return rs_why(why, -errno, "%s: mmap of BAR%u (%llu bytes): %s", d->bdf, bar,
			      (unsigned long long)ri.size, strerror(errno));
	*addr = p;
	*size = ri.size;
	return 0;
}

int rs_vfio_cfg_read(struct rs_vfio_dev *d, unsigned int off, void *buf, size_t len)
{
	ssize_t n;

	do {
		n = pread(d->fd, buf, len, (off_t)(d->cfg_off + off));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int rs_vfio_cfg_write(struct rs_vfio_dev *d, unsigned int off, const void *buf, size_t len)
{
	ssize_t n;

	rs_vfio_forget(d);
	do {
		n = pwrite(d->fd, buf, len, (off_t)(d->cfg_off + off));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int rs_vfio_cfg_read16(struct rs_vfio_dev *d, unsigned int off, uint16_t *v)
{
	int ret = rs_vfio_cfg_read(d, off, v, 2);

	if (!ret && off == PCI_COMMAND)
		rs_cmd_cache_set(d, *v);
	return ret;
}

int rs_vfio_cfg_write16(struct rs_vfio_dev *d, unsigned int off, uint16_t v)
{
	return rs_vfio_cfg_write(d, off, &v, 2);
}

int rs_vfio_call(struct rs_vfio_dev *d, int (*call)(struct rs_vfio_dev *d, void *arg, char *why),
		 void *arg, enum rs_revoke_state after, char *why)
{
	int ret = rs_vfio_get(d, why);

	if (ret)
		return ret;
	ret = call(d, arg, why);
	rs_vfio_put(d);
	if (!ret)
		rs_revoke_set(&d->revoke, after);
	return ret;
}

int rs_vfio_command(struct rs_vfio_dev *d, uint16_t *cmd, char *why)
{
	int ret = rs_vfio_get(d, why);

	if (ret)
		return ret;
	ret = rs_vfio_cfg_read16(d, PCI_COMMAND, cmd);
	rs_vfio_put(d);
	if (ret)
		return rs_why(why, ret, "%s: reading PCI_COMMAND: %s", d->bdf, strerror(-ret));
	return 0;
}

int rs_vfio_memory_back(struct rs_vfio_dev *d, const char *after, char *why)
{
	uint16_t cmd;
	int ret = rs_vfio_command(d, &cmd, why);

	if (ret)
		return ret;
	if (!(cmd & PCI_COMMAND_MEMORY))
		return rs_why(why, -EIO, "%s: PCI_COMMAND.MEMORY clear after %s (0x%04x)", d->bdf,
			      after, cmd);
	rs_revoke_set(&d->revoke, RS_LIVE);
	return 0;
}

int rs_vfio_read_caps(struct rs_vfio_dev *d, char *why)
{
	size_t len = d->cfg_size < sizeof(d->cfg) ? d->cfg_size : sizeof(d->cfg);
	int ret;

	if (len < PCI_STD_HEADER_SIZEOF)
		return rs_why(why, -EIO, "%s: config region of %llu bytes", d->bdf,
			      (unsigned long long)d->cfg_size);
	ret = rs_vfio_cfg_read(d, 0, d->cfg, len);
	if (ret)
		return rs_why(why, ret, "%s: reading config space: %s", d->bdf, strerror(-ret));
	rs_pci_walk_caps(d->cfg, len, &d->caps);
	return 0;
}

int rs_vfio_pick_bar(struct rs_vfio_dev *d, uint64_t *size)
{
	uint64_t best = 0, start, sz, flags;
	int bar, found = -ENOENT;

	for (bar = VFIO_PCI_BAR0_REGION_INDEX; bar <= VFIO_PCI_BAR5_REGION_INDEX; bar++) {
		struct vfio_region_info ri;

		if (rs_vfio_region_info(d, bar, &ri) || !ri.size)
			continue;
		/* I/O BARs cannot be exported (no p2pdma provider) */
		if (!rs_pci_bar(d->bdf, bar, &start, &sz, &flags) && !(flags & RS_IORESOURCE_MEM))
			continue;
		if (ri.size > best && ri.size >= (uint64_t)sysconf(_SC_PAGESIZE)) {
			best = ri.size;
			found = bar;
		}
	}
	if (found >= 0 && size)
		*size = best;
	return found;
}

int rs_vfio_feature_probe(struct rs_vfio_dev *d, uint32_t feature, uint32_t getset)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_PROBE | getset | feature,
	};

	return rs_ioctl(d->fd, VFIO_DEVICE_FEATURE, &f) < 0 ? -errno : 0;
}

int rs_vfio_feature(struct rs_vfio_dev *d, uint32_t flags, const void *data, size_t len)
{
	size_t sz = sizeof(struct vfio_device_feature) + len;
	struct vfio_device_feature *f = calloc(1, sz);
	int ret;

	if (!f)
		return -ENOMEM;
	f->argsz = (uint32_t)sz;
	f->flags = flags;
	if (len)
		memcpy(f->data, data, len);
	if (flags & VFIO_DEVICE_FEATURE_SET)
		rs_vfio_forget(d);
	ret = rs_ioctl(d->fd, VFIO_DEVICE_FEATURE, f);
	free(f);
	return ret;
}

int rs_vfio_export_dmabuf(struct rs_vfio_dev *d, unsigned int region,
			  const struct rs_vfio_range *r, unsigned int nr, char *why)
{
	size_t len = sizeof(struct vfio_device_feature_dma_buf) +
		     nr * sizeof(struct vfio_region_dma_range);
	struct vfio_device_feature_dma_buf *db = calloc(1, len);
	unsigned int i;
	int ret;

	if (!db)
		return -ENOMEM;
	db->region_index = region;
	db->open_flags = O_RDWR | O_CLOEXEC;
	db->nr_ranges = nr;
	for (i = 0; i < nr; i++) {
		db->dma_ranges[i].offset = r[i].offset;
		db->dma_ranges[i].length = r[i].length;
	}
	ret = rs_vfio_feature(d, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF, db, len);
	free(db);
	if (ret < 0)
		return rs_why(why, ret, "%s: dma-buf export of BAR%u (%u ranges): %s%s", d->bdf,
			      region, nr, strerror(-ret), rs_errno_hint(RS_HINT_VFIO_EXPORT, ret));
	return ret;
}

int rs_vfio_reset(struct rs_vfio_dev *d, char *why)
{
	int ret;

	if (!(d->info.flags & VFIO_DEVICE_FLAGS_RESET))
		return rs_why(why, -EINVAL, "%s has no reset method (VFIO_DEVICE_GET_INFO has no "
			      "VFIO_DEVICE_FLAGS_RESET)", d->bdf);
	rs_vfio_forget(d);
	ret = rs_ioctl(d->fd, VFIO_DEVICE_RESET, NULL);
	if (ret < 0)
		return rs_why(why, ret, "%s: VFIO_DEVICE_RESET: %s", d->bdf, strerror(-ret));
	return 0;
}

static int hot_reset_info(struct rs_vfio_dev *d, struct vfio_pci_hot_reset_info **out, char *why)
{
	struct vfio_pci_hot_reset_info *info = NULL;
	uint32_t count = 4;
	int ret, tries;

	for (tries = 0; tries < 4; tries++) {
		size_t sz = sizeof(*info) + count * sizeof(info->devices[0]);

		info = calloc(1, sz);
		if (!info)
			return -ENOMEM;
		info->argsz = (uint32_t)sz;
		ret = rs_ioctl(d->fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info);
		if (ret == -ENOSPC && info->count > count) {
			count = info->count;
			free(info);
			continue;
		}
		if (ret < 0) {
			free(info);
			return rs_why(why, ret, "%s: VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: %s%s",
				      d->bdf, strerror(-ret), rs_errno_hint(RS_HINT_HOT_RESET, ret));
		}
		*out = info;
		return 0;
	}
	return rs_why(why, -ENOSPC, "%s: hot reset info keeps growing", d->bdf);
}

int rs_vfio_hot_reset_check(struct rs_vfio_dev *d, char *others, size_t len, char *why)
{
	struct vfio_pci_hot_reset_info *info = NULL;
	uint32_t i;
	int ret = hot_reset_info(d, &info, why);

	if (others && len)
		others[0] = '\0';
	if (ret)
		return ret;
	for (i = 0; i < info->count; i++) {
		struct vfio_pci_dependent_device *dd = &info->devices[i];

		if (info->flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID) {
			if (dd->devid != (uint32_t)VFIO_PCI_DEVID_NOT_OWNED &&
			    dd->devid != (uint32_t)VFIO_PCI_DEVID_OWNED && dd->devid != d->devid &&
			    others && len) {
				size_t n = strlen(others);

				snprintf(others + n, len - n, "%s%04x:%02x:%02x.%x", n ? " " : "",
					 dd->segment, dd->bus, PCI_SLOT(dd->devfn), PCI_FUNC(dd->devfn));
			}
			if (dd->devid == (uint32_t)VFIO_PCI_DEVID_NOT_OWNED) {
				ret = rs_why(why, -EPERM, "%s: hot reset also resets "
					     "%04x:%02x:%02x.%x, which is not opened through "
					     "our iommufd", d->bdf, dd->segment, dd->bus,
					     PCI_SLOT(dd->devfn), PCI_FUNC(dd->devfn));
				break;
			}
		} else if ((int)dd->group_id != d->group) {
			ret = rs_why(why, -EPERM, "%s: hot reset also resets %04x:%02x:%02x.%x "
				     "in IOMMU group %u, which we do not hold", d->bdf, dd->segment,
				     dd->bus, PCI_SLOT(dd->devfn), PCI_FUNC(dd->devfn),
				     dd->group_id);
			break;
		}
	}
	free(info);
	return ret;
}

int rs_vfio_hot_reset(struct rs_vfio_dev *d, char *why)
{
	/* the header and one group fd (the group path); cdev users pass none */
	union {
		struct vfio_pci_hot_reset r;
		char buf[sizeof(struct vfio_pci_hot_reset) + sizeof(int32_t)];
	} hr;
	int ret;

	memset(&hr, 0, sizeof(hr));
	hr.r.argsz = sizeof(hr.r);
	if (d->mode == RS_VFIO_GROUP) {
		hr.r.count = 1;
		hr.r.group_fds[0] = d->group_fd;
		hr.r.argsz = sizeof(hr);
	}
	atomic_fetch_add(&rs_hot_reset_epoch, 1);
	ret = rs_ioctl(d->fd, VFIO_DEVICE_PCI_HOT_RESET, &hr);
	if (ret < 0)
		return rs_why(why, ret, "%s: VFIO_DEVICE_PCI_HOT_RESET: %s%s", d->bdf,
			      strerror(-ret), rs_errno_hint(RS_HINT_HOT_RESET, ret));
	return 0;
}

int rs_vfio_low_power(struct rs_vfio_dev *d, bool enter, char *why)
{
	uint32_t feat = enter ? VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY :
				VFIO_DEVICE_FEATURE_LOW_POWER_EXIT;
	int ret = rs_vfio_feature(d, VFIO_DEVICE_FEATURE_SET | feat, NULL, 0);

	if (ret < 0)
		return rs_why(why, ret, "%s: VFIO_DEVICE_FEATURE LOW_POWER_%s: %s", d->bdf,
			      enter ? "ENTRY" : "EXIT", strerror(-ret));
	return 0;
}

int rs_vfio_low_power_wakeup(struct rs_vfio_dev *d, int eventfd, char *why)
{
	struct vfio_device_low_power_entry_with_wakeup w = { .wakeup_eventfd = eventfd };
	int ret = rs_vfio_feature(d, VFIO_DEVICE_FEATURE_SET |
				  VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP, &w, sizeof(w));

	if (ret < 0)
		return rs_why(why, ret, "%s: VFIO_DEVICE_FEATURE LOW_POWER_ENTRY_WITH_WAKEUP: %s",
			      d->bdf, strerror(-ret));
	return 0;
}

/* Append to a fixed message buffer, truncating: what is said never decides what is done. */
static void rs_did(char *did, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void rs_did(char *did, size_t len, const char *fmt, ...)
{
	size_t n = strnlen(did, len);
	va_list ap;

	if (n + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(did + n, len - n, fmt, ap);
	va_end(ap);
}

int rs_vfio_recover(const char *bdf, char *did, size_t len, char *why)
{
	struct rs_vfio_dev d;
	uint16_t cmd, pmctrl;
	bool any = false;
	int ret;

	if (len)
		did[0] = '\0';
	rs_vfio_init(&d);
	ret = rs_vfio_open(&d, bdf, RS_VFIO_AUTO, why);
	if (ret)
		goto out;
	/* best effort: fails harmlessly unless a low-power entry is engaged */
	if (!rs_vfio_low_power(&d, false, NULL)) {
		rs_did(did, len, "low power exited; ");
		any = true;
	}
	if (d.caps.pm && !rs_vfio_cfg_read16(&d, d.caps.pm + PCI_PM_CTRL, &pmctrl) &&
	    (pmctrl & PCI_PM_CTRL_STATE_MASK)) {
		ret = rs_vfio_cfg_write16(&d, d.caps.pm + PCI_PM_CTRL,
					  pmctrl & ~PCI_PM_CTRL_STATE_MASK);
		if (ret) {
			rs_why(why, ret, "%s: PM_CTRL back to D0: %s", d.bdf, strerror(-ret));
			goto out;
		}
		rs_did(did, len, "D%u -> D0; ", pmctrl & PCI_PM_CTRL_STATE_MASK);
		any = true;
	}
	ret = rs_vfio_cfg_read16(&d, PCI_COMMAND, &cmd);
	if (ret) {
		rs_why(why, ret, "%s: reading PCI_COMMAND: %s", d.bdf, strerror(-ret));
		goto out;
	}
	if (!(cmd & PCI_COMMAND_MEMORY)) {
		ret = rs_vfio_cfg_write16(&d, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY);
		if (ret) {
			rs_why(why, ret, "%s: setting PCI_COMMAND.MEMORY: %s", d.bdf,
			       strerror(-ret));
			goto out;
		}
		rs_did(did, len, "PCI_COMMAND.MEMORY set; ");
		any = true;
	}
	if (!any)
		rs_did(did, len, "nothing to do");
out:
	rs_vfio_destroy(&d);
	return ret;
}

int rs_vfio_split_ranges(uint64_t offset, uint64_t size, unsigned int nr, uint64_t page,
			 struct rs_vfio_range *out)
{
	uint64_t pages, per, extra, off = offset;
	unsigned int i;

	if (!nr || !page || (page & (page - 1)) || offset % page || size % page || !size)
		return -EINVAL;
	pages = size / page;
	if (pages < nr)
		return -EINVAL;
	per = pages / nr;
	extra = pages % nr;
	for (i = 0; i < nr; i++) {
		uint64_t n = per + (i < extra ? 1 : 0);

		out[i].offset = off;
		out[i].length = n * page;
		off += n * page;
	}
	return 0;
}
