// SPDX-License-Identifier: GPL-2.0
/*
 * The revoke state a trigger leaves for the importers' hooks (include/rs_lib/revoke.h),
 * and the wake-up of a low-power entry: it ends the revoke, the kernel restores the
 * dma-bufs before it signals the eventfd (docs/findings.md 1b: 7.2.13 does not).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include "rs_lib/common.h"
#include "rs_lib/revoke.h"

/* How long a hook whose access worked waits for the wake-up that allowed it. */
#define RS_WAKE_SETTLE_MS	1000

const char *rs_revoke_state_name(enum rs_revoke_state s)
{
	switch (s) {
	case RS_LIVE:
		return "live";
	case RS_REVOKED:
		return "revoked";
	case RS_PULSED:
		return "pulsed";
	case RS_CLOSED:
		return "closed";
	case RS_REVOKED_WAKE:
		return "revoked until the device's wake-up";
	}
	return "?";
}

void rs_revoke_set_wake(struct rs_revoke_ctl *c, int efd)
{
	int old;

	if (!c)
		return;
	old = atomic_exchange(&c->wake, efd < 0 ? 0 : efd + 1);
	if (old > 0)
		close(old - 1);
}

bool rs_revoke_woken(struct rs_revoke_ctl *c, int wait_ms)
{
	struct pollfd p = { .events = POLLIN };
	int w = c ? atomic_load(&c->wake) : 0;

	if (w <= 0)
		return false;
	p.fd = w - 1;
	return poll(&p, 1, wait_ms) == 1 && (p.revents & POLLIN);
}

int rs_revoke_wake_check(struct rs_revoke_ctl *c, bool woken, bool worked, char *why)
{
	if (worked) {
		/* allowed once the wake-up ended low power: the signal follows the restore */
		if (woken || rs_revoke_woken(c, RS_WAKE_SETTLE_MS))
			return 0;
		return rs_why(why, -EPROTO, "it worked while low power is engaged (no wake-up "
			      "signalled within %d ms)", RS_WAKE_SETTLE_MS);
	}
	if (!woken)
		return 0;
	return rs_why(why, -EPROTO, "still revoked after the device's wake-up ended low power "
		      "(eventfd signalled; LOW_POWER_EXIT is optional then, "
		      "include/uapi/linux/vfio.h): docs/findings.md 1b");
}
