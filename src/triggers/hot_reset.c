// SPDX-License-Identifier: GPL-2.0
/*
 * Trigger "hot-reset": VFIO_DEVICE_PCI_HOT_RESET, a bus or slot reset of every device
 * in the dev_set (revoke + un-revoke in one call).  cdev: every affected device must be
 * opened through our iommufd (empty group fd array); group: every affected device must
 * be in our group (its fd is the proof).  Needs a slot or bus reset.
 */
#include <errno.h>
#include <unistd.h>

#include <linux/pci_regs.h>

#include "rs_lib/plug.h"
#include "rs_lib/vfio.h"

static const struct rs_opt hot_reset_opts[] = { { NULL } };

/* EBUSY (memory_lock contended): tries again every 10 ms for a second */
#define RS_HOT_RESET_TRIES	100
#define RS_HOT_RESET_RETRY_US	10000

static int hot_reset_probe(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	struct rs_vfio_dev *d = handle;
	char why[RS_WHY_LEN], others[160];
	int ret;

	ret = rs_vfio_get(d, why);
	if (ret)
		return rs_fail(&t->o, ret, why);
	ret = rs_vfio_hot_reset_check(d, others, sizeof(others), why);
	rs_vfio_put(d);
	if (ret == -ENODEV || ret == -EPERM || ret == -ENOTTY)
		return rs_skip(&t->o, "%s", why);
	if (!ret && others[0])
		/* their dma-bufs would be revoked behind their exporters' backs */
		return rs_skip(&t->o, "%s: a hot reset also resets %s, opened by another exporter "
			       "of this run; revokestorm does not follow a revoke across exporters",
			       d->bdf, others);
	return ret ? rs_fail(&t->o, ret, why) : 0;
}

static int hot_reset_call(struct rs_vfio_dev *d, void *arg, char *why)
{
	return rs_vfio_hot_reset(d, why);
}

static int hot_reset_revoke(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	char why[RS_WHY_LEN];
	int ret, tries;

	/*
	 * EBUSY: VFIO takes every device's memory_lock with a trylock and backs out when one is
	 * held (an importer's BAR access, a config read), before revoking anything
	 * (vfio_pci_dev_set_hot_reset()).  That is the kernel's contract for this ioctl: try
	 * again, for up to a second, before calling it an error.
	 */
	for (tries = 0;; tries++) {
		ret = rs_vfio_call(handle, hot_reset_call, NULL, RS_PULSED, why);
		if (ret != -EBUSY || tries == RS_HOT_RESET_TRIES || rs_stopping(t->o.ctx))
			break;
		usleep(RS_HOT_RESET_RETRY_US);
	}
	if (tries)
		rs_count(&t->o, "busy_retries", (uint64_t)tries);
	/*
	 * ENOTTY: pci_reset_bus() could not reset this bus (e.g. QEMU's root port never
	 * reports its link active, docs/findings.md); VFIO revoked and restored the dma-bufs
	 * around the attempt.  The environment cannot do it: a skip on the first cycle (the
	 * core fails a pair whose trigger could act before).
	 */
	if (ret == -ENOTTY)
		return rs_skip(&t->o, "%s (the bus cannot be reset here)", why);
	return ret ? rs_fail(&t->o, ret, why) : 0;
}

static int hot_reset_restore(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	char why[RS_WHY_LEN];
	int ret = rs_vfio_memory_back(handle, "hot reset", why);

	return ret ? rs_fail(&t->o, ret, why) : 0;
}

static const char *const hot_reset_frames[] = {
	"vfio_pci_dev_set_hot_reset",
	"vfio_pci_ioctl_pci_hot_reset",
	NULL,
};

static const struct rs_trigger_ops hot_reset_trigger = {
	.type = "hot-reset",
	.help = "VFIO_DEVICE_PCI_HOT_RESET: bus/slot reset of the dev_set (needs a bus reset)",
	.opts = hot_reset_opts,
	.needs = "vfio",
	.probe = hot_reset_probe,
	.revoke = hot_reset_revoke,
	.restore = hot_reset_restore,
	.frames = hot_reset_frames,
};
RS_REGISTER(trigger, hot_reset_trigger)
