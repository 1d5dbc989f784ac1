// SPDX-License-Identifier: GPL-2.0
/* RDMA netlink (device list, rxe/siw links) and libibverbs (dma-buf MRs, loopback QP). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <rdma/ib_user_ioctl_verbs.h>
#include <rdma/rdma_netlink.h>

#include "rs_lib/hint.h"
#include "rs_lib/rdma.h"

/* ------------------------------------------------------------------ netlink */

struct nl_req {
	int err;			/* from an NLMSG_ERROR reply */
	struct rs_rdma_nldev *devs;
	int max, nr;
	uint32_t driver_id;
	bool have_driver_id;
};

static int nl_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nl_req *rq = arg;

	rq->err = e->error;
	return NL_STOP;
}

static int nl_ack_cb(struct nl_msg *msg, void *arg)
{
	return NL_STOP;
}

static int dev_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX + 1];
	struct nl_req *rq = arg;
	struct rs_rdma_nldev *d;

	if (nlmsg_parse(nlmsg_hdr(msg), 0, tb, RDMA_NLDEV_ATTR_MAX, NULL) < 0)
		return NL_SKIP;
	if (!tb[RDMA_NLDEV_ATTR_DEV_INDEX] || !tb[RDMA_NLDEV_ATTR_DEV_NAME] || rq->nr >= rq->max)
		return NL_SKIP;
	d = &rq->devs[rq->nr++];
	memset(d, 0, sizeof(*d));
	d->index = nla_get_u32(tb[RDMA_NLDEV_ATTR_DEV_INDEX]);
	snprintf(d->name, sizeof(d->name), "%s", nla_get_string(tb[RDMA_NLDEV_ATTR_DEV_NAME]));
	return NL_OK;
}

static int chardev_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX + 1];
	struct nl_req *rq = arg;

	if (nlmsg_parse(nlmsg_hdr(msg), 0, tb, RDMA_NLDEV_ATTR_MAX, NULL) < 0)
		return NL_SKIP;
	if (tb[RDMA_NLDEV_ATTR_UVERBS_DRIVER_ID]) {
		rq->driver_id = nla_get_u32(tb[RDMA_NLDEV_ATTR_UVERBS_DRIVER_ID]);
		rq->have_driver_id = true;
	}
	return NL_OK;
}

/* Send msg on a new NETLINK_RDMA socket and run the replies through cb. */
static int nl_rdma_xfer(struct nl_msg *msg, nl_recvmsg_msg_cb_t cb, struct nl_req *rq,
			const char *what, char *why)
{
	struct nl_sock *sk = nl_socket_alloc();
	int ret;

	if (!sk)
		return rs_why(why, -ENOMEM, "%s: nl_socket_alloc failed", what);
	ret = nl_connect(sk, NETLINK_RDMA);
	if (ret < 0) {
		nl_socket_free(sk);
		return rs_why(why, -EPROTONOSUPPORT, "%s: no RDMA netlink (CONFIG_INFINIBAND?): %s",
			      what, nl_geterror(ret));
	}
	nl_socket_disable_auto_ack(sk);
	nl_cb_err(nl_socket_get_cb(sk), NL_CB_CUSTOM, nl_err_cb, rq);
	nl_socket_modify_cb(sk, NL_CB_ACK, NL_CB_CUSTOM, nl_ack_cb, rq);
	if (cb)
		nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, cb, rq);
	ret = nl_send_auto(sk, msg);
	if (ret >= 0)
		ret = nl_recvmsgs_default(sk);
	nl_socket_free(sk);
	if (rq->err)
		return rs_why(why, rq->err, "%s: %s", what, strerror(-rq->err));
	if (ret < 0)
		return rs_why(why, -EIO, "%s: %s", what, nl_geterror(ret));
	return 0;
}

static struct nl_msg *nl_rdma_msg(int cmd, int flags)
{
	return nlmsg_alloc_simple(RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, cmd), NLM_F_REQUEST | flags);
}

const char *rs_rdma_driver_name(uint32_t id)
{
	static const char *const names[] = {
		[RDMA_DRIVER_UNKNOWN] = "unknown",	[RDMA_DRIVER_MLX5] = "mlx5",
		[RDMA_DRIVER_MLX4] = "mlx4",		[RDMA_DRIVER_CXGB3] = "cxgb3",
		[RDMA_DRIVER_CXGB4] = "cxgb4",		[RDMA_DRIVER_MTHCA] = "mthca",
		[RDMA_DRIVER_BNXT_RE] = "bnxt_re",	[RDMA_DRIVER_OCRDMA] = "ocrdma",
		[RDMA_DRIVER_NES] = "nes",		[RDMA_DRIVER_IRDMA] = "irdma",
		[RDMA_DRIVER_VMW_PVRDMA] = "vmw_pvrdma", [RDMA_DRIVER_QEDR] = "qedr",
		[RDMA_DRIVER_HNS] = "hns",		[RDMA_DRIVER_USNIC] = "usnic",
		[RDMA_DRIVER_RXE] = "rxe",		[RDMA_DRIVER_HFI1] = "hfi1",
		[RDMA_DRIVER_QIB] = "qib",		[RDMA_DRIVER_EFA] = "efa",
		[RDMA_DRIVER_SIW] = "siw",		[RDMA_DRIVER_ERDMA] = "erdma",
		[RDMA_DRIVER_MANA] = "mana",		[RDMA_DRIVER_IONIC] = "ionic",
	};

	return id < sizeof(names) / sizeof(names[0]) && names[id] ? names[id] : "unknown";
}

static void nl_provider(struct rs_rdma_nldev *d)
{
	struct nl_msg *msg = nl_rdma_msg(RDMA_NLDEV_CMD_GET_CHARDEV, 0);
	struct nl_req rq = { 0 };

	if (!msg)
		return;
	if (!nla_put_u32(msg, RDMA_NLDEV_ATTR_DEV_INDEX, d->index) &&
	    !nla_put_string(msg, RDMA_NLDEV_ATTR_CHARDEV_TYPE, "uverbs") &&
	    !nl_rdma_xfer(msg, chardev_cb, &rq, "RDMA_NLDEV_CMD_GET_CHARDEV", NULL) &&
	    rq.have_driver_id)
		snprintf(d->provider, sizeof(d->provider), "%s", rs_rdma_driver_name(rq.driver_id));
	nlmsg_free(msg);
}

int rs_rdma_nl_list(struct rs_rdma_nldev *devs, int max, char *why)
{
	struct nl_msg *msg = nl_rdma_msg(RDMA_NLDEV_CMD_GET, NLM_F_DUMP);
	struct nl_req rq = { .devs = devs, .max = max };
	int ret, i;

	if (!msg)
		return -ENOMEM;
	ret = nl_rdma_xfer(msg, dev_cb, &rq, "RDMA_NLDEV_CMD_GET (dump)", why);
	nlmsg_free(msg);
	if (ret)
		return ret;
	for (i = 0; i < rq.nr; i++)
		nl_provider(&devs[i]);
	return rq.nr;
}

int rs_rdma_link_add(const char *name, const char *type, const char *netdev, char *why)
{
	struct nl_msg *msg = nl_rdma_msg(RDMA_NLDEV_CMD_NEWLINK, NLM_F_ACK);
	struct nl_req rq = { 0 };
	char what[160];
	int ret;

	if (!msg)
		return -ENOMEM;
	snprintf(what, sizeof(what), "rdma link add %s type %s netdev %s", name, type, netdev);
	if (nla_put_string(msg, RDMA_NLDEV_ATTR_DEV_NAME, name) ||
	    nla_put_string(msg, RDMA_NLDEV_ATTR_LINK_TYPE, type) ||
	    nla_put_string(msg, RDMA_NLDEV_ATTR_NDEV_NAME, netdev)) {
		nlmsg_free(msg);
		return rs_why(why, -EMSGSIZE, "%s: message too long", what);
	}
	ret = nl_rdma_xfer(msg, NULL, &rq, what, why);
	nlmsg_free(msg);
	if (ret == -EINVAL || ret == -EOPNOTSUPP)
		rs_why(why, ret, "%s: %s (CONFIG_RDMA_%s off, or no netdev %s)", what,
		       strerror(-ret), !strcmp(type, "siw") ? "SIW" : "RXE", netdev);
	return ret;
}

int rs_rdma_link_del(const char *name, char *why)
{
	struct rs_rdma_nldev devs[32];
	struct nl_msg *msg;
	struct nl_req rq = { 0 };
	int n, i, ret;

	n = rs_rdma_nl_list(devs, 32, why);
	if (n < 0)
		return n;
	for (i = 0; i < n && strcmp(devs[i].name, name); i++)
		;
	if (i == n)
		return rs_why(why, -ENODEV, "rdma link delete %s: no such RDMA device", name);
	msg = nl_rdma_msg(RDMA_NLDEV_CMD_DELLINK, NLM_F_ACK);
	if (!msg)
		return -ENOMEM;
	nla_put_u32(msg, RDMA_NLDEV_ATTR_DEV_INDEX, devs[i].index);
	ret = nl_rdma_xfer(msg, NULL, &rq, "rdma link delete", why);
	nlmsg_free(msg);
	return ret;
}

/* ------------------------------------------------------------------ verbs */

static void provider_of(struct rs_rdma *r)
{
	struct rs_rdma_nldev devs[32];
	int n = rs_rdma_nl_list(devs, 32, NULL), i;

	for (i = 0; i < n; i++)
		if (!strcmp(devs[i].name, r->name) && devs[i].provider[0])
			snprintf(r->provider, sizeof(r->provider), "%s", devs[i].provider);
	if (!r->provider[0]) {
		/* no netlink answer: the name without its number ("rxe0" -> "rxe") */
		size_t l = strlen(r->name);

		while (l && r->name[l - 1] >= '0' && r->name[l - 1] <= '9')
			l--;
		snprintf(r->provider, sizeof(r->provider), "%.*s", (int)l, r->name);
	}
}

int rs_rdma_open(struct rs_rdma *r, const char *name, char *why)
{
	struct ibv_device **list;
	struct ibv_port_attr pa;
	int n, i, ret = 0;

	memset(r, 0, sizeof(*r));
	r->port = 1;
	list = ibv_get_device_list(&n);
	if (!list)
		return rs_why(why, -errno ? -errno : -ENODEV, "ibv_get_device_list: %s "
			      "(libibverbs without providers, or CONFIG_INFINIBAND_USER_ACCESS off)",
			      strerror(errno));
	for (i = 0; i < n; i++)
		if (!name || !*name || !strcmp(ibv_get_device_name(list[i]), name))
			break;
	if (i == n) {
		ret = rs_why(why, -ENODEV, "no RDMA device %s (%d devices; create a soft-RoCE "
			     "one with: rdma link add rxe0 type rxe netdev eth0)",
			     name && *name ? name : "at all", n);
		goto out;
	}
	snprintf(r->name, sizeof(r->name), "%s", ibv_get_device_name(list[i]));
	r->ctx = ibv_open_device(list[i]);
	if (!r->ctx) {
		ret = rs_why(why, -errno ? -errno : -EIO, "ibv_open_device %s: %s", r->name,
			     strerror(errno));
		goto out;
	}
	provider_of(r);
	r->pd = ibv_alloc_pd(r->ctx);
	r->cq = r->pd ? ibv_create_cq(r->ctx, 16, NULL, NULL, 0) : NULL;
	if (!r->pd || !r->cq) {
		ret = rs_why(why, -errno ? -errno : -ENOMEM, "%s: %s: %s", r->name,
			     r->pd ? "ibv_create_cq" : "ibv_alloc_pd", strerror(errno));
		rs_rdma_close(r);
		goto out;
	}
	if (!ibv_query_port(r->ctx, r->port, &pa) && pa.state != IBV_PORT_ACTIVE)
		r->gid_index = -1;	/* reported by rs_rdma_loopback() */
out:
	ibv_free_device_list(list);
	return ret;
}

void rs_rdma_close(struct rs_rdma *r)
{
	if (r->qp)
		ibv_destroy_qp(r->qp);
	if (r->src_mr)
		ibv_dereg_mr(r->src_mr);
	if (r->src)
		munmap(r->src, r->src_len);
	if (r->cq)
		ibv_destroy_cq(r->cq);
	if (r->pd)
		ibv_dealloc_pd(r->pd);
	if (r->ctx)
		ibv_close_device(r->ctx);
	r->qp = NULL;
	r->src_mr = NULL;
	r->src = NULL;
	r->cq = NULL;
	r->pd = NULL;
	r->ctx = NULL;
}

int rs_rdma_reg_dmabuf(struct rs_rdma *r, int fd, uint64_t offset, uint64_t len,
		       struct ibv_mr **mr, char *why)
{
	int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ;
	int err;

	*mr = ibv_reg_dmabuf_mr(r->pd, offset, len, 0, fd, access);
	if (*mr)
		return 0;
	err = errno ? errno : EIO;
	if (err == EOPNOTSUPP || err == ENOSYS)
		return rs_why(why, -EOPNOTSUPP, "provider %s cannot import dma-buf (%s: "
			      "ibv_reg_dmabuf_mr: %s)", r->provider, r->name, strerror(err));
	return rs_why(why, -err, "%s (%s): ibv_reg_dmabuf_mr of fd %d [%llu, +%llu): %s%s",
		      r->name, r->provider, fd, (unsigned long long)offset,
		      (unsigned long long)len, strerror(err), rs_errno_hint(RS_HINT_RDMA_REG, err));
}

static int find_gid(struct rs_rdma *r)
{
	struct ibv_port_attr pa;
	union ibv_gid g;
	int i, best = -1;

	if (ibv_query_port(r->ctx, r->port, &pa))
		return -errno;
	for (i = 0; i < pa.gid_tbl_len && i < 64; i++) {
		static const uint8_t zero[16];

		if (ibv_query_gid(r->ctx, r->port, i, &g) || !memcmp(g.raw, zero, 16))
			continue;
		if (best < 0)
			best = i;
		/* prefer an IPv4-mapped (RoCE v2 over IPv4) GID if there is one */
		if (!memcmp(g.raw, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12)) {
			best = i;
			break;
		}
	}
	if (best < 0)
		return -ENOENT;
	r->gid_index = best;
	return ibv_query_gid(r->ctx, r->port, best, &r->gid) ? -errno : 0;
}

int rs_rdma_loopback(struct rs_rdma *r, size_t src_len, char *why)
{
	struct ibv_qp_init_attr ia = {
		.send_cq = r->cq,
		.recv_cq = r->cq,
		.cap = { .max_send_wr = 8, .max_recv_wr = 1, .max_send_sge = 1,
			 .max_recv_sge = 1 },
		.qp_type = IBV_QPT_RC,
	};
	struct ibv_port_attr pa;
	struct ibv_qp_attr a;
	int ret;

	if (ibv_query_port(r->ctx, r->port, &pa))
		return rs_why(why, -errno, "%s: ibv_query_port: %s", r->name, strerror(errno));
	if (pa.state != IBV_PORT_ACTIVE)
		return rs_why(why, -ENETDOWN, "%s: port %u is not active (state %s: is the netdev "
			      "up?)", r->name, r->port, ibv_port_state_str(pa.state));
	if (!r->src) {
		r->src_len = src_len;
		r->src = mmap(NULL, src_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			      -1, 0);
		if (r->src == MAP_FAILED) {
			r->src = NULL;
			return rs_why(why, -ENOMEM, "%s: source buffer of %zu bytes", r->name,
				      src_len);
		}
		memset(r->src, 0x5a, src_len);
		r->src_mr = ibv_reg_mr(r->pd, r->src, src_len, IBV_ACCESS_LOCAL_WRITE);
		if (!r->src_mr)
			return rs_why(why, -errno, "%s: ibv_reg_mr of the source: %s", r->name,
				      strerror(errno));
	}
	if (!r->qp) {
		r->qp = ibv_create_qp(r->pd, &ia);
		if (!r->qp)
			return rs_why(why, -errno, "%s: ibv_create_qp(RC): %s", r->name,
				      strerror(errno));
	}
	ret = find_gid(r);
	if (ret && pa.link_layer == IBV_LINK_LAYER_ETHERNET)
		return rs_why(why, ret, "%s: no GID on port %u (give the netdev an address)",
			      r->name, r->port);

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RESET;
	if (ibv_modify_qp(r->qp, &a, IBV_QP_STATE))
		return rs_why(why, -errno, "%s: QP -> RESET: %s", r->name, strerror(errno));

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_INIT;
	a.port_num = r->port;
	a.qp_access_flags = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ |
			    IBV_ACCESS_LOCAL_WRITE;
	if (ibv_modify_qp(r->qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
			  IBV_QP_ACCESS_FLAGS))
		return rs_why(why, -errno, "%s: QP -> INIT: %s", r->name, strerror(errno));

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = pa.active_mtu;
	a.dest_qp_num = r->qp->qp_num;
	a.rq_psn = 0;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 12;
	a.ah_attr.port_num = r->port;
	a.ah_attr.dlid = pa.lid;
	if (pa.link_layer == IBV_LINK_LAYER_ETHERNET || r->gid_index > 0) {
		a.ah_attr.is_global = 1;
		a.ah_attr.grh.dgid = r->gid;
		a.ah_attr.grh.sgid_index = (uint8_t)r->gid_index;
		a.ah_attr.grh.hop_limit = 1;
	}
	if (ibv_modify_qp(r->qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			  IBV_QP_DEST_QPN | IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
			  IBV_QP_MIN_RNR_TIMER))
		return rs_why(why, -errno, "%s: QP -> RTR: %s", r->name, strerror(errno));

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 3;
	a.rnr_retry = 3;
	a.sq_psn = 0;
	a.max_rd_atomic = 1;
	if (ibv_modify_qp(r->qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
			  IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC))
		return rs_why(why, -errno, "%s: QP -> RTS: %s", r->name, strerror(errno));
	return 0;
}

int rs_rdma_write(struct rs_rdma *r, struct ibv_mr *dst, uint64_t offset, uint64_t len,
		  int timeout_ms, char *why)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)r->src,
		.length = (uint32_t)len,
		.lkey = r->src_mr ? r->src_mr->lkey : 0,
	};
	struct ibv_send_wr wr = {
		.wr_id = 1,
		.sg_list = &sge,
		.num_sge = 1,
		.opcode = IBV_WR_RDMA_WRITE,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = offset, .rkey = dst->rkey },
	}, *bad;
	struct timespec t0, t;
	struct ibv_wc wc;
	int n;

	if (!r->qp || !r->src || len > r->src_len)
		return rs_why(why, -EINVAL, "%s: loopback QP not set up for %llu bytes", r->name,
			      (unsigned long long)len);
	n = ibv_post_send(r->qp, &wr, &bad);
	if (n)
		return rs_why(why, -n, "%s: ibv_post_send(RDMA_WRITE): %s", r->name, strerror(n));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		n = ibv_poll_cq(r->cq, 1, &wc);
		if (n < 0)
			return rs_why(why, -EIO, "%s: ibv_poll_cq failed", r->name);
		if (n)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 >
		    timeout_ms)
			return rs_why(why, -ETIMEDOUT, "%s: RDMA WRITE not completed in %d ms",
				      r->name, timeout_ms);
		usleep(50);
	}
	if (wc.status != IBV_WC_SUCCESS)
		return rs_why(why, -EIO, "%s: RDMA WRITE completed with %s", r->name,
			      ibv_wc_status_str(wc.status));
	return 0;
}
