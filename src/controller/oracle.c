// SPDX-License-Identifier: GPL-2.0
/*
 * One truth per run.  The live checks (importers' hooks and traffic, during the run) and
 * the trace oracle (`revokestorm report`'s model of the kernel's own events, read after
 * the run from the same run's trace) look at the same kernel; the run reports both and
 * where they disagree:
 *
 *   trace-oracle   the protocol violations in the kernel's events, each with its event
 *                  line; nothing is concluded across events the tracer lost;
 *   live-vs-trace  every claim a live check made about the kernel (rs_claim()) must be
 *                  in the trace as well: a claim the trace contradicts is a failure of
 *                  one of the two, and is reported as such.
 *
 * Both points are skipped, with the reason, when there are no events to read.  The trace
 * timestamps must be CLOCK_MONOTONIC (the tracer sets the instance's trace_clock to mono),
 * as the claims' are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "rs_report.h"
#include "rs_util.h"

#define RS_ORACLE_SHOW	5	/* findings shown as KTAP diagnostics */

static int rs_claim_kind_viol(enum rs_claim_kind k)
{
	switch (k) {
	case RS_CLAIM_MAP_WHILE_REVOKED:
		return RS_VIOL_MAP_WHILE_REVOKED;
	case RS_CLAIM_MAPPED_AFTER_REVOKE:
		return RS_VIOL_EARLY_MOVE_END;
	default:
		return -1;
	}
}

int rs_oracle_check_claim(const struct rs_report *r, const struct rs_claim *c)
{
	int kind = rs_claim_kind_viol(c->kind);
	uint64_t from = c->since_ns ? c->since_ns : c->t_ns, first, last;
	struct rs_report_finding f;
	size_t i;

	if (!rs_report_span(r, &first, &last))
		return 0;

	for (i = 0; rs_report_finding(r, i, &f); i++)
		if (f.kind == kind && f.ino == c->ino && f.ts_ns >= from && f.ts_ns <= c->t_ns)
			return 1;
	/* the trace records from before setup to after the last claim: its first event bounds it */
	if (from < first || rs_report_gap(r, from, c->t_ns))
		return 0;	/* before the trace, or events lost: cannot tell */
	if (rs_report_nr_findings(r) < rs_report_violations(r, -1))
		return 0;	/* more findings than kept: it may be among those not kept */
	return -1;
}

void rs_oracle_run(struct rs_ctx *ctx)
{
	struct rs_oracle *o = &ctx->oracle;
	uint64_t first = 0, last = 0;
	struct rs_report *r;
	size_t i;

	if (!o->wanted)
		return;
	if (!o->trace_dir) {
		snprintf(o->why, sizeof(o->why), "%s", ctx->trace_why[0] ? ctx->trace_why :
			 "kernel events were not collected");
		return;
	}
	r = rs_report_new();
	rs_report_set_errfile(r, NULL);
	if (rs_report_feed_path(r, o->trace_dir)) {
		snprintf(o->why, sizeof(o->why), "the run's kernel events could not be read from %s",
			 o->trace_dir);
		rs_report_free(r);
		return;
	}
	rs_report_finish(r);
	o->events = rs_report_events(r);
	o->lost = rs_report_lost(r);
	o->violations = rs_report_violations(r, -1);
	if (!rs_report_span(r, &first, &last) || !o->events) {
		snprintf(o->why, sizeof(o->why), "no kernel event of the revoke path was collected");
		rs_report_free(r);
		return;
	}
	o->checked = true;
	/* findings across a gap are withheld, never counted in violations (report_gaps.c) */
	o->gap = rs_report_gap(r, first, last);
	o->withheld = rs_report_withheld(r, -1);
	for (i = 0; i < RS_ORACLE_SHOW; i++) {
		struct rs_report_finding f;

		if (!rs_report_finding(r, i, &f))
			break;
		o->shown[i] = rs_xasprintf("%s:%llu: %s: %s", f.input, (unsigned long long)f.line,
					   rs_report_viol_label(f.kind), f.msg);
	}
	pthread_mutex_lock(&ctx->log_lock);
	for (i = 0; i < ctx->nr_claims; i++) {
		struct rs_claim *c = &ctx->claims[i];

		c->verdict = rs_oracle_check_claim(r, c);
		o->confirmed += c->verdict > 0;
		o->unchecked += c->verdict == 0;
		o->contradicted += c->verdict < 0;
	}
	o->unchecked += ctx->claims_total - ctx->nr_claims;
	pthread_mutex_unlock(&ctx->log_lock);
	rs_report_free(r);
}

bool rs_oracle_fails(const struct rs_oracle *o)
{
	return o->checked && (o->violations || o->contradicted);
}

void rs_oracle_ktap(struct rs_ctx *ctx)
{
	struct rs_oracle *o = &ctx->oracle;
	char why[RS_REASON];
	size_t i;

	if (!o->wanted)
		return;
	if (!o->checked) {
		rs_ktap_point(ctx, RS_RES_SKIP, "trace-oracle", o->why);
		rs_ktap_point(ctx, RS_RES_SKIP, "live-vs-trace", o->why);
		return;
	}
	rs_ktap_diag(ctx, "trace-oracle: %llu events read, %llu lost by the tracer, %llu violations",
		     (unsigned long long)o->events, (unsigned long long)o->lost,
		     (unsigned long long)o->violations);
	for (i = 0; i < RS_ORACLE_SHOW && o->shown[i]; i++)
		rs_ktap_diag(ctx, "trace-oracle: %s", o->shown[i]);
	if (o->violations) {
		snprintf(why, sizeof(why), "%llu protocol violations in the kernel's events",
			 (unsigned long long)o->violations);
		rs_ktap_point(ctx, RS_RES_FAIL, "trace-oracle", why);
	} else if (o->gap) {
		snprintf(why, sizeof(why), "the tracer lost %llu events: no verdict is built across them (%llu findings withheld)",
			 (unsigned long long)o->lost, (unsigned long long)o->withheld);
		rs_ktap_point(ctx, RS_RES_SKIP, "trace-oracle", why);
	} else {
		rs_ktap_point(ctx, RS_RES_PASS, "trace-oracle", NULL);
	}

	{
		struct rs_buf_str b = { 0 };
		char *text, *line, *save = NULL;
		size_t shown = 0;

		pthread_mutex_lock(&ctx->log_lock);	/* a stuck plugin may still claim */
		for (i = 0; i < ctx->nr_claims && shown < RS_ORACLE_SHOW; i++) {
			const struct rs_claim *c = &ctx->claims[i];

			if (c->verdict >= 0)
				continue;
			rs_str_addf(&b, "live-vs-trace: importer %s claimed '%s', but the trace shows no such event on ino %lu\n",
				    c->who, c->what, c->ino);
			shown++;
		}
		pthread_mutex_unlock(&ctx->log_lock);
		text = b.len ? rs_str_steal(&b) : NULL;
		for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
		     line = strtok_r(NULL, "\n", &save))
			rs_ktap_diag(ctx, "%s", line);
		free(text);
	}
	if (o->contradicted) {
		snprintf(why, sizeof(why), "%llu live claims about the kernel are not in its events (%llu confirmed)",
			 (unsigned long long)o->contradicted, (unsigned long long)o->confirmed);
		rs_ktap_point(ctx, RS_RES_FAIL, "live-vs-trace", why);
	} else if (o->unchecked) {
		snprintf(why, sizeof(why), "%llu live claims could not be checked against the trace (events lost)",
			 (unsigned long long)o->unchecked);
		rs_ktap_point(ctx, RS_RES_SKIP, "live-vs-trace", why);
	} else {
		if (o->confirmed)
			rs_ktap_diag(ctx, "live-vs-trace: %llu live claims, every one in the trace",
				     (unsigned long long)o->confirmed);
		rs_ktap_point(ctx, RS_RES_PASS, "live-vs-trace", NULL);
	}
}

void rs_oracle_free(struct rs_oracle *o)
{
	size_t i;

	for (i = 0; i < RS_ORACLE_SHOW; i++)
		free(o->shown[i]);
	free(o->trace_dir);
}
