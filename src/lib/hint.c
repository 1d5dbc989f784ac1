// SPDX-License-Identifier: GPL-2.0
/* errno -> reason hints for the uAPI calls the plugins make (see rs_lib/hint.h). */
#include <errno.h>
#include <stddef.h>

#include "rs_lib/hint.h"

struct hint {
	enum rs_hint_op op;
	int err;
	const char *text;
};

static const struct hint hints[] = {
	{ RS_HINT_VFIO_EXPORT, ENOTTY, " (kernel without VFIO_DEVICE_FEATURE_DMA_BUF)" },
	{ RS_HINT_VFIO_EXPORT, EOPNOTSUPP, " (the driver cannot export: only vfio-pci and "
	  "nvgrace-gpu can, with CONFIG_VFIO_PCI_DMABUF)" },
	{ RS_HINT_VFIO_EXPORT, EINVAL, " (ranges not page aligned or outside the BAR, an I/O "
	  "BAR, or the BAR is not mapped)" },
	{ RS_HINT_VFIO_EXPORT, E2BIG, " (too many ranges)" },
	{ RS_HINT_IOMMUFD_MAP, ENODEV, " (the dma-buf is revoked)" },
	{ RS_HINT_IOMMUFD_MAP, EOPNOTSUPP, " (iommufd imports only single-range VFIO PCI and "
	  "iommufd-mock dma-bufs)" },
	{ RS_HINT_IOMMUFD_MAP, ENOTTY, " (kernel without IOMMU_IOAS_MAP_FILE)" },
	{ RS_HINT_IOMMUFD_MAP, ENOSPC, " (no free IOVA space in the IOAS)" },
	{ RS_HINT_MOCK_ATTACH, EOPNOTSUPP, " (the exporter refuses this importer: pinned, not "
	  "revocable or not peer-to-peer)" },
	{ RS_HINT_MOCK_ATTACH, ENODEV, " (the dma-buf is revoked, or no such importing device)" },
	{ RS_HINT_MOCK_MAP, ENODEV, " (the dma-buf is revoked)" },
	{ RS_HINT_MOCK_MAP, EBUSY, " (already mapped)" },
	{ RS_HINT_MOCK_MAP, EINVAL, " (no peer-to-peer path to the importing device, or the mock's own "
	  "device, which has no DMA mask)" },
	{ RS_HINT_RDMA_REG, EOPNOTSUPP, " (the provider has no dma-buf MRs)" },
	{ RS_HINT_RDMA_REG, ENOSYS, " (the provider has no dma-buf MRs)" },
	{ RS_HINT_RDMA_REG, ENODEV, " (the dma-buf is revoked)" },
	{ RS_HINT_RDMA_REG, EINVAL, " (no peer-to-peer path from the exporter to this device?)" },
	{ RS_HINT_DRM_IMPORT, EOPNOTSUPP, " (the exporter refuses this importer: static or not "
	  "peer-to-peer)" },
	{ RS_HINT_DRM_IMPORT, EINVAL, " (no peer-to-peer path between the exporter and this "
	  "GPU?)" },
	{ RS_HINT_DRM_IMPORT, ENODEV, " (revoked, or virtio-gpu without blob resources cannot "
	  "import foreign buffers)" },
	{ RS_HINT_HOT_RESET, ENODEV, " (no slot or bus reset: the device is not alone on its "
	  "bus)" },
	{ RS_HINT_HOT_RESET, EBUSY, " (memory_lock contended, e.g. a revoke in progress)" },
	{ RS_HINT_HOT_RESET, EPERM, " (an affected device is not ours)" },
	{ RS_HINT_TEST_CMD, ENOTTY, " (kernel without CONFIG_IOMMUFD_TEST)" },
	{ RS_HINT_VFIO_BIND, EPERM, " (the platform cannot isolate this device's MSIs, no "
	  "interrupt remapping, as with virtio-iommu on x86: iommufd refuses it unless booted "
	  "with iommufd.allow_unsafe_interrupts=1)" },
	{ RS_HINT_VFIO_BIND, EBUSY, " (the DMA of its IOMMU group is owned elsewhere: another "
	  "process, iommufd or driver uses a device of the group)" },
	{ RS_HINT_VFIO_GROUP, EPERM, " (a no-IOMMU group: opening it needs CAP_SYS_RAWIO)" },
	{ RS_HINT_VFIO_GROUP, EBUSY, " (the group is open elsewhere: another process, or "
	  "another exporter on the group path; access = cdev shares one iommufd)" },
	{ RS_HINT_IOMMUFD_OPEN, ENOENT, " (no /dev/iommu: kernel without CONFIG_IOMMUFD?)" },
	{ RS_HINT_IOMMUFD_OPEN, ENODEV, " (kernel without CONFIG_IOMMUFD?)" },
	{ RS_HINT_IOMMUFD_OPEN, ENXIO, " (kernel without CONFIG_IOMMUFD?)" },
	{ RS_HINT_IOMMUFD_OPEN, EACCES, " (no access to /dev/iommu: run as root)" },
};

/* Whatever the call: out of descriptors is never the device's fault. */
static const struct hint any_op[] = {
	{ RS_HINT_NR, EMFILE, " (this process is out of file descriptors: RLIMIT_NOFILE; raise "
	  "it with `ulimit -n N`, or LimitNOFILE= in a systemd unit, or export fewer dma-bufs)" },
	{ RS_HINT_NR, ENFILE, " (the system is out of file descriptors: raise the fs.file-max "
	  "sysctl, or close what else holds them)" },
};

const char *rs_errno_hint(enum rs_hint_op op, int err)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < sizeof(any_op) / sizeof(any_op[0]); i++)
		if (any_op[i].err == err)
			return any_op[i].text;
	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (hints[i].op == op && hints[i].err == err)
			return hints[i].text;
	return "";
}
