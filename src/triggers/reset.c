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

static int reset_call(struct rs_vfio_dev *d, void *arg, char *why)
{
	return rs_vfio_reset(d, why);
}

static int reset_revoke(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	char why[RS_WHY_LEN];
	int ret = rs_vfio_call(handle, reset_call, NULL, RS_PULSED, why);

	return ret ? rs_fail(&t->o, ret, why) : 0;
}

static int reset_restore(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	char why[RS_WHY_LEN];
	int ret = rs_vfio_memory_back(handle, "reset", why);

	return ret ? rs_fail(&t->o, ret, why) : 0;
}

static const char *const reset_frames[] = { "vfio_pci_ioctl_reset", NULL };

static const struct rs_trigger_ops reset_trigger = {
	.type = "reset",
	.help = "VFIO_DEVICE_RESET (revoke + un-revoke in one call; needs a reset method)",
	.opts = reset_opts,
	.needs = "vfio",
	.probe = reset_probe,
	.revoke = reset_revoke,
	.restore = reset_restore,
	.frames = reset_frames,
};
RS_REGISTER(trigger, reset_trigger)
