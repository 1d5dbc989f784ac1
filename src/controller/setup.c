// SPDX-License-Identifier: GPL-2.0
/*
 * Setup: the run context built from the scenario (exporters, importers and their
 * imports, trigger x exporter pairs, loads, phases), the state file's stale entries,
 * and the sequencer's opening steps: open and export, open and import, probe.
 * Also the results directory, the kernel event collection and freeing the context.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "controller.h"
#include "rs_fdbudget.h"
#include "rs_recover.h"
#include "rs_state.h"
#include "rs_trace.h"
#include "rs_trace_raw.h"
#include "rs_util.h"
#include "rs_watch.h"

/* An optional core key: its value, or NULL when unset. */
const char *rs_opt_str(const struct rs_section *s, const char *key)
{
	const struct rs_kv *kv = rs_sec_kv(s, key);

	return kv ? kv->value : NULL;
}

void rs_obj_init(struct rs_ctx *ctx, struct rs_cobj *c, struct rs_section *sec,
			const char *salt)
{
	c->u.o.name = sec->name;
	c->u.o.sec = sec;
	c->u.o.ctx = ctx;
	c->rng = rs_hash_str(rs_hash_str(ctx->seed ^ 0x5eedULL, sec->name), salt);
}

void rs_build(struct rs_ctx *ctx)
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
		e->binfo = rs_xcalloc(ex->nr_bufs, sizeof(*e->binfo));
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
				pp->timing = PICK("timing", rs_sec_enum);
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
			atomic_store(&p->w.op_ex, e);	/* every call of a trigger worker acts on e */
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
	ctx->hangs = rs_xcalloc(1 + ctx->nr_pairs + ctx->nr_im, sizeof(*ctx->hangs));
	ctx->workers[ctx->nr_workers++] = &ctx->seq;
	for (i = 0; i < ctx->nr_pairs; i++)
		ctx->workers[ctx->nr_workers++] = &ctx->pairs[i]->w;
	for (i = 0; i < ctx->nr_im; i++)
		ctx->workers[ctx->nr_workers++] = &ctx->im[i]->traffic;
}

/*
 * The state file, opened by the supervisor before anything is held (the tracer's
 * leftovers are recorded in it at once): what dead runs left is recovered by the
 * sequencer (rs_state_recover()), since that calls plugins.
 */
void rs_state_begin(struct rs_ctx *ctx)
{
	int owner = 0, err;

	err = rs_state_open(ctx->state_path, ctx->scn->name, &ctx->state, &ctx->left,
			    &ctx->nr_left, &owner);
	if (err == -EBUSY) {
		ctx->error = rs_xasprintf("state file %s is held by a running revokestorm (pid %d); "
					  "set state_file to run another scenario at the same time",
					  ctx->state_path, owner);
	} else if (err) {
		ctx->state_note = rs_xasprintf("no state file (%s: %s): devices left revoked by a crash will not be recovered automatically",
					       ctx->state_path, strerror(-err));
		rs_log(ctx, "warning: %s", ctx->state_note);
	}
}

/*
 * The tracer's rs_trace_opts.made hook: record what it is about to make, so that the next
 * start removes it if we cannot, even when we die inside the tracer's start.
 */
static void rs_state_trace_made(void *arg, const char *inst, int pid)
{
	struct rs_ctx *ctx = arg;

	if (inst && !ctx->trace_inst) {
		ctx->trace_inst = rs_xstrdup(inst);
		if (rs_state_add(ctx->state, RS_STATE_TRACEFS, ctx->trace_inst))
			rs_log(ctx, "warning: cannot record %s in %s", inst, ctx->state_path);
	}
	if (pid > 0 && !ctx->trace_proc) {
		ctx->trace_proc = rs_xasprintf("%d/%llu", pid, rs_proc_start(pid));
		if (rs_state_add(ctx->state, RS_STATE_PROCESS, ctx->trace_proc))
			rs_log(ctx, "warning: cannot record perf (pid %d) in %s", pid,
			       ctx->state_path);
	}
}

/* What the tracer made is gone: its state entries go, and so do our copies of them. */
static void rs_state_trace_drop(struct rs_ctx *ctx)
{
	if (ctx->trace_inst)
		rs_state_del(ctx->state, RS_STATE_TRACEFS, ctx->trace_inst);
	if (ctx->trace_proc)
		rs_state_del(ctx->state, RS_STATE_PROCESS, ctx->trace_proc);
	free(ctx->trace_inst);
	free(ctx->trace_proc);
	ctx->trace_inst = ctx->trace_proc = NULL;
}

/*
 * The trace is finished (instance removed, perf stopped): the state file lets them go,
 * unless the instance is still there, which the next start then removes.
 */
void rs_state_trace_released(struct rs_ctx *ctx)
{
	if (ctx->trace_inst && !access(ctx->trace_inst, F_OK)) {
		rs_log(ctx, "cannot remove the tracefs instance %s; the next start removes it",
		       ctx->trace_inst);
		free(ctx->trace_inst);
		ctx->trace_inst = NULL;	/* stays in the state file */
	}
	rs_state_trace_drop(ctx);
}

/*
 * What dead runs left: the core's leftovers, and devices through their exporter type's
 * recover hook.  An entry stays in the state file until it is recovered; a device that
 * could not be (or whose run is still alive) is not used by this run (rs_state_blocked()).
 */
void rs_state_recover(struct rs_ctx *ctx)
{
	struct rs_worker *w = &ctx->seq;
	size_t i;

	for (i = 0; i < ctx->nr_left; i++) {
		struct rs_state_entry *e = &ctx->left[i];
		struct rs_recovered r = {
			.type = rs_xstrdup(e->type), .state_id = rs_xstrdup(e->id), .pid = e->pid,
		};

		rs_op_begin(w, "recover %s (%s)", e->id, e->type);
		r.err = rs_recover_entry(ctx, e, &r.reason);
		rs_op_end(w);
		if ((!r.err || r.err == -RS_ESKIP) && rs_state_forget(ctx->state, e))
			rs_log(ctx, "warning: cannot drop %s from %s", e->id, ctx->state_path);
		pthread_mutex_lock(&ctx->vlock);
		ctx->recovered = rs_xrealloc(ctx->recovered,
					     (ctx->nr_recovered + 1) * sizeof(*ctx->recovered));
		ctx->recovered[ctx->nr_recovered++] = r;
		pthread_mutex_unlock(&ctx->vlock);
		rs_log(ctx, "state file: %s left by pid %d (%s): %s", e->id, e->pid, e->type,
		       r.reason);
		rs_ktap_diag(ctx, "%s %s left by pid %d: %s",
			     r.err && r.err != -RS_ESKIP ? "not recovered:" : "recovered", e->id,
			     e->pid, r.reason);
	}
	rs_state_entries_free(ctx->left, ctx->nr_left);
	ctx->left = NULL;
	ctx->nr_left = 0;
}

/* A device a dead run left that is still not in order: its entry, else NULL. */
static const struct rs_recovered *rs_state_blocked(struct rs_ctx *ctx, const char *type,
						   const char *id)
{
	size_t i;

	for (i = 0; i < ctx->nr_recovered; i++) {	/* the sequencer's own array */
		const struct rs_recovered *r = &ctx->recovered[i];

		if (r->err && r->err != -RS_ESKIP && !strcmp(r->type, type) &&
		    !strcmp(r->state_id, id))
			return r;
	}
	return NULL;
}

void rs_bufinfo_update(struct rs_ctx *ctx, struct rs_cexp *e, const struct rs_buf *buf)
{
	pthread_mutex_lock(&ctx->vlock);
	e->binfo[buf->index].size = buf->size;
	e->binfo[buf->index].ino = buf->ino;
	pthread_mutex_unlock(&ctx->vlock);
}

void rs_setup_exporters(struct rs_ctx *ctx)
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
			rs_set_result(&ctx->vlock, &e->state, e->reason,
				      err == -RS_ESKIP ? RS_RES_SKIP : RS_RES_FAIL, "%s",
				      rs_ctl_why(&ex->o, err));
			rs_log(ctx, "exporter %s: %s: %s", e->sec->name,
			       err == -RS_ESKIP ? "skipped" : "open failed", e->reason);
			continue;
		}
		e->opened = true;
		rs_set_state(&ctx->vlock, &e->state, RS_RES_PASS);
		if (ex->ops->state_id) {
			const char *id = ex->ops->state_id(ex);

			const struct rs_recovered *r = id ? rs_state_blocked(ctx, ex->ops->type, id) : NULL;

			if (r) {
				rs_set_result(&ctx->vlock, &e->state, e->reason, RS_RES_FAIL,
					      "%s was left by pid %d, which died holding it, and is "
					      "not in order (%s): not used; `revokestorm recover` "
					      "retries", id, r->pid, r->reason);
				rs_log(ctx, "exporter %s: %s", e->sec->name, e->reason);
				rs_op_begin(w, "close exporter %s", e->sec->name);
				if (ex->ops->close)
					ex->ops->close(ex);
				rs_op_end(w);
				e->closed = true;
				continue;
			}
			if (id && *id) {
				char *sid = rs_xstrdup(id);

				pthread_mutex_lock(&ctx->vlock);
				e->state_id = sid;
				pthread_mutex_unlock(&ctx->vlock);
				if (ctx->state && rs_state_add(ctx->state, ex->ops->type, id))
					rs_log(ctx, "warning: cannot record %s in %s", id, ctx->state_path);
			}
		}
		for (b = 0; b < ex->nr_bufs && !atomic_load(&ctx->stop); b++) {
			struct rs_buf *buf = &ex->bufs[b];

			rs_op_begin(w, "export buffer %u of %s", b, e->sec->name);
			err = ex->ops->export(ex, buf);	/* the registry checks it is there */
			rs_op_end(w);
			if (err) {
				buf->fd = -1;
				rs_set_result(&ctx->vlock, &e->state, e->reason,
					      err == -RS_ESKIP && b == 0 ? RS_RES_SKIP : RS_RES_FAIL,
					      "export of buffer %u: %s", b, rs_ctl_why(&ex->o, err));
				rs_log(ctx, "exporter %s: %s", e->sec->name, e->reason);
				break;
			}
			rs_bufinfo_update(ctx, e, buf);
		}
	}
}

void rs_setup_importers(struct rs_ctx *ctx)
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
			rs_set_result(&m->st_lock, &m->state, m->reason,
				      err == -RS_ESKIP ? RS_RES_SKIP : RS_RES_FAIL, "%s",
				      rs_ctl_why(&im->o, err));
			rs_log(ctx, "importer %s: %s: %s", m->sec->name,
			       err == -RS_ESKIP ? "skipped" : "open failed", m->reason);
			continue;
		}
		m->opened = true;
		for (j = 0; j < m->nr_imports && !atomic_load(&ctx->stop); j++) {
			struct rs_cimport *ci = m->imports[j];

			if (ci->imp.buf->fd < 0) {
				rs_set_result(&m->st_lock, &ci->state, ci->reason, RS_RES_SKIP,
					      "exporter %s has no buffer %u (%s)",
					      ci->ex->sec->name, ci->imp.buf->index,
					      ci->ex->reason[0] ? ci->ex->reason : "not exported");
				continue;
			}
			im->o.reason[0] = '\0';
			rs_op_begin(w, "import buffer %u of %s into %s", ci->imp.buf->index,
				    ci->ex->sec->name, m->sec->name);
			err = im->ops->import(im, &ci->imp);
			rs_op_end(w);
			pthread_mutex_lock(&m->st_lock);
			ci->err = err;
			if (err == -RS_EREFUSED) {
				/* refused as it must be: a passed check, no import */
				ci->state = RS_RES_PASS;
				ci->refused = true;
				snprintf(ci->reason, sizeof(ci->reason), "%s", im->o.reason);
				m->refused++;
				pthread_mutex_unlock(&m->st_lock);
				continue;
			}
			pthread_mutex_unlock(&m->st_lock);
			if (err) {
				rs_set_result(&m->st_lock, &ci->state, ci->reason,
					      err == -RS_ESKIP ? RS_RES_SKIP : RS_RES_FAIL, "%s",
					      rs_ctl_why(&im->o, err));
				rs_log(ctx, "importer %s: import of %s buffer %u: %s: %s", m->sec->name,
				       ci->ex->sec->name, ci->imp.buf->index,
				       err == -RS_ESKIP ? "skipped" : rs_errno_name(err), ci->reason);
				continue;
			}
			ci->imported = true;
			ci->imp.live = true;
			rs_set_state(&m->st_lock, &ci->state, RS_RES_PASS);
		}
		m->traffic_on = im->ops->traffic && rs_sec_bool(m->sec, "traffic");
	}
}

void rs_setup_pairs(struct rs_ctx *ctx)
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
			rs_set_result(&p->st_lock, &p->state, p->reason,
				      e->state == RS_RES_SKIP ? RS_RES_SKIP : RS_RES_FAIL,
				      "exporter %s: %s", e->sec->name, e->reason);
			continue;
		}
		if (!ex->ops->revocable) {
			rs_set_result(&p->st_lock, &p->state, p->reason, RS_RES_SKIP,
				      "exporter %s (type %s) cannot be revoked",
				      e->sec->name, ex->ops->type);
			continue;
		}
		if (t->ops->needs) {
			rs_op_begin(w, "handle '%s' of %s", t->ops->needs, e->sec->name);
			p->handle = ex->ops->handle ? ex->ops->handle(ex, t->ops->needs) : NULL;
			rs_op_end(w);
			if (!p->handle) {
				rs_set_result(&p->st_lock, &p->state, p->reason, RS_RES_SKIP,
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
				rs_set_result(&p->st_lock, &p->state, p->reason,
					      err == -RS_ESKIP ? RS_RES_SKIP : RS_RES_FAIL, "%s",
					      rs_ctl_why(&t->o, err));
				rs_log(ctx, "%s: %s: %s", p->w.name,
				       err == -RS_ESKIP ? "skipped" : "probe failed", p->reason);
				continue;
			}
		}
		rs_set_state(&p->st_lock, &p->state, RS_RES_PASS);
	}
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
int rs_results_dir(struct rs_ctx *ctx)
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

void rs_trace_setup(struct rs_ctx *ctx)
{
	struct rs_trace_opts topts = {
		.events_per_s = rs_trace_expected_rate(ctx->scn),
		.made = rs_state_trace_made,
		.made_arg = ctx,
	};
	enum rs_trace_mode mode;
	char why[256] = "";
	const char *m = rs_sec_str(ctx->scn->global, "trace");

	if (!m || rs_trace_mode_parse(m, &mode) || mode == RS_TRACE_OFF)
		return;
	if (rs_trace_start(&ctx->trace, mode, &topts, ctx->results_dir, why, sizeof(why))) {
		rs_log(ctx, "kernel events not collected: %.200s", why);
		snprintf(ctx->trace_why, sizeof(ctx->trace_why), "kernel events not collected: %.200s", why);
		ctx->trace = NULL;
		rs_state_trace_released(ctx);	/* the failed start removed what it made */
		return;
	}
	if (*rs_trace_missing(ctx->trace))
		rs_log(ctx, "kernel events missing: %s", rs_trace_missing(ctx->trace));
}

/*
 * The events of the whole run, cleanup included: collection stops and what was recorded
 * is written out (trace.txt, perf.data), the state file lets the instance and perf go,
 * and the log says what the kernel dropped.  The trace stays for rs_trace_info().  0, or
 * -errno with why (the recording is incomplete).
 */
int rs_trace_end(struct rs_ctx *ctx, char *why, size_t whylen)
{
	const struct rs_trace_info *ti;
	int ret;

	ret = rs_trace_finish(ctx->trace, why, whylen);
	if (ret)
		rs_log(ctx, "kernel events: %s", why);
	rs_state_trace_released(ctx);
	ti = rs_trace_info(ctx->trace);
	if (ti && ti->lost)
		rs_log(ctx, "kernel events: %lld of %llu lost in %zu gaps; checks built on the trace across them are not made",
		       ti->lost, (unsigned long long)(ti->events + (uint64_t)ti->lost), ti->nr_gaps);
	return ret;
}

/*
 * Before anything is opened: the soft open-file limit raised to the hard one, and the
 * descriptors the scenario needs (rs_fdbudget.h) checked against it.  A run that cannot
 * have them stops here, before any device is touched; a reserve is held for the last
 * writes of the results.
 */
void rs_fd_budget(struct rs_ctx *ctx)
{
	struct rs_fd_need n = { .run = RS_FDS_RUN, .reserve = RS_FDS_RESERVE };
	const char *m = rs_sec_str(ctx->scn->global, "trace");
	enum rs_trace_mode mode;
	struct rs_health h;
	struct rlimit rl;
	char why[768];
	size_t i;
	int err;

	err = rs_nofile_raise(&rl);
	if (err) {
		rs_log(ctx, "warning: cannot raise the open-file limit: %s", strerror(-err));
		if (getrlimit(RLIMIT_NOFILE, &rl))
			return;
	}
	for (i = 0; i < ctx->nr_ex; i++)
		n.bufs += ctx->ex[i]->c.u.ex.nr_bufs;
	for (i = 0; i < ctx->nr_im; i++)
		n.imports += (uint64_t)ctx->im[i]->nr_imports *
			     ctx->im[i]->c.u.im.ops->fds_per_import;
	n.devices = (unsigned int)(ctx->nr_ex + ctx->nr_im);
	if (m && !rs_trace_mode_parse(m, &mode) && mode != RS_TRACE_OFF) {
		long cpus = sysconf(_SC_NPROCESSORS_CONF);

		n.trace = RS_FDS_TRACE + RS_FDS_TRACE_PER_CPU * (unsigned int)(cpus > 0 ? cpus : 1);
	}
	rs_health_sample(&h);
	n.open = h.fds > 0 ? (uint64_t)h.fds : 0;
	if (rs_fd_budget_check(&n, &rl, why, sizeof(why))) {
		ctx->error = rs_xstrdup(why);
		rs_log(ctx, "%s", why);
		rs_ktap_diag(ctx, "%s", why);	/* the points' reasons are cut at RS_REASON */
		return;
	}
	err = rs_fd_reserve_take(RS_FDS_RESERVE);
	if (err)
		rs_log(ctx, "warning: no descriptor reserve for the results: %s", strerror(-err));
}

void rs_ctx_free(struct rs_ctx *ctx)
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
		free(ctx->ex[i]->binfo);
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
	for (i = 0; i < ctx->nr_claims; i++) {
		free(ctx->claims[i].who);
		free(ctx->claims[i].what);
	}
	free(ctx->claims);
	rs_oracle_free(&ctx->oracle);
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
	free(ctx->trace_inst);
	free(ctx->trace_proc);
	rs_state_entries_free(ctx->left, ctx->nr_left);
	free(ctx);
}
