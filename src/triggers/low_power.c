// SPDX-License-Identifier: GPL-2.0
/*
 * Trigger "low-power": VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY (revokes, needs no PM
 * capability) and LOW_POWER_EXIT to restore (the only way back: a runtime resume on its
 * own does not un-revoke).  With wakeup, the entry is LOW_POWER_ENTRY_WITH_WAKEUP; the
 * first access that resumes the device ends low power and signals the eventfd, and the
 * kernel must then restore the dma-bufs (RS_REVOKED_WAKE: the importers' hooks judge
 * their access by the eventfd; 7.2.13 leaves them revoked, docs/findings.md 1b).  The
 * restore is LOW_POWER_EXIT all the same (a no-op after a wake-up).
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "rs_lib/plug.h"
#include "rs_lib/vfio.h"
#include "rs_util.h"

static const struct rs_opt low_power_opts[] = {
	{ "wakeup", RS_OPT_BOOL, "false",
	  "enter with LOW_POWER_ENTRY_WITH_WAKEUP (an eventfd the kernel signals on wake-up)" },
	{ NULL },
};

static int low_power_probe(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	struct rs_vfio_dev *d = handle;
	char why[RS_WHY_LEN];
	int ret;

	ret = rs_vfio_get(d, why);
	if (ret)
		return rs_fail(&t->o, ret, why);
	ret = rs_vfio_feature_probe(d, rs_sec_bool(t->o.sec, "wakeup") ?
				    VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP :
				    VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
				    VFIO_DEVICE_FEATURE_SET);
	if (!ret)
		ret = rs_vfio_feature_probe(d, VFIO_DEVICE_FEATURE_LOW_POWER_EXIT,
					    VFIO_DEVICE_FEATURE_SET);
	rs_vfio_put(d);
	if (ret)
		return rs_skip(&t->o, "%s: VFIO low-power entry/exit not supported (%s)", d->bdf,
			       rs_errno_name(ret));
	return 0;
}

static int low_power_set(struct rs_trigger *t, struct rs_vfio_dev *d, bool enter)
{
	char why[RS_WHY_LEN];
	int ret;

	ret = rs_vfio_get(d, why);
	if (ret)
		return rs_fail(&t->o, ret, why);
	if (enter && rs_sec_bool(t->o.sec, "wakeup")) {
		/* kept until the restore: the importers' hooks poll it for the wake-up */
		int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

		ret = efd < 0 ? rs_why(why, -errno, "eventfd: %s", strerror(errno)) :
				rs_vfio_low_power_wakeup(d, efd, why);
		if (ret && efd >= 0)
			close(efd);
		else if (!ret)
			rs_revoke_set_wake(&d->revoke, efd);
	} else {
		ret = rs_vfio_low_power(d, enter, why);
		if (!enter)
			rs_revoke_set_wake(&d->revoke, -1);
	}
	rs_vfio_put(d);
	if (ret)
		return rs_fail(&t->o, ret, why);
	if (!enter)
		rs_revoke_set(&d->revoke, RS_LIVE);
	else
		rs_revoke_set(&d->revoke, rs_sec_bool(t->o.sec, "wakeup") ? RS_REVOKED_WAKE :
			      RS_REVOKED);
	return 0;
}

static int low_power_revoke(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	return low_power_set(t, handle, true);
}

static int low_power_restore(struct rs_trigger *t, struct rs_exporter *ex, void *handle)
{
	return low_power_set(t, handle, false);
}

static const char *const low_power_frames[] = {
	"vfio_pci_runtime_pm_entry",
	"vfio_pci_core_pm_entry",
	NULL,
};

static const struct rs_trigger_ops low_power_trigger = {
	.type = "low-power",
	.help = "VFIO_DEVICE_FEATURE LOW_POWER_ENTRY / LOW_POWER_EXIT",
	.opts = low_power_opts,
	.needs = "vfio",
	.probe = low_power_probe,
	.revoke = low_power_revoke,
	.restore = low_power_restore,
	.frames = low_power_frames,
};
RS_REGISTER(trigger, low_power_trigger)
