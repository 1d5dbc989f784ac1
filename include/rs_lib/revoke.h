/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the last trigger did to an exporter's buffers, so importers know what to expect
 * in their `revoked` hook.  Exporters that can be revoked return one from
 * handle(ex, "revoke-state"); triggers set it, importers read it.
 */
#ifndef RS_LIB_REVOKE_H
#define RS_LIB_REVOKE_H

#include <stdatomic.h>
#include <stdbool.h>

enum rs_revoke_state {
	RS_LIVE = 0,	/* not revoked (or restored) */
	RS_REVOKED,	/* revoked and stays so until the trigger's restore */
	/*
	 * The kernel revoked and un-revoked within the one call (FLR, AF FLR, reset, hot
	 * reset): old mappings are gone, new ones must work again.
	 */
	RS_PULSED,
	RS_CLOSED,	/* device closed: revoked for good until re-open and re-export */
	/*
	 * Revoked by LOW_POWER_ENTRY_WITH_WAKEUP: until the trigger's restore, or until an
	 * access wakes the device.  The wake-up ends low power (LOW_POWER_EXIT is optional
	 * after it, include/uapi/linux/vfio.h), so the kernel must restore the dma-bufs
	 * then; it signals the wake-up eventfd (rs_revoke_set_wake()) after restoring.
	 */
	RS_REVOKED_WAKE,
};

struct rs_revoke_ctl {
	_Atomic int state;		/* enum rs_revoke_state */
	_Atomic unsigned long epoch;	/* bumped by every revoke */
	_Atomic int wake;		/* RS_REVOKED_WAKE: its eventfd + 1; 0: none */
};

static inline void rs_revoke_set(struct rs_revoke_ctl *c, enum rs_revoke_state s)
{
	if (!c)
		return;
	if (s != RS_LIVE)
		atomic_fetch_add(&c->epoch, 1);
	atomic_store(&c->state, s);
}

static inline enum rs_revoke_state rs_revoke_get(struct rs_revoke_ctl *c)
{
	return c ? (enum rs_revoke_state)atomic_load(&c->state) : RS_REVOKED;
}

const char *rs_revoke_state_name(enum rs_revoke_state s);

/* Hand c the wake-up eventfd of a RS_REVOKED_WAKE revoke (c closes it), or none (-1). */
void rs_revoke_set_wake(struct rs_revoke_ctl *c, int efd);

/* Whether the device's wake-up was signalled, waiting up to wait_ms for it. */
bool rs_revoke_woken(struct rs_revoke_ctl *c, int wait_ms);

/*
 * For a `revoked` hook under RS_REVOKED_WAKE: the hook's access to the buffer `worked`
 * (mapped, wrote) or was refused as revoked.  Before the wake-up it must be refused,
 * after it it must work.  woken: rs_revoke_woken(c, 0) just before the access.
 * 0 if the kernel did so, else -EPROTO with why (RS_WHY_LEN).
 */
int rs_revoke_wake_check(struct rs_revoke_ctl *c, bool woken, bool worked, char *why);

#endif /* RS_LIB_REVOKE_H */
