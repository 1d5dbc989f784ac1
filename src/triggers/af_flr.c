// SPDX-License-Identifier: GPL-2.0
/*
 * Trigger "af-flr": set PCI_AF_CTRL_FLR in the Advanced Features capability through the
 * VFIO config region (vfio_af_config_write: revoke, reset, un-revoke in one write).
 * Needs an AF capability with both TP and FLR.
 */
#include <errno.h>

#include <linux/pci_regs.h>

#include "rs_lib/plug.h"
#include "rs_lib/vfio.h"

static const struct rs_opt af_flr_opts[] = { { NULL } };

static int af_flr_probe(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	struct rs_vfio_dev *d = handle;

	if (!d->caps.af)
		return rs_skip(&t->o, "%s has no PCI Advanced Features capability", d->bdf);
	if (!d->caps.af_flr)
		return rs_skip(&t->o, "%s: its AF capability lacks FLR or TP", d->bdf);
	return 0;
}

static int af_flr_call(struct rs_vfio_dev *d, void *arg, char *why)
{
	return rs_vfio_cfg_update8(d, d->caps.af + PCI_AF_CTRL, 0, PCI_AF_CTRL_FLR, why);
}

static int af_flr_revoke(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	char why[RS_WHY_LEN];
	int ret = rs_vfio_call(handle, af_flr_call, NULL, RS_PULSED, why);

	return ret ? rs_fail(&t->o, ret, why) : 0;
}

static int af_flr_restore(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	char why[RS_WHY_LEN];
	int ret = rs_vfio_memory_back(handle, "AF FLR", why);

	return ret ? rs_fail(&t->o, ret, why) : 0;
}

static const char *const af_flr_frames[] = { "vfio_af_config_write", NULL };

static const struct rs_trigger_ops af_flr_trigger = {
	.type = "af-flr",
	.help = "Advanced Features FLR via PCI_AF_CTRL (revoke + un-revoke in one write)",
	.opts = af_flr_opts,
	.needs = "vfio",
	.probe = af_flr_probe,
	.revoke = af_flr_revoke,
	.restore = af_flr_restore,
	.frames = af_flr_frames,
};
RS_REGISTER(trigger, af_flr_trigger)
