/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The state file: while a run holds devices, it lists them (the exporters' state_id), so a
 * later run can put them back in order if this one was killed with a device revoked or
 * powered down.  Locked with flock() while a run is alive; removed at a clean end.
 *
 *   # revokestorm state: devices held by a run; removed when it ends cleanly
 *   pid 1234
 *   scenario smoke
 *   held 1234 vfio vfio:0000:01:00.0
 */
#ifndef RS_STATE_H
#define RS_STATE_H

#include <stddef.h>

struct rs_state;

struct rs_state_entry {
	int pid;		/* the run that held it */
	char *type;		/* exporter type: whose recover hook applies */
	char *id;		/* the exporter's state_id */
	int alive;		/* that run is still alive (e.g. stuck in the kernel) */
};

/*
 * Open or create path (and its directory) and lock it.  Entries left in it by other runs
 * are returned in *stale: dead runs' entries are to be recovered; entries of live runs
 * (alive = 1) are carried over untouched.  -EBUSY: a live run holds the lock (*owner set).
 */
int rs_state_open(const char *path, const char *scenario, struct rs_state **st,
		  struct rs_state_entry **stale, size_t *nr_stale, int *owner);
/* Record / forget a held device; the file is rewritten and fsync'd. */
int rs_state_add(struct rs_state *st, const char *type, const char *id);
int rs_state_del(struct rs_state *st, const char *type, const char *id);
size_t rs_state_count(const struct rs_state *st);
/* Close (unlock); remove the file if it lists nothing.  Safe on NULL. */
void rs_state_close(struct rs_state *st);
void rs_state_entries_free(struct rs_state_entry *e, size_t nr);

#endif /* RS_STATE_H */
