// SPDX-License-Identifier: GPL-2.0
/*
 * Traffic workers: one per importer, running its traffic over every import
 * between revokes; a failure while the exporter is not revoked is a failure.
 */
#include <stdio.h>
#include <string.h>

#include "controller.h"
#include "rs_util.h"

void *rs_traffic_main(void *arg)
{
	struct rs_cimporter *m = arg;
	struct rs_ctx *ctx = m->traffic.ctx;
	struct rs_importer *im = &m->c.u.im;
	uint64_t pause = rs_sec_time_ns(m->sec, "traffic_interval");

	rs_worker_enter(&m->traffic);
	while (!atomic_load(&ctx->stop)) {
		unsigned int gen = rs_gen(ctx);	/* before the phase: see rs_pair_main() */
		int ph = atomic_load(&ctx->phase);
		bool any = false;
		size_t i;

		if (ph < 0 || !ctx->phases[ph].traffic) {
			rs_wait_until(ctx, UINT64_MAX, gen);
			continue;
		}
		for (i = 0; i < m->nr_imports && !atomic_load(&ctx->stop); i++) {
			struct rs_cimport *ci = m->imports[i];
			struct rs_stats *st = &m->st[ph];
			char reason[sizeof(im->o.reason)];
			uint64_t e0, e1;
			int d0;
			int64_t r;

			if (!rs_lock_or_stop(ctx, &m->lock, false))
				break;
			if (m->closed) {
				pthread_mutex_unlock(&m->lock);
				goto out;
			}
			if (!ci->imported) {
				pthread_mutex_unlock(&m->lock);
				continue;
			}
			d0 = atomic_load(&ci->ex->depth);
			e0 = atomic_load(&ci->ex->epoch);
			im->o.reason[0] = '\0';
			atomic_store(&m->traffic.op_ex, ci->ex);
			rs_op_begin(&m->traffic, "traffic of importer %s on buffer %u of %s",
				    m->sec->name, ci->imp.buf->index, ci->ex->sec->name);
			r = im->ops->traffic(im, &ci->imp);
			rs_op_end(&m->traffic);
			e1 = atomic_load(&ci->ex->epoch);
			memcpy(reason, im->o.reason, sizeof(reason));	/* the lock guards it */
			pthread_mutex_unlock(&m->lock);
			any = true;

			pthread_mutex_lock(&m->st_lock);
			st->traffic_calls++;
			if (r >= 0) {
				st->traffic_bytes += (uint64_t)r;
			} else if (r == -RS_ESKIP) {
				;	/* nothing to do on this import now */
			} else if (d0 || e0 != e1) {
				/* failing while revoked is what a revoke is for */
				st->traffic_expected_errors++;
				rs_stats_err(st, "traffic-while-revoked", (int)r);
			} else {
				st->traffic_failures++;
				rs_stats_err(st, "traffic", (int)r);
				ctx->phases[ph].failures++;
				if (st->traffic_failures <= RS_LOG_ERRORS)
					rs_log(ctx, "importer %s: traffic on buffer %u of %s failed while not revoked: %s%s%s",
					       m->sec->name, ci->imp.buf->index, ci->ex->sec->name,
					       rs_errno_name((int)r), reason[0] ? ": " : "", reason);
				if (!m->reason[0])
					rs_set_reason(m->reason, "traffic on buffer %u of %s: %s%s%s",
						      ci->imp.buf->index, ci->ex->sec->name,
						      rs_errno_name((int)r), reason[0] ? ": " : "", reason);
			}
			pthread_mutex_unlock(&m->st_lock);
		}
		if (pause || !any)
			rs_wait_until(ctx, rs_now_ns() + (pause ? pause : 10000000ULL), gen);
	}
out:
	rs_worker_exit(&m->traffic);
	return NULL;
}
