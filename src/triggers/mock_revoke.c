// SPDX-License-Identifier: GPL-2.0
/*
 * Trigger "mock-revoke": IOMMU_TEST_OP_DMABUF_REVOKE on every buffer of an iommufd-mock
 * exporter (revoked = 1, then 0 to restore).  The mock exporter invalidates without any
 * fence or unmap wait.
 */
#include <errno.h>

#include "rs_lib/iommufd.h"
#include "rs_lib/plug.h"
#include "rs_lib/revoke.h"

static const struct rs_opt mock_revoke_opts[] = { { NULL } };

static int mock_revoke_probe(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	if (!rs_iommufd_test_built())
		return rs_skip(&t->o, "built without the kernel's iommufd_test.h");
	return 0;
}

static int mock_set(struct rs_trigger *t, struct rs_exporter *ex, struct rs_iommufd *f,
		    bool revoked)
{
	char why[RS_WHY_LEN];
	unsigned int i;
	int ret;

	for (i = 0; i < ex->nr_bufs; i++) {
		if (ex->bufs[i].fd < 0)
			continue;
		ret = rs_iommufd_mock_revoke(f, ex->bufs[i].fd, revoked, why);
		if (ret)
			return rs_fail(&t->o, ret, why);
	}
	rs_revoke_set(rs_ex_handle(ex, "revoke-state"), revoked ? RS_REVOKED : RS_LIVE);
	return 0;
}

static int mock_revoke_revoke(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	return mock_set(t, ex, handle, true);
}

static int mock_revoke_restore(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	return mock_set(t, ex, handle, false);
}

static const struct rs_trigger_ops mock_revoke_trigger = {
	.type = "mock-revoke",
	.help = "IOMMU_TEST_OP_DMABUF_REVOKE on an iommufd-mock exporter's buffers",
	.opts = mock_revoke_opts,
	.needs = "iommufd-mock",
	.probe = mock_revoke_probe,
	.revoke = mock_revoke_revoke,
	.restore = mock_revoke_restore,
};
RS_REGISTER(trigger, mock_revoke_trigger)
