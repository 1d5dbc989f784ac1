/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The controller's own functions, shared by its files (src/controller/).  The context,
 * workers and results they work on are in rs_ctl.h.
 *
 *   worker.c      worker primitives: wake-up pipe, stop, generations, timed waits,
 *                 rs_op_begin/rs_op_end (what the watchdog reads), thread start/exit
 *   setup.c       the context from the scenario; state file recovery; open, export,
 *                 import, probe; results directory and kernel event collection
 *   cycle.c       trigger workers: the revoke cycle and its timing
 *   traffic.c     traffic workers
 *   sequencer.c   the sequencer thread: setup, phases and loads, cleanup
 *   supervisor.c  rs_run(): signals, status, watchdog and hangs
 *   verdict.c     final results, exit code and status word
 *
 * The supervisor (the thread that calls rs_run()) never calls into a plugin.  The
 * sequencer thread opens exporters, exports, opens importers, imports, probes triggers,
 * starts the workers, runs the phases (starting and stopping loads) and cleans up.
 * Trigger workers (one per trigger x exporter) fire revoke cycles; traffic workers (one
 * per importer) run traffic between revokes.
 */
#ifndef RS_CONTROLLER_INT_H
#define RS_CONTROLLER_INT_H

#include "rs_ctl.h"

#define RS_MAX_CONSEC_ERRORS	10
#define RS_LOG_ERRORS		5	/* per pair: the first errors go to the log */

/* worker.c */
int rs_wake_open(void);
int rs_wake_pollfd(void);
void rs_wake_drain(void);
/* Wake the supervisor (async-signal-safe). */
void rs_wake(void);
void rs_stop(struct rs_ctx *ctx, enum rs_stop why);
void rs_kick(struct rs_ctx *ctx, bool bump);
unsigned int rs_gen(struct rs_ctx *ctx);
bool rs_wait_until(struct rs_ctx *ctx, uint64_t deadline, unsigned int gen0);
bool rs_lock_or_stop(struct rs_ctx *ctx, pthread_mutex_t *m, bool even_when_stopping);
void rs_op_begin(struct rs_worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t rs_op_end(struct rs_worker *w);
void rs_worker_init(struct rs_ctx *ctx, struct rs_worker *w, const char *kind,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void rs_worker_enter(struct rs_worker *w);
void rs_worker_exit(struct rs_worker *w);
int rs_worker_start(struct rs_worker *w, void *(*fn)(void *), void *arg);
bool rs_worker_running(const struct rs_worker *w, bool exited_only);
void rs_set_reason(char *dst, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* *state = r and the reason, under lock (see "Locking" in rs_ctl.h). */
void rs_set_result(pthread_mutex_t *lock, enum rs_result *state, char *reason, enum rs_result r,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void rs_set_state(pthread_mutex_t *lock, enum rs_result *state, enum rs_result r);
/*
 * The call in progress, if it started more than timeout before now: true, with its start
 * and its name as one consistent snapshot.
 */
bool rs_op_overdue(struct rs_worker *w, uint64_t now, uint64_t timeout, uint64_t *t0,
		   char *op, size_t len);

const char *rs_ctl_why(struct rs_obj *o, int err);

/* setup.c */
const char *rs_opt_str(const struct rs_section *s, const char *key);
void rs_obj_init(struct rs_ctx *ctx, struct rs_cobj *c, struct rs_section *sec, const char *salt);
void rs_build(struct rs_ctx *ctx);
void rs_state_begin(struct rs_ctx *ctx);
/* The trace finished: its instance and perf leave the state file (unless still there). */
void rs_state_trace_released(struct rs_ctx *ctx);
void rs_state_recover(struct rs_ctx *ctx);
/* The results' copy of an exported buffer's size and inode. */
void rs_bufinfo_update(struct rs_ctx *ctx, struct rs_cexp *e, const struct rs_buf *buf);
void rs_setup_exporters(struct rs_ctx *ctx);
void rs_setup_importers(struct rs_ctx *ctx);
void rs_setup_pairs(struct rs_ctx *ctx);
int rs_results_dir(struct rs_ctx *ctx);
void rs_trace_setup(struct rs_ctx *ctx);
int rs_trace_end(struct rs_ctx *ctx, char *why, size_t whylen);
/* Raise the open-file limit and check the scenario's descriptors fit; else ctx->error. */
void rs_fd_budget(struct rs_ctx *ctx);
void rs_ctx_free(struct rs_ctx *ctx);

/* cycle.c, traffic.c, sequencer.c: thread functions */
void *rs_pair_main(void *arg);
void *rs_traffic_main(void *arg);
void *rs_seq_main(void *arg);

/* blame.c: the culprit of each hang and its victims (idempotent, call after each hang) */
void rs_blame_hangs(struct rs_ctx *ctx);

/* oracle.c: the trace oracle over the run's own events, and the live claims against it */
void rs_oracle_run(struct rs_ctx *ctx);
void rs_oracle_free(struct rs_oracle *o);

/* verdict.c */
void rs_finish(struct rs_ctx *ctx);

#endif /* RS_CONTROLLER_INT_H */
