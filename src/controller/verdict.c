// SPDX-License-Identifier: GPL-2.0
/*
 * The verdict: rs_verdict(), a pure function over a snapshot of the run (rs_verdict.h),
 * and rs_finish(), which takes that snapshot under the run's locks and applies it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "rs_util.h"
#include "rs_verdict.h"
#include "rs_watch.h"

_Static_assert(RS_VREASON == RS_REASON, "a verdict's reason is a result's reason");

static void rs_vfmt(char *dst, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Into a reason buffer, truncated. */
static void rs_vfmt(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, len, fmt, ap);
	va_end(ap);
}

#define rs_vreason(o, ...)	rs_vfmt((o)->reason, sizeof((o)->reason), __VA_ARGS__)

/* Never reached: skipped, saying why. */
static void rs_vnotrun(struct rs_vobj *o, const struct rs_verdict_in *in)
{
	o->state = RS_RES_SKIP;
	if (!o->reason[0])
		rs_vreason(o, "not reached: %s", in->error ? in->error :
			   "the run stopped during setup");
}

static void rs_vpair(struct rs_vobj *o, const struct rs_verdict_in *in)
{
	if (o->state == RS_RES_NOTRUN) {
		rs_vnotrun(o, in);
		return;
	}
	if (o->state != RS_RES_PASS || o->cycles)
		return;
	/* it passed without a single revoke: nothing was checked */
	if (!o->active) {
		o->state = RS_RES_SKIP;
		rs_vreason(o, "active in no phase that ran");
	} else if (o->started && !in->stopped_early) {
		/* it revoked, but no cycle ended within the run: nothing could be judged */
		o->state = RS_RES_SKIP;
		rs_vreason(o, "its first revoke cycle was still running when the run ended: a cycle "
			   "takes longer than the phase here (give the phase a longer duration)");
	} else if (in->stopped_early) {
		o->state = RS_RES_SKIP;
		rs_vreason(o, "no revoke cycle before the run stopped (%s)",
			   in->signal ? "signal" : in->hangs ? "hang" : "error");
	} else if (o->waited_turn) {
		/* it wanted to revoke, but the exporter was never free: nothing to judge */
		o->state = RS_RES_SKIP;
		rs_vreason(o, "its turn on the exporter never came: the other triggers' cycles held "
			   "it until the run ended (give the phase a longer duration, or set "
			   "exclusive = false)");
	} else {
		o->state = RS_RES_FAIL;
		rs_vreason(o, "completed no revoke cycle: nothing was revoked");
	}
}

static void rs_vimporter(struct rs_vobj *o, const struct rs_verdict_in *in)
{
	if (o->imports_failed && !o->reason[0])
		rs_vreason(o, "%s", o->import_failure);
	if (o->state == RS_RES_HANG || o->held || (o->state != RS_RES_NOTRUN && !o->opened))
		return;	/* hang (culprit, victim), or open failed/skipped: keep */
	if (o->state == RS_RES_NOTRUN && !o->opened) {
		rs_vnotrun(o, in);
	} else if (o->imports_failed || o->traffic_failures) {
		o->state = RS_RES_FAIL;
	} else if (!o->imports_ok) {
		o->state = RS_RES_SKIP;
		if (!o->reason[0] && o->imports && o->import_reason[0])
			rs_vreason(o, "%s", o->import_reason);
		if (!o->reason[0])
			rs_vreason(o, "nothing to import");
	} else {
		o->state = RS_RES_PASS;
	}
}

void rs_verdict(struct rs_verdict_in *in, struct rs_verdict *out)
{
	bool fail = false, ran = false;
	size_t i;

	for (i = 0; i < in->nr; i++) {
		struct rs_vobj *o = &in->obj[i];

		switch (o->kind) {
		case RS_VK_PAIR:
			rs_vpair(o, in);
			fail |= o->state == RS_RES_FAIL || o->state == RS_RES_HANG;
			ran |= o->state != RS_RES_SKIP;
			break;
		case RS_VK_IMPORTER:
			rs_vimporter(o, in);
			fail |= o->state == RS_RES_FAIL || o->state == RS_RES_HANG;
			ran |= o->state != RS_RES_SKIP;
			break;
		case RS_VK_EXPORTER:
			/*
			 * An exporter that could not open or export fails the run even when
			 * nothing else names it (no trigger acts on it; its importers only
			 * skip its missing buffers).
			 */
			if (o->state == RS_RES_NOTRUN)
				rs_vnotrun(o, in);
			fail |= o->state == RS_RES_FAIL;
			break;
		case RS_VK_PHASE:
			fail |= o->state == RS_RES_FAIL || o->state == RS_RES_HANG;
			break;
		case RS_VK_LOAD:
			fail |= o->state == RS_RES_FAIL;
			break;
		}
	}
	fail |= in->hangs > 0 || in->klog_failures > 0 || in->leak_check == RS_RES_FAIL;
	fail |= in->oracle_fails;

	if (in->internal_error) {
		out->exit_code = RS_EXIT_INTERNAL;
		out->status = "error";
	} else if (in->hangs) {
		out->exit_code = RS_EXIT_FAIL;
		out->status = "hang";
	} else if (fail) {
		out->exit_code = RS_EXIT_FAIL;
		out->status = "fail";
	} else if (in->error) {
		out->exit_code = RS_EXIT_SKIP;
		out->status = "skip";
	} else if (in->signal) {
		out->exit_code = RS_EXIT_PASS;
		out->status = "interrupted";
	} else if (!ran) {
		out->exit_code = RS_EXIT_SKIP;
		out->status = "skip";
	} else {
		out->exit_code = RS_EXIT_PASS;
		out->status = "pass";
	}
}

enum rs_result rs_phase_verdict(const struct rs_vphase *p, char *why, size_t len)
{
	why[0] = '\0';
	if (p->failures) {
		rs_vfmt(why, len, "%llu failures", (unsigned long long)p->failures);
		return RS_RES_FAIL;
	}
	if (p->exporters && !p->up) {
		rs_vfmt(why, len, "no exporter came up: %s", p->down ? p->down : "none opened");
		return p->failed ? RS_RES_FAIL : RS_RES_SKIP;
	}
	return RS_RES_PASS;
}

/* ------------------------------------------------------------ the run's snapshot */

static bool rs_pair_active(struct rs_ctx *ctx, struct rs_pair *p)
{
	bool active = false;
	size_t k;

	pthread_mutex_lock(&ctx->lock);
	for (k = 0; k < ctx->nr_phases; k++)
		active |= p->pp[k].active && ctx->phases[k].start_ns;
	pthread_mutex_unlock(&ctx->lock);
	return active;
}

static void rs_snap_importer(struct rs_ctx *ctx, struct rs_cimporter *m, struct rs_vobj *o)
{
	size_t j;

	o->kind = RS_VK_IMPORTER;
	o->opened = m->opened;
	pthread_mutex_lock(&m->st_lock);
	o->state = m->state;
	o->held = m->blamed || m->behind;
	memcpy(o->reason, m->reason, sizeof(o->reason));
	for (j = 0; j < ctx->nr_phases; j++)
		o->traffic_failures += m->st[j].traffic_failures;
	o->imports = m->nr_imports;
	for (j = 0; j < m->nr_imports; j++) {
		struct rs_cimport *ci = m->imports[j];

		o->imports_ok += ci->state == RS_RES_PASS;
		if (ci->state == RS_RES_FAIL && !o->imports_failed++)
			rs_vfmt(o->import_failure, sizeof(o->import_failure),
				"import of buffer %u of %s: %s: %s", ci->imp.buf->index,
				ci->ex->sec->name, rs_errno_name(ci->err), ci->reason);
		if (ci->reason[0] && !o->import_reason[0])
			rs_vfmt(o->import_reason, sizeof(o->import_reason), "%s", ci->reason);
	}
	pthread_mutex_unlock(&m->st_lock);
}

/* Final verdicts of everything, the exit code and the status word. */
void rs_finish(struct rs_ctx *ctx)
{
	size_t n = ctx->nr_pairs + ctx->nr_im + ctx->nr_ex + ctx->nr_phases + ctx->nr_loads, i, k = 0;
	struct rs_vobj *obj = rs_xcalloc(n + 1, sizeof(*obj)), *o;
	struct rs_verdict_in in = { .obj = obj, .nr = n };
	struct rs_verdict out;
	int stop = atomic_load(&ctx->stop);

	for (i = 0; i < ctx->nr_pairs; i++) {
		struct rs_pair *p = ctx->pairs[i];

		o = &obj[k++];
		o->kind = RS_VK_PAIR;
		o->active = rs_pair_active(ctx, p);
		pthread_mutex_lock(&p->st_lock);
		o->state = p->state;
		memcpy(o->reason, p->reason, sizeof(o->reason));
		o->cycles = p->cycles_done;
		o->started = p->revokes_started;
		o->waited_turn = p->turns_wanted > 0;
		pthread_mutex_unlock(&p->st_lock);
	}
	for (i = 0; i < ctx->nr_im; i++)
		rs_snap_importer(ctx, ctx->im[i], &obj[k++]);
	pthread_mutex_lock(&ctx->vlock);
	for (i = 0; i < ctx->nr_ex; i++) {
		o = &obj[k++];
		o->kind = RS_VK_EXPORTER;
		o->state = ctx->ex[i]->state;
		memcpy(o->reason, ctx->ex[i]->reason, sizeof(o->reason));
	}
	for (i = 0; i < ctx->nr_loads; i++) {
		o = &obj[k + ctx->nr_phases + i];
		o->kind = RS_VK_LOAD;
		o->state = ctx->loads[i]->state;
	}
	in.error = ctx->error;
	in.hangs = atomic_load(&ctx->nr_hangs);
	pthread_mutex_unlock(&ctx->vlock);
	pthread_mutex_lock(&ctx->lock);
	for (i = 0; i < ctx->nr_phases; i++) {
		o = &obj[k++];
		o->kind = RS_VK_PHASE;
		o->state = ctx->phases[i].result;
	}
	pthread_mutex_unlock(&ctx->lock);
	in.klog_failures = ctx->watch ? rs_watch_failures(ctx->watch) : 0;
	in.oracle_fails = rs_oracle_fails(&ctx->oracle);
	ctx->soak.result = rs_soak_verdict(&ctx->soak, ctx->soak.reason, sizeof(ctx->soak.reason));
	in.leak_check = (enum rs_result)ctx->soak.result;
	in.internal_error = atomic_load(&ctx->internal_error);
	in.signal = stop == RS_STOP_SIGNAL;
	in.stopped_early = stop == RS_STOP_SIGNAL || stop == RS_STOP_HANG || stop == RS_STOP_ERROR;

	rs_verdict(&in, &out);

	k = 0;
	for (i = 0; i < ctx->nr_pairs; i++, k++)
		rs_set_result(&ctx->pairs[i]->st_lock, &ctx->pairs[i]->state,
			      ctx->pairs[i]->reason, obj[k].state, "%s", obj[k].reason);
	for (i = 0; i < ctx->nr_im; i++, k++)
		rs_set_result(&ctx->im[i]->st_lock, &ctx->im[i]->state, ctx->im[i]->reason,
			      obj[k].state, "%s", obj[k].reason);
	for (i = 0; i < ctx->nr_ex; i++, k++)
		rs_set_result(&ctx->vlock, &ctx->ex[i]->state, ctx->ex[i]->reason, obj[k].state,
			      "%s", obj[k].reason);
	ctx->exit_code = out.exit_code;
	ctx->status_word = out.status;
	free(obj);
}
