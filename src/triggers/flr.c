// SPDX-License-Identifier: GPL-2.0
/*
 * Trigger "flr": set PCIe DEVCTL.BCR_FLR through the VFIO config region.  vfio revokes,
 * resets the function and un-revokes within the one write, so the buffers come back by
 * themselves: the revoke state is "pulsed" and restore only checks the device is back.
 * Needs PCI Express with DEVCAP.FLR.
 */
#include <errno.h>

#include <linux/pci_regs.h>

#include "rs_lib/plug.h"
#include "rs_lib/vfio.h"

static const struct rs_opt flr_opts[] = { { NULL } };

static int flr_probe(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	struct rs_vfio_dev *d = handle;

	if (!d->caps.exp)
		return rs_skip(&t->o, "%s has no PCI Express capability (no FLR)", d->bdf);
	if (!d->caps.flr)
		return rs_skip(&t->o, "%s does not support FLR (PCIe DEVCAP.FLR clear)", d->bdf);
	return 0;
}

/* Set DEVCTL.BCR_FLR: vfio revokes, resets and un-revokes within the write. */
static int flr_call(struct rs_vfio_dev *d, void *arg, char *why)
{
	return rs_vfio_cfg_update16(d, d->caps.exp + PCI_EXP_DEVCTL, 0, PCI_EXP_DEVCTL_BCR_FLR,
				    NULL, NULL, why);
}

static int flr_revoke(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	char why[RS_WHY_LEN];
	int ret = rs_vfio_call(handle, flr_call, NULL, RS_PULSED, why);

	return ret ? rs_fail(&t->o, ret, why) : 0;
}

static int flr_restore(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	char why[RS_WHY_LEN];
	int ret = rs_vfio_memory_back(handle, "FLR", why);

	return ret ? rs_fail(&t->o, ret, why) : 0;
}

static const char *const flr_frames[] = { "vfio_exp_config_write", NULL };

static const struct rs_trigger_ops flr_trigger = {
	.type = "flr",
	.help = "PCIe function level reset via DEVCTL.BCR_FLR (revoke + un-revoke in one write)",
	.opts = flr_opts,
	.needs = "vfio",
	.probe = flr_probe,
	.revoke = flr_revoke,
	.restore = flr_restore,
	.frames = flr_frames,
};
RS_REGISTER(trigger, flr_trigger)
