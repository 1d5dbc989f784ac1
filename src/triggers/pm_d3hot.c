// SPDX-License-Identifier: GPL-2.0
/*
 * Trigger "pm-d3hot": write D3hot to the PM capability's PM_CTRL (vfio_pm_config_write
 * revokes on D3hot), D0 to restore (un-revokes if memory is enabled).  Needs a PCI PM
 * capability.
 */
#include <errno.h>

#include <linux/pci_regs.h>

#include "rs_lib/plug.h"
#include "rs_lib/vfio.h"

static const struct rs_opt pm_d3hot_opts[] = { { NULL } };

static int pm_d3hot_probe(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	struct rs_vfio_dev *d = handle;

	if (!d->caps.pm)
		return rs_skip(&t->o, "%s has no PCI PM capability", d->bdf);
	return 0;
}

static int pm_call(struct rs_vfio_dev *d, void *arg, char *why)
{
	uint16_t state = *(const uint16_t *)arg, now;
	unsigned int off = d->caps.pm + PCI_PM_CTRL;
	int ret = rs_vfio_cfg_update16(d, off, PCI_PM_CTRL_STATE_MASK | PCI_PM_CTRL_PME_STATUS,
				       state, NULL, NULL, why);

	if (!ret && !rs_vfio_cfg_read16(d, off, &now) && (now & PCI_PM_CTRL_STATE_MASK) != state)
		ret = rs_why(why, -EIO, "%s: PM_CTRL reads D%u after writing D%u", d->bdf,
			     now & PCI_PM_CTRL_STATE_MASK, state);
	return ret;
}

static int pm_set(struct rs_trigger *t, struct rs_vfio_dev *d, uint16_t state)
{
	char why[RS_WHY_LEN];
	int ret = rs_vfio_call(d, pm_call, &state, state ? RS_REVOKED : RS_LIVE, why);

	return ret ? rs_fail(&t->o, ret, why) : 0;
}

static int pm_d3hot_revoke(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	return pm_set(t, handle, 3);
}

static int pm_d3hot_restore(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	return pm_set(t, handle, 0);
}

static const char *const pm_d3hot_frames[] = {
	"vfio_lock_and_set_power_state",
	"vfio_pm_config_write",
	NULL,
};

static const struct rs_trigger_ops pm_d3hot_trigger = {
	.type = "pm-d3hot",
	.help = "PCI PM_CTRL to D3hot and back to D0 (needs a PM capability)",
	.opts = pm_d3hot_opts,
	.needs = "vfio",
	.probe = pm_d3hot_probe,
	.revoke = pm_d3hot_revoke,
	.restore = pm_d3hot_restore,
	.frames = pm_d3hot_frames,
};
RS_REGISTER(trigger, pm_d3hot_trigger)
