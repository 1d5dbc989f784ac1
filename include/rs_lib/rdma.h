/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RDMA: device list and soft-RoCE link management over RDMA netlink (NETLINK_RDMA, the
 * `rdma link add/del` messages, through libnl-3), and libibverbs: device, PD, dma-buf
 * memory regions (ibv_reg_dmabuf_mr) and a loopback RC QP for RDMA WRITE traffic.
 */
#ifndef RS_LIB_RDMA_H
#define RS_LIB_RDMA_H

#include <stdbool.h>
#include <stdint.h>

#include <infiniband/verbs.h>

#include "rs_lib/common.h"

#define RS_IBDEV_LEN	64

struct rs_rdma_nldev {
	uint32_t index;
	char name[RS_IBDEV_LEN];
	char provider[16];	/* "rxe", "mlx5", ... from the uverbs driver id; "" unknown */
};

/* Every RDMA device; returns how many (at most max) or -errno. */
int rs_rdma_nl_list(struct rs_rdma_nldev *devs, int max, char *why);
/* `rdma link add name type type netdev netdev` (type "rxe" or "siw"). */
int rs_rdma_link_add(const char *name, const char *type, const char *netdev, char *why);
/* `rdma link delete name`. */
int rs_rdma_link_del(const char *name, char *why);
/* Provider name for an enum rdma_driver_id value ("unknown" if out of range). */
const char *rs_rdma_driver_name(uint32_t id);

struct rs_rdma {
	char name[RS_IBDEV_LEN];
	char provider[16];
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;	/* loopback RC QP, NULL until rs_rdma_loopback() */
	struct ibv_mr *src_mr;	/* local source buffer of RDMA WRITEs */
	void *src;
	size_t src_len;
	uint8_t port;
	int gid_index;
	union ibv_gid gid;
};

/* Open name ("" = the first device) and allocate a PD and a CQ. */
int rs_rdma_open(struct rs_rdma *r, const char *name, char *why);
void rs_rdma_close(struct rs_rdma *r);
/* ibv_reg_dmabuf_mr of [offset, offset + len) at iova 0; EOPNOTSUPP names the provider. */
int rs_rdma_reg_dmabuf(struct rs_rdma *r, int fd, uint64_t offset, uint64_t len,
		       struct ibv_mr **mr, char *why);
/* (Re)connect the loopback RC QP to itself: RESET -> INIT -> RTR -> RTS. */
int rs_rdma_loopback(struct rs_rdma *r, size_t src_len, char *why);
/*
 * One signalled RDMA WRITE of len bytes (<= src_len) into dst at offset, waiting at
 * most timeout_ms for the completion.  0, or -EIO with the completion status in why
 * (the QP is then in error: call rs_rdma_loopback() again), -ETIMEDOUT.
 */
int rs_rdma_write(struct rs_rdma *r, struct ibv_mr *dst, uint64_t offset, uint64_t len,
		  int timeout_ms, char *why);

#endif /* RS_LIB_RDMA_H */
