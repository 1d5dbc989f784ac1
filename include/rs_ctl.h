/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Controller internals shared by src/controller/, core.c (the plugin-facing helpers),
 * results.c (KTAP and JSON) and the unit tests.  Plugins never see this.
 *
 * Threads: the supervisor (the caller of rs_run) never calls a plugin; it handles
 * signals, prints status, and watches every worker for calls that exceed hang_timeout.
 * The sequencer thread does setup, phases (loads) and cleanup; one worker per
 * trigger x exporter fires revoke cycles; one traffic worker per importer.
 */
#ifndef RS_CTL_H
#define RS_CTL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "rs_lat.h"
#include "rs_plugin.h"
#include "rs_result.h"
#include "rs_run.h"
#include "rs_scenario.h"
#include "rs_soak.h"

#define RS_CTX_MAGIC	0x72737463u	/* "rstc" */
#define RS_REASON	256


enum rs_stop {
	RS_STOP_NONE,
	RS_STOP_DONE,		/* duration over / phases done */
	RS_STOP_SIGNAL,		/* SIGINT/SIGTERM/SIGHUP or rs_run_request_stop() */
	RS_STOP_HANG,
	RS_STOP_ERROR,		/* setup could not continue */
};

enum rs_op {
	RS_OP_REVOKE,		/* trigger revoke call */
	RS_OP_RESTORE,		/* trigger restore call */
	RS_OP_REMAP,		/* importers' restored hooks (or re-export + re-import) */
	RS_OP_NR,
};

const char *rs_op_name(enum rs_op op);		/* "revoke", "restore", "remap" */

/* A plugin's own counter (rs_count()); name is set before nr_counters counts it. */
struct rs_counter {
	const char *name;
	_Atomic uint64_t v;
};

/* Every plugin object the core creates lives in one of these (see rs_rand()). */
struct rs_cobj {
	uint64_t rng;
	_Atomic unsigned int nr_counters;
	struct rs_counter counters[RS_MAX_COUNTERS];
	union {
		struct rs_obj o;
		struct rs_exporter ex;
		struct rs_importer im;
		struct rs_trigger t;
		struct rs_load l;
	} u;
};

struct rs_worker {
	struct rs_ctx *ctx;
	char name[160];
	const char *kind;		/* "sequencer", "trigger", "traffic" */
	pthread_t th;
	_Atomic bool started;
	_Atomic int tid;
	/*
	 * The call in progress.  op_lock is never held across a call, so the watchdog never
	 * waits on a stuck worker; it reads op and op_start together under it.
	 */
	pthread_mutex_t op_lock;
	_Atomic uint64_t op_start;	/* CLOCK_MONOTONIC ns of the plugin call; 0 = none */
	char op[192];			/* e.g. "revoke pci-command on ivshmem0" */
	_Atomic bool exited;
	_Atomic bool hung;		/* reported as a hang */
	struct rs_cexp *_Atomic op_ex;	/* the exporter the call in progress acts on, or NULL */
};

/* Failures and errors by what failed and errno. */
struct rs_errcnt {
	char what[64];			/* "revoke", "restore", "revoked:iommufd0", "traffic" */
	int err;			/* positive errno */
	uint64_t n;
};

struct rs_stats {
	uint64_t cycles, revokes, restores;
	uint64_t revoke_errors, restore_errors, importer_failures;
	uint64_t traffic_calls, traffic_bytes, traffic_expected_errors, traffic_failures;
	struct rs_errcnt *errs;
	size_t nr_errs, cap_errs;
	struct rs_lat *lat[RS_OP_NR];
};

struct rs_cimport;

/* A buffer as the results show it: the core's copy, under ctx->vlock. */
struct rs_bufinfo {
	uint64_t size;
	unsigned long ino;
};

/*
 * Locking.  Whatever another thread reads is written under a lock:
 *  - ctx->vlock: exporters' and loads' state, reason, state_id and buffer info; the
 *    recovered devices, ctx->error and ctx->state_note; the hangs;
 *  - an importer's st_lock: its state, reason, counters and its imports' state/err/reason;
 *  - a pair's st_lock: its state, reason and counters;
 *  - ctx->lock: the phases and the generation (with ctx->cond);
 *  - a worker's op_lock: its call in progress.
 * Lock order: ctx->lock, then a st_lock, then ctx->vlock, then log_lock.  No lock but an
 * importer's lock and an exporter's cycle_lock is held across a plugin call, and the
 * supervisor takes neither of those: it never waits on a stuck worker.
 */
struct rs_cexp {
	struct rs_cobj c;		/* c.u.ex */
	struct rs_section *sec;
	enum rs_result state;		/* PASS: open; SKIP/FAIL: could not open or export */
	char reason[RS_REASON];
	bool opened;
	bool closed;
	char *state_id;			/* recorded in the state file while open */
	struct rs_bufinfo *binfo;	/* [c.u.ex.nr_bufs] */
	pthread_mutex_t cycle_lock;	/* revoke cycles take turns (exclusive) */
	_Atomic int depth;		/* revoke cycles in progress */
	_Atomic uint64_t revoke_start;	/* rs_now_ns() at the last revoke call (rs_revoke_started) */
	_Atomic uint64_t revoke_end;	/* rs_now_ns() when it returned (rs_revoke_returned) */
	_Atomic uint64_t epoch;		/* bumped at each revoke start and each restore end */
	struct rs_cimport **imports;	/* every import of this exporter's buffers */
	size_t nr_imports, cap_imports;
	char *importer_set;		/* "iommufd0+mock0", "-" for none */
	unsigned int nr_pairs;
};

struct rs_cimporter {
	struct rs_cobj c;		/* c.u.im */
	struct rs_section *sec;
	enum rs_result state;
	char reason[RS_REASON];
	bool opened, closed;
	pthread_mutex_t lock;		/* one call into the plugin at a time */
	struct rs_cimport **imports;
	size_t nr_imports, cap_imports;
	struct rs_worker traffic;
	bool traffic_on;
	pthread_mutex_t st_lock;
	struct rs_stats *st;		/* per phase */
	unsigned int ktap_id;
	bool blamed;			/* the culprit of a hang (rs_blame_hangs()) */
	bool behind;			/* its traffic was stuck behind another's hang */
	unsigned int refused;		/* imports the exporters refused as they must */
};

struct rs_cimport {
	struct rs_import imp;
	struct rs_cimporter *im;
	struct rs_cexp *ex;
	bool imported;			/* import() succeeded and not released since */
	bool refused;			/* the exporter refused it, as it must (-RS_EREFUSED) */
	char blocker[RS_REASON];	/* rs_import_blocker(), under rs_blocker_lock */
	enum rs_result state;
	int err;
	char reason[RS_REASON];
};

/* A trigger's timing in one phase. */
struct rs_pphase {
	bool active;
	int timing;			/* 0 periodic, 1 random, 2 burst */
	uint64_t interval, jitter, hold;
	int64_t burst;
};

/* One trigger acting on one exporter: one worker, one KTAP test point. */
struct rs_pair {
	struct rs_cobj c;		/* c.u.t */
	struct rs_section *sec;
	struct rs_cexp *ex;
	void *handle;
	enum rs_result state;
	char reason[RS_REASON];
	struct rs_worker w;
	struct rs_pphase *pp;		/* per phase */
	pthread_mutex_t st_lock;
	struct rs_stats *st;		/* per phase */
	uint64_t cycles_max, cycles_done;
	uint64_t revokes_started;	/* revoke calls begun (st_lock) */
	uint64_t turns_wanted;		/* cycles that waited for the exporter's turn (st_lock) */
	uint64_t trng;			/* the timing's random stream */
	unsigned int consecutive_errors;
	unsigned int ktap_id;
	struct rs_lat *ival[2];		/* this status interval's revokes and restores */
};

struct rs_cload {
	struct rs_cobj c;		/* c.u.l */
	struct rs_section *sec;
	enum rs_result state;
	char reason[RS_REASON];
	bool running;
	bool started_once;
};

struct rs_phase_run {
	struct rs_section *sec;		/* NULL: the implicit single phase */
	const char *name;
	uint64_t duration_ns;		/* 0: to the end of the run */
	uint64_t start_ns, end_ns;	/* relative to the run start; 0 = not reached */
	bool traffic;
	enum rs_result result;
	char reason[RS_REASON];		/* of result, "" for none */
	_Atomic uint64_t failures;
	unsigned int ktap_id;
	const char *blocked_by;		/* cut short by the hang this importer caused */
};

struct rs_recovered {
	char *type, *state_id;
	int pid;
	int err;
	char *reason;
};

struct rs_hang {
	char *worker, *op;
	int tid;
	uint64_t elapsed_ns;
	char *task_state, *stack, *wchan, *proc_wchan, *kmsg;
	char *bundle;			/* hang bundle directory, NULL if not written */
	char *blocked_by;		/* what imports said can block the revoke, or NULL */
	struct rs_worker *w;		/* the worker that hung */
	struct rs_cexp *ex;		/* the exporter its call acted on, or NULL */
	char *culprit;			/* the importer to blame (rs_blame_hangs()), or NULL */
	struct rs_cimport *culprit_ci;	/* its import that holds the revoke */
	char *evidence;			/* the kernel's word on it, or why there is none */
	bool victim;			/* this worker was stuck behind a culprit */
};

/* The trace oracle of the run and its agreement with the live checks (oracle.c). */
struct rs_oracle {
	bool wanted;			/* the scenario collects kernel events */
	char *trace_dir;		/* where they are, once collection stopped */
	bool checked;			/* the events were read */
	bool gap;			/* events were lost within the run's span */
	uint64_t events, lost, violations;	/* violations: clear of every gap */
	uint64_t withheld;		/* findings across a gap: not evidence either way */
	uint64_t confirmed, unchecked, contradicted;	/* the live claims */
	char *shown[5];			/* the first findings, "FILE:LINE: label: text" */
	char why[RS_REASON];		/* not checked: why */
};

struct rs_report;
struct rs_claim;
/*
 * Does the trace r show claim c, a violation of its kind on its dma-buf between the start
 * of the revoke it follows and the claim?  1 yes, 0 cannot tell (outside the trace, events
 * lost), -1 no: the live check and the trace disagree.
 */
int rs_oracle_check_claim(const struct rs_report *r, const struct rs_claim *c);
/* The trace-oracle and live-vs-trace test points (controller/oracle.c). */
void rs_oracle_ktap(struct rs_ctx *ctx);
/* Does the oracle fail the run: violations clear of gaps, or live claims the trace contradicts? */
bool rs_oracle_fails(const struct rs_oracle *o);

/* A live check's claim about the kernel (rs_claim()), checked against the trace. */
struct rs_claim {
	enum rs_claim_kind kind;
	unsigned long ino;
	uint64_t t_ns;			/* CLOCK_MONOTONIC when the check saw it */
	uint64_t since_ns;		/* the revoke call it follows started then (0: unknown) */
	char *who;			/* the importer's section */
	char *what;
	int verdict;			/* rs_oracle: 1 confirmed, 0 unchecked (gap), -1 not in the trace */
};

#define RS_MAX_CLAIMS	1000

struct rs_logline {
	uint64_t t_ns;
	char *msg;
};

struct rs_trace;
struct rs_state;
struct rs_watch;

/* A KTAP point as printed, for kcidb.json. */
struct rs_point {
	char *name;
	enum rs_result result;
	char *reason;			/* NULL: none */
};

struct rs_ctx {
	uint32_t magic;
	struct rs_scenario *scn;
	const struct rs_run_opts *opts;
	FILE *ktap, *status;
	uint64_t seed;
	uint64_t t0, wall0, wall_end;
	uint64_t duration_ns, hang_timeout_ns, cleanup_timeout_ns;
	char results_dir[PATH_MAX];
	char results_file[PATH_MAX];

	_Atomic int stop;		/* enum rs_stop */
	_Atomic bool hung;		/* a hang was declared (whatever stopped the run first) */
	_Atomic int nr_signals;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC; phase changes, stop, worker exits */
	pthread_mutex_t vlock;		/* see "Locking" above */
	_Atomic bool results_wanted;	/* the supervisor is to rewrite results.json */
	unsigned int gen;		/* bumped under lock with each phase change and stop */
	_Atomic int phase;		/* running phase index, -1 outside */

	struct rs_cexp **ex;
	size_t nr_ex;
	struct rs_cimporter **im;
	size_t nr_im;
	struct rs_pair **pairs;
	size_t nr_pairs;
	struct rs_cload **loads;
	size_t nr_loads;
	struct rs_phase_run *phases;
	size_t nr_phases;
	unsigned int ktap_next, ktap_plan;
	unsigned int ktap_pass, ktap_fail, ktap_skip;	/* points printed so far */
	struct rs_point *points;	/* every point printed (under log_lock) */
	size_t nr_points;

	struct rs_worker seq;		/* the sequencer */
	struct rs_worker **workers;	/* every worker: the sequencer first, then the pairs', */
	size_t nr_workers;		/* then the importers' traffic workers */
	_Atomic bool seq_done;
	_Atomic bool setup_done;
	_Atomic uint64_t setup_ns;	/* run start to setup_done, once setup_done */
	_Atomic bool cleanup_complete;	/* everything released and closed */

	struct rs_recovered *recovered;
	size_t nr_recovered;
	struct rs_state *state;		/* the sequencer's while it runs, then the supervisor's */
	struct rs_state_entry *left;	/* what dead runs left in it, for the sequencer */
	size_t nr_left;
	char *trace_inst, *trace_proc;	/* the tracer's leftovers as recorded in it */
	char *state_path;
	char *state_note;		/* why no state file is kept, if so */
	struct rs_trace *trace;
	struct rs_watch *watch;		/* kernel log follower (klog_check) */

	pthread_mutex_t log_lock;
	struct rs_oracle oracle;
	char trace_why[RS_REASON];	/* kernel events not collected: why */
	struct rs_claim *claims;	/* under log_lock; the first RS_MAX_CLAIMS */
	size_t nr_claims, cap_claims;
	uint64_t claims_total;
	struct rs_logline *log;
	size_t nr_log, cap_log, log_dropped;

	struct rs_hang *hangs;		/* [nr_workers]: a worker hangs once at most */
	pthread_t diag_th;		/* the first hang's bundle (rs_hang_collect()) */
	uint64_t hang_stop_at;		/* the supervisor's: stop once the bundle is written */
	bool diag_started;
	_Atomic bool diag_running;
	_Atomic size_t nr_hangs;
	_Atomic bool internal_error;
	char *error;			/* why the run could not be set up */
	int exit_code;
	const char *status_word;	/* "running", "pass", "fail", ... */
	unsigned long taint_start, taint_end;
	struct rs_soak soak;
};

/*
 * The rs_import_blocker() notes of e's imports, "importer X buffer N: note; ...", or NULL
 * when none has one (caller frees).
 */
char *rs_blockers(struct rs_cexp *e);
/* ci's blocker note into note; false when it has none. */
bool rs_import_blocker_get(struct rs_cimport *ci, char *note, size_t len);

/* Monotonic ns since the run started. */
uint64_t rs_ctx_elapsed(const struct rs_ctx *ctx);
/* Record a failure/error by what and errno into st (caller holds the stats lock). */
void rs_stats_err(struct rs_stats *st, const char *what, int err);
void rs_stats_init(struct rs_stats *st);
void rs_stats_fini(struct rs_stats *st);
/* dst += src (counters, errors, histograms). */
void rs_stats_merge(struct rs_stats *dst, const struct rs_stats *src);

/* kcidb.c: kcidb.json in the results directory.  0 or -errno. */
int rs_kcidb_write(struct rs_ctx *ctx);

/* ktap.c */
void rs_ktap_header(struct rs_ctx *ctx);
/* One test point, numbered in output order. */
unsigned int rs_ktap_point(struct rs_ctx *ctx, enum rs_result r, const char *name,
			  const char *reason);	/* returns its number */
void rs_ktap_phase(struct rs_ctx *ctx, struct rs_phase_run *ph);
/* The points not printed yet (pairs, importers, unreached phases) and the totals. */
void rs_ktap_finish(struct rs_ctx *ctx);
void rs_ktap_diag(struct rs_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A pair's totals over all phases, and its result and reason (RS_REASON), as of now. */
void rs_pair_total(struct rs_ctx *ctx, struct rs_pair *p, struct rs_stats *t,
		   enum rs_result *res, char *reason);

/* results.c */
struct rs_json;
/* "key": ISO 8601 UTC with milliseconds, or null for 0 */
void rs_json_time(struct rs_json *j, const char *key, uint64_t wall_ns);
/* Write results.json (atomically).  0 or -errno. */
int rs_results_write(struct rs_ctx *ctx);
/* Ask the supervisor to rewrite results.json (it alone writes them while a run is on). */
void rs_results_request(struct rs_ctx *ctx);

/*
 * diag.c: on a hang, the stuck thread's state, wchan and kernel stack, the hang bundle
 * (rs_repro.h: what `revokestorm repro` replays) and the kernel log tail.
 */
/*
 * Fill in ctx->hangs[idx] (whose worker, op, tid and elapsed time are set): the stuck
 * thread's state, wchan and stack at once; for the first hang, the bundle and the kernel
 * log tail from a thread of its own, which asks for results.json to be rewritten.
 */
void rs_hang_collect(struct rs_ctx *ctx, size_t idx);
/* Wait until deadline for the bundle thread; false if it is still at work. */
bool rs_hang_diag_wait(struct rs_ctx *ctx, uint64_t deadline);
/* Tests: called in the bundle thread before it starts. */
extern void (*rs_hang_diag_hook)(struct rs_ctx *ctx);
void rs_hang_free(struct rs_hang *h);
/* "revokestorm: ..." into /dev/kmsg and the trace (kmsg_markers), like IGT's markers. */
void rs_kmsg_marker(struct rs_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* First line of a /proc or /sys file, or NULL. */
char *rs_read_line(const char *path);

#endif /* RS_CTL_H */
