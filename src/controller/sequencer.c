// SPDX-License-Identifier: GPL-2.0
/*
 * The sequencer thread: setup, then the phases (starting and stopping loads), then
 * cleanup (release imports, close importers, release buffers, close exporters
 * that no worker is stuck on).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "rs_state.h"
#include "rs_units.h"
#include "rs_util.h"
#include "rs_verdict.h"

static void rs_load_start(struct rs_ctx *ctx, struct rs_cload *l, size_t ph)
{
	struct rs_load *ld = &l->c.u.l;
	int err;

	ld->o.reason[0] = '\0';
	rs_op_begin(&ctx->seq, "start load %s (%s)", l->sec->name, ld->ops->type);
	err = ld->ops->start(ld);
	rs_op_end(&ctx->seq);
	if (err) {
		rs_set_result(&ctx->vlock, &l->state, l->reason, l->state == RS_RES_FAIL ? RS_RES_FAIL :
			      err == -RS_ESKIP ? RS_RES_SKIP : RS_RES_FAIL, "%s",
			      rs_ctl_why(&ld->o, err));
		rs_log(ctx, "load %s: %s: %s", l->sec->name,
		       err == -RS_ESKIP ? "skipped" : "start failed", l->reason);
		if (err != -RS_ESKIP)
			ctx->phases[ph].failures++;
		return;
	}
	l->running = true;
	l->started_once = true;
	if (l->state == RS_RES_NOTRUN)
		rs_set_state(&ctx->vlock, &l->state, RS_RES_PASS);
}

static void rs_load_stop(struct rs_ctx *ctx, struct rs_cload *l)
{
	struct rs_load *ld = &l->c.u.l;

	if (!l->running)
		return;
	rs_op_begin(&ctx->seq, "stop load %s (%s)", l->sec->name, ld->ops->type);
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
	atomic_store(&ctx->cleanup_complete, complete);
}

/* The phase's result as it ends (a hang the supervisor marked stays). */
static void rs_phase_end(struct rs_ctx *ctx, struct rs_phase_run *ph)
{
	struct rs_vphase v = { .failures = atomic_load(&ph->failures), .exporters = ctx->nr_ex };
	char why[RS_REASON], *down = NULL;
	enum rs_result r;
	size_t i;

	pthread_mutex_lock(&ctx->vlock);
	for (i = 0; i < ctx->nr_ex; i++) {
		struct rs_cexp *e = ctx->ex[i];

		v.up += e->state == RS_RES_PASS;
		v.failed += e->state == RS_RES_FAIL;
		if (e->state != RS_RES_PASS && !down)
			down = rs_xasprintf("exporter %s: %s", e->sec->name,
					    e->reason[0] ? e->reason : "not opened");
	}
	pthread_mutex_unlock(&ctx->vlock);
	v.down = down;
	r = rs_phase_verdict(&v, why, sizeof(why));
	pthread_mutex_lock(&ctx->lock);
	ph->end_ns = rs_ctx_elapsed(ctx);
	if (ph->result == RS_RES_NOTRUN) {
		ph->result = r;
		memcpy(ph->reason, why, sizeof(ph->reason));
	}
	pthread_mutex_unlock(&ctx->lock);
	free(down);
}

void *rs_seq_main(void *arg)
{
	struct rs_ctx *ctx = arg;
	uint64_t run_end;
	char took[32];
	size_t i;

	rs_worker_enter(&ctx->seq);
	if (ctx->error) {
		rs_stop(ctx, RS_STOP_ERROR);
		goto cleanup;
	}
	rs_state_recover(ctx);
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
			rs_set_result(&p->st_lock, &p->state, p->reason, RS_RES_FAIL,
				      "cannot start a thread");
			atomic_store(&ctx->internal_error, true);
		}
	}
	atomic_store(&ctx->setup_ns, rs_ctx_elapsed(ctx));	/* tracer and state file too */
	atomic_store(&ctx->setup_done, true);
	rs_log(ctx, "setup took %s", rs_fmt_time(atomic_load(&ctx->setup_ns), took, sizeof(took)));
	rs_results_request(ctx);

	/* the duration is the phases': setup (which may reset devices) does not eat into it */
	run_end = rs_now_ns() + ctx->duration_ns;
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
		rs_phase_end(ctx, ph);
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
