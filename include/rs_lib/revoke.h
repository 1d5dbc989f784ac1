/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the last trigger did to an exporter's buffers, so importers know what to expect
 * in their `revoked` hook.  Exporters that can be revoked return one from
 * handle(ex, "revoke-state"); triggers set it, importers read it.
 */
#ifndef RS_LIB_REVOKE_H
#define RS_LIB_REVOKE_H

#include <stdatomic.h>

enum rs_revoke_state {
	RS_LIVE = 0,	/* not revoked (or restored) */
	RS_REVOKED,	/* revoked and stays so until the trigger's restore */
	/*
	 * The kernel revoked and un-revoked within the one call (FLR, AF FLR, reset, hot
	 * reset): old mappings are gone, new ones must work again.
	 */
	RS_PULSED,
	RS_CLOSED,	/* device closed: revoked for good until re-open and re-export */
};

struct rs_revoke_ctl {
	_Atomic int state;		/* enum rs_revoke_state */
	_Atomic unsigned long epoch;	/* bumped by every revoke */
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

#endif /* RS_LIB_REVOKE_H */
