// SPDX-License-Identifier: GPL-2.0
/*
 * The verdict: every pair's, importer's, exporter's, phase's and load's final
 * result, the exit code and the status word.
 */
#include <stdio.h>

#include "controller.h"
#include "rs_util.h"
#include "rs_watch.h"

/* Final verdicts of everything, the exit code and the status word. */
void rs_finish(struct rs_ctx *ctx)
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
	ctx->soak.result = rs_soak_verdict(&ctx->soak, ctx->soak.reason, sizeof(ctx->soak.reason));
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
