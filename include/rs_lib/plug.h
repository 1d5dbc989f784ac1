/* SPDX-License-Identifier: GPL-2.0 */
/* Small glue between the device libraries and the plugin interface. */
#ifndef RS_LIB_PLUG_H
#define RS_LIB_PLUG_H

#include "rs_plugin.h"

/* Record why (from a library call) on o and return ret (a negative errno). */
static inline int rs_fail(struct rs_obj *o, int ret, const char *why)
{
	int r;

	if (ret == -RS_ESKIP)
		return rs_skip(o, "%s", why);
	r = rs_err(o, ret < 0 ? -ret : ret, "%s", why);
	return r > 0 ? -r : r;
}

/* The exporter's handle of a kind, NULL if it has none. */
static inline void *rs_ex_handle(struct rs_exporter *ex, const char *kind)
{
	return ex && ex->ops && ex->ops->handle ? ex->ops->handle(ex, kind) : NULL;
}

#endif /* RS_LIB_PLUG_H */
