/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recovering what dead runs left in the state file (rs_state.h): the core's own leftovers
 * (a tracefs instance, a system-wide perf's process group) and devices, through their
 * exporter type's recover hook.  Used by a starting run and by `revokestorm recover`.
 */
#ifndef RS_RECOVER_H
#define RS_RECOVER_H

#include "rs_state.h"

struct rs_ctx;

/*
 * Recover one entry.  0: restored; -RS_ESKIP: nothing was left to do; -EBUSY: its run is
 * still alive, left alone; another -errno: recovery failed.  *reason (malloc'd) says what
 * was done or why not.  ctx: where the hook logs (NULL: stderr).
 */
int rs_recover_entry(struct rs_ctx *ctx, const struct rs_state_entry *e, char **reason);
/* The word results.json and the recover command use: restored, nothing-to-do, ... */
const char *rs_recover_word(int err);

/* `revokestorm recover [--state-file PATH]`: 0 all recovered (or nothing left), 1 not. */
int rs_recover_main(int argc, char **argv);

#endif /* RS_RECOVER_H */
