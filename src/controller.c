// SPDX-License-Identifier: GPL-2.0
/*
 * The controller: runs a resolved scenario.
 *
 * The supervisor (the thread that calls rs_run()) never calls into a plugin.  It waits
 * for signals, prints the status line, and watches every worker: a plugin call that does
 * not return within hang_timeout is a hang.  It records the stuck thread's kernel stack,
 * wchan and the kernel log, writes the partial results and stops the run; if the worker
 * stays stuck through cleanup, rs_run() returns with res->stuck set and the caller must
 * _exit() (the thread cannot be joined).
 *
 * The sequencer thread opens exporters, exports, opens importers, imports, probes
 * triggers, starts the workers, runs the phases (starting and stopping loads) and cleans
 * up.  Trigger workers (one per trigger x exporter) fire revoke cycles; traffic workers
 * (one per importer) run traffic between revokes.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rs_ctl.h"
#include "rs_state.h"
#include "rs_trace.h"
#include "rs_units.h"
#include "rs_util.h"
#include "rs_watch.h"

#define RS_WATCH_NS		(100ULL * 1000000ULL)
#define RS_MAX_CONSEC_ERRORS	10
#define RS_LOG_ERRORS		5	/* per pair: the first errors go to the log */

static struct rs_ctx *rs_active;
static int rs_wake_fd[2] = { -1, -1 };
static _Atomic int rs_pending_signals;

/* ------------------------------------------------------------------ helpers */

static void rs_wake(void)
{
	char c = 1;
	int saved = errno;

	if (rs_wake_fd[1] >= 0)
		(void)!write(rs_wake_fd[1], &c, 1);	/* a full pipe is awake already */
	errno = saved;
}

static void rs_signal_handler(int sig)
{
	atomic_fetch_add(&rs_pending_signals, 1);
	rs_wake();
}

void rs_run_request_stop(void)
{
	atomic_fetch_add(&rs_pending_signals, 1);
	rs_wake();
}

static void rs_stop(struct rs_ctx *ctx, enum rs_stop why)
{
	int none = RS_STOP_NONE;

	if (atomic_compare_exchange_strong(&ctx->stop, &none, (int)why)) {
		pthread_mutex_lock(&ctx->lock);
		ctx->gen++;
		pthread_cond_broadcast(&ctx->cond);
		pthread_mutex_unlock(&ctx->lock);
		rs_wake();
	}
}

/* Wake every waiter; bump: a new phase (workers restart their timing). */
static void rs_kick(struct rs_ctx *ctx, bool bump)
{
	pthread_mutex_lock(&ctx->lock);
	if (bump)
		ctx->gen++;
	pthread_cond_broadcast(&ctx->cond);
	pthread_mutex_unlock(&ctx->lock);
}

static unsigned int rs_gen(struct rs_ctx *ctx)
{
	unsigned int g;

	pthread_mutex_lock(&ctx->lock);
	g = ctx->gen;
	pthread_mutex_unlock(&ctx->lock);
	return g;
}

/*
 * Sleep until the monotonic deadline, a generation change or a stop.
 * Returns true if the deadline was reached undisturbed.
 */
static bool rs_wait_until(struct rs_ctx *ctx, uint64_t deadline, unsigned int gen0)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline / 1000000000ULL),
		.tv_nsec = (long)(deadline % 1000000000ULL),
	};
	bool reached = false;

	pthread_mutex_lock(&ctx->lock);
	for (;;) {
		if (ctx->gen != gen0 || atomic_load(&ctx->stop))
			break;
		if (rs_now_ns() >= deadline) {
			reached = true;
			break;
		}
		pthread_cond_timedwait(&ctx->cond, &ctx->lock, &ts);
	}
	pthread_mutex_unlock(&ctx->lock);
	return reached;
}

/*
 * Lock m unless the run stops first (false).  even_when_stopping: also while stopping (to
 * finish a cycle), but not once a hang was declared: the holder may be the stuck thread.
 */
static bool rs_lock_or_stop(struct rs_ctx *ctx, pthread_mutex_t *m, bool even_when_stopping)
{
	for (;;) {
		struct timespec ts;

		if (!even_when_stopping && atomic_load(&ctx->stop))
			return false;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (!pthread_mutex_timedlock(m, &ts))
			return true;
		if (even_when_stopping && atomic_load(&ctx->hung))
			return false;	/* the holder may be the stuck one */
	}
}

static void rs_op_begin(struct rs_worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rs_op_begin(struct rs_worker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->op, sizeof(w->op), fmt, ap);
	va_end(ap);
	atomic_store(&w->op_start, rs_now_ns());
}

static uint64_t rs_op_end(struct rs_worker *w)
{
	uint64_t t0 = atomic_exchange(&w->op_start, 0);

	return rs_now_ns() - t0;
}

static void rs_worker_init(struct rs_ctx *ctx, struct rs_worker *w, const char *kind,
			   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void rs_worker_init(struct rs_ctx *ctx, struct rs_worker *w, const char *kind,
			   const char *fmt, ...)
{
	va_list ap;

	w->ctx = ctx;
	w->kind = kind;
	va_start(ap, fmt);
	vsnprintf(w->name, sizeof(w->name), fmt, ap);
	va_end(ap);
}

static void rs_worker_enter(struct rs_worker *w, bool block_signals)
{
	char comm[16];

	atomic_store(&w->tid, (int)syscall(SYS_gettid));
	if (block_signals) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGHUP);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	}
	snprintf(comm, sizeof(comm), "rs-%.12s", w->name);
	pthread_setname_np(pthread_self(), comm);
}

static void rs_worker_exit(struct rs_worker *w)
{
	atomic_store(&w->exited, true);
	rs_kick(w->ctx, false);
	rs_wake();
}

static int rs_worker_start(struct rs_worker *w, void *(*fn)(void *), void *arg)
{
	int err = pthread_create(&w->th, NULL, fn, arg);

	if (err)
		return -err;
	w->started = true;
	return 0;
}

/* An optional core key: its value, or NULL when unset. */
static const char *rs_opt_str(const struct rs_section *s, const char *key)
{
	const struct rs_kv *kv = rs_sec_kv(s, key);

	return kv ? kv->value : NULL;
}

static void rs_obj_init(struct rs_ctx *ctx, struct rs_cobj *c, struct rs_section *sec,
			const char *salt)
{
	c->u.o.name = sec->name;
	c->u.o.sec = sec;
	c->u.o.ctx = ctx;
	c->rng = rs_hash_str(rs_hash_str(ctx->seed ^ 0x5eedULL, sec->name), salt);
}

/* ------------------------------------------------------------------ setup */

static void rs_build(struct rs_ctx *ctx)
{
	struct rs_scenario *scn = ctx->scn;
	size_t i, j, nphase = rs_scn_count(scn, RS_SEC_PHASE), cap_pairs = 0;

	/* phases */
	ctx->nr_phases = nphase ? nphase : 1;
	ctx->phases = rs_xcalloc(ctx->nr_phases, sizeof(*ctx->phases));
	for (i = 0; i < ctx->nr_phases; i++) {
		struct rs_phase_run *ph = &ctx->phases[i];

		ph->sec = nphase ? rs_scn_nth(scn, RS_SEC_PHASE, i) : NULL;
		ph->name = ph->sec ? ph->sec->name : "main";
		ph->duration_ns = ph->sec && rs_sec_has(ph->sec, "duration") ?
				  rs_sec_time_ns(ph->sec, "duration") : 0;
		ph->traffic = ph->sec ? rs_sec_bool(ph->sec, "traffic") : true;
	}

	/* exporters */
	ctx->nr_ex = rs_scn_count(scn, RS_SEC_EXPORTER);
	ctx->ex = rs_xcalloc(ctx->nr_ex + 1, sizeof(*ctx->ex));
	for (i = 0; i < ctx->nr_ex; i++) {
		struct rs_cexp *e = rs_xcalloc(1, sizeof(*e));
		struct rs_exporter *ex = &e->c.u.ex;
		unsigned int b;

		e->sec = rs_scn_nth(scn, RS_SEC_EXPORTER, i);
		rs_obj_init(ctx, &e->c, e->sec, "exporter");
		ex->ops = e->sec->plugin->ops;
		ex->nr_bufs = (unsigned int)rs_sec_int(e->sec, "count");
		ex->bufs = rs_xcalloc(ex->nr_bufs, sizeof(*ex->bufs));
		for (b = 0; b < ex->nr_bufs; b++) {
			ex->bufs[b].fd = -1;
			ex->bufs[b].index = b;
			ex->bufs[b].ex = ex;
		}
		pthread_mutex_init(&e->cycle_lock, NULL);
		e->state = RS_RES_NOTRUN;
		ctx->ex[i] = e;
	}

	/* importers and their imports */
	ctx->nr_im = rs_scn_count(scn, RS_SEC_IMPORTER);
	ctx->im = rs_xcalloc(ctx->nr_im + 1, sizeof(*ctx->im));
	for (i = 0; i < ctx->nr_im; i++) {
		struct rs_cimporter *m = rs_xcalloc(1, sizeof(*m));

		m->sec = rs_scn_nth(scn, RS_SEC_IMPORTER, i);
		rs_obj_init(ctx, &m->c, m->sec, "importer");
		m->c.u.im.ops = m->sec->plugin->ops;
		pthread_mutex_init(&m->lock, NULL);
		pthread_mutex_init(&m->st_lock, NULL);
		m->st = rs_xcalloc(ctx->nr_phases, sizeof(*m->st));
		for (j = 0; j < ctx->nr_phases; j++)
			rs_stats_init(&m->st[j]);
		rs_worker_init(ctx, &m->traffic, "traffic", "%s", m->sec->name);
		m->state = RS_RES_NOTRUN;
		for (j = 0; j < ctx->nr_ex; j++) {
			struct rs_cexp *e = ctx->ex[j];
			unsigned int b;

			if (!rs_sec_list_has(m->sec, "exporters", e->sec->name))
				continue;
			for (b = 0; b < e->c.u.ex.nr_bufs; b++) {
				struct rs_cimport *ci = rs_xcalloc(1, sizeof(*ci));

				ci->imp.buf = &e->c.u.ex.bufs[b];
				ci->im = m;
				ci->ex = e;
				rs_xgrow(&m->imports, &m->cap_imports, m->nr_imports, sizeof(*m->imports));
				m->imports[m->nr_imports++] = ci;
				rs_xgrow(&e->imports, &e->cap_imports, e->nr_imports, sizeof(*e->imports));
				e->imports[e->nr_imports++] = ci;
			}
		}
		ctx->im[i] = m;
	}
	for (i = 0; i < ctx->nr_ex; i++) {
		struct rs_buf_str b = { 0 };

		for (j = 0; j < ctx->nr_im; j++) {
			if (!rs_sec_list_has(ctx->im[j]->sec, "exporters", ctx->ex[i]->sec->name))
				continue;
			if (b.len)
				rs_str_addc(&b, '+');
			rs_str_add(&b, ctx->im[j]->sec->name);
		}
		if (!b.len)
			rs_str_add(&b, "-");
		ctx->ex[i]->importer_set = rs_str_steal(&b);
	}

	/* trigger x exporter pairs */
	for (i = 0; i < rs_scn_count(scn, RS_SEC_TRIGGER); i++) {
		struct rs_section *ts = rs_scn_nth(scn, RS_SEC_TRIGGER, i);

		for (j = 0; j < ctx->nr_ex; j++) {
			struct rs_cexp *e = ctx->ex[j];
			struct rs_pair *p;
			size_t k;

			if (!rs_sec_list_has(ts, "exporters", e->sec->name))
				continue;
			p = rs_xcalloc(1, sizeof(*p));
			p->sec = ts;
			p->ex = e;
			rs_obj_init(ctx, &p->c, ts, e->sec->name);
			p->c.u.t.ops = ts->plugin->ops;
			pthread_mutex_init(&p->st_lock, NULL);
			p->ival[0] = rs_lat_new();
			p->ival[1] = rs_lat_new();
			p->st = rs_xcalloc(ctx->nr_phases, sizeof(*p->st));
			p->pp = rs_xcalloc(ctx->nr_phases, sizeof(*p->pp));
			for (k = 0; k < ctx->nr_phases; k++) {
				struct rs_section *ps = ctx->phases[k].sec;
				struct rs_pphase *pp = &p->pp[k];

				rs_stats_init(&p->st[k]);
				pp->active = !ps || rs_sec_list_has(ps, "triggers", ts->name);
#define PICK(key, fn) (ps && rs_sec_has(ps, key) ? fn(ps, key) : fn(ts, key))
				pp->timing = (int)PICK("timing", rs_sec_int);
				pp->interval = PICK("interval", rs_sec_time_ns);
				pp->jitter = PICK("jitter", rs_sec_time_ns);
				pp->hold = PICK("hold", rs_sec_time_ns);
				pp->burst = PICK("burst", rs_sec_int);
#undef PICK
			}
			p->cycles_max = (uint64_t)rs_sec_int(ts, "cycles");
			/* timing has a stream of its own: plugins' rs_rand() use does not shift it */
			p->trng = p->c.rng ^ 0x7133ULL;
			rs_worker_init(ctx, &p->w, "trigger", "%s.%s", ts->name, e->sec->name);
			p->state = RS_RES_NOTRUN;
			e->nr_pairs++;
			rs_xgrow(&ctx->pairs, &cap_pairs, ctx->nr_pairs, sizeof(*ctx->pairs));
			ctx->pairs[ctx->nr_pairs++] = p;
		}
	}

	/* loads */
	ctx->nr_loads = rs_scn_count(scn, RS_SEC_LOAD);
	ctx->loads = rs_xcalloc(ctx->nr_loads + 1, sizeof(*ctx->loads));
	for (i = 0; i < ctx->nr_loads; i++) {
		struct rs_cload *l = rs_xcalloc(1, sizeof(*l));

		l->sec = rs_scn_nth(scn, RS_SEC_LOAD, i);
		rs_obj_init(ctx, &l->c, l->sec, "load");
		l->c.u.l.ops = l->sec->plugin->ops;
		l->state = RS_RES_NOTRUN;
		ctx->loads[i] = l;
	}
	ctx->ktap_plan = (unsigned int)(ctx->nr_phases + ctx->nr_pairs + ctx->nr_im);
	/* an exporter no trigger acts on gets a test point of its own (exporter.NAME) */
	for (i = 0; i < ctx->nr_ex; i++)
		ctx->ktap_plan += !ctx->ex[i]->nr_pairs;
	ctx->workers = rs_xcalloc(1 + ctx->nr_pairs + ctx->nr_im, sizeof(*ctx->workers));
	ctx->workers[ctx->nr_workers++] = &ctx->seq;
	for (i = 0; i < ctx->nr_pairs; i++)
		ctx->workers[ctx->nr_workers++] = &ctx->pairs[i]->w;
	for (i = 0; i < ctx->nr_im; i++)
		ctx->workers[ctx->nr_workers++] = &ctx->im[i]->traffic;
}

static void rs_set_reason(char *dst, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rs_set_reason(char *dst, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, RS_REASON, fmt, ap);
	va_end(ap);
}

/* The reason a plugin left, or strerror when it left none. */
static const char *rs_why(struct rs_obj *o, int err)
{
	if (!o->reason[0])
		snprintf(o->reason, sizeof(o->reason), "%s", err == -RS_ESKIP ? "skipped" :
			 strerror(-err));
	return o->reason;
}

/* Stale entries of a killed run: call the owning exporter type's recover hook. */
static void rs_state_setup(struct rs_ctx *ctx)
{
	struct rs_state_entry *stale = NULL;
	size_t nr = 0, i;
	int owner = 0, err;
	struct rs_worker *w = &ctx->seq;

	err = rs_state_open(ctx->state_path, ctx->scn->name, &ctx->state, &stale, &nr, &owner);
	if (err == -EBUSY) {
		ctx->error = rs_xasprintf("state file %s is held by a running revokestorm (pid %d); "
					  "set state_file to run another scenario at the same time",
					  ctx->state_path, owner);
		return;
	}
	if (err) {
		ctx->state_note = rs_xasprintf("no state file (%s: %s): devices left revoked by a crash will not be recovered automatically",
					       ctx->state_path, strerror(-err));
		rs_log(ctx, "warning: %s", ctx->state_note);
		return;
	}
	for (i = 0; i < nr; i++) {
		struct rs_state_entry *e = &stale[i];
		const struct rs_exporter_ops *ops;
		struct rs_recovered *r;

		ctx->recovered = rs_xrealloc(ctx->recovered,
					     (ctx->nr_recovered + 1) * sizeof(*ctx->recovered));
		r = &ctx->recovered[ctx->nr_recovered++];
		memset(r, 0, sizeof(*r));
		r->type = rs_xstrdup(e->type);
		r->state_id = rs_xstrdup(e->id);
		r->pid = e->pid;
		if (e->alive) {
			r->err = -EBUSY;
			r->reason = rs_xasprintf("held by pid %d, which is still alive (stuck?): left alone",
						 e->pid);
		} else if (!(ops = rs_find_exporter(e->type)) || !ops->recover) {
			r->err = -EOPNOTSUPP;
			r->reason = rs_xasprintf("exporter type '%s' %s", e->type,
						 ops ? "has no recover hook" : "is not built in");
		} else {
			rs_op_begin(w, "recover %s (%s)", e->id, e->type);
			r->err = ops->recover(ctx, e->id);
			rs_op_end(w);
			r->reason = rs_xstrdup(r->err == 0 ? "restored" : r->err == -RS_ESKIP ?
					       "nothing to do" : strerror(-r->err));
		}
		rs_log(ctx, "state file: %s left by pid %d (%s): %s", e->id, e->pid, e->type,
		       r->reason);
		rs_ktap_diag(ctx, "%s %s left by pid %d: %s", r->err ? "not recovered:" : "recovered",
			     e->id, e->pid, r->reason);
	}
	rs_state_entries_free(stale, nr);
}

static void rs_setup_exporters(struct rs_ctx *ctx)
{
	struct rs_worker *w = &ctx->seq;
	size_t i;

	for (i = 0; i < ctx->nr_ex && !atomic_load(&ctx->stop); i++) {
		struct rs_cexp *e = ctx->ex[i];
		struct rs_exporter *ex = &e->c.u.ex;
		unsigned int b;
		int err = 0;

		rs_op_begin(w, "open exporter %s (%s)", e->sec->name, ex->ops->type);
		err = ex->ops->open ? ex->ops->open(ex) : 0;
		rs_op_end(w);
		if (err) {
			e->state = err == -RS_ESKIP ? RS_RES_SKIP : RS_RES_FAIL;
			rs_set_reason(e->reason, "%s", rs_why(&ex->o, err));
			rs_log(ctx, "exporter %s: %s: %s", e->sec->name,
			       err == -RS_ESKIP ? "skipped" : "open failed", e->reason);
			continue;
		}
		e->opened = true;
		e->state = RS_RES_PASS;
		if (ex->ops->state_id) {
			const char *id = ex->ops->state_id(ex);

			if (id && *id) {
				e->state_id = rs_xstrdup(id);
				if (ctx->state && rs_state_add(ctx->state, ex->ops->type, id))
					rs_log(ctx, "warning: cannot record %s in %s", id, ctx->state_path);
			}
		}
		for (b = 0; b < ex->nr_bufs && !atomic_load(&ctx->stop); b++) {
			struct rs_buf *buf = &ex->bufs[b];

			rs_op_begin(w, "export buffer %u of %s", b, e->sec->name);
			err = ex->ops->export ? ex->ops->export(ex, buf) : -EOPNOTSUPP;
			rs_op_end(w);
			if (err) {
				buf->fd = -1;
				e->state = err == -RS_ESKIP && b == 0 ? RS_RES_SKIP : RS_RES_FAIL;
				rs_set_reason(e->reason, "export of buffer %u: %s", b,
					      rs_why(&ex->o, err));
				rs_log(ctx, "exporter %s: %s", e->sec->name, e->reason);
				break;
			}
		}
	}
}

static void rs_setup_importers(struct rs_ctx *ctx)
{
	struct rs_worker *w = &ctx->seq;
	size_t i, j;

	for (i = 0; i < ctx->nr_im && !atomic_load(&ctx->stop); i++) {
		struct rs_cimporter *m = ctx->im[i];
		struct rs_importer *im = &m->c.u.im;
		int err;

		rs_op_begin(w, "open importer %s (%s)", m->sec->name, im->ops->type);
		err = im->ops->open ? im->ops->open(im) : 0;
		rs_op_end(w);
		if (err) {
			m->state = err == -RS_ESKIP ? RS_RES_SKIP : RS_RES_FAIL;
			rs_set_reason(m->reason, "%s", rs_why(&im->o, err));
			rs_log(ctx, "importer %s: %s: %s", m->sec->name,
			       err == -RS_ESKIP ? "skipped" : "open failed", m->reason);
			continue;
		}
		m->opened = true;
		for (j = 0; j < m->nr_imports && !atomic_load(&ctx->stop); j++) {
			struct rs_cimport *ci = m->imports[j];

			if (ci->imp.buf->fd < 0) {
				ci->state = RS_RES_SKIP;
				rs_set_reason(ci->reason, "exporter %s has no buffer %u (%s)",
					      ci->ex->sec->name, ci->imp.buf->index,
					      ci->ex->reason[0] ? ci->ex->reason : "not exported");
				continue;
			}
			im->o.reason[0] = '\0';
			rs_op_begin(w, "import buffer %u of %s into %s", ci->imp.buf->index,
				    ci->ex->sec->name, m->sec->name);
			err = im->ops->import ? im->ops->import(im, &ci->imp) : -EOPNOTSUPP;
			rs_op_end(w);
			ci->err = err;
			if (err) {
				ci->state = err == -RS_ESKIP ? RS_RES_SKIP : RS_RES_FAIL;
				rs_set_reason(ci->reason, "%s", rs_why(&im->o, err));
				rs_log(ctx, "importer %s: import of %s buffer %u: %s: %s", m->sec->name,
				       ci->ex->sec->name, ci->imp.buf->index,
				       err == -RS_ESKIP ? "skipped" : rs_errno_name(err), ci->reason);
				continue;
			}
			ci->imported = true;
			ci->imp.live = true;
			ci->state = RS_RES_PASS;
		}
		m->traffic_on = im->ops->traffic && rs_sec_bool(m->sec, "traffic");
	}
}

static void rs_setup_pairs(struct rs_ctx *ctx)
{
	struct rs_worker *w = &ctx->seq;
	size_t i;

	for (i = 0; i < ctx->nr_pairs && !atomic_load(&ctx->stop); i++) {
		struct rs_pair *p = ctx->pairs[i];
		struct rs_cexp *e = p->ex;
		struct rs_exporter *ex = &e->c.u.ex;
		struct rs_trigger *t = &p->c.u.t;
		int err;

		if (e->state != RS_RES_PASS) {
			p->state = e->state == RS_RES_SKIP ? RS_RES_SKIP : RS_RES_FAIL;
			rs_set_reason(p->reason, "exporter %s: %s", e->sec->name, e->reason);
			continue;
		}
		if (!ex->ops->revocable) {
			p->state = RS_RES_SKIP;
			rs_set_reason(p->reason, "exporter %s (type %s) cannot be revoked",
				      e->sec->name, ex->ops->type);
			continue;
		}
		if (t->ops->needs) {
			rs_op_begin(w, "handle '%s' of %s", t->ops->needs, e->sec->name);
			p->handle = ex->ops->handle ? ex->ops->handle(ex, t->ops->needs) : NULL;
			rs_op_end(w);
			if (!p->handle) {
				p->state = RS_RES_SKIP;
				rs_set_reason(p->reason,
					      "exporter %s (type %s) has no '%s' interface, which trigger %s (type %s) needs",
					      e->sec->name, ex->ops->type, t->ops->needs,
					      p->sec->name, t->ops->type);
				continue;
			}
		}
		if (t->ops->probe) {
			rs_op_begin(w, "probe %s on %s", p->sec->name, e->sec->name);
			err = t->ops->probe(t, ex, p->handle);
			rs_op_end(w);
			if (err) {
				p->state = err == -RS_ESKIP ? RS_RES_SKIP : RS_RES_FAIL;
				rs_set_reason(p->reason, "%s", rs_why(&t->o, err));
				rs_log(ctx, "%s: %s: %s", p->w.name,
				       err == -RS_ESKIP ? "skipped" : "probe failed", p->reason);
				continue;
			}
		}
		p->state = RS_RES_PASS;
	}
}

/* ------------------------------------------------------------------ trigger workers */

static void rs_pair_err(struct rs_pair *p, struct rs_stats *st, const char *what, int err,
			const char *reason)
{
	struct rs_ctx *ctx = p->w.ctx;
	uint64_t n;
	size_t i;

	rs_stats_err(st, what, err);
	for (i = 0, n = 0; i < st->nr_errs; i++)
		n += st->errs[i].n;
	if (n <= RS_LOG_ERRORS)
		rs_log(ctx, "%s: %s: %s%s%s", p->w.name, what, rs_errno_name(err),
		       reason && *reason ? ": " : "", reason ? reason : "");
	if (!p->reason[0])
		rs_set_reason(p->reason, "%s: %s%s%s", what, rs_errno_name(err),
			      reason && *reason ? ": " : "", reason ? reason : "");
}

/* Call an importer hook for every import of p's exporter; returns failures. */
static unsigned int rs_importer_hooks(struct rs_pair *p, struct rs_stats *st, bool revoked)
{
	struct rs_ctx *ctx = p->w.ctx;
	struct rs_cexp *e = p->ex;
	unsigned int fails = 0;
	size_t i;

	for (i = 0; i < e->nr_imports; i++) {
		struct rs_cimport *ci = e->imports[i];
		struct rs_cimporter *m = ci->im;
		struct rs_importer *im = &m->c.u.im;
		int (*hook)(struct rs_importer *, struct rs_import *);
		char what[64];
		int err;

		if (!rs_lock_or_stop(ctx, &m->lock, true))
			continue;
		if (m->closed || !ci->imported) {
			pthread_mutex_unlock(&m->lock);
			continue;
		}
		hook = revoked ? im->ops->revoked : im->ops->restored;
		if (revoked)
			ci->imp.live = false;
		err = 0;
		if (hook) {
			im->o.reason[0] = '\0';
			rs_op_begin(&p->w, "%s hook of importer %s, buffer %u of %s",
				    revoked ? "revoked" : "restored", m->sec->name,
				    ci->imp.buf->index, e->sec->name);
			err = hook(im, &ci->imp);
			rs_op_end(&p->w);
		}
		if (!revoked && !err)
			ci->imp.live = true;
		if (err && err != -RS_ESKIP) {
			snprintf(what, sizeof(what), "%s:%s", revoked ? "revoked" : "restored",
				 m->sec->name);
			pthread_mutex_lock(&p->st_lock);
			st->importer_failures++;
			rs_pair_err(p, st, what, err, im->o.reason);
			pthread_mutex_unlock(&p->st_lock);
			fails++;
		}
		pthread_mutex_unlock(&m->lock);
	}
	return fails;
}

/* Device-close style triggers: the buffers are gone; export and import them anew. */
static unsigned int rs_reexport(struct rs_pair *p, struct rs_stats *st)
{
	struct rs_ctx *ctx = p->w.ctx;
	struct rs_cexp *e = p->ex;
	struct rs_exporter *ex = &e->c.u.ex;
	unsigned int fails = 0, b;
	char what[64];
	size_t i;
	int err;

	for (i = 0; i < e->nr_imports; i++) {
		struct rs_cimport *ci = e->imports[i];
		struct rs_cimporter *m = ci->im;

		if (!rs_lock_or_stop(ctx, &m->lock, true))
			continue;
		if (!m->closed && ci->imported && m->c.u.im.ops->release) {
			rs_op_begin(&p->w, "release import of buffer %u of %s from %s",
				    ci->imp.buf->index, e->sec->name, m->sec->name);
			m->c.u.im.ops->release(&m->c.u.im, &ci->imp);
			rs_op_end(&p->w);
		}
		ci->imported = false;
		ci->imp.live = false;
		pthread_mutex_unlock(&m->lock);
	}
	for (b = 0; b < ex->nr_bufs; b++) {
		struct rs_buf *buf = &ex->bufs[b];

		if (buf->fd >= 0 && ex->ops->release) {
			rs_op_begin(&p->w, "release buffer %u of %s", b, e->sec->name);
			ex->ops->release(ex, buf);
			rs_op_end(&p->w);
		}
		buf->fd = -1;
		ex->o.reason[0] = '\0';
		rs_op_begin(&p->w, "re-export buffer %u of %s", b, e->sec->name);
		err = ex->ops->export(ex, buf);
		rs_op_end(&p->w);
		if (err) {
			buf->fd = -1;
			pthread_mutex_lock(&p->st_lock);
			rs_pair_err(p, st, "reexport", err, ex->o.reason);
			pthread_mutex_unlock(&p->st_lock);
			fails++;
		}
	}
	for (i = 0; i < e->nr_imports; i++) {
		struct rs_cimport *ci = e->imports[i];
		struct rs_cimporter *m = ci->im;
		struct rs_importer *im = &m->c.u.im;

		if (ci->imp.buf->fd < 0 || ci->state == RS_RES_SKIP)
			continue;
		if (!rs_lock_or_stop(ctx, &m->lock, true))
			continue;
		if (m->closed) {
			pthread_mutex_unlock(&m->lock);
			continue;
		}
		im->o.reason[0] = '\0';
		rs_op_begin(&p->w, "re-import buffer %u of %s into %s", ci->imp.buf->index,
			    e->sec->name, m->sec->name);
		err = im->ops->import(im, &ci->imp);
		rs_op_end(&p->w);
		ci->imported = !err;
		ci->imp.live = !err;
		pthread_mutex_unlock(&m->lock);
		if (err && err != -RS_ESKIP) {
			snprintf(what, sizeof(what), "reimport:%s", m->sec->name);
			pthread_mutex_lock(&p->st_lock);
			st->importer_failures++;
			rs_pair_err(p, st, what, err, im->o.reason);
			pthread_mutex_unlock(&p->st_lock);
			fails++;
		}
	}
	return fails;
}

/*
 * One revoke cycle: revoke, importers' revoked hooks, hold, restore, importers' restored
 * hooks (or re-export and re-import).  Returns false when the pair must stop firing.
 */
static bool rs_cycle(struct rs_pair *p, size_t ph, const struct rs_pphase *pp)
{
	struct rs_ctx *ctx = p->w.ctx;
	struct rs_cexp *e = p->ex;
	struct rs_trigger *t = &p->c.u.t;
	struct rs_exporter *ex = &e->c.u.ex;
	struct rs_stats *st = &p->st[ph];
	bool exclusive = rs_sec_bool(ctx->scn->global, "exclusive") || t->ops->permanent;
	unsigned int fails = 0;
	uint64_t dt, t0;
	int err;

	if (exclusive && !rs_lock_or_stop(ctx, &e->cycle_lock, false))
		return true;
	atomic_fetch_add(&e->depth, 1);
	atomic_fetch_add(&e->epoch, 1);

	t->o.reason[0] = '\0';
	rs_op_begin(&p->w, "revoke: %s (%s) on %s", p->sec->name, t->ops->type, e->sec->name);
	err = t->ops->revoke(t, ex, p->handle);
	dt = rs_op_end(&p->w);
	if (err == -RS_ESKIP) {
		pthread_mutex_lock(&p->st_lock);
		if (!p->cycles_done) {
			p->state = RS_RES_SKIP;
			rs_set_reason(p->reason, "%s", rs_why(&t->o, err));
		}
		pthread_mutex_unlock(&p->st_lock);
		rs_log(ctx, "%s: revoke skipped: %s; this trigger stops on %s", p->w.name,
		       rs_why(&t->o, err), e->sec->name);
		atomic_fetch_add(&e->epoch, 1);
		atomic_fetch_sub(&e->depth, 1);
		if (exclusive)
			pthread_mutex_unlock(&e->cycle_lock);
		return false;
	}
	pthread_mutex_lock(&p->st_lock);
	if (err) {
		st->revoke_errors++;
		rs_pair_err(p, st, "revoke", err, t->o.reason);
		fails++;
	} else {
		st->revokes++;
		rs_lat_record(st->lat[RS_OP_REVOKE], dt);
		rs_lat_record(p->ival[0], dt);
	}
	pthread_mutex_unlock(&p->st_lock);

	if (!err)
		fails += rs_importer_hooks(p, st, true);

	if (pp->hold)
		rs_wait_until(ctx, rs_now_ns() + pp->hold, rs_gen(ctx));

	/* restore even after a failed revoke: the device may be half-way */
	t->o.reason[0] = '\0';
	rs_op_begin(&p->w, "restore: %s (%s) on %s", p->sec->name, t->ops->type, e->sec->name);
	err = t->ops->restore ? t->ops->restore(t, ex, p->handle) : 0;
	dt = rs_op_end(&p->w);
	pthread_mutex_lock(&p->st_lock);
	if (err && err != -RS_ESKIP) {
		st->restore_errors++;
		rs_pair_err(p, st, "restore", err, t->o.reason);
		fails++;
	} else if (!err) {
		st->restores++;
		rs_lat_record(st->lat[RS_OP_RESTORE], dt);
		rs_lat_record(p->ival[1], dt);
	}
	pthread_mutex_unlock(&p->st_lock);

	if (!err) {
		unsigned int f;

		t0 = rs_now_ns();
		f = t->ops->permanent ? rs_reexport(p, st) : rs_importer_hooks(p, st, false);
		dt = rs_now_ns() - t0;
		fails += f;
		if (!f && e->nr_imports) {
			pthread_mutex_lock(&p->st_lock);
			rs_lat_record(st->lat[RS_OP_REMAP], dt);
			pthread_mutex_unlock(&p->st_lock);
		}
	}

	atomic_fetch_add(&e->epoch, 1);
	atomic_fetch_sub(&e->depth, 1);
	if (exclusive)
		pthread_mutex_unlock(&e->cycle_lock);

	pthread_mutex_lock(&p->st_lock);
	st->cycles++;
	p->cycles_done++;
	if (fails) {
		ctx->phases[ph].failures++;
		if (p->state == RS_RES_PASS)
			p->state = RS_RES_FAIL;
	}
	p->consecutive_errors = fails ? p->consecutive_errors + 1 : 0;
	pthread_mutex_unlock(&p->st_lock);
	if (p->consecutive_errors >= RS_MAX_CONSEC_ERRORS) {
		rs_log(ctx, "%s: %u failed cycles in a row; this trigger stops on %s", p->w.name,
		       p->consecutive_errors, e->sec->name);
		return false;
	}
	return true;
}

static double rs_unit_rand(struct rs_pair *p)
{
	/* the timing stream is the core's own, so plugins' rs_rand() use does not shift it */
	uint64_t r = rs_splitmix64(&p->trng) >> 11;

	return ((double)r + 0.5) / (double)(1ULL << 53);
}

static uint64_t rs_gap(struct rs_pair *p, const struct rs_pphase *pp)
{
	double gap = (double)pp->interval;

	if (pp->timing == 1)	/* random: exponential gaps, mean interval */
		gap = -log(rs_unit_rand(p)) * (double)pp->interval;
	if (pp->jitter)
		gap += (rs_unit_rand(p) * 2.0 - 1.0) * (double)pp->jitter;
	return gap > 0 ? (uint64_t)gap : 0;
}

static void *rs_pair_main(void *arg)
{
	struct rs_pair *p = arg;
	struct rs_ctx *ctx = p->w.ctx;
	uint64_t next = 0;
	unsigned int gen, seen_gen = ~0u;
	bool firing = true;

	rs_worker_enter(&p->w, true);
	while (!atomic_load(&ctx->stop)) {
		int ph = atomic_load(&ctx->phase);
		const struct rs_pphase *pp;
		int64_t n, k;

		gen = rs_gen(ctx);
		if (ph < 0 || !firing || !p->pp[ph].active ||
		    (p->cycles_max && p->cycles_done >= p->cycles_max)) {
			rs_wait_until(ctx, UINT64_MAX, gen);
			continue;
		}
		pp = &p->pp[ph];
		if (gen != seen_gen) {		/* a new phase starts its timing afresh */
			seen_gen = gen;
			next = rs_now_ns();
		}
		if (!rs_wait_until(ctx, next, gen))
			continue;
		n = pp->timing == 2 ? pp->burst : 1;
		for (k = 0; k < n && firing && !atomic_load(&ctx->stop); k++) {
			if (p->cycles_max && p->cycles_done >= p->cycles_max)
				break;
			firing = rs_cycle(p, (size_t)ph, pp);
		}
		if (pp->timing == 1) {
			next = rs_now_ns() + rs_gap(p, pp);
		} else {
			next += rs_gap(p, pp);
			if (next < rs_now_ns())
				next = rs_now_ns();	/* behind schedule: no catch-up burst */
		}
	}
	rs_worker_exit(&p->w);
	return NULL;
}

/* ------------------------------------------------------------------ traffic workers */

static void *rs_traffic_main(void *arg)
{
	struct rs_cimporter *m = arg;
	struct rs_ctx *ctx = m->traffic.ctx;
	struct rs_importer *im = &m->c.u.im;
	uint64_t pause = rs_sec_time_ns(m->sec, "traffic_interval");

	rs_worker_enter(&m->traffic, true);
	while (!atomic_load(&ctx->stop)) {
		int ph = atomic_load(&ctx->phase);
		unsigned int gen = rs_gen(ctx);
		bool any = false;
		size_t i;

		if (ph < 0 || !ctx->phases[ph].traffic) {
			rs_wait_until(ctx, UINT64_MAX, gen);
			continue;
		}
		for (i = 0; i < m->nr_imports && !atomic_load(&ctx->stop); i++) {
			struct rs_cimport *ci = m->imports[i];
			struct rs_stats *st = &m->st[ph];
			uint64_t e0, e1;
			int d0;
			int64_t r;

			if (!rs_lock_or_stop(ctx, &m->lock, false))
				break;
			if (m->closed) {
				pthread_mutex_unlock(&m->lock);
				goto out;
			}
			if (!ci->imported) {
				pthread_mutex_unlock(&m->lock);
				continue;
			}
			d0 = atomic_load(&ci->ex->depth);
			e0 = atomic_load(&ci->ex->epoch);
			im->o.reason[0] = '\0';
			rs_op_begin(&m->traffic, "traffic of importer %s on buffer %u of %s",
				    m->sec->name, ci->imp.buf->index, ci->ex->sec->name);
			r = im->ops->traffic(im, &ci->imp);
			rs_op_end(&m->traffic);
			e1 = atomic_load(&ci->ex->epoch);
			pthread_mutex_unlock(&m->lock);
			any = true;

			pthread_mutex_lock(&m->st_lock);
			st->traffic_calls++;
			if (r >= 0) {
				st->traffic_bytes += (uint64_t)r;
			} else if (r == -RS_ESKIP) {
				;	/* nothing to do on this import now */
			} else if (d0 || e0 != e1) {
				/* failing while revoked is what a revoke is for */
				st->traffic_expected_errors++;
				rs_stats_err(st, "traffic-while-revoked", (int)r);
			} else {
				st->traffic_failures++;
				rs_stats_err(st, "traffic", (int)r);
				ctx->phases[ph].failures++;
				if (st->traffic_failures <= RS_LOG_ERRORS)
					rs_log(ctx, "importer %s: traffic on buffer %u of %s failed while not revoked: %s%s%s",
					       m->sec->name, ci->imp.buf->index, ci->ex->sec->name,
					       rs_errno_name((int)r), im->o.reason[0] ? ": " : "",
					       im->o.reason);
				if (!m->reason[0])
					rs_set_reason(m->reason, "traffic on buffer %u of %s: %s%s%s",
						      ci->imp.buf->index, ci->ex->sec->name,
						      rs_errno_name((int)r), im->o.reason[0] ? ": " : "",
						      im->o.reason);
			}
			pthread_mutex_unlock(&m->st_lock);
		}
		if (pause || !any)
			rs_wait_until(ctx, rs_now_ns() + (pause ? pause : 10000000ULL), gen);
	}
out:
	rs_worker_exit(&m->traffic);
	return NULL;
}

/* ------------------------------------------------------------------ sequencer */

static void rs_load_start(struct rs_ctx *ctx, struct rs_cload *l, size_t ph)
{
	struct rs_load *ld = &l->c.u.l;
	int err;

	ld->o.reason[0] = '\0';
	rs_op_begin(&ctx->seq, "start load %s (%s)", l->sec->name, ld->ops->type);
	err = ld->ops->start ? ld->ops->start(ld) : 0;
	rs_op_end(&ctx->seq);
	if (err) {
		if (l->state != RS_RES_FAIL)
			l->state = err == -RS_ESKIP ? RS_RES_SKIP : RS_RES_FAIL;
		rs_set_reason(l->reason, "%s", rs_why(&ld->o, err));
		rs_log(ctx, "load %s: %s: %s", l->sec->name,
		       err == -RS_ESKIP ? "skipped" : "start failed", l->reason);
		if (err != -RS_ESKIP)
			ctx->phases[ph].failures++;
		return;
	}
	l->running = true;
	l->started_once = true;
	if (l->state == RS_RES_NOTRUN)
		l->state = RS_RES_PASS;
}

static void rs_load_stop(struct rs_ctx *ctx, struct rs_cload *l)
{
	struct rs_load *ld = &l->c.u.l;

	if (!l->running)
		return;
	rs_op_begin(&ctx->seq, "stop load %s (%s)", l->sec->name, ld->ops->type);
	if (ld->ops->stop)
		ld->ops->stop(ld);
	rs_op_end(&ctx->seq);
	l->running = false;
}

static void rs_phase_loads(struct rs_ctx *ctx, size_t ph)
{
	struct rs_section *ps = ctx->phases[ph].sec;
	size_t i;

	for (i = 0; i < ctx->nr_loads; i++) {
		struct rs_cload *l = ctx->loads[i];
		bool want = !ps || rs_sec_list_has(ps, "loads", l->sec->name);

		if (!want)
			rs_load_stop(ctx, l);
	}
	for (i = 0; i < ctx->nr_loads && !atomic_load(&ctx->stop); i++) {
		struct rs_cload *l = ctx->loads[i];
		bool want = !ps || rs_sec_list_has(ps, "loads", l->sec->name);

		if (want && !l->running && l->state != RS_RES_SKIP)
			rs_load_start(ctx, l, ph);
	}
}

/* A started worker that has not exited (and, unless exited_only, is not reported hung). */
static bool rs_worker_running(const struct rs_worker *w, bool exited_only)
{
	return w->started && !atomic_load(&w->exited) && (exited_only || !w->hung);
}

/* Every trigger and traffic worker has exited (or is reported hung). */
static bool rs_workers_settled(struct rs_ctx *ctx, bool exited_only)
{
	size_t i;

	for (i = 1; i < ctx->nr_workers; i++)	/* [0] is the sequencer, the caller */
		if (rs_worker_running(ctx->workers[i], exited_only))
			return false;
	return true;
}

static void rs_wait_workers(struct rs_ctx *ctx, bool exited_only, uint64_t deadline)
{
	pthread_mutex_lock(&ctx->lock);
	while (!rs_workers_settled(ctx, exited_only) && rs_now_ns() < deadline) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&ctx->cond, &ctx->lock, &ts);
	}
	pthread_mutex_unlock(&ctx->lock);
}

static bool rs_exporter_busy(struct rs_ctx *ctx, struct rs_cexp *e)
{
	size_t i;

	for (i = 0; i < ctx->nr_pairs; i++) {
		struct rs_worker *w = &ctx->pairs[i]->w;

		if (ctx->pairs[i]->ex == e && rs_worker_running(w, true))
			return true;
	}
	return false;
}

/*
 * Stop loads, release imports, close importers (which may unstick a revoke waiting for an
 * importer), then release buffers and close exporters no worker is stuck on.
 */
static void rs_cleanup(struct rs_ctx *ctx)
{
	struct rs_worker *w = &ctx->seq;
	bool complete = true;
	uint64_t deadline;
	size_t i, j;

	rs_wait_workers(ctx, false, UINT64_MAX);
	for (i = 0; i < ctx->nr_loads; i++)
		rs_load_stop(ctx, ctx->loads[i]);

	for (i = 0; i < ctx->nr_im; i++) {
		struct rs_cimporter *m = ctx->im[i];
		struct rs_importer *im = &m->c.u.im;

		if (!m->opened || m->closed)
			continue;
		if (!rs_lock_or_stop(ctx, &m->lock, true)) {
			rs_log(ctx, "importer %s: left open: a call into it never returned",
			       m->sec->name);
			complete = false;
			continue;
		}
		for (j = 0; j < m->nr_imports; j++) {
			struct rs_cimport *ci = m->imports[j];

			if (!ci->imported)
				continue;
			if (im->ops->release) {
				rs_op_begin(w, "release import of buffer %u of %s from %s",
					    ci->imp.buf->index, ci->ex->sec->name, m->sec->name);
				im->ops->release(im, &ci->imp);
				rs_op_end(w);
			}
			ci->imported = false;
			ci->imp.live = false;
		}
		if (im->ops->close) {
			rs_op_begin(w, "close importer %s", m->sec->name);
			im->ops->close(im);
			rs_op_end(w);
		}
		m->closed = true;
		pthread_mutex_unlock(&m->lock);
	}

	/* a worker stuck on an importer may come back now that importers are closed */
	deadline = rs_now_ns() + (ctx->nr_hangs ? ctx->cleanup_timeout_ns / 2 : 0);
	rs_wait_workers(ctx, true, deadline);

	for (i = 0; i < ctx->nr_ex; i++) {
		struct rs_cexp *e = ctx->ex[i];
		struct rs_exporter *ex = &e->c.u.ex;
		unsigned int b;

		if (!e->opened || e->closed)
			continue;
		if (rs_exporter_busy(ctx, e)) {
			rs_log(ctx, "exporter %s: left open: a trigger call on it never returned%s%s",
			       e->sec->name, e->state_id ? "; kept in the state file: " : "",
			       e->state_id ? e->state_id : "");
			complete = false;
			continue;
		}
		for (b = 0; b < ex->nr_bufs; b++) {
			if (ex->bufs[b].fd < 0)
				continue;
			if (ex->ops->release) {
				rs_op_begin(w, "release buffer %u of %s", b, e->sec->name);
				ex->ops->release(ex, &ex->bufs[b]);
				rs_op_end(w);
			}
			ex->bufs[b].fd = -1;
		}
		if (ex->ops->close) {
			rs_op_begin(w, "close exporter %s", e->sec->name);
			ex->ops->close(ex);
			rs_op_end(w);
		}
		e->closed = true;
		if (e->state_id)
			rs_state_del(ctx->state, ex->ops->type, e->state_id);
	}
	rs_state_close(ctx->state);
	ctx->state = NULL;
	ctx->cleanup_complete = complete;
}

static void *rs_seq_main(void *arg)
{
	struct rs_ctx *ctx = arg;
	uint64_t run_end;
	size_t i;

	rs_worker_enter(&ctx->seq, false);
	rs_state_setup(ctx);
	if (ctx->error) {
		rs_stop(ctx, RS_STOP_ERROR);
		goto cleanup;
	}
	rs_setup_exporters(ctx);
	rs_setup_importers(ctx);
	rs_setup_pairs(ctx);
	if (atomic_load(&ctx->stop))
		goto cleanup;
	for (i = 0; i < ctx->nr_im; i++) {
		struct rs_cimporter *m = ctx->im[i];
		size_t j;
		bool any = false;

		for (j = 0; j < m->nr_imports; j++)
			any |= m->imports[j]->imported;
		if (m->opened && m->traffic_on && any &&
		    rs_worker_start(&m->traffic, rs_traffic_main, m))
			rs_log(ctx, "importer %s: cannot start its traffic thread", m->sec->name);
	}
	for (i = 0; i < ctx->nr_pairs; i++) {
		struct rs_pair *p = ctx->pairs[i];

		if (p->state != RS_RES_PASS)
			continue;
		if (rs_worker_start(&p->w, rs_pair_main, p)) {
			p->state = RS_RES_FAIL;
			rs_set_reason(p->reason, "cannot start a thread");
			ctx->internal_error = true;
		}
	}
	ctx->setup_done = true;
	rs_results_write(ctx);

	run_end = ctx->t0 + ctx->duration_ns;
	for (i = 0; i < ctx->nr_phases && !atomic_load(&ctx->stop); i++) {
		struct rs_phase_run *ph = &ctx->phases[i];
		uint64_t end;
		char dur[32];

		rs_phase_loads(ctx, i);
		pthread_mutex_lock(&ctx->lock);
		ph->start_ns = rs_ctx_elapsed(ctx);
		pthread_mutex_unlock(&ctx->lock);
		end = ph->duration_ns ? rs_now_ns() + ph->duration_ns : run_end;
		if (end > run_end)
			end = run_end;
		atomic_store(&ctx->phase, (int)i);
		rs_kick(ctx, true);
		rs_log(ctx, "phase %zu/%zu %s: %s", i + 1, ctx->nr_phases, ph->name,
		       rs_fmt_time(end - rs_now_ns(), dur, sizeof(dur)));
		rs_kmsg_marker(ctx, "phase %s starts", ph->name);
		rs_wait_until(ctx, end, rs_gen(ctx));
		pthread_mutex_lock(&ctx->lock);
		ph->end_ns = rs_ctx_elapsed(ctx);
		if (ph->result == RS_RES_NOTRUN)
			ph->result = atomic_load(&ph->failures) ? RS_RES_FAIL : RS_RES_PASS;
		pthread_mutex_unlock(&ctx->lock);
		rs_ktap_phase(ctx, ph);
		if (rs_now_ns() >= run_end)
			break;
	}
	atomic_store(&ctx->phase, -1);
	rs_stop(ctx, RS_STOP_DONE);
cleanup:
	atomic_store(&ctx->phase, -1);
	rs_cleanup(ctx);
	atomic_store(&ctx->seq_done, true);
	atomic_store(&ctx->seq.exited, true);
	rs_kick(ctx, false);
	rs_wake();
	return NULL;
}

/* ------------------------------------------------------------------ supervisor */

static void rs_declare_hang(struct rs_ctx *ctx, struct rs_worker *w, uint64_t elapsed)
{
	struct rs_hang *h;
	char t1[32], t2[32];
	int ph = atomic_load(&ctx->phase);

	w->hung = true;
	atomic_store(&ctx->hung, true);
	ctx->hangs = rs_xrealloc(ctx->hangs, (ctx->nr_hangs + 1) * sizeof(*ctx->hangs));
	h = &ctx->hangs[ctx->nr_hangs++];
	memset(h, 0, sizeof(*h));
	h->worker = rs_xstrdup(w->name);
	h->op = rs_xstrdup(w->op);
	h->tid = atomic_load(&w->tid);
	h->elapsed_ns = elapsed;
	rs_log(ctx, "HANG: %s worker %s: '%s' has not returned after %s (hang_timeout %s)",
	       w->kind, w->name, w->op, rs_fmt_time(elapsed, t1, sizeof(t1)),
	       rs_fmt_time(ctx->hang_timeout_ns, t2, sizeof(t2)));
	rs_hang_collect(ctx, h, h->tid);
	if (h->wchan && *h->wchan)
		rs_log(ctx, "HANG: thread %d is in state %s, wchan %s", h->tid,
		       h->task_state ? h->task_state : "?", h->wchan);
	if (!strcmp(w->kind, "trigger")) {
		struct rs_pair *p = rs_container_of(w, struct rs_pair, w);

		pthread_mutex_lock(&p->st_lock);
		p->state = RS_RES_HANG;
		rs_set_reason(p->reason, "hung for %s in: %s", t1, w->op);
		pthread_mutex_unlock(&p->st_lock);
	} else if (!strcmp(w->kind, "traffic")) {
		struct rs_cimporter *m = rs_container_of(w, struct rs_cimporter, traffic);

		m->state = RS_RES_HANG;
		rs_set_reason(m->reason, "hung for %s in: %s", t1, w->op);
	}
	if (ph >= 0) {
		ctx->phases[ph].failures++;
		pthread_mutex_lock(&ctx->lock);
		ctx->phases[ph].result = RS_RES_HANG;
		pthread_mutex_unlock(&ctx->lock);
	}
	rs_stop(ctx, RS_STOP_HANG);
	rs_results_write(ctx);
}

static void rs_watchdog(struct rs_ctx *ctx)
{
	uint64_t now = rs_now_ns();
	size_t i;

	for (i = 0; i < ctx->nr_workers; i++) {
		struct rs_worker *w = ctx->workers[i];
		uint64_t t0 = atomic_load(&w->op_start);

		if (t0 && !w->hung && now > t0 && now - t0 > ctx->hang_timeout_ns)
			rs_declare_hang(ctx, w, now - t0);
	}
}

void rs_ctx_totals(struct rs_ctx *ctx, uint64_t *revokes, uint64_t *restores, uint64_t *errors)
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

/* Final verdicts of everything, the exit code and the status word. */
static void rs_finish(struct rs_ctx *ctx)
{
	bool fail = false, ran = false;
	size_t i, j;

	for (i = 0; i < ctx->nr_pairs; i++) {
		struct rs_pair *p = ctx->pairs[i];

		if (p->state == RS_RES_NOTRUN) {
			p->state = RS_RES_SKIP;
			if (!p->reason[0])
				rs_set_reason(p->reason, "not reached: %s", ctx->error ? ctx->error :
					      "the run stopped during setup");
		}
		fail |= p->state == RS_RES_FAIL || p->state == RS_RES_HANG;
		ran |= p->state != RS_RES_SKIP;
	}
	for (i = 0; i < ctx->nr_im; i++) {
		struct rs_cimporter *m = ctx->im[i];
		size_t ok = 0, bad = 0;
		uint64_t tf = 0;

		for (j = 0; j < ctx->nr_phases; j++)
			tf += m->st[j].traffic_failures;
		for (j = 0; j < m->nr_imports; j++) {
			struct rs_cimport *ci = m->imports[j];

			ok += ci->state == RS_RES_PASS;
			bad += ci->state == RS_RES_FAIL;
			if (ci->state == RS_RES_FAIL && !m->reason[0])
				rs_set_reason(m->reason, "import of buffer %u of %s: %s: %s",
					      ci->imp.buf->index, ci->ex->sec->name,
					      rs_errno_name(ci->err), ci->reason);
		}
		if (m->state == RS_RES_HANG || (m->state != RS_RES_NOTRUN && !m->opened)) {
			;	/* hang, or open failed/skipped: keep */
		} else if (m->state == RS_RES_NOTRUN && !m->opened) {
			m->state = RS_RES_SKIP;
			if (!m->reason[0])
				rs_set_reason(m->reason, "not reached: %s", ctx->error ? ctx->error :
					      "the run stopped during setup");
		} else if (bad || tf) {
			m->state = RS_RES_FAIL;
		} else if (!ok) {
			m->state = RS_RES_SKIP;
			if (!m->reason[0] && m->nr_imports) {
				for (j = 0; j < m->nr_imports && !m->reason[0]; j++)
					if (m->imports[j]->reason[0])
						rs_set_reason(m->reason, "%s", m->imports[j]->reason);
			}
			if (!m->reason[0])
				rs_set_reason(m->reason, "nothing to import");
		} else {
			m->state = RS_RES_PASS;
		}
		fail |= m->state == RS_RES_FAIL || m->state == RS_RES_HANG;
		ran |= m->state != RS_RES_SKIP;
	}
	/*
	 * An exporter that could not open or export fails the run even when nothing else
	 * names it (no trigger acts on it; its importers only skip its missing buffers).
	 */
	for (i = 0; i < ctx->nr_ex; i++) {
		struct rs_cexp *e = ctx->ex[i];

		if (e->state == RS_RES_NOTRUN) {
			e->state = RS_RES_SKIP;
			if (!e->reason[0])
				rs_set_reason(e->reason, "not reached: %s", ctx->error ? ctx->error :
					      "the run stopped during setup");
		}
		fail |= e->state == RS_RES_FAIL;
	}
	for (i = 0; i < ctx->nr_phases; i++)
		fail |= ctx->phases[i].result == RS_RES_FAIL || ctx->phases[i].result == RS_RES_HANG;
	for (i = 0; i < ctx->nr_loads; i++)
		fail |= ctx->loads[i]->state == RS_RES_FAIL;
	fail |= ctx->nr_hangs > 0;
	fail |= ctx->watch && rs_watch_failures(ctx->watch);
	ctx->soak.result = rs_soak_verdict(ctx, ctx->soak.reason, sizeof(ctx->soak.reason));
	fail |= ctx->soak.result == RS_RES_FAIL;

	if (ctx->internal_error) {
		ctx->exit_code = RS_EXIT_INTERNAL;
		ctx->status_word = "error";
	} else if (ctx->nr_hangs) {
		ctx->exit_code = RS_EXIT_FAIL;
		ctx->status_word = "hang";
	} else if (fail) {
		ctx->exit_code = RS_EXIT_FAIL;
		ctx->status_word = "fail";
	} else if (ctx->error) {
		ctx->exit_code = RS_EXIT_SKIP;
		ctx->status_word = "skip";
	} else if (atomic_load(&ctx->stop) == RS_STOP_SIGNAL) {
		ctx->exit_code = RS_EXIT_PASS;
		ctx->status_word = "interrupted";
	} else if (!ran) {
		ctx->exit_code = RS_EXIT_SKIP;
		ctx->status_word = "skip";
	} else {
		ctx->exit_code = RS_EXIT_PASS;
		ctx->status_word = "pass";
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

static void rs_ctx_free(struct rs_ctx *ctx)
{
	size_t i, k;

	for (i = 0; i < ctx->nr_pairs; i++) {
		struct rs_pair *p = ctx->pairs[i];

		if (p->w.started)
			pthread_join(p->w.th, NULL);
		for (k = 0; k < ctx->nr_phases; k++)
			rs_stats_fini(&p->st[k]);
		rs_lat_free(p->ival[0]);
		rs_lat_free(p->ival[1]);
		free(p->st);
		free(p->pp);
		free(p);
	}
	for (i = 0; i < ctx->nr_im; i++) {
		struct rs_cimporter *m = ctx->im[i];

		if (m->traffic.started)
			pthread_join(m->traffic.th, NULL);
		for (k = 0; k < ctx->nr_phases; k++)
			rs_stats_fini(&m->st[k]);
		for (k = 0; k < m->nr_imports; k++)
			free(m->imports[k]);
		free(m->imports);
		free(m->st);
		free(m);
	}
	for (i = 0; i < ctx->nr_ex; i++) {
		free(ctx->ex[i]->c.u.ex.bufs);
		free(ctx->ex[i]->imports);
		free(ctx->ex[i]->importer_set);
		free(ctx->ex[i]->state_id);
		free(ctx->ex[i]);
	}
	for (i = 0; i < ctx->nr_loads; i++)
		free(ctx->loads[i]);
	for (i = 0; i < ctx->nr_recovered; i++) {
		free(ctx->recovered[i].type);
		free(ctx->recovered[i].state_id);
		free(ctx->recovered[i].reason);
	}
	for (i = 0; i < ctx->nr_hangs; i++)
		rs_hang_free(&ctx->hangs[i]);
	for (i = 0; i < ctx->nr_log; i++)
		free(ctx->log[i].msg);
	for (i = 0; i < ctx->nr_points; i++) {
		free(ctx->points[i].name);
		free(ctx->points[i].reason);
	}
	free(ctx->points);
	free(ctx->log);
	free(ctx->hangs);
	free(ctx->recovered);
	free(ctx->workers);
	free(ctx->pairs);
	free(ctx->im);
	free(ctx->ex);
	free(ctx->loads);
	free(ctx->phases);
	free(ctx->state_path);
	free(ctx->state_note);
	free(ctx->error);
	free(ctx);
}

static int rs_use_dir(const char *dir)
{
	int err = rs_mkdir_p(dir, 0755);

	if (!err && access(dir, W_OK) < 0)
		err = -errno;
	return err;
}

/*
 * --results, else the scenario's "results", else ./results/<name>-<time>; that default
 * falls back to $RS_OUT/results (the lab VM's writable share) and then /tmp when the
 * current directory is read-only, as it is in the lab VM.
 */
static int rs_results_dir(struct rs_ctx *ctx)
{
	const char *dir = ctx->opts->results_dir, *bases[3] = { "results", NULL, NULL };
	time_t t = (time_t)(ctx->wall0 / 1000000000ULL);
	char stamp[32], *fallback = NULL;
	struct tm tm;
	size_t i;
	int err;

	if (!dir)
		dir = rs_opt_str(ctx->scn->global, "results");
	if (dir) {
		snprintf(ctx->results_dir, sizeof(ctx->results_dir), "%s", dir);
		err = rs_use_dir(ctx->results_dir);
	} else {
		localtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
		if (getenv("RS_OUT"))
			bases[1] = fallback = rs_xasprintf("%s/results", getenv("RS_OUT"));
		bases[bases[1] ? 2 : 1] = "/tmp/revokestorm-results";
		for (i = 0, err = -ENOENT; i < 3 && bases[i] && err; i++) {
			snprintf(ctx->results_dir, sizeof(ctx->results_dir), "%s/%s-%s", bases[i],
				 ctx->scn->name, stamp);
			err = rs_use_dir(ctx->results_dir);
			if (err && i + 1 < 3 && bases[i + 1])
				fprintf(ctx->status, "revokestorm: cannot use %s (%s); trying %s\n",
					ctx->results_dir, strerror(-err), bases[i + 1]);
		}
		free(fallback);
	}
	if (strlen(ctx->results_dir) + sizeof("/results.json") > sizeof(ctx->results_file))
		return -ENAMETOOLONG;
	memcpy(ctx->results_file, ctx->results_dir, strlen(ctx->results_dir));
	strcpy(ctx->results_file + strlen(ctx->results_dir), "/results.json");
	return err;
}

static void rs_trace_setup(struct rs_ctx *ctx)
{
	enum rs_trace_mode mode;
	char why[256] = "";
	const char *m = rs_sec_str(ctx->scn->global, "trace");

	if (!m || rs_trace_mode_parse(m, &mode) || mode == RS_TRACE_OFF)
		return;
	if (rs_trace_start(&ctx->trace, mode, NULL, ctx->results_dir, why, sizeof(why))) {
		rs_log(ctx, "kernel events not collected: %s", why);
		ctx->trace = NULL;
		return;
	}
	if (*rs_trace_missing(ctx->trace))
		rs_log(ctx, "kernel events missing: %s", rs_trace_missing(ctx->trace));
}

int rs_run(struct rs_scenario *scn, const struct rs_run_opts *opts, struct rs_run_result *res)
{
	struct rs_ctx *ctx = rs_xcalloc(1, sizeof(*ctx));
	struct sigaction sa = { .sa_handler = rs_signal_handler }, old[3];
	static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
	pthread_condattr_t ca;
	uint64_t status_every, next_status, last_revokes = 0, last_t, hang_at = 0;
	bool show_status;
	bool abandoned = false, stuck;
	int err, i, code;

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

	if (rs_wake_fd[0] < 0 && pipe2(rs_wake_fd, O_CLOEXEC | O_NONBLOCK) < 0) {
		fprintf(ctx->status, "revokestorm: pipe: %s\n", strerror(errno));
		rs_ctx_free(ctx);
		res->exit_code = RS_EXIT_INTERNAL;
		return res->exit_code;
	}
	atomic_store(&rs_pending_signals, 0);
	if (opts->handle_signals) {
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		for (i = 0; i < 3; i++)
			sigaction(sigs[i], &sa, &old[i]);
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
	rs_soak_start(ctx);
	if (ctx->soak.leak_check)
		ctx->ktap_plan++;
	rs_ktap_header(ctx);
	rs_log(ctx, "scenario %s (%s), seed %llu, %zu exporters, %zu importers, %zu trigger workers, %zu loads, %zu phases; results in %s",
	       scn->name, scn->path, (unsigned long long)scn->seed, ctx->nr_ex, ctx->nr_im,
	       ctx->nr_pairs, ctx->nr_loads, ctx->nr_phases, ctx->results_dir);
	rs_kmsg_marker(ctx, "run %s seed %llu starts", scn->name, (unsigned long long)scn->seed);
	rs_trace_setup(ctx);
	rs_results_write(ctx);

	if (rs_worker_start(&ctx->seq, rs_seq_main, ctx)) {
		ctx->internal_error = true;
		ctx->error = rs_xstrdup("cannot start the sequencer thread");
		atomic_store(&ctx->seq_done, true);
	}

	/* the status interval paces both the stderr line and the interval log */
	status_every = rs_sec_time_ns(scn->global, "status_interval");
	show_status = !opts->quiet;
	last_t = rs_now_ns();
	next_status = status_every ? last_t + status_every : UINT64_MAX;
	while (!atomic_load(&ctx->seq_done)) {
		struct pollfd pfd = { .fd = rs_wake_fd[0], .events = POLLIN };
		uint64_t now = rs_now_ns(), wait = RS_WATCH_NS;
		char buf[64];

		if (next_status > now && next_status - now < wait)
			wait = next_status - now;
		poll(&pfd, 1, (int)(wait / 1000000ULL) + 1);
		while (read(rs_wake_fd[0], buf, sizeof(buf)) > 0)
			;
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
		if (ctx->nr_hangs && !hang_at)
			hang_at = now;
		if (hang_at && now - hang_at > ctx->cleanup_timeout_ns + ctx->hang_timeout_ns) {
			rs_log(ctx, "cleanup did not finish after the hang; giving up on it");
			abandoned = true;
			break;
		}
		if (now >= next_status) {
			if (show_status)
				rs_status_line(ctx, &last_revokes, &last_t);
			rs_soak_interval(ctx);
			next_status = now + status_every;
		}
	}
	if (ctx->soak.f)
		rs_soak_interval(ctx);	/* the last, partial interval */

	ctx->wall_end = rs_wall_ns();
	ctx->taint_end = rs_taint_read();
	stuck = rs_any_stuck(ctx);
	if (abandoned && !ctx->cleanup_complete)
		rs_log(ctx, "cleanup incomplete%s%s", ctx->state_path ? "; the state file keeps the held devices: " : "",
		       ctx->state_path ? ctx->state_path : "");
	rs_finish(ctx);
	rs_ktap_finish(ctx);
	if (rs_results_write(ctx))
		ctx->exit_code = ctx->exit_code ? ctx->exit_code : RS_EXIT_INTERNAL;
	if (rs_kcidb_write(ctx))
		ctx->exit_code = ctx->exit_code ? ctx->exit_code : RS_EXIT_INTERNAL;
	rs_kmsg_marker(ctx, "run %s ends: %s", scn->name, ctx->status_word);
	rs_log(ctx, "%s; results: %s", ctx->status_word,
	       ctx->results_file);
	if (ctx->trace && !stuck) {
		char why[256];

		if (rs_trace_stop_checked(ctx->trace, why, sizeof(why)))
			rs_log(ctx, "kernel events: %s", why);
		ctx->trace = NULL;
	}
	rs_watch_stop(ctx->watch);
	ctx->watch = NULL;
	rs_soak_stop(ctx);
	code = ctx->exit_code;
	res->exit_code = code;
	res->stuck = stuck;
	if (opts->handle_signals)
		for (i = 0; i < 3; i++)
			sigaction(sigs[i], &old[i], NULL);
	if (!stuck) {
		rs_active = NULL;
		if (ctx->seq.started)
			pthread_join(ctx->seq.th, NULL);
		rs_ctx_free(ctx);
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
	rs_stop(ctx, RS_STOP_ERROR);
	for (i = 0; i < ctx->nr_loads; i++) {
		struct rs_cload *l = ctx->loads[i];

		if (l->running && l->c.u.l.ops->stop)
			l->c.u.l.ops->stop(&l->c.u.l);
		l->running = false;
	}
	ctx->wall_end = rs_wall_ns();
	ctx->internal_error = true;
	ctx->status_word = "error";
	ctx->exit_code = RS_EXIT_INTERNAL;
	rs_results_write(ctx);
}
