// SPDX-License-Identifier: GPL-2.0
/*
 * Trigger "pci-command": clear PCI_COMMAND.MEMORY through the VFIO config region
 * (vfio_basic_config_write revokes every dma-buf of the device), set it again to
 * restore (un-revoke).  Works on any vfio-pci device.  The read of the read-modify-write
 * is skipped while rs_vfio_dev knows the register (nothing else touched the device since
 * our last write or read), so a cycle is two config writes, plus two reads with verify.
 */
#include <errno.h>

#include <linux/pci_regs.h>

#include "rs_lib/plug.h"
#include "rs_lib/vfio.h"

static const struct rs_opt pci_command_opts[] = {
	{ "verify", RS_OPT_BOOL, "true",
	  "read PCI_COMMAND back after each write and fail if the bit did not change" },
	{ NULL },
};

static int pci_command_probe(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	struct rs_vfio_dev *d = handle;
	char why[RS_WHY_LEN];
	uint16_t cmd;
	int ret = rs_vfio_command(d, &cmd, why);

	if (ret)
		return rs_fail(&t->o, ret, why);
	if (!(cmd & PCI_COMMAND_MEMORY))
		rs_log(t->o.ctx, "trigger %s: %s starts with PCI_COMMAND.MEMORY clear (0x%04x): "
		       "its dma-bufs are born revoked", t->o.name, d->bdf, cmd);
	return 0;
}

struct pci_command_arg {
	bool on, verify;
};

static int pci_command_call(struct rs_vfio_dev *d, void *arg, char *why)
{
	const struct pci_command_arg *a = arg;
	uint16_t now;
	int ret = rs_vfio_cfg_update16(d, PCI_COMMAND, a->on ? 0 : PCI_COMMAND_MEMORY,
				       a->on ? PCI_COMMAND_MEMORY : 0, NULL, NULL, why);

	if (!ret && a->verify && !rs_vfio_cfg_read16(d, PCI_COMMAND, &now) &&
	    !!(now & PCI_COMMAND_MEMORY) != a->on)
		ret = rs_why(why, -EIO, "%s: PCI_COMMAND reads 0x%04x after %s MEMORY", d->bdf,
			     now, a->on ? "setting" : "clearing");
	return ret;
}

static int pci_command_set(struct rs_trigger *t, struct rs_vfio_dev *d, bool on)
{
	struct pci_command_arg a = { .on = on, .verify = rs_sec_bool(t->o.sec, "verify") };
	char why[RS_WHY_LEN];
	int ret = rs_vfio_call(d, pci_command_call, &a, on ? RS_LIVE : RS_REVOKED, why);

	return ret ? rs_fail(&t->o, ret, why) : 0;
}

static int pci_command_revoke(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	return pci_command_set(t, handle, false);
}

static int pci_command_restore(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	return pci_command_set(t, handle, true);
}

static const char *const pci_command_frames[] = { "vfio_basic_config_write", NULL };

static const struct rs_trigger_ops pci_command_trigger = {
	.type = "pci-command",
	.help = "clear / set PCI_COMMAND.MEMORY through the VFIO config region",
	.opts = pci_command_opts,
	.needs = "vfio",
	.probe = pci_command_probe,
	.revoke = pci_command_revoke,
	.restore = pci_command_restore,
	.frames = pci_command_frames,
};
RS_REGISTER(trigger, pci_command_trigger)
