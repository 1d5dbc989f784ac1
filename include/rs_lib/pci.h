/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI helpers: the capability walk over a config-space image (pure, unit tested) and
 * sysfs look-ups under /sys/bus/pci/devices/<bdf>/ (driver, power state, reset methods,
 * IOMMU group, VFIO cdev, BAR resources).
 */
#ifndef RS_LIB_PCI_H
#define RS_LIB_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_BDF_LEN	32

/* What the revoke triggers need to know about a function's capabilities. */
struct rs_pci_caps {
	unsigned int pm;	/* offset of the PCI PM capability, 0: none */
	unsigned int exp;	/* PCI Express capability */
	unsigned int af;	/* Advanced Features capability */
	uint16_t pmc;		/* PM: PMC register */
	bool pm_d3hot_no_soft_reset;	/* PM_CTRL.NoSoftReset: D3hot->D0 keeps state */
	bool flr;		/* PCIe DEVCAP.FLR */
	bool af_flr;		/* AF CAP: both TP and FLR */
	unsigned int nr_caps;	/* capabilities walked */
	bool broken;		/* the chain loops or points outside the header */
};

/*
 * Walk the standard capability list of a config-space image of len bytes (>= 64; 256
 * for a full walk).  Fills caps; returns 0, or -EINVAL for a short image.  A malformed
 * chain stops the walk and sets caps->broken.
 */
int rs_pci_walk_caps(const uint8_t *cfg, size_t len, struct rs_pci_caps *caps);

/* "0000:00:03.0" from "00:03.0" or "0000:00:03.0"; -EINVAL if it is not a PCI name. */
int rs_pci_bdf_normalize(const char *in, char *out, size_t len);

/* Does /sys/bus/pci/devices/<bdf> exist? */
bool rs_pci_exists(const char *bdf);
/* Name of the bound driver into buf; -ENOENT if none, -ENODEV if no such device. */
int rs_pci_driver(const char *bdf, char *buf, size_t len);
/* One sysfs attribute of the device, trailing newline removed; -errno. */
int rs_pci_attr(const char *bdf, const char *attr, char *buf, size_t len);
/* IOMMU group number, -ENOENT if the device is in none. */
int rs_pci_iommu_group(const char *bdf);
/* "/dev/vfio/devices/vfioN" from /sys/bus/pci/devices/<bdf>/vfio-dev/; -ENOENT if none. */
int rs_pci_vfio_cdev(const char *bdf, char *path, size_t len);
/* BAR bar of the resource file: start, size and flags (IORESOURCE_*); size 0 = unused. */
int rs_pci_bar(const char *bdf, unsigned int bar, uint64_t *start, uint64_t *size,
	       uint64_t *flags);
#define RS_IORESOURCE_IO	0x00000100
#define RS_IORESOURCE_MEM	0x00000200

/* The command that binds bdf to vfio-pci, for error messages (static buffer). */
const char *rs_pci_bind_hint(const char *bdf);

#endif /* RS_LIB_PCI_H */
