// SPDX-License-Identifier: GPL-2.0
/*
 * Trigger "close": close the VFIO device fd (vfio_pci_core_close_device revokes every
 * dma-buf for good and detaches them from the device).  Restore re-opens the device
 * through the vfio exporter's owner ops; the trigger is permanent, so the core then
 * releases the dead buffers, exports them anew and re-imports them.
 */
#include <errno.h>

#include "rs_lib/plug.h"
#include "rs_lib/vfio.h"

static const struct rs_opt close_opts[] = { { NULL } };

static int close_probe(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	struct rs_vfio_dev *d = handle;

	if (!d->owner_ops || !d->owner_ops->close_device || !d->owner_ops->reopen)
		return rs_skip(&t->o, "%s: exporter %s cannot re-open the device", d->bdf,
			       ex->o.name);
	return 0;
}

static int close_revoke(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	struct rs_vfio_dev *d = handle;
	char why[RS_WHY_LEN] = "";
	int ret = d->owner_ops->close_device(d->owner, why);

	return ret ? rs_fail(&t->o, ret, why) : 0;
}

static int close_restore(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	struct rs_vfio_dev *d = handle;
	char why[RS_WHY_LEN] = "";
	int ret = d->owner_ops->reopen(d->owner, why);

	return ret ? rs_fail(&t->o, ret, why) : 0;
}

static const char *const close_frames[] = {
	"vfio_pci_dma_buf_cleanup",
	"vfio_pci_core_close_device",
	NULL,
};

static const struct rs_trigger_ops close_trigger = {
	.type = "close",
	.help = "close the VFIO device fd (permanent revoke); restore re-opens and re-exports",
	.opts = close_opts,
	.needs = "vfio",
	.probe = close_probe,
	.revoke = close_revoke,
	.restore = close_restore,
	.permanent = true,
	.frames = close_frames,
};
RS_REGISTER(trigger, close_trigger)
