// SPDX-License-Identifier: GPL-2.0
/*
 * Exporter "iommufd-mock": the iommufd selftest's mock dma-buf exporter
 * (IOMMU_TEST_OP_DMABUF_GET, CONFIG_IOMMUFD_TEST): kzalloc'ed memory that iommufd can
 * import and the mock-revoke trigger can revoke (IOMMU_TEST_OP_DMABUF_REVOKE; no fence
 * or unmap waits).  handle("iommufd-mock") is the struct rs_iommufd that issues both.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rs_lib/iommufd.h"
#include "rs_lib/plug.h"
#include "rs_lib/revoke.h"

struct mock_ex {
	struct rs_iommufd f;
	struct rs_revoke_ctl revoke;
	uint64_t size;
};

static const struct rs_opt mock_ex_opts[] = {
	{ "size", RS_OPT_SIZE, "64KiB", "bytes per buffer (rounded up to pages; at most 512 pages)" },
	{ NULL },
};

static int mock_ex_open(struct rs_exporter *ex)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t size = rs_sec_size(ex->o.sec, "size");
	char why[RS_WHY_LEN];
	struct mock_ex *m;
	int ret;

	if (!rs_iommufd_test_built())
		return rs_skip(&ex->o, "iommufd-mock: revokestorm was built without the kernel's "
			       "iommufd_test.h (make KSRC=/path/to/linux)");
	size = (size + page - 1) / page * page;
	if (!size || size > 512 * page)
		return rs_err(&ex->o, EINVAL, "%s: size must be 1 byte .. 512 pages",
			      rs_sec_where(ex->o.sec, "size"));
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->size = size;
	ret = rs_iommufd_open(&m->f, why);
	if (ret) {
		free(m);
		return rs_fail(&ex->o, ret, why);
	}
	/* Probe now, so a kernel without CONFIG_IOMMUFD_TEST is a skip, not an error. */
	ret = rs_iommufd_mock_dmabuf(&m->f, page, why);
	if (ret < 0) {
		rs_iommufd_close(&m->f);
		free(m);
		return ret == -EOPNOTSUPP ? rs_skip(&ex->o, "%s", why) : rs_fail(&ex->o, ret, why);
	}
	close(ret);
	ex->o.priv = m;
	return 0;
}

static int mock_ex_export(struct rs_exporter *ex, struct rs_buf *buf)
{
	struct mock_ex *m = ex->o.priv;
	char why[RS_WHY_LEN];
	int fd = rs_iommufd_mock_dmabuf(&m->f, m->size, why);

	if (fd < 0)
		return rs_fail(&ex->o, fd, why);
	buf->fd = fd;
	buf->size = m->size;
	buf->ino = rs_fd_ino(fd);
	return 0;
}

static void mock_ex_release(struct rs_exporter *ex, struct rs_buf *buf)
{
	rs_close_fd(&buf->fd);
}

static void *mock_ex_handle(struct rs_exporter *ex, const char *kind)
{
	struct mock_ex *m = ex->o.priv;

	if (!m)
		return NULL;
	if (!strcmp(kind, "iommufd-mock"))
		return &m->f;
	if (!strcmp(kind, "revoke-state"))
		return &m->revoke;
	return NULL;
}

static void mock_ex_close(struct rs_exporter *ex)
{
	struct mock_ex *m = ex->o.priv;

	if (!m)
		return;
	rs_iommufd_close(&m->f);
	free(m);
	ex->o.priv = NULL;
}

static const struct rs_exporter_ops iommufd_mock_exporter = {
	.type = "iommufd-mock",
	.help = "the iommufd selftest mock dma-buf (CONFIG_IOMMUFD_TEST); revocable, no waits",
	.opts = mock_ex_opts,
	.revocable = true,
	.open = mock_ex_open,
	.export = mock_ex_export,
	.release = mock_ex_release,
	.handle = mock_ex_handle,
	.close = mock_ex_close,
};
RS_REGISTER(exporter, iommufd_mock_exporter)
