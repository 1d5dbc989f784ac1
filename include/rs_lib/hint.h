/* SPDX-License-Identifier: GPL-2.0 */
/*
 * errno -> reason: what an error of a given uAPI call means for revokestorm, as a
 * parenthesised hint appended to messages (" (the dma-buf is revoked)"), or "".
 */
#ifndef RS_LIB_HINT_H
#define RS_LIB_HINT_H

enum rs_hint_op {
	RS_HINT_VFIO_EXPORT,	/* VFIO_DEVICE_FEATURE_DMA_BUF */
	RS_HINT_IOMMUFD_MAP,	/* IOMMU_IOAS_MAP_FILE */
	RS_HINT_MOCK_ATTACH,	/* DMA_BUF_MOCK_IOCTL_ATTACH */
	RS_HINT_MOCK_MAP,		/* DMA_BUF_MOCK_IOCTL_MAP */
	RS_HINT_RDMA_REG,		/* ibv_reg_dmabuf_mr */
	RS_HINT_DRM_IMPORT,	/* DRM_IOCTL_PRIME_FD_TO_HANDLE */
	RS_HINT_HOT_RESET,	/* VFIO_DEVICE_PCI_HOT_RESET(_INFO) */
	RS_HINT_TEST_CMD,		/* IOMMU_TEST_CMD */
	RS_HINT_VFIO_BIND,	/* VFIO_DEVICE_BIND_IOMMUFD */
	RS_HINT_VFIO_GROUP,	/* opening a VFIO group */
	RS_HINT_IOMMUFD_OPEN,	/* open("/dev/iommu") */
	RS_HINT_OPEN,		/* open() of any other device node */
	RS_HINT_NR,
};

/*
 * Sign of err ignored.  Never NULL; "" when there is nothing to add.  EMFILE and ENFILE
 * (out of descriptors: this process's RLIMIT_NOFILE, or the system's fs.file-max) get the
 * same hint whatever the call.
 */
const char *rs_errno_hint(enum rs_hint_op op, int err);

#endif /* RS_LIB_HINT_H */
