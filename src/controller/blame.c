// SPDX-License-Identifier: GPL-2.0
/*
 * Who is to blame for a hang.  A revoke that does not return waits for something an
 * import of its exporter holds: a mapping its importer never gives back, an unsignalled
 * fence.  Everything else stuck on that exporter waits behind the revoke (traffic through
 * the BAR, config accesses and other triggers block on the device's memory lock), so the
 * first worker the watchdog catches is often a victim.
 *
 * The culprit is an import that declared what it holds (rs_import_blocker()), confirmed
 * where the kernel can confirm it: a hung-importer report in the kernel log for the
 * import's dma-buf ("dma-buf: <exp> ino <N>: hung importer ...", kernel-patches/).  The
 * culprit's importer fails with that evidence; every hung worker stuck on the same
 * exporter is reported as blocked behind it (a skip: its own check could not finish),
 * and so is the phase the hang cut short.  A hang with no culprit stays the failure of
 * the worker that hung, with what the kernel said.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "rs_units.h"
#include "rs_util.h"
#include "rs_verdict.h"
#include "rs_watch.h"

/* The first kernel hung-importer line about buffer ino, or NULL. */
static const char *rs_kernel_says(const struct rs_klog_report *r, size_t nr, unsigned long ino)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (r[i].hung_importer && ino && rs_klog_hung_ino(r[i].line) == ino)
			return r[i].line;
	return NULL;
}

/*
 * The culprit import of exporter e: one with a blocker note, preferring one whose buffer
 * the kernel names; NULL if none.  note and *kernel describe it.
 */
static struct rs_cimport *rs_culprit(struct rs_cexp *e, const struct rs_klog_report *r,
				     size_t nr, char *note, size_t len, const char **kernel)
{
	struct rs_cimport *first = NULL;
	size_t i;

	*kernel = NULL;
	for (i = 0; i < e->nr_imports; i++) {
		struct rs_cimport *ci = e->imports[i];
		const char *k;

		if (!rs_import_blocker_get(ci, note, len))
			continue;
		k = rs_kernel_says(r, nr, ci->imp.buf->ino);
		if (k) {
			*kernel = k;
			return ci;
		}
		if (!first)
			first = ci;
	}
	if (first)
		rs_import_blocker_get(first, note, len);
	return first;
}

/* rs_blame()'s reason ends "; EVIDENCE": the kernel's own report when it has one */
#define RS_BLAME_KERNEL		"kernel: "

bool rs_blame_has_kernel_report(const char *reason)
{
	const char *ev = strstr(reason, "; " RS_BLAME_KERNEL);

	return !strncmp(reason, "hung importer: ", 15) && ev && ev[2 + strlen(RS_BLAME_KERNEL)];
}

static char *rs_evidence(const char *kernel)
{
	return kernel ? rs_xasprintf(RS_BLAME_KERNEL "%s", kernel) :
	       rs_xstrdup("no kernel report of it (a kernel without kernel-patches/' hung-importer report, or dma_buf.hung_importer_ms=0)");
}

/* The culprit's test point: what it holds, for how long, and the kernel's word on it. */
static void rs_blame(struct rs_cimport *ci, struct rs_cexp *e, uint64_t elapsed,
		     const char *note, const char *evidence)
{
	struct rs_cimporter *m = ci->im;
	char t[32];

	pthread_mutex_lock(&m->st_lock);
	m->blamed = true;
	pthread_mutex_unlock(&m->st_lock);
	rs_set_result(&m->st_lock, &m->state, m->reason, RS_RES_FAIL,
		      "hung importer: %s, on buffer %u of %s (ino %lu); a revoke of %s waited %s for it; %s",
		      note, ci->imp.buf->index, e->sec->name, ci->imp.buf->ino, e->sec->name,
		      rs_fmt_time(elapsed, t, sizeof(t)), evidence);
}

/*
 * Lock order (rs_ctl.h): the hang records are read and written under ctx->vlock, the
 * importers' and pairs' results under their st_lock, the phases under ctx->lock; never
 * one inside the other here.
 */
void rs_blame_hangs(struct rs_ctx *ctx)
{
	struct rs_klog_report *kr = NULL;
	size_t nr = 0, nh, i, k, unexplained = 0;
	const char *first_culprit = NULL;

	if (ctx->watch)
		kr = rs_watch_reports(ctx->watch, &nr);
	nh = atomic_load(&ctx->nr_hangs);
	for (i = 0; i < nh; i++) {
		struct rs_hang *h = &ctx->hangs[i];
		struct rs_cimport *ci, *known;
		const char *kernel;
		char note[RS_REASON], *ev, *culprit;
		uint64_t elapsed;
		bool has_kernel;

		pthread_mutex_lock(&ctx->vlock);
		known = h->culprit_ci;
		has_kernel = h->evidence && !strncmp(h->evidence, "kernel: ", 8);
		elapsed = h->elapsed_ns;
		pthread_mutex_unlock(&ctx->vlock);
		if (!h->ex) {
			unexplained++;
			continue;
		}
		if (known) {
			/* known; the kernel's report may have come in since */
			kernel = rs_kernel_says(kr, nr, known->imp.buf->ino);
			if (!kernel || has_kernel || !rs_import_blocker_get(known, note, sizeof(note)))
				continue;
			ev = rs_evidence(kernel);
			rs_blame(known, h->ex, elapsed, note, ev);
			pthread_mutex_lock(&ctx->vlock);
			free(h->evidence);
			h->evidence = ev;
			pthread_mutex_unlock(&ctx->vlock);
			continue;
		}
		ci = rs_culprit(h->ex, kr, nr, note, sizeof(note), &kernel);
		if (!ci) {
			/* no import owns up: the kernel's word is all there is */
			unexplained++;
			for (k = 0; k < h->ex->nr_imports && !kernel; k++)
				kernel = rs_kernel_says(kr, nr, h->ex->imports[k]->imp.buf->ino);
			ev = kernel ? rs_xasprintf("kernel: %s", kernel) : NULL;
			pthread_mutex_lock(&ctx->vlock);
			free(h->evidence);
			h->evidence = ev;
			pthread_mutex_unlock(&ctx->vlock);
			continue;
		}
		ev = rs_evidence(kernel);
		culprit = rs_xstrdup(ci->im->sec->name);
		rs_blame(ci, h->ex, elapsed, note, ev);
		rs_log(ctx, "HANG: the culprit is importer %s (%s); %s", culprit, note, ev);
		pthread_mutex_lock(&ctx->vlock);
		h->culprit_ci = ci;
		h->culprit = culprit;
		free(h->evidence);
		h->evidence = ev;
		pthread_mutex_unlock(&ctx->vlock);
	}
	rs_klog_reports_free(kr, nr);

	/* the victims: every hung worker stuck on an exporter whose culprit is known */
	for (i = 0; i < nh; i++) {
		struct rs_hang *h = &ctx->hangs[i];
		const char *culprit = NULL;
		bool victim;

		pthread_mutex_lock(&ctx->vlock);
		for (k = 0; k < nh && !culprit; k++)
			if (ctx->hangs[k].culprit && ctx->hangs[k].ex == h->ex)
				culprit = ctx->hangs[k].culprit;
		if (!first_culprit)
			first_culprit = culprit;
		victim = h->victim;
		if (culprit && h->w)
			h->victim = true;
		pthread_mutex_unlock(&ctx->vlock);
		if (!culprit || !h->w || victim)
			continue;
		if (!strcmp(h->w->kind, "trigger")) {
			struct rs_pair *p = rs_container_of(h->w, struct rs_pair, w);

			rs_set_result(&p->st_lock, &p->state, p->reason, RS_RES_SKIP,
				      "blocked behind importer %s: '%s' did not return", culprit, h->op);
		} else if (!strcmp(h->w->kind, "traffic")) {
			struct rs_cimporter *m = rs_container_of(h->w, struct rs_cimporter, traffic);
			bool blamed;

			pthread_mutex_lock(&m->st_lock);
			blamed = m->blamed;
			m->behind = !blamed;
			pthread_mutex_unlock(&m->st_lock);
			if (blamed)
				continue;
			rs_set_result(&m->st_lock, &m->state, m->reason, RS_RES_SKIP,
				      "blocked behind importer %s: '%s' did not return (the revoke of %s holds the device)",
				      culprit, h->op, h->ex->sec->name);
		}
		rs_log(ctx, "HANG: %s worker %s is a victim, blocked behind importer %s", h->w->kind,
		       h->w->name, culprit);
	}
	if (unexplained || !nh || !first_culprit)
		return;
	/* every hang has its culprit: the phases it cut short could not finish their checks */
	pthread_mutex_lock(&ctx->lock);
	for (i = 0; i < ctx->nr_phases; i++) {
		struct rs_phase_run *ph = &ctx->phases[i];

		if (ph->result == RS_RES_HANG) {
			ph->result = RS_RES_SKIP;
			ph->blocked_by = first_culprit;
		}
	}
	pthread_mutex_unlock(&ctx->lock);
}
