// SPDX-License-Identifier: GPL-2.0
/*
 * KTAP on stdout (docs/cli.md): the header, one point per phase, pair, importer and check
 * in output order, the diagnostics, and the totals.  results.c writes the same run as JSON.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "rs_ctl.h"
#include "rs_trace.h"
#include "rs_units.h"
#include "rs_util.h"
#include "rs_version.h"
#include "rs_watch.h"

/* KTAP names and reasons: one line, no '#'. */
static void rs_ktap_clean(char *dst, size_t len, const char *s)
{
	size_t i;

	for (i = 0; s && *s && i + 1 < len; s++)
		dst[i++] = (*s == '\n' || *s == '\r' || *s == '#') ? ' ' : *s;
	dst[i] = '\0';
}

void rs_ktap_diag(struct rs_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *m, clean[1024];

	va_start(ap, fmt);
	m = rs_xvasprintf(fmt, ap);
	va_end(ap);
	rs_ktap_clean(clean, sizeof(clean), m);
	pthread_mutex_lock(&ctx->log_lock);
	fprintf(ctx->ktap, "# %s\n", clean);
	fflush(ctx->ktap);
	pthread_mutex_unlock(&ctx->log_lock);
	free(m);
}

void rs_ktap_header(struct rs_ctx *ctx)
{
	struct utsname u;

	fprintf(ctx->ktap, "KTAP version 1\n");
	fprintf(ctx->ktap, "# revokestorm %s: scenario %s (%s), seed %llu\n", RS_VERSION,
		ctx->scn->name, ctx->scn->path, (unsigned long long)ctx->seed);
	if (!uname(&u))
		fprintf(ctx->ktap, "# kernel: %s %s %s\n", u.sysname, u.release, u.version);
	fprintf(ctx->ktap, "# reproduce: revokestorm run %s --seed %llu\n", ctx->scn->path,
		(unsigned long long)ctx->seed);
	fprintf(ctx->ktap, "1..%u\n", ctx->ktap_plan);
	fflush(ctx->ktap);
}

unsigned int rs_ktap_point(struct rs_ctx *ctx, enum rs_result r, const char *name,
			  const char *reason)
{
	char n[256], why[RS_REASON + 64];
	unsigned int id;

	rs_ktap_clean(n, sizeof(n), name);
	rs_ktap_clean(why, sizeof(why), reason && *reason ? reason : NULL);
	pthread_mutex_lock(&ctx->log_lock);
	id = ++ctx->ktap_next;
	ctx->points = rs_xrealloc(ctx->points, (ctx->nr_points + 1) * sizeof(*ctx->points));
	ctx->points[ctx->nr_points++] = (struct rs_point){
		.name = rs_xstrdup(n), .result = r, .reason = *why ? rs_xstrdup(why) : NULL,
	};
	switch (r) {
	case RS_RES_PASS:
		fprintf(ctx->ktap, "ok %u %s\n", id, n);
		ctx->ktap_pass++;
		break;
	case RS_RES_FAIL:
		if (*why)
			fprintf(ctx->ktap, "# %s: %s\n", n, why);
		fprintf(ctx->ktap, "not ok %u %s\n", id, n);
		ctx->ktap_fail++;
		break;
	case RS_RES_HANG:
		fprintf(ctx->ktap, "not ok %u %s # TIMEOUT %s\n", id, n, why);
		ctx->ktap_fail++;
		break;
	case RS_RES_SKIP:
	case RS_RES_NOTRUN:
		fprintf(ctx->ktap, "ok %u %s # SKIP %s\n", id, n, *why ? why : "not run");
		ctx->ktap_skip++;
		break;
	}
	fflush(ctx->ktap);
	pthread_mutex_unlock(&ctx->log_lock);
	return id;
}

void rs_ktap_phase(struct rs_ctx *ctx, struct rs_phase_run *ph)
{
	char name[128], why[RS_REASON] = "";
	enum rs_result r;
	unsigned int id;

	snprintf(name, sizeof(name), "phase.%s", ph->name);
	if (ph->blocked_by)
		snprintf(why, sizeof(why), "cut short: importer %s hung a revoke", ph->blocked_by);
	else if (atomic_load(&ph->failures))
		snprintf(why, sizeof(why), "%llu failures",
			 (unsigned long long)atomic_load(&ph->failures));
	pthread_mutex_lock(&ctx->lock);		/* the supervisor marks a hang in it */
	r = ph->result;
	if (ph->reason[0])
		memcpy(why, ph->reason, sizeof(why));
	pthread_mutex_unlock(&ctx->lock);
	id = rs_ktap_point(ctx, r, name, why);
	pthread_mutex_lock(&ctx->lock);
	ph->ktap_id = id;
	pthread_mutex_unlock(&ctx->lock);
}

/* "# NAME: counters: a 1, b 2" for a plugin's rs_count() counters, if it has any. */
static void rs_ktap_counters(struct rs_ctx *ctx, const char *name, struct rs_cobj *c)
{
	unsigned int i, nr = atomic_load(&c->nr_counters);
	char line[1024];
	size_t n = 0;

	for (i = 0; i < nr && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s %llu", i ? ", " : "",
				      c->counters[i].name,
				      (unsigned long long)atomic_load(&c->counters[i].v));
	if (nr)
		rs_ktap_diag(ctx, "%s: counters: %s", name, line);
}

void rs_pair_total(struct rs_ctx *ctx, struct rs_pair *p, struct rs_stats *t,
		   enum rs_result *res, char *reason)
{
	size_t k;

	rs_stats_init(t);
	pthread_mutex_lock(&p->st_lock);	/* its worker updates them */
	for (k = 0; k < ctx->nr_phases; k++)
		rs_stats_merge(t, &p->st[k]);
	if (res)
		*res = p->state;
	if (reason)
		memcpy(reason, p->reason, RS_REASON);
	pthread_mutex_unlock(&p->st_lock);
}

/* What the trace holds; where the kernel dropped events, what no trace check can see. */
static void rs_ktap_trace(struct rs_ctx *ctx)
{
	const struct rs_trace_info *ti = rs_trace_info(ctx->trace);
	size_t i;

	if (!ti)
		return;
	rs_ktap_diag(ctx, "trace: %llu events, %lld lost by the kernel in %zu gaps (%s/trace.txt)",
		     (unsigned long long)ti->events, ti->lost, ti->nr_gaps, ctx->results_dir);
	for (i = 0; i < ti->nr_gaps && i < 5; i++) {
		char text[160];

		rs_trace_gap_text(&ti->gaps[i], text, sizeof(text));
		rs_ktap_diag(ctx, "trace: %s: not checked there", text);
	}
	if (ti->nr_gaps > 5)
		rs_ktap_diag(ctx, "trace: %zu more gaps (results.json trace.gaps)", ti->nr_gaps - 5);
}

void rs_ktap_finish(struct rs_ctx *ctx)
{
	size_t i;

	rs_ktap_trace(ctx);

	for (i = 0; i < ctx->nr_phases; i++) {
		struct rs_phase_run *ph = &ctx->phases[i];
		enum rs_result r;
		unsigned int id;

		pthread_mutex_lock(&ctx->lock);
		id = ph->ktap_id;
		r = ph->result;
		pthread_mutex_unlock(&ctx->lock);
		if (id)
			continue;
		if (r == RS_RES_NOTRUN) {
			char name[128];

			snprintf(name, sizeof(name), "phase.%s", ph->name);
			id = rs_ktap_point(ctx, RS_RES_SKIP, name, "not reached");
			pthread_mutex_lock(&ctx->lock);
			ph->ktap_id = id;
			pthread_mutex_unlock(&ctx->lock);
		} else {
			rs_ktap_phase(ctx, ph);
		}
	}
	for (i = 0; i < ctx->nr_pairs; i++) {
		struct rs_pair *p = ctx->pairs[i];
		char reason[RS_REASON];
		enum rs_result res;
		struct rs_stats t;

		rs_pair_total(ctx, p, &t, &res, reason);
		if (t.cycles) {
			struct rs_lat_summary rv, rt;
			char a[32], b[32], c[32];

			rs_lat_summary(t.lat[RS_OP_REVOKE], &rv);
			rs_lat_summary(t.lat[RS_OP_RESTORE], &rt);
			bool pct = rs_lat_have_percentiles();

			rs_ktap_diag(ctx, "%s: %llu cycles, revoke p50 %s p99 %s, restore p99 %s, %llu errors, importers %s",
				     p->w.name, (unsigned long long)t.cycles,
				     rv.count && pct ? rs_fmt_time(rv.p50, a, sizeof(a)) : "-",
				     rv.count && pct ? rs_fmt_time(rv.p99, b, sizeof(b)) : "-",
				     rt.count && pct ? rs_fmt_time(rt.p99, c, sizeof(c)) : "-",
				     (unsigned long long)(t.revoke_errors + t.restore_errors +
							  t.importer_failures),
				     p->ex->importer_set);
		}
		rs_stats_fini(&t);
		p->ktap_id = rs_ktap_point(ctx, res, p->w.name, reason);
	}
	for (i = 0; i < ctx->nr_im; i++) {
		struct rs_cimporter *m = ctx->im[i];
		char name[128], reason[RS_REASON];
		enum rs_result res;

		pthread_mutex_lock(&m->st_lock);
		res = m->state;
		memcpy(reason, m->reason, sizeof(reason));
		pthread_mutex_unlock(&m->st_lock);
		snprintf(name, sizeof(name), "importer.%s", m->sec->name);
		rs_ktap_counters(ctx, name, &m->c);
		if (m->refused) {
			const char *why = "";
			size_t j;

			pthread_mutex_lock(&m->st_lock);
			for (j = 0; j < m->nr_imports && !*why; j++)
				if (m->imports[j]->refused)
					why = m->imports[j]->reason;
			rs_ktap_diag(ctx, "%s: %u of %zu imports refused by the exporter, as it must: %s",
				     name, m->refused, m->nr_imports, why);
			pthread_mutex_unlock(&m->st_lock);
		}
		m->ktap_id = rs_ktap_point(ctx, res, name, reason);
	}
	for (i = 0; i < ctx->nr_ex; i++) {
		struct rs_cexp *e = ctx->ex[i];
		char name[128], reason[RS_REASON];
		enum rs_result res;

		if (e->nr_pairs)
			continue;	/* its trigger pairs carry its verdict */
		pthread_mutex_lock(&ctx->vlock);
		res = e->state;
		memcpy(reason, e->reason, sizeof(reason));
		pthread_mutex_unlock(&ctx->vlock);
		snprintf(name, sizeof(name), "exporter.%s", e->sec->name);
		rs_ktap_point(ctx, res, name, res == RS_RES_PASS ? NULL : reason);
	}
	if (ctx->watch) {
		size_t nr, fails = rs_watch_failures(ctx->watch);
		struct rs_klog_report *r = rs_watch_reports(ctx->watch, &nr);
		size_t shown = 0;

		for (i = 0; i < nr && shown < 5; i++) {
			if (r[i].allowed)
				continue;
			rs_ktap_diag(ctx, "kernel: %s", r[i].line);
			shown++;
		}
		rs_klog_reports_free(r, nr);
		rs_ktap_point(ctx, fails ? RS_RES_FAIL : RS_RES_PASS, "kernel-log",
			      fails ? "kernel reports in the log" : NULL);
	}
	rs_oracle_ktap(ctx);
	if (ctx->soak.result != RS_RES_NOTRUN) {
		if (ctx->soak.result == RS_RES_PASS)
			rs_ktap_diag(ctx, "leak-check: %s", ctx->soak.reason);
		rs_ktap_point(ctx, ctx->soak.result, "leak-check", ctx->soak.reason);
	}
	pthread_mutex_lock(&ctx->log_lock);
	fprintf(ctx->ktap, "# %s: seed %llu, results %s\n", ctx->status_word,
		(unsigned long long)ctx->seed, ctx->results_file);
	fprintf(ctx->ktap, "# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:%u\n",
		ctx->ktap_pass, ctx->ktap_fail, ctx->ktap_skip,
		atomic_load(&ctx->internal_error) ? 1u : 0u);
	fflush(ctx->ktap);
	pthread_mutex_unlock(&ctx->log_lock);
}
