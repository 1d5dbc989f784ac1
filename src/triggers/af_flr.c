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

static int af_flr_revoke(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	struct rs_vfio_dev *d = handle;
	char why[RS_WHY_LEN];
	int ret;

	ret = rs_vfio_get(d, why);
	if (ret)
		return rs_fail(&t->o, ret, why);
	ret = rs_vfio_cfg_update8(d, d->caps.af + PCI_AF_CTRL, 0, PCI_AF_CTRL_FLR, why);
	rs_vfio_put(d);
	if (ret)
		return rs_fail(&t->o, ret, why);
	rs_revoke_set(&d->revoke, RS_PULSED);
	return 0;
}

static int af_flr_restore(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	struct rs_vfio_dev *d = handle;
	char why[RS_WHY_LEN];
	uint16_t cmd;
	int ret;

	ret = rs_vfio_get(d, why);
	if (ret)
		return rs_fail(&t->o, ret, why);
	ret = rs_vfio_cfg_read16(d, PCI_COMMAND, &cmd);
	rs_vfio_put(d);
	if (ret)
		return rs_err(&t->o, -ret, "%s: reading PCI_COMMAND after AF FLR", d->bdf);
	if (!(cmd & PCI_COMMAND_MEMORY))
		return rs_err(&t->o, EIO, "%s: PCI_COMMAND.MEMORY clear after AF FLR", d->bdf);
	rs_revoke_set(&d->revoke, RS_LIVE);
	return 0;
}

static const struct rs_trigger_ops af_flr_trigger = {
	.type = "af-flr",
	.help = "Advanced Features FLR via PCI_AF_CTRL (revoke + un-revoke in one write)",
	.opts = af_flr_opts,
	.needs = "vfio",
	.probe = af_flr_probe,
	.revoke = af_flr_revoke,
	.restore = af_flr_restore,
};
RS_REGISTER(trigger, af_flr_trigger)
