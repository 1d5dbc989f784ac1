// SPDX-License-Identifier: GPL-2.0
/*
 * Trigger "reset": VFIO_DEVICE_RESET (vfio_pci_ioctl_reset: revoke, reset, un-revoke in
 * one call).  Needs a reset method: VFIO_DEVICE_GET_INFO reports VFIO_DEVICE_FLAGS_RESET.
 */
#include <errno.h>
#include <stdio.h>

#include <linux/pci_regs.h>

#include "rs_lib/plug.h"
#include "rs_lib/vfio.h"

static const struct rs_opt reset_opts[] = { { NULL } };

static int reset_probe(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	struct rs_vfio_dev *d = handle;
	char rm[128];

	if (d->info.flags & VFIO_DEVICE_FLAGS_RESET)
		return 0;
	if (rs_pci_attr(d->bdf, "reset_method", rm, sizeof(rm)) || !rm[0])
		snprintf(rm, sizeof(rm), "none");
	return rs_skip(&t->o, "%s has no reset method usable by VFIO_DEVICE_RESET "
		       "(reset_method: %s; a device alone behind a bridge gets a bus reset)",
		       d->bdf, rm);
}

static int reset_revoke(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	struct rs_vfio_dev *d = handle;
	char why[RS_WHY_LEN];
	int ret;

	ret = rs_vfio_get(d, why);
	if (ret)
		return rs_fail(&t->o, ret, why);
	ret = rs_vfio_reset(d, why);
	rs_vfio_put(d);
	if (ret)
		return rs_fail(&t->o, ret, why);
	rs_revoke_set(&d->revoke, RS_PULSED);
	return 0;
}

static int reset_restore(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
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
		return rs_err(&t->o, -ret, "%s: reading PCI_COMMAND after reset", d->bdf);
	if (!(cmd & PCI_COMMAND_MEMORY))
		return rs_err(&t->o, EIO, "%s: PCI_COMMAND.MEMORY clear after reset", d->bdf);
	rs_revoke_set(&d->revoke, RS_LIVE);
	return 0;
}

static const struct rs_trigger_ops reset_trigger = {
	.type = "reset",
	.help = "VFIO_DEVICE_RESET (revoke + un-revoke in one call; needs a reset method)",
	.opts = reset_opts,
	.needs = "vfio",
	.probe = reset_probe,
	.revoke = reset_revoke,
	.restore = reset_restore,
};
RS_REGISTER(trigger, reset_trigger)
