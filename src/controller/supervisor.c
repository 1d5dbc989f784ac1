// SPDX-License-Identifier: GPL-2.0
/*
 * The supervisor: the thread that calls rs_run().  It never calls into a plugin.
 * It takes signals, prints the status line and the interval log, and watches every
 * worker: a plugin call that does not return within hang_timeout is a hang.  It
 * records the stuck thread's kernel stack, wchan and the kernel log, writes the
 * partial results and stops the run; if the worker stays stuck through cleanup,
 * rs_run() returns with res->stuck set and the caller must _exit() (the thread
 * cannot be joined).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "controller.h"
#include "rs_fdbudget.h"
#include "rs_state.h"
#include "rs_trace.h"
#include "rs_units.h"
#include "rs_util.h"
#include "rs_watch.h"

#define RS_WATCH_NS		(100ULL * 1000000ULL)

static struct rs_ctx *rs_active;
static _Atomic int rs_pending_signals;

/* Count the signals waiting on the signalfd as stop requests. */
static void rs_signals_take(int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		atomic_fetch_add(&rs_pending_signals, 1);
}

void rs_run_request_stop(void)
{
	atomic_fetch_add(&rs_pending_signals, 1);
	rs_wake();
}

/*
 * w's call op has not returned for elapsed: record the hang, mark what it hangs, collect
 * the stuck thread's state and stop the run.
 */
static void rs_declare_hang(struct rs_ctx *ctx, struct rs_worker *w, uint64_t elapsed,
			    const char *op)
{
	struct rs_hang h = {
		.worker = rs_xstrdup(w->name), .op = rs_xstrdup(op),
		.tid = atomic_load(&w->tid), .elapsed_ns = elapsed,
		.w = w, .ex = atomic_load(&w->op_ex),
	};
	struct rs_pair *p = !strcmp(w->kind, "trigger") ?
			    rs_container_of(w, struct rs_pair, w) : NULL;
	char t1[32], t2[32];
	int ph = atomic_load(&ctx->phase);
	size_t idx;

	atomic_store(&w->hung, true);
	atomic_store(&ctx->hung, true);
	rs_log(ctx, "HANG: %s worker %s: '%s' has not returned after %s (hang_timeout %s)",
	       w->kind, w->name, op, rs_fmt_time(elapsed, t1, sizeof(t1)),
	       rs_fmt_time(ctx->hang_timeout_ns, t2, sizeof(t2)));
	if (p) {
		h.blocked_by = rs_blockers(p->ex);
		if (h.blocked_by)
			rs_log(ctx, "HANG: blocked by %s", h.blocked_by);
	}
	pthread_mutex_lock(&ctx->vlock);
	idx = atomic_load(&ctx->nr_hangs);
	ctx->hangs[idx] = h;
	atomic_store(&ctx->nr_hangs, idx + 1);
	pthread_mutex_unlock(&ctx->vlock);
	rs_hang_collect(ctx, idx);
	if (p) {
		rs_set_result(&p->st_lock, &p->state, p->reason, RS_RES_HANG,
			      "hung for %s in: %s%s%s", t1, op, h.blocked_by ? "; blocked by " : "",
			      h.blocked_by ? h.blocked_by : "");
	} else if (!strcmp(w->kind, "traffic")) {
		struct rs_cimporter *m = rs_container_of(w, struct rs_cimporter, traffic);

		rs_set_result(&m->st_lock, &m->state, m->reason, RS_RES_HANG, "hung for %s in: %s",
			      t1, op);
	}
	if (ph >= 0) {
		ctx->phases[ph].failures++;
		pthread_mutex_lock(&ctx->lock);
		ctx->phases[ph].result = RS_RES_HANG;
		pthread_mutex_unlock(&ctx->lock);
	}
	rs_blame_hangs(ctx);
	/*
	 * The stop makes the sequencer close importers, which may unstick the revoke: the
	 * bundle's stacks must be read before that.  While it is written the run goes on
	 * (the supervisor too: watchdog, signals, status), bounded by cleanup_timeout.
	 */
	if (atomic_load(&ctx->diag_running) && !ctx->hang_stop_at)
		ctx->hang_stop_at = rs_now_ns() + ctx->cleanup_timeout_ns;
	else if (!ctx->hang_stop_at)
		rs_stop(ctx, RS_STOP_HANG);
	rs_results_write(ctx);
}

/* The stop a hang put off until its bundle had the stacks (rs_declare_hang()). */
static void rs_hang_stop(struct rs_ctx *ctx, uint64_t now)
{
	if (!ctx->hang_stop_at)
		return;
	if (atomic_load(&ctx->diag_running) && now < ctx->hang_stop_at)
		return;
	if (atomic_load(&ctx->diag_running))
		rs_log(ctx, "the hang bundle is not written after cleanup_timeout; stopping anyway");
	ctx->hang_stop_at = 0;
	rs_stop(ctx, RS_STOP_HANG);
}

static void rs_watchdog(struct rs_ctx *ctx)
{
	uint64_t now = rs_now_ns(), t0;
	char op[sizeof(ctx->seq.op)];
	size_t i;

	for (i = 0; i < ctx->nr_workers; i++) {
		struct rs_worker *w = ctx->workers[i];

		if (!atomic_load(&w->hung) &&
		    rs_op_overdue(w, now, ctx->hang_timeout_ns, &t0, op, sizeof(op)))
			rs_declare_hang(ctx, w, now - t0, op);
	}
}

/* Every pair's and importer's counters summed: revokes, restores, and errors (revoke,
 * restore, importer and traffic failures).  Takes the stats locks. */
static void rs_ctx_totals(struct rs_ctx *ctx, uint64_t *revokes, uint64_t *restores, uint64_t *errors)
{
	size_t i, k;

	*revokes = *restores = *errors = 0;
	for (i = 0; i < ctx->nr_pairs; i++) {
		struct rs_pair *p = ctx->pairs[i];

		pthread_mutex_lock(&p->st_lock);
		for (k = 0; k < ctx->nr_phases; k++) {
			*revokes += p->st[k].revokes;
			*restores += p->st[k].restores;
			*errors += p->st[k].revoke_errors + p->st[k].restore_errors +
				   p->st[k].importer_failures;
		}
		pthread_mutex_unlock(&p->st_lock);
	}
	for (i = 0; i < ctx->nr_im; i++) {
		pthread_mutex_lock(&ctx->im[i]->st_lock);
		for (k = 0; k < ctx->nr_phases; k++)
			*errors += ctx->im[i]->st[k].traffic_failures;
		pthread_mutex_unlock(&ctx->im[i]->st_lock);
	}
}

/* Every pair's interval histograms, taken out and merged into iv. */
static void rs_interval_take(struct rs_ctx *ctx, struct rs_lat *iv[2])
{
	size_t i, k;

	for (i = 0; i < ctx->nr_pairs; i++) {
		struct rs_pair *p = ctx->pairs[i];
		struct rs_lat *old[2];

		pthread_mutex_lock(&p->st_lock);
		for (k = 0; k < 2; k++) {
			old[k] = p->ival[k];
			p->ival[k] = rs_lat_new();
		}
		pthread_mutex_unlock(&p->st_lock);
		for (k = 0; k < 2; k++) {
			rs_lat_merge(iv[k], old[k]);
			rs_lat_free(old[k]);
		}
	}
}

/* One status interval's figures to the interval log and the leak check. */
static void rs_soak_sample(struct rs_ctx *ctx)
{
	struct rs_lat *iv[2] = { rs_lat_new(), rs_lat_new() };
	int ph = atomic_load(&ctx->phase);
	struct rs_soak_sample smp = {
		.phase = ph >= 0 ? ctx->phases[ph].name : NULL,
		.setup_done = ctx->setup_done,
		.lat = { iv[0], iv[1] },
		.hangs = ctx->nr_hangs,
	};

	rs_interval_take(ctx, iv);
	rs_ctx_totals(ctx, &smp.revokes, &smp.restores, &smp.errors);
	if (ctx->watch) {
		smp.kernel_reports = rs_watch_count(ctx->watch);
		smp.kernel_failures = rs_watch_failures(ctx->watch);
	}
	smp.elapsed_ns = rs_ctx_elapsed(ctx);
	rs_soak_interval(&ctx->soak, &smp);
	rs_lat_free(iv[0]);
	rs_lat_free(iv[1]);
}

static void rs_status_line(struct rs_ctx *ctx, uint64_t *last_revokes, uint64_t *last_t)
{
	struct rs_lat *all = rs_lat_new();
	uint64_t revokes, restores, errors, now = rs_now_ns(), p99;
	unsigned int skips = 0;
	int ph = atomic_load(&ctx->phase);
	char el[32], pt[32];
	size_t i, k;
	double rate;

	rs_ctx_totals(ctx, &revokes, &restores, &errors);
	for (i = 0; i < ctx->nr_pairs; i++) {
		struct rs_pair *p = ctx->pairs[i];

		pthread_mutex_lock(&p->st_lock);
		skips += p->state == RS_RES_SKIP;
		for (k = 0; k < ctx->nr_phases; k++)
			rs_lat_merge(all, p->st[k].lat[RS_OP_REVOKE]);
		pthread_mutex_unlock(&p->st_lock);
	}
	rate = now > *last_t ? (double)(revokes - *last_revokes) * 1e9 / (double)(now - *last_t) : 0;
	p99 = rs_lat_count(all) ? rs_lat_pct(all, 99.0) : 0;
	fprintf(ctx->status, "revokestorm: [%s] %s%s: %llu revokes (%.1f/s), p99 %s, %llu errors, %u skipped%s\n",
		rs_fmt_time(rs_ctx_elapsed(ctx) / 100000000ULL * 100000000ULL, el, sizeof(el)),
		ph >= 0 ? "phase " : "", ph >= 0 ? ctx->phases[ph].name : "setup",
		(unsigned long long)revokes, rate,
		p99 ? rs_fmt_time(p99, pt, sizeof(pt)) : "-", (unsigned long long)errors, skips,
		ctx->nr_hangs ? ", HANG" : "");
	fflush(ctx->status);
	*last_revokes = revokes;
	*last_t = now;
	rs_lat_free(all);
}

/* Stuck: join the workers that did return (the stuck ones cannot be). */
static void rs_join_exited(struct rs_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nr_workers; i++) {
		struct rs_worker *w = ctx->workers[i];

		if (w->started && atomic_load(&w->exited)) {
			pthread_join(w->th, NULL);
			w->started = false;
		}
	}
}

static bool rs_any_stuck(struct rs_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nr_workers; i++)
		if (rs_worker_running(ctx->workers[i], true))
			return true;
	return false;
}

int rs_run(struct rs_scenario *scn, const struct rs_run_opts *opts, struct rs_run_result *res)
{
	struct rs_ctx *ctx = rs_xcalloc(1, sizeof(*ctx));
	sigset_t sigs, oldmask;
	pthread_condattr_t ca;
	uint64_t status_every, next_status, last_revokes = 0, last_t, hang_at = 0;
	bool show_status;
	bool abandoned = false, stuck, diag_stuck;
	int err, code, sfd = -1;
	char tbuf[32];

	memset(res, 0, sizeof(*res));
	ctx->magic = RS_CTX_MAGIC;
	ctx->scn = scn;
	ctx->opts = opts;
	ctx->ktap = opts->ktap ? opts->ktap : stdout;
	ctx->status = opts->status ? opts->status : stderr;
	ctx->seed = scn->seed;
	ctx->duration_ns = scn->duration_ns;
	ctx->hang_timeout_ns = rs_sec_time_ns(scn->global, "hang_timeout");
	ctx->cleanup_timeout_ns = rs_sec_time_ns(scn->global, "cleanup_timeout");
	ctx->t0 = rs_now_ns();
	ctx->wall0 = rs_wall_ns();
	ctx->status_word = "running";
	ctx->state_path = rs_xstrdup(opts->state_file ? opts->state_file :
				     rs_sec_str(scn->global, "state_file"));
	atomic_store(&ctx->phase, -1);
	pthread_mutex_init(&ctx->lock, NULL);
	pthread_mutex_init(&ctx->vlock, NULL);
	pthread_mutex_init(&ctx->log_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ctx->cond, &ca);
	pthread_condattr_destroy(&ca);
	rs_worker_init(ctx, &ctx->seq, "sequencer", "sequencer");

	err = rs_results_dir(ctx);
	if (err) {
		fprintf(ctx->status, "revokestorm: cannot use results directory %s: %s\n",
			ctx->results_dir, strerror(-err));
		rs_ctx_free(ctx);
		res->exit_code = RS_EXIT_USAGE;
		return res->exit_code;
	}
	snprintf(res->results_dir, sizeof(res->results_dir), "%s", ctx->results_dir);
	snprintf(res->results_file, sizeof(res->results_file), "%s", ctx->results_file);

	err = rs_wake_open();
	if (err) {
		fprintf(ctx->status, "revokestorm: pipe: %s\n", strerror(-err));
		rs_ctx_free(ctx);
		res->exit_code = RS_EXIT_INTERNAL;
		return res->exit_code;
	}
	atomic_store(&rs_pending_signals, 0);
	/*
	 * SIGINT, SIGTERM and SIGHUP are blocked in every thread of the run (each inherits
	 * this mask) and taken here alone, through a signalfd: no plugin call ever sees
	 * EINTR from them.  Children reset the mask before exec (rs_child_signals()).
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, &oldmask);
	if (opts->handle_signals) {
		sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
		if (sfd < 0)
			fprintf(ctx->status, "revokestorm: signalfd: %s; signals will not stop the run\n",
				strerror(errno));
	}
	rs_active = ctx;

	rs_build(ctx);
	ctx->taint_start = rs_taint_read();
	if (rs_sec_bool(scn->global, "klog_check")) {
		char why[256] = "";

		if (rs_watch_start(&ctx->watch, rs_opt_str(scn->global, "klog_allow"), why,
				   sizeof(why))) {
			ctx->watch = NULL;
			rs_log(ctx, "kernel log not checked: %s", why);
		} else {
			ctx->ktap_plan++;
		}
	}
	rs_soak_start(&ctx->soak, ctx, scn->global, ctx->duration_ns, ctx->results_dir);
	if (ctx->soak.leak_check)
		ctx->ktap_plan++;
	{
		enum rs_trace_mode tm;
		const char *m = rs_sec_str(scn->global, "trace");

		/* the trace oracle and its agreement with the live checks: two points */
		if (m && !rs_trace_mode_parse(m, &tm) && tm != RS_TRACE_OFF) {
			ctx->oracle.wanted = true;
			ctx->ktap_plan += 2;
		}
	}
	rs_ktap_header(ctx);
	rs_log(ctx, "scenario %s (%s), seed %llu, %zu exporters, %zu importers, %zu trigger workers, %zu loads, %zu phases; results in %s",
	       scn->name, scn->path, (unsigned long long)scn->seed, ctx->nr_ex, ctx->nr_im,
	       ctx->nr_pairs, ctx->nr_loads, ctx->nr_phases, ctx->results_dir);
	rs_kmsg_marker(ctx, "run %s seed %llu starts", scn->name, (unsigned long long)scn->seed);
	rs_fd_budget(ctx);
	if (!ctx->error) {	/* else nothing is opened: the sequencer goes to cleanup */
		rs_state_begin(ctx);
		rs_trace_setup(ctx);	/* records what it makes in the state file */
	}
	rs_results_write(ctx);

	if (rs_worker_start(&ctx->seq, rs_seq_main, ctx)) {
		atomic_store(&ctx->internal_error, true);
		ctx->error = rs_xstrdup("cannot start the sequencer thread");
		atomic_store(&ctx->seq_done, true);
	}

	/* the status interval paces both the stderr line and the interval log */
	status_every = rs_sec_time_ns(scn->global, "status_interval");
	show_status = !opts->quiet;
	last_t = rs_now_ns();
	next_status = status_every ? last_t + status_every : UINT64_MAX;
	while (!atomic_load(&ctx->seq_done)) {
		struct pollfd pfd[2] = {
			{ .fd = rs_wake_pollfd(), .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		uint64_t now = rs_now_ns(), wait = RS_WATCH_NS;

		if (next_status > now && next_status - now < wait)
			wait = next_status - now;
		poll(pfd, 2, (int)(wait / 1000000ULL) + 1);
		rs_wake_drain();
		if (sfd >= 0)
			rs_signals_take(sfd);
		if (atomic_exchange(&ctx->results_wanted, false))
			rs_results_write(ctx);
		if (atomic_load(&rs_pending_signals)) {
			int n = atomic_exchange(&rs_pending_signals, 0);

			atomic_fetch_add(&ctx->nr_signals, n);
			if (atomic_load(&ctx->stop) == RS_STOP_NONE) {
				rs_log(ctx, "stopping (signal); again to stop without waiting for cleanup");
				rs_stop(ctx, RS_STOP_SIGNAL);
			}
			if (atomic_load(&ctx->nr_signals) >= 2) {
				rs_log(ctx, "second signal: not waiting for cleanup");
				abandoned = true;
				break;
			}
		}
		rs_watchdog(ctx);
		now = rs_now_ns();
		rs_hang_stop(ctx, now);
		if (atomic_load(&ctx->nr_hangs) && !hang_at && atomic_load(&ctx->stop))
			hang_at = now;	/* cleanup's time runs from the stop */
		if (hang_at && now - hang_at > ctx->cleanup_timeout_ns + ctx->hang_timeout_ns) {
			rs_log(ctx, "cleanup did not finish after the hang; giving up on it");
			abandoned = true;
			break;
		}
		if (now >= next_status) {
			if (show_status)
				rs_status_line(ctx, &last_revokes, &last_t);
			rs_soak_sample(ctx);
			next_status = now + status_every;
		}
	}
	if (ctx->soak.f)
		rs_soak_sample(ctx);	/* the last, partial interval */
	/* the hang bundle, if one is being written: bounded, it may be stuck itself */
	diag_stuck = !rs_hang_diag_wait(ctx, rs_now_ns() + ctx->cleanup_timeout_ns);
	if (diag_stuck)
		rs_log(ctx, "the hang bundle is still being written after %s; not waiting",
		       rs_fmt_time(ctx->cleanup_timeout_ns, tbuf, sizeof(tbuf)));

	ctx->wall_end = rs_wall_ns();
	ctx->taint_end = rs_taint_read();
	stuck = rs_any_stuck(ctx) || diag_stuck;
	if (abandoned && !atomic_load(&ctx->cleanup_complete))
		rs_log(ctx, "cleanup incomplete%s%s", ctx->state_path ? "; the state file keeps the held devices: " : "",
		       ctx->state_path ? ctx->state_path : "");
	rs_fd_reserve_release();	/* room for the trace, the oracle and the last writes */
	/*
	 * Even when a worker stays stuck: only core code uses the trace, and a stuck worker is
	 * inside a plugin call.  The instance and perf must not outlive the run, and the trace
	 * oracle reads what was collected before the verdict.
	 */
	if (ctx->trace && !diag_stuck) {	/* else the bundle thread may still read it */
		char why[256];

		/* finished, not freed: results.json says what it holds (rs_trace_info()) */
		if (rs_trace_end(ctx, why, sizeof(why)))
			snprintf(ctx->trace_why, sizeof(ctx->trace_why), "kernel events incomplete: %.200s", why);
		else
			ctx->oracle.trace_dir = rs_xstrdup(ctx->results_dir);
	} else if (ctx->trace) {
		snprintf(ctx->trace_why, sizeof(ctx->trace_why),
			 "the hang diagnostics still read the kernel events");
	}
	rs_oracle_run(ctx);
	rs_blame_hangs(ctx);	/* with the kernel reports that came in since */
	rs_finish(ctx);
	/* the hang bundle was still being written: its trace is finished only now, after the verdict */
	if (ctx->trace && diag_stuck) {
		char why[256];

		rs_trace_end(ctx, why, sizeof(why));
	}
	rs_ktap_finish(ctx);
	if (rs_results_write(ctx))
		ctx->exit_code = ctx->exit_code ? ctx->exit_code : RS_EXIT_INTERNAL;
	if (rs_kcidb_write(ctx))
		ctx->exit_code = ctx->exit_code ? ctx->exit_code : RS_EXIT_INTERNAL;
	rs_kmsg_marker(ctx, "run %s ends: %s", scn->name, ctx->status_word);
	rs_log(ctx, "%s; results: %s", ctx->status_word,
	       ctx->results_file);
	if (ctx->trace && !stuck) {
		rs_trace_stop(ctx->trace);
		ctx->trace = NULL;
	}
	if (atomic_load(&ctx->seq_done)) {	/* else the sequencer may still use it */
		rs_state_close(ctx->state);
		ctx->state = NULL;
	}
	rs_watch_stop(ctx->watch);
	ctx->watch = NULL;
	rs_soak_stop(&ctx->soak);
	code = ctx->exit_code;
	res->exit_code = code;
	res->stuck = stuck;
	if (sfd >= 0) {
		rs_signals_take(sfd);	/* none is left pending for the old mask */
		close(sfd);
	}
	pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
	if (!stuck) {
		rs_active = NULL;
		if (ctx->seq.started)
			pthread_join(ctx->seq.th, NULL);
		rs_ctx_free(ctx);
	} else {
		rs_join_exited(ctx);
	}
	/* stuck: threads still use ctx; the caller _exit()s */
	return code;
}

void rs_run_emergency(void)
{
	struct rs_ctx *ctx = rs_active;
	size_t i;

	if (!ctx || ctx->wall_end)
		return;
	rs_active = NULL;
	rs_fd_reserve_release();
	rs_stop(ctx, RS_STOP_ERROR);
	for (i = 0; i < ctx->nr_loads; i++) {
		struct rs_cload *l = ctx->loads[i];

		if (l->running && l->c.u.l.ops->stop)
			l->c.u.l.ops->stop(&l->c.u.l);
		l->running = false;
	}
	ctx->wall_end = rs_wall_ns();
	atomic_store(&ctx->internal_error, true);
	ctx->status_word = "error";
	ctx->exit_code = RS_EXIT_INTERNAL;
	rs_results_write(ctx);
}
