/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The state file: what runs hold that must be put back in order if a run dies holding it:
 * devices (the exporters' state_id), and the core's own leftovers (the tracefs instance,
 * a system-wide perf).  A later run, or `revokestorm recover`, recovers what dead runs
 * left; an entry stays until it is recovered.
 *
 * Crash-atomic: records are appended and fsync'd, one line each, never rewritten in place;
 * reading replays them (a torn last line is ignored).  A run is named by its pid and its
 * start time (/proc/PID/stat), so a reused pid is not taken for the run.  Locked with
 * flock() while a run has it open; removed when it lists nothing.
 *
 *   # revokestorm state: ...
 *   run 1234/5678901 smoke
 *   held 1234/5678901 vfio vfio:0000:01:00.0
 *   released 1234/5678901 vfio vfio:0000:01:00.0
 */
#ifndef RS_STATE_H
#define RS_STATE_H

#include <stdbool.h>
#include <stddef.h>

/* Leftovers the core recovers itself (src/recover.c); any other type is an exporter's. */
#define RS_STATE_TRACEFS	"tracefs-instance"	/* id: the instance directory */
#define RS_STATE_PROCESS	"process-group"		/* id: "PGID/START COMM" */

struct rs_state;

struct rs_state_entry {
	int pid;			/* the run that holds it */
	unsigned long long start;	/* and its start time; 0: unknown (an old file) */
	char *type;			/* exporter type, or RS_STATE_* */
	char *id;
	bool alive;			/* that run is still alive (e.g. stuck in the kernel) */
};

/* This process's start time in clock ticks since boot (/proc/self/stat field 22). */
unsigned long long rs_proc_start(int pid);
/* Is pid, started at start (0: any start), alive (a zombie is not)? */
bool rs_proc_alive(int pid, unsigned long long start);

/*
 * Open or create path (and its directory) and lock it.  *left: the entries other runs
 * left in it (alive = 1 for runs still alive), all still listed until rs_state_forget().
 * -EBUSY: a live run holds the lock (*owner set).
 */
int rs_state_open(const char *path, const char *scenario, struct rs_state **st,
		  struct rs_state_entry **left, size_t *nr_left, int *owner);
/* Record / forget something this run holds.  Thread-safe.  0 or -errno. */
int rs_state_add(struct rs_state *st, const char *type, const char *id);
int rs_state_del(struct rs_state *st, const char *type, const char *id);
/* An entry another run left was recovered: it is no longer listed. */
int rs_state_forget(struct rs_state *st, const struct rs_state_entry *e);
/* Entries listed now (ours and those left by others). */
size_t rs_state_count(struct rs_state *st);
/* Close (unlock); remove the file if it lists nothing.  Safe on NULL. */
void rs_state_close(struct rs_state *st);
void rs_state_entries_free(struct rs_state_entry *e, size_t nr);

#endif /* RS_STATE_H */
