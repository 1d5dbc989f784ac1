// SPDX-License-Identifier: GPL-2.0
/*
 * The helpers rs_plugin.h promises plugins: reasons (rs_skip/rs_err), the run log,
 * seeded random numbers and the stop flag.  Plus the core's error counters.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_ctl.h"
#include "rs_units.h"
#include "rs_util.h"

#define RS_LOG_MAX	4000

static bool rs_ctx_ok(const struct rs_ctx *ctx)
{
	return ctx && ctx->magic == RS_CTX_MAGIC;
}

int rs_skip(struct rs_obj *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->reason, sizeof(o->reason), fmt, ap);
	va_end(ap);
	return -RS_ESKIP;
}

int rs_refused(struct rs_obj *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->reason, sizeof(o->reason), fmt, ap);
	va_end(ap);
	return -RS_EREFUSED;
}

int rs_err(struct rs_obj *o, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->reason, sizeof(o->reason), fmt, ap);
	va_end(ap);
	if (err > 0)
		err = -err;
	return err ? err : -EIO;
}

void rs_log(struct rs_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	uint64_t t;

	va_start(ap, fmt);
	msg = rs_xvasprintf(fmt, ap);
	va_end(ap);
	if (!rs_ctx_ok(ctx)) {
		fprintf(stderr, "revokestorm: %s\n", msg);
		free(msg);
		return;
	}
	t = rs_ctx_elapsed(ctx);
	pthread_mutex_lock(&ctx->log_lock);
	fprintf(ctx->status, "revokestorm: [%7.3fs] %s\n", (double)t / 1e9, msg);
	fflush(ctx->status);
	if (ctx->nr_log < RS_LOG_MAX) {
		rs_xgrow(&ctx->log, &ctx->cap_log, ctx->nr_log, sizeof(*ctx->log));
		ctx->log[ctx->nr_log].t_ns = t;
		ctx->log[ctx->nr_log++].msg = msg;
		msg = NULL;
	} else {
		ctx->log_dropped++;
	}
	pthread_mutex_unlock(&ctx->log_lock);
	free(msg);
}

uint64_t rs_rand(struct rs_obj *o)
{
	static __thread uint64_t fallback;

	if (o && rs_ctx_ok(o->ctx)) {
		struct rs_cobj *c = rs_container_of(o, struct rs_cobj, u);

		return rs_splitmix64(&c->rng);
	}
	/* an object the core did not create (a plugin's own test): still reproducible */
	if (!fallback)
		fallback = rs_hash_str(0, o && o->name ? o->name : "revokestorm");
	return rs_splitmix64(&fallback);
}

/* The counter name of o, created at 0 if new; NULL if o has no room or no core object. */
static _Atomic uint64_t *rs_counter(struct rs_obj *o, const char *name)
{
	static pthread_mutex_t add_lock = PTHREAD_MUTEX_INITIALIZER;
	struct rs_cobj *c;
	unsigned int i, nr;

	if (!o || !rs_ctx_ok(o->ctx))
		return NULL;	/* an object the core did not create: nothing to keep them in */
	c = rs_container_of(o, struct rs_cobj, u);
	nr = atomic_load(&c->nr_counters);
	for (i = 0; i < nr; i++)
		if (c->counters[i].name == name || !strcmp(c->counters[i].name, name))
			return &c->counters[i].v;
	pthread_mutex_lock(&add_lock);
	nr = atomic_load(&c->nr_counters);
	for (i = 0; i < nr; i++)
		if (!strcmp(c->counters[i].name, name))
			break;
	if (i == nr && nr < RS_MAX_COUNTERS) {
		c->counters[i].name = name;
		atomic_store(&c->counters[i].v, 0);
		atomic_store(&c->nr_counters, nr + 1);
	}
	pthread_mutex_unlock(&add_lock);
	if (i == RS_MAX_COUNTERS) {
		static _Atomic bool said;

		if (!atomic_exchange(&said, true))
			rs_log(o->ctx, "%s: counter '%s' dropped: more than %d counters", o->name,
			       name, RS_MAX_COUNTERS);
		return NULL;
	}
	return &c->counters[i].v;
}

void rs_count(struct rs_obj *o, const char *name, uint64_t delta)
{
	_Atomic uint64_t *v = rs_counter(o, name);

	if (v)
		atomic_fetch_add(v, delta);
}

void rs_count_max(struct rs_obj *o, const char *name, uint64_t val)
{
	_Atomic uint64_t *v = rs_counter(o, name);
	uint64_t cur;

	if (!v)
		return;
	cur = atomic_load(v);
	while (val > cur && !atomic_compare_exchange_weak(v, &cur, val))
		;
}

static pthread_mutex_t rs_blocker_lock = PTHREAD_MUTEX_INITIALIZER;

void rs_import_blocker(struct rs_import *imp, const char *fmt, ...)
{
	struct rs_cimport *ci;
	va_list ap;

	if (!imp || !imp->buf || !imp->buf->ex || !rs_ctx_ok(imp->buf->ex->o.ctx))
		return;
	ci = rs_container_of(imp, struct rs_cimport, imp);
	pthread_mutex_lock(&rs_blocker_lock);
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(ci->blocker, sizeof(ci->blocker), fmt, ap);
		va_end(ap);
	} else {
		ci->blocker[0] = '\0';
	}
	pthread_mutex_unlock(&rs_blocker_lock);
}

char *rs_blockers(struct rs_cexp *e)
{
	struct rs_buf_str b = { 0 };
	size_t i;

	pthread_mutex_lock(&rs_blocker_lock);
	for (i = 0; i < e->nr_imports; i++) {
		struct rs_cimport *ci = e->imports[i];

		if (!ci->blocker[0])
			continue;
		if (b.len)
			rs_str_add(&b, "; ");
		rs_str_addf(&b, "importer %s buffer %u: %s", ci->im->sec->name,
			    ci->imp.buf->index, ci->blocker);
	}
	pthread_mutex_unlock(&rs_blocker_lock);
	return b.len ? rs_str_steal(&b) : NULL;
}

void rs_claim(struct rs_obj *o, enum rs_claim_kind kind, const struct rs_buf *buf,
	      const char *what)
{
	struct rs_ctx *ctx = o ? o->ctx : NULL;
	struct rs_claim *c;

	if (!rs_ctx_ok(ctx) || !buf || kind >= RS_CLAIM_NR)
		return;
	pthread_mutex_lock(&ctx->log_lock);
	ctx->claims_total++;
	if (ctx->nr_claims < RS_MAX_CLAIMS) {
		rs_xgrow(&ctx->claims, &ctx->cap_claims, ctx->nr_claims, sizeof(*ctx->claims));
		c = &ctx->claims[ctx->nr_claims++];
		memset(c, 0, sizeof(*c));
		c->kind = kind;
		c->ino = buf->ino;
		c->t_ns = rs_now_ns();
		c->since_ns = buf->ex ? rs_revoke_started(buf->ex) : 0;
		c->who = rs_xstrdup(o->name ? o->name : "?");
		c->what = rs_xstrdup(what ? what : "");
	}
	pthread_mutex_unlock(&ctx->log_lock);
}

bool rs_import_blocker_get(struct rs_cimport *ci, char *note, size_t len)
{
	bool has;

	pthread_mutex_lock(&rs_blocker_lock);
	has = ci->blocker[0] != '\0';
	if (has)
		snprintf(note, len, "%s", ci->blocker);
	pthread_mutex_unlock(&rs_blocker_lock);
	return has;
}

uint64_t rs_revoke_started(const struct rs_exporter *ex)
{
	const struct rs_cexp *e;

	if (!ex || !rs_ctx_ok(ex->o.ctx))
		return 0;
	e = rs_container_of(ex, struct rs_cexp, c.u.ex);
	return atomic_load(&e->revoke_start);
}

uint64_t rs_revoke_returned(const struct rs_exporter *ex)
{
	const struct rs_cexp *e;

	if (!ex || !rs_ctx_ok(ex->o.ctx))
		return 0;
	e = rs_container_of(ex, struct rs_cexp, c.u.ex);
	return atomic_load(&e->revoke_end);
}

bool rs_stopping(const struct rs_ctx *ctx)
{
	return rs_ctx_ok(ctx) && atomic_load(&ctx->stop) != RS_STOP_NONE;
}

uint64_t rs_ctx_elapsed(const struct rs_ctx *ctx)
{
	return rs_now_ns() - ctx->t0;
}

const char *rs_result_name(enum rs_result r)
{
	static const char *const n[] = { "notrun", "pass", "fail", "skip", "hang" };

	return r <= RS_RES_HANG ? n[r] : "?";
}

const char *rs_op_name(enum rs_op op)
{
	static const char *const n[] = { "revoke", "restore", "remap" };

	return op < RS_OP_NR ? n[op] : "?";
}
