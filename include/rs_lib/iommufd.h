/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommufd: an IOAS of our own, IOMMU_IOAS_MAP_FILE/UNMAP, and the IOMMUFD_TEST selftest
 * commands (mock domains, the mock dma-buf exporter, access objects).  The test uAPI is
 * the kernel's drivers/iommu/iommufd/iommufd_test.h, taken from the lab tree (KSRC) at
 * build time; without it rs_iommufd_test_built() is false and every test call returns
 * -EOPNOTSUPP with the reason.
 */
#ifndef RS_LIB_IOMMUFD_H
#define RS_LIB_IOMMUFD_H

#include <stdbool.h>
#include <stdint.h>

#include "rs_lib/common.h"

#define RS_IOMMUFD_MAX_MOCK	8

struct rs_iommufd {
	int fd;
	uint32_t ioas_id;
	unsigned int nr_mock;
	uint32_t mock_stdev[RS_IOMMUFD_MAX_MOCK];
	uint32_t mock_hwpt[RS_IOMMUFD_MAX_MOCK];
	int access_fd;		/* IOMMU_TEST_OP_CREATE_ACCESS object, -1: none */
};

/* Open /dev/iommu and allocate an IOAS. */
int rs_iommufd_open(struct rs_iommufd *f, char *why);
void rs_iommufd_close(struct rs_iommufd *f);

/*
 * Map [start, start + length) of the file fd (a dma-buf or memfd); *iova is in/out:
 * with fixed, the IOVA to use, else the kernel's choice comes back.  Returns -errno
 * (ENODEV: revoked dma-buf, EOPNOTSUPP: an exporter iommufd cannot import).
 */
int rs_iommufd_map_file(struct rs_iommufd *f, int fd, uint64_t start, uint64_t length,
			uint64_t *iova, bool fixed, char *why);
int rs_iommufd_unmap(struct rs_iommufd *f, uint64_t iova, uint64_t length, char *why);
/* IOMMU_IOAS_MAP of our own memory [va, va + length) at the fixed IOVA iova. */
int rs_iommufd_map_user(struct rs_iommufd *f, void *va, uint64_t length, uint64_t iova,
			char *why);

/* Compiled with iommufd_test.h? */
bool rs_iommufd_test_built(void);
/* A mock IOMMU domain (and mock device) attached to our IOAS. */
int rs_iommufd_mock_domain(struct rs_iommufd *f, char *why);
/*
 * The selftest's mock dma-buf exporter: a new dma-buf fd of length bytes.  -EOPNOTSUPP
 * (a skip) with RS_IOMMUFD_DMABUF_GET_LOST when the kernel returns 0 where fd 0 is not a
 * dma-buf: Linux 7.3-rc loses the number of the fd it installed (docs/findings.md).
 */
int rs_iommufd_mock_dmabuf(struct rs_iommufd *f, uint64_t length, char *why);
#define RS_IOMMUFD_DMABUF_GET_LOST							\
	"IOMMU_TEST_OP_DMABUF_GET returned 0, and fd 0 is not a dma-buf: this kernel "	\
	"installs the new fd but returns 0 (Linux 7.3-rc, drivers/iommu/iommufd/"		\
	"selftest.c:2058-2063), so the buffer cannot be reached; not using fd 0"
/* fd is a dma-buf (its /proc/self/fd link names the dmabuf filesystem). */
bool rs_fd_is_dmabuf(int fd);
int rs_iommufd_mock_revoke(struct rs_iommufd *f, int dmabuf_fd, bool revoked, char *why);
/* An in-kernel access object on our IOAS, and a read or write through it. */
int rs_iommufd_access_create(struct rs_iommufd *f, char *why);
int rs_iommufd_access_rw(struct rs_iommufd *f, uint64_t iova, void *buf, uint64_t len,
			 bool write, char *why);

#endif /* RS_LIB_IOMMUFD_H */
