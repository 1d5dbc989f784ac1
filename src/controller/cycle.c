// SPDX-License-Identifier: GPL-2.0
/*
 * The pair cycle: one trigger worker per trigger x exporter fires revoke cycles
 * (revoke, importers' revoked hooks, hold, restore, importers' restored hooks or
 * re-export and re-import) on the phase's timing.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "controller.h"
#include "rs_util.h"

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
			continue;
		}
		rs_bufinfo_update(ctx, e, buf);
	}
	for (i = 0; i < e->nr_imports; i++) {
		struct rs_cimport *ci = e->imports[i];
		struct rs_cimporter *m = ci->im;
		struct rs_importer *im = &m->c.u.im;
		char reason[sizeof(im->o.reason)];

		if (ci->imp.buf->fd < 0 || ci->state == RS_RES_SKIP)
			continue;
		if (!rs_lock_or_stop(ctx, &m->lock, true))
			continue;
		/* an importer that never opened (skipped, failed) has nothing to import with */
		if (m->closed || !m->opened) {
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
		memcpy(reason, im->o.reason, sizeof(reason));	/* the lock guards it */
		pthread_mutex_unlock(&m->lock);
		/* skipped, or refused as the exporter must (as at setup): not a failure */
		if (err && err != -RS_ESKIP && err != -RS_EREFUSED) {
			snprintf(what, sizeof(what), "reimport:%s", m->sec->name);
			pthread_mutex_lock(&p->st_lock);
			st->importer_failures++;
			rs_pair_err(p, st, what, err, reason);
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

	if (exclusive) {
		pthread_mutex_lock(&p->st_lock);
		p->turns_wanted++;
		pthread_mutex_unlock(&p->st_lock);
		if (!rs_lock_or_stop(ctx, &e->cycle_lock, false))
			return true;
	}
	atomic_fetch_add(&e->depth, 1);
	atomic_fetch_add(&e->epoch, 1);

	t->o.reason[0] = '\0';
	pthread_mutex_lock(&p->st_lock);
	p->revokes_started++;
	pthread_mutex_unlock(&p->st_lock);
	rs_op_begin(&p->w, "revoke: %s (%s) on %s", p->sec->name, t->ops->type, e->sec->name);
	atomic_store(&e->revoke_start, rs_now_ns());
	err = t->ops->revoke(t, ex, p->handle);
	dt = rs_op_end(&p->w);
	atomic_store(&e->revoke_end, rs_now_ns());
	if (err == -RS_ESKIP) {
		pthread_mutex_lock(&p->st_lock);
		if (!p->cycles_done) {
			p->state = RS_RES_SKIP;
			rs_set_reason(p->reason, "%s", rs_ctl_why(&t->o, err));
		} else {
			/* it could act before: that it cannot now is the device or kernel changing */
			st->revoke_errors++;
			ctx->phases[ph].failures++;
			p->state = RS_RES_FAIL;
			rs_set_reason(p->reason, "revoke: after %llu cycles the trigger cannot act: %s",
				      (unsigned long long)p->cycles_done, rs_ctl_why(&t->o, err));
		}
		pthread_mutex_unlock(&p->st_lock);
		rs_log(ctx, "%s: revoke skipped: %s; this trigger stops on %s", p->w.name,
		       rs_ctl_why(&t->o, err), e->sec->name);
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

void *rs_pair_main(void *arg)
{
	struct rs_pair *p = arg;
	struct rs_ctx *ctx = p->w.ctx;
	uint64_t next = 0;
	unsigned int gen, seen_gen = ~0u;
	bool firing = true;

	rs_worker_enter(&p->w);
	while (!atomic_load(&ctx->stop)) {
		const struct rs_pphase *pp;
		int64_t n, k;
		int ph;

		/*
		 * The generation before the phase: the sequencer stores a new phase and then bumps
		 * the generation.  Read the other way round, a worker could see the old phase and
		 * the new generation, and sleep through the whole phase without firing.
		 */
		gen = rs_gen(ctx);
		ph = atomic_load(&ctx->phase);
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
