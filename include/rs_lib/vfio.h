/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VFIO PCI device opened by PCI name: the cdev bound to an iommufd (IOAS attached) or
 * the legacy group + container (type1v2, no-IOMMU, or iommufd's compat container).  What
 * the vfio exporter holds and hands to triggers as handle(ex, "vfio").
 */
#ifndef RS_LIB_VFIO_H
#define RS_LIB_VFIO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/vfio.h>

#include "rs_lib/common.h"
#include "rs_lib/pci.h"
#include "rs_lib/revoke.h"

enum rs_vfio_mode {
	RS_VFIO_AUTO,	/* cdev if the device has one, else group */
	RS_VFIO_CDEV,
	RS_VFIO_GROUP,
};

struct rs_vfio_range {
	uint64_t offset;
	uint64_t length;
};

struct rs_vfio_dev;

/* Set by the exporter that owns the device; used by the `close` trigger. */
struct rs_vfio_owner_ops {
	/* Close the device fd (revokes every dma-buf for good); why: RS_WHY_LEN. */
	int (*close_device)(void *owner, char *why);
	/* Open the device again (the core then exports the buffers anew: close is permanent). */
	int (*reopen)(void *owner, char *why);
};

struct rs_vfio_dev {
	char bdf[RS_BDF_LEN];
	enum rs_vfio_mode mode;		/* resolved: CDEV or GROUP */
	char path[64];			/* /dev/vfio/devices/vfioN or /dev/vfio/N */
	int fd;				/* device fd, -1 while closed */
	/* cdev */
	int iommufd;
	uint32_t ioas_id, devid;
	/* group */
	int group, group_fd, container_fd;
	bool noiommu;

	struct vfio_device_info info;	/* flags: VFIO_DEVICE_FLAGS_RESET, ... */
	uint64_t cfg_off, cfg_size;	/* the config region */
	struct rs_pci_caps caps;	/* as vfio shows the config space */
	uint8_t cfg[256];		/* config image read at open */

	/* Device-fd users take it shared; close/reopen take it exclusive. */
	pthread_rwlock_t lock;
	/* Read-modify-write of one config register. */
	pthread_mutex_t cfg_lock;
	/*
	 * PCI_COMMAND as last written by rs_vfio_cfg_update16() or read by
	 * rs_vfio_cfg_read16(), or -1: the read of a read-modify-write is skipped while it is
	 * known.  Every other write, reset, feature, close or reopen forgets it; a hot reset
	 * (which restores the config of every device it resets) forgets it on all devices
	 * of the process: the value is kept with the hot-reset epoch it was seen in.
	 */
	_Atomic int64_t cmd_cache;

	/* What the owning exporter exports: BAR and span of every buffer. */
	unsigned int export_bar;
	uint64_t export_offset, export_size;

	struct rs_revoke_ctl revoke;
	const struct rs_vfio_owner_ops *owner_ops;
	void *owner;
};

/* Initialise d (locks, fds -1); once before rs_vfio_open(). */
void rs_vfio_init(struct rs_vfio_dev *d);
void rs_vfio_destroy(struct rs_vfio_dev *d);

/*
 * Open bdf (any spelling rs_pci_bdf_normalize() takes) through mode.  Checks the
 * device exists and is bound to vfio-pci, else -ENODEV/-EBUSY with the way to bind it.
 */
int rs_vfio_open(struct rs_vfio_dev *d, const char *bdf, enum rs_vfio_mode mode, char *why);
/* Close the device fd, and the iommufd/group/container.  Idempotent. */
void rs_vfio_close(struct rs_vfio_dev *d);
/* Only the device fd (what the close trigger does); the rest stays for a re-open. */
void rs_vfio_close_device(struct rs_vfio_dev *d);
/* Re-open after rs_vfio_close_device(): the same iommufd and IOAS, or group. */
int rs_vfio_reopen_device(struct rs_vfio_dev *d, char *why);

/*
 * Use the device fd for one operation: 0 with the lock held shared, or -ENODEV while a
 * close trigger holds the device closed (why says so; the lock is then not held).
 */
int rs_vfio_get(struct rs_vfio_dev *d, char *why);
void rs_vfio_put(struct rs_vfio_dev *d);
/* Read-modify-write of a 16-bit config register: clear, then set bits; old/new out. */
int rs_vfio_cfg_update16(struct rs_vfio_dev *d, unsigned int off, uint16_t clear, uint16_t set,
			 uint16_t *old, uint16_t *new_val, char *why);
int rs_vfio_cfg_update8(struct rs_vfio_dev *d, unsigned int off, uint8_t clear, uint8_t set,
			char *why);

int rs_vfio_region_info(struct rs_vfio_dev *d, unsigned int index, struct vfio_region_info *ri);
/*
 * A BAR through its region: read or write len (1, 2, 4 or 8) bytes at off (pread/pwrite
 * of the region, what vfio's own selftests do without an mmap), and an mmap of the whole
 * BAR (for registers that must be written with one instruction, e.g. a DSA portal).
 */
int rs_vfio_bar_read(struct rs_vfio_dev *d, unsigned int bar, uint64_t off, void *buf,
		     size_t len);
int rs_vfio_bar_write(struct rs_vfio_dev *d, unsigned int bar, uint64_t off, const void *buf,
		      size_t len);
int rs_vfio_bar_mmap(struct rs_vfio_dev *d, unsigned int bar, void **addr, uint64_t *size,
		     char *why);
/* Config space through the config region (virtualised by vfio). */
int rs_vfio_cfg_read(struct rs_vfio_dev *d, unsigned int off, void *buf, size_t len);
int rs_vfio_cfg_write(struct rs_vfio_dev *d, unsigned int off, const void *buf, size_t len);
int rs_vfio_cfg_read16(struct rs_vfio_dev *d, unsigned int off, uint16_t *v);
int rs_vfio_cfg_write16(struct rs_vfio_dev *d, unsigned int off, uint16_t v);
/*
 * A trigger's call on the device: take it, make the call, and on success set its
 * dma-bufs' state to after (RS_PULSED for a call that revokes and un-revokes at once:
 * FLR, AF FLR, reset, hot reset).  0, or -errno with why.
 */
int rs_vfio_call(struct rs_vfio_dev *d, int (*call)(struct rs_vfio_dev *d, void *arg, char *why),
		 void *arg, enum rs_revoke_state after, char *why);
/* PCI_COMMAND, the device taken for the read: 0, or -errno with why. */
int rs_vfio_command(struct rs_vfio_dev *d, uint16_t *cmd, char *why);
/*
 * After a trigger that revokes and un-revokes in one call (FLR, AF FLR, reset, hot
 * reset): the device must read back memory-enabled, and then its dma-bufs are live
 * again.  after names the call for the message ("FLR").  0, or -errno with why.
 */
int rs_vfio_memory_back(struct rs_vfio_dev *d, const char *after, char *why);
/* Re-read the config image and walk its capabilities. */
int rs_vfio_read_caps(struct rs_vfio_dev *d, char *why);

/* The BAR with the most memory, for "bar = auto"; -ENOENT if none. */
int rs_vfio_pick_bar(struct rs_vfio_dev *d, uint64_t *size);

/* VFIO_DEVICE_FEATURE: probe (0 if supported) and set/get with payload. */
int rs_vfio_feature_probe(struct rs_vfio_dev *d, uint32_t feature, uint32_t getset);
int rs_vfio_feature(struct rs_vfio_dev *d, uint32_t flags, const void *data, size_t len);

/* VFIO_DEVICE_FEATURE_DMA_BUF with nr ranges of BAR region; the new fd or -errno. */
int rs_vfio_export_dmabuf(struct rs_vfio_dev *d, unsigned int region,
			  const struct rs_vfio_range *r, unsigned int nr, char *why);

int rs_vfio_reset(struct rs_vfio_dev *d, char *why);
/*
 * Hot reset: check (info only, no reset) or do.  cdev: all affected devices must be
 * owned through our iommufd; group: they must all be in our group.
 */
/*
 * Can we hot-reset d (every device it resets is ours)?  others (cdev only; may be NULL)
 * gets the names of the other devices it resets that are opened through our iommufd.
 */
int rs_vfio_hot_reset_check(struct rs_vfio_dev *d, char *others, size_t len, char *why);
int rs_vfio_hot_reset(struct rs_vfio_dev *d, char *why);
int rs_vfio_low_power(struct rs_vfio_dev *d, bool enter, char *why);
/* LOW_POWER_ENTRY_WITH_WAKEUP: the kernel signals eventfd when an access wakes the device. */
int rs_vfio_low_power_wakeup(struct rs_vfio_dev *d, int eventfd, char *why);

/*
 * Undo what a killed run may have left: PCI_COMMAND.MEMORY set, PM state D0, low power
 * exited.  Opens and closes bdf itself.  *did gets a summary of what was changed.
 */
int rs_vfio_recover(const char *bdf, char *did, size_t len, char *why);

/* Split [offset, offset + size) into nr page-aligned ranges (pure); -EINVAL if it can't. */
int rs_vfio_split_ranges(uint64_t offset, uint64_t size, unsigned int nr, uint64_t page,
			 struct rs_vfio_range *out);

#endif /* RS_LIB_VFIO_H */
