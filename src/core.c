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
