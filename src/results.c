// SPDX-License-Identifier: GPL-2.0
/*
 * Run output: the results JSON (docs/results-schema.md); ktap.c writes the KTAP.
 * results.json is rewritten atomically at start, after setup, on a hang and at the end,
 * so a run killed at any point leaves its latest state behind.  It is written with the
 * project's JSON writer (src/json.c, rs_json.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "rs_ctl.h"
#include "rs_recover.h"
#include "rs_trace.h"
#include "rs_units.h"
#include "rs_util.h"
#include "rs_version.h"
#include "rs_watch.h"

#include "rs_json.h"
#include "rs_lib/mock.h"

#define RS_RESULTS_SCHEMA_VERSION	1

static pthread_mutex_t rs_results_lock = PTHREAD_MUTEX_INITIALIZER;

void rs_json_time(struct rs_json *j, const char *key, uint64_t wall_ns)
{
	char buf[40];

	if (!wall_ns) {
		rs_json_null(j, key);
		return;
	}
	rs_fmt_iso8601(wall_ns, buf, sizeof(buf));
	rs_json_str(j, key, buf);
}

static void rs_j_secs(struct rs_json *j, const char *key, uint64_t ns)
{
	rs_json_double(j, key, (double)ns / 1e9);
}

static void rs_j_opt_str(struct rs_json *j, const char *key, const char *v)
{
	if (v && *v)
		rs_json_str(j, key, v);
	else
		rs_json_null(j, key);
}

static void rs_j_file(struct rs_json *j, const char *key, const char *path)
{
	char *v = rs_read_line(path);

	rs_j_opt_str(j, key, v);
	free(v);
}

/* The latency summary fields (docs/results-schema.md) into the open object. */
static void rs_j_lat_fields(struct rs_json *j, const struct rs_lat_summary *s)
{
	rs_json_uint(j, "count", s->count);
	rs_json_uint(j, "min_ns", s->min);
	rs_json_double(j, "mean_ns", s->mean);
	rs_json_uint(j, "p50_ns", s->p50);
	rs_json_uint(j, "p90_ns", s->p90);
	rs_json_uint(j, "p99_ns", s->p99);
	rs_json_uint(j, "p99_9_ns", s->p999);
	rs_json_uint(j, "max_ns", s->max);
}

void rs_json_lat(struct rs_json *j, const char *key, const struct rs_lat *l)
{
	struct rs_lat_summary s;

	rs_lat_summary(l, &s);
	rs_json_obj_begin(j, key);
	rs_j_lat_fields(j, &s);
	rs_json_obj_end(j);
}

static void rs_j_errs(struct rs_json *j, const char *key, const struct rs_stats *st)
{
	size_t i;

	rs_json_arr_begin(j, key);
	for (i = 0; i < st->nr_errs; i++) {
		rs_json_obj_begin(j, NULL);
		rs_json_str(j, "what", st->errs[i].what);
		rs_json_int(j, "errno", st->errs[i].err);
		rs_json_str(j, "name", rs_errno_name(st->errs[i].err));
		rs_json_uint(j, "count", st->errs[i].n);
		rs_json_obj_end(j);
	}
	rs_json_arr_end(j);
}

static void rs_j_counters(struct rs_json *j, const struct rs_stats *st)
{
	rs_json_uint(j, "cycles", st->cycles);
	rs_json_uint(j, "revokes", st->revokes);
	rs_json_uint(j, "restores", st->restores);
	rs_json_uint(j, "revoke_errors", st->revoke_errors);
	rs_json_uint(j, "restore_errors", st->restore_errors);
	rs_json_uint(j, "importer_failures", st->importer_failures);
}

static void rs_j_traffic(struct rs_json *j, const struct rs_stats *st)
{
	rs_json_uint(j, "calls", st->traffic_calls);
	rs_json_uint(j, "bytes", st->traffic_bytes);
	rs_json_uint(j, "expected_errors", st->traffic_expected_errors);
	rs_json_uint(j, "failures", st->traffic_failures);
}

/* "counters": { name: value, ... } of a plugin's rs_count(); {} when it has none. */
static void rs_j_plugin_counters(struct rs_json *j, struct rs_cobj *c)
{
	unsigned int i, nr = atomic_load(&c->nr_counters);

	rs_json_obj_begin(j, "counters");
	for (i = 0; i < nr; i++)
		rs_json_uint(j, c->counters[i].name, atomic_load(&c->counters[i].v));
	rs_json_obj_end(j);
}

static void rs_j_health_sample(struct rs_json *j, const char *key, const struct rs_health *h)
{
	rs_json_obj_begin(j, key);
	rs_json_int(j, "rss_kb", h->rss_kb);
	rs_json_int(j, "fds", h->fds);
	rs_json_int(j, "threads", h->threads);
	rs_json_obj_end(j);
}

/* The leak check (src/soak.c): samples after setup and at the last running interval. */
static void rs_j_health(struct rs_json *j, struct rs_ctx *ctx)
{
	const struct rs_soak *s = &ctx->soak;

	rs_json_obj_begin(j, "leak_check");
	rs_json_str(j, "result", !s->leak_check ? "off" : !ctx->wall_end ? "running" :
		    rs_result_name((enum rs_result)s->result));
	rs_json_str(j, "detail", s->reason);
	rs_json_uint(j, "intervals", s->nr);
	if (s->have_base)
		rs_j_health_sample(j, "first", &s->base);
	if (s->after_base)
		rs_j_health_sample(j, "last", &s->last);
	rs_json_int(j, "leak_fds", s->leak_fds);
	rs_json_int(j, "leak_rss_kb", s->leak_rss_kb);
	rs_json_obj_end(j);
}

static void rs_j_scenario(struct rs_json *j, struct rs_ctx *ctx)
{
	const struct rs_scenario *scn = ctx->scn;
	char *text = NULL;
	size_t i, k, len;
	FILE *f;

	rs_json_obj_begin(j, "scenario");
	rs_json_str(j, "name", scn->name);
	rs_json_str(j, "path", scn->path);
	rs_json_arr_begin(j, "files");
	for (i = 0; i < scn->nr_files; i++)
		rs_json_str(j, NULL, scn->files[i]);
	rs_json_arr_end(j);
	rs_json_arr_begin(j, "sets");
	for (i = 0; i < scn->nr_sets; i++)
		rs_json_str(j, NULL, scn->sets[i]);
	rs_json_arr_end(j);
	rs_json_arr_begin(j, "sections");
	for (i = 0; i <= scn->nr_sec; i++) {
		const struct rs_section *s = i ? scn->sec[i - 1] : scn->global;

		rs_json_obj_begin(j, NULL);
		rs_json_str(j, "kind", rs_sec_kind_name(s->kind));
		rs_json_str(j, "name", s->name);
		rs_j_opt_str(j, "type", s->plugin ? s->plugin->type : NULL);
		rs_json_str(j, "where", s->where);
		rs_json_arr_begin(j, "keys");
		for (k = 0; k < s->nr_kv; k++) {
			const struct rs_kv *kv = &s->kv[k];

			rs_json_obj_begin(j, NULL);
			rs_json_str(j, "key", kv->key);
			rs_json_str(j, "value", kv->value);
			rs_json_str(j, "origin", rs_origin_name(kv->origin));
			rs_json_str(j, "where", kv->where);
			if (kv->raw)
				rs_json_str(j, "raw", kv->raw);
			rs_json_obj_end(j);
		}
		rs_json_arr_end(j);
		rs_json_obj_end(j);
	}
	rs_json_arr_end(j);
	f = open_memstream(&text, &len);
	if (f) {
		rs_scn_dump(scn, f);
		fclose(f);
		rs_json_str(j, "text", text);
		free(text);
	}
	rs_json_obj_end(j);
}

static void rs_j_kernel(struct rs_json *j, struct rs_ctx *ctx)
{
	struct utsname u;
	char letters[64];
	size_t nr, i;

	rs_json_obj_begin(j, "kernel");
	if (!uname(&u)) {
		rs_json_str(j, "sysname", u.sysname);
		rs_json_str(j, "release", u.release);
		rs_json_str(j, "version", u.version);
		rs_json_str(j, "machine", u.machine);
		rs_json_str(j, "nodename", u.nodename);
	}
	rs_j_file(j, "proc_version", "/proc/version");
	rs_j_file(j, "cmdline", "/proc/cmdline");
	rs_json_uint(j, "taint_start", ctx->taint_start);
	rs_taint_letters(ctx->taint_start, letters, sizeof(letters));
	rs_json_str(j, "taint_start_letters", letters);
	if (ctx->wall_end) {
		rs_json_uint(j, "taint_end", ctx->taint_end);
		rs_taint_letters(ctx->taint_end, letters, sizeof(letters));
		rs_json_str(j, "taint_end_letters", letters);
	}
	rs_json_obj_begin(j, "patch_series");
	if (ctx->trace) {
		const struct rs_trace_group *g = rs_trace_groups(ctx->trace, &nr);
		bool applied = false;

		for (i = 0; i < nr; i++)
			applied |= g[i].patched && g[i].present;
		rs_json_bool(j, "applied", applied);
		rs_j_opt_str(j, "missing", rs_trace_missing(ctx->trace));
		rs_json_arr_begin(j, "event_groups");
		for (i = 0; i < nr; i++) {
			rs_json_obj_begin(j, NULL);
			rs_json_str(j, "group", g[i].group);
			rs_json_str(j, "probe", g[i].probe);
			rs_json_bool(j, "patched", g[i].patched);
			rs_json_bool(j, "present", g[i].present);
			rs_json_obj_end(j);
		}
		rs_json_arr_end(j);
	} else {
		const char *root = rs_tracefs_root();
		char *p = root ? rs_xasprintf("%s/events/vfio_pci", root) : NULL;

		if (p)
			rs_json_bool(j, "applied", access(p, F_OK) == 0);
		else
			rs_json_null(j, "applied");
		rs_j_opt_str(j, "missing", root ? NULL : "tracefs not mounted or not readable");
		free(p);
	}
	rs_json_bool(j, "mock_importer_device", rs_mock_present());
	rs_j_file(j, "hung_importer_ms", "/sys/module/dma_buf/parameters/hung_importer_ms");
	rs_json_obj_end(j);
	rs_json_obj_end(j);
}

static void rs_j_hist_entry(struct rs_json *j, enum rs_op op, const char *phase,
			    const struct rs_pair *p, const struct rs_lat *l)
{
	struct rs_lat_summary s;

	rs_lat_summary(l, &s);
	if (!s.count)
		return;
	rs_json_obj_begin(j, NULL);
	rs_json_str(j, "op", rs_op_name(op));
	rs_j_opt_str(j, "phase", phase);
	rs_json_str(j, "exporter", p->ex->sec->name);
	rs_json_str(j, "trigger", p->sec->name);
	rs_json_str(j, "importers", p->ex->importer_set);
	rs_j_lat_fields(j, &s);
	rs_json_obj_end(j);
}

/* The kernel events' recording: what it holds and what the kernel dropped. */
static void rs_j_trace(struct rs_json *j, struct rs_ctx *ctx)
{
	const struct rs_trace_info *ti = rs_trace_info(ctx->trace);
	const char *mode = rs_sec_str(ctx->scn->global, "trace");
	size_t i;

	rs_json_obj_begin(j, "trace");
	rs_json_str(j, "mode", ctx->trace ? mode : "off");
	rs_j_opt_str(j, "clock", rs_trace_clock(ctx->trace));
	if (!ti) {
		rs_json_bool(j, "complete", false);
		rs_json_obj_end(j);
		return;
	}
	rs_json_bool(j, "complete", ti->lost == 0);
	rs_json_uint(j, "events", ti->events);
	rs_json_int(j, "lost_events", ti->lost);
	rs_json_arr_begin(j, "gaps");
	for (i = 0; i < ti->nr_gaps; i++) {
		const struct rs_trace_gap *g = &ti->gaps[i];
		char text[160];

		rs_trace_gap_text(g, text, sizeof(text));
		rs_json_obj_begin(j, NULL);
		rs_json_int(j, "cpu", g->cpu);
		if (g->lost >= 0)
			rs_json_int(j, "lost", g->lost);
		else
			rs_json_null(j, "lost");
		if (g->after_ns)
			rs_j_secs(j, "after_s", g->after_ns);
		if (g->before_ns)
			rs_j_secs(j, "before_s", g->before_ns);
		rs_json_str(j, "text", text);
		rs_json_obj_end(j);
	}
	rs_json_arr_end(j);
	rs_json_uint(j, "buffer_kb_per_cpu", ti->buffer_kb);
	rs_json_int(j, "cpus", ti->nr_cpus);
	rs_json_uint(j, "raw_bytes", ti->raw_bytes);
	rs_j_secs(j, "recorder_cpu_s", ti->recorder_cpu_ns);
	rs_j_secs(j, "convert_cpu_s", ti->convert_cpu_ns);
	rs_json_obj_end(j);
}

static void rs_j_body(struct rs_json *j, struct rs_ctx *ctx)
{
	struct rs_stats all;
	uint64_t now_wall = ctx->wall_end ? ctx->wall_end : rs_wall_ns();
	unsigned int skips = 0;
	size_t i, k;
	int a;

	rs_stats_init(&all);
	rs_json_obj_begin(j, NULL);
	rs_json_int(j, "results_schema_version", RS_RESULTS_SCHEMA_VERSION);
	rs_json_obj_begin(j, "tool");
	rs_json_str(j, "name", "revokestorm");
	rs_json_str(j, "version", RS_VERSION);
	rs_json_obj_end(j);
	rs_json_str(j, "status", ctx->status_word);
	if (ctx->wall_end)
		rs_json_int(j, "exit_code", ctx->exit_code);
	else
		rs_json_null(j, "exit_code");
	pthread_mutex_lock(&ctx->vlock);	/* the sequencer sets it */
	rs_j_opt_str(j, "error", ctx->error);
	pthread_mutex_unlock(&ctx->vlock);
	rs_json_uint(j, "seed", ctx->seed);
	{
		const struct rs_kv *kv = rs_sec_kv(ctx->scn->global, "seed");

		rs_json_str(j, "seed_origin", !kv ? "random" : kv->origin == RS_ORIGIN_CMDLINE ?
			    "cmdline" : kv->origin == RS_ORIGIN_COMPUTED ? "random" : "scenario");
	}
	rs_json_arr_begin(j, "cmdline");
	for (a = 0; a < ctx->opts->argc; a++)
		rs_json_str(j, NULL, ctx->opts->argv[a]);
	rs_json_arr_end(j);
	rs_json_time(j, "start_time", ctx->wall0);
	rs_json_time(j, "end_time", ctx->wall_end);
	rs_j_secs(j, "elapsed_s", now_wall - ctx->wall0);
	rs_j_secs(j, "duration_s", ctx->duration_ns);
	/* start to every exporter, importer and import up (resets included); null until then */
	if (atomic_load(&ctx->setup_done))
		rs_j_secs(j, "setup_s", atomic_load(&ctx->setup_ns));
	else
		rs_json_null(j, "setup_s");
	rs_json_str(j, "results_dir", ctx->results_dir);
	rs_j_scenario(j, ctx);
	rs_j_kernel(j, ctx);
	rs_j_trace(j, ctx);

	pthread_mutex_lock(&ctx->vlock);	/* the sequencer recovers and notes */
	rs_json_obj_begin(j, "state_file");
	rs_json_str(j, "path", ctx->state_path);
	rs_j_opt_str(j, "note", ctx->state_note);
	rs_json_bool(j, "cleanup_complete", atomic_load(&ctx->cleanup_complete));
	rs_json_obj_end(j);
	rs_json_arr_begin(j, "recovered");
	for (i = 0; i < ctx->nr_recovered; i++) {
		const struct rs_recovered *r = &ctx->recovered[i];

		rs_json_obj_begin(j, NULL);
		rs_json_str(j, "type", r->type);
		rs_json_str(j, "state_id", r->state_id);
		rs_json_int(j, "pid", r->pid);
		rs_json_str(j, "result", rs_recover_word(r->err));
		rs_j_opt_str(j, "reason", r->reason);
		rs_json_obj_end(j);
	}
	rs_json_arr_end(j);

	rs_json_arr_begin(j, "exporters");
	for (i = 0; i < ctx->nr_ex; i++) {
		struct rs_cexp *e = ctx->ex[i];
		struct rs_exporter *ex = &e->c.u.ex;

		rs_json_obj_begin(j, NULL);
		rs_json_str(j, "name", e->sec->name);
		rs_json_str(j, "type", ex->ops->type);
		rs_json_str(j, "result", rs_result_name(e->state));
		rs_j_opt_str(j, "reason", e->reason);
		rs_j_opt_str(j, "state_id", e->state_id);
		rs_json_bool(j, "revocable", ex->ops->revocable);
		rs_json_str(j, "importers", e->importer_set);
		rs_json_arr_begin(j, "buffers");
		for (k = 0; k < ex->nr_bufs; k++) {
			rs_json_obj_begin(j, NULL);
			rs_json_uint(j, "index", k);
			rs_json_uint(j, "size", e->binfo[k].size);
			rs_json_uint(j, "ino", e->binfo[k].ino);
			rs_json_obj_end(j);
		}
		rs_json_arr_end(j);
		rs_json_obj_end(j);
	}
	rs_json_arr_end(j);
	pthread_mutex_unlock(&ctx->vlock);

	rs_json_arr_begin(j, "importers");
	for (i = 0; i < ctx->nr_im; i++) {
		struct rs_cimporter *m = ctx->im[i];
		struct rs_stats t;

		enum rs_result res;
		char reason[RS_REASON];

		rs_stats_init(&t);
		pthread_mutex_lock(&m->st_lock);	/* the traffic worker updates them */
		for (k = 0; k < ctx->nr_phases; k++)
			rs_stats_merge(&t, &m->st[k]);
		res = m->state;
		memcpy(reason, m->reason, sizeof(reason));
		rs_stats_merge(&all, &t);
		rs_json_obj_begin(j, NULL);
		rs_json_str(j, "name", m->sec->name);
		rs_json_str(j, "type", m->c.u.im.ops->type);
		rs_json_str(j, "result", rs_result_name(res));
		rs_j_opt_str(j, "reason", reason);
		rs_json_arr_begin(j, "imports");
		for (k = 0; k < m->nr_imports; k++) {
			struct rs_cimport *ci = m->imports[k];

			rs_json_obj_begin(j, NULL);
			rs_json_str(j, "exporter", ci->ex->sec->name);
			rs_json_uint(j, "buffer", ci->imp.buf->index);
			rs_json_str(j, "result", rs_result_name(ci->state));
			if (ci->refused)
				rs_json_bool(j, "refused", true);
			rs_j_opt_str(j, "error", ci->err && ci->err != -RS_ESKIP &&
				     ci->err != -RS_EREFUSED ? rs_errno_name(ci->err) : NULL);
			rs_j_opt_str(j, "reason", ci->reason);
			rs_json_obj_end(j);
		}
		rs_json_arr_end(j);
		pthread_mutex_unlock(&m->st_lock);
		rs_json_obj_begin(j, "traffic");
		rs_j_traffic(j, &t);
		rs_j_errs(j, "errors", &t);
		rs_json_obj_end(j);
		rs_j_plugin_counters(j, &m->c);
		rs_json_obj_end(j);
		rs_stats_fini(&t);
	}
	rs_json_arr_end(j);

	pthread_mutex_lock(&ctx->vlock);	/* the sequencer starts them */
	rs_json_arr_begin(j, "loads");
	for (i = 0; i < ctx->nr_loads; i++) {
		struct rs_cload *l = ctx->loads[i];

		rs_json_obj_begin(j, NULL);
		rs_json_str(j, "name", l->sec->name);
		rs_json_str(j, "type", l->c.u.l.ops->type);
		rs_json_str(j, "result", rs_result_name(l->state));
		rs_j_opt_str(j, "reason", l->reason);
		rs_json_obj_end(j);
	}
	rs_json_arr_end(j);
	pthread_mutex_unlock(&ctx->vlock);

	rs_json_arr_begin(j, "phases");
	for (i = 0; i < ctx->nr_phases; i++) {
		struct rs_phase_run *live = &ctx->phases[i];
		uint64_t start_ns, end_ns;
		char reason[RS_REASON];
		enum rs_result res;

		/*
		 * The sequencer updates these under ctx->lock; failures is counted without
		 * it by every thread, so it is read on its own (no copy of the whole struct).
		 */
		pthread_mutex_lock(&ctx->lock);
		res = live->result;
		memcpy(reason, live->reason, sizeof(reason));
		start_ns = live->start_ns;
		end_ns = live->end_ns;
		pthread_mutex_unlock(&ctx->lock);
		rs_json_obj_begin(j, NULL);
		rs_json_str(j, "name", live->name);
		rs_json_str(j, "result", rs_result_name(res));
		rs_j_opt_str(j, "reason", reason);
		rs_j_secs(j, "start_s", start_ns);
		rs_j_secs(j, "end_s", end_ns);
		rs_json_uint(j, "failures", atomic_load(&live->failures));
		rs_json_obj_end(j);
	}
	rs_json_arr_end(j);

	rs_json_arr_begin(j, "pairs");
	for (i = 0; i < ctx->nr_pairs; i++) {
		struct rs_pair *p = ctx->pairs[i];
		char reason[RS_REASON];
		enum rs_result res;
		struct rs_stats t;
		int op;

		rs_pair_total(ctx, p, &t, &res, reason);
		rs_stats_merge(&all, &t);
		skips += res == RS_RES_SKIP;
		rs_json_obj_begin(j, NULL);
		rs_json_str(j, "name", p->w.name);
		rs_json_str(j, "trigger", p->sec->name);
		rs_json_str(j, "trigger_type", p->c.u.t.ops->type);
		rs_json_str(j, "exporter", p->ex->sec->name);
		rs_json_str(j, "exporter_type", p->ex->c.u.ex.ops->type);
		rs_json_str(j, "importers", p->ex->importer_set);
		rs_json_str(j, "result", rs_result_name(res));
		rs_j_opt_str(j, "reason", reason);
		rs_j_counters(j, &t);
		rs_j_errs(j, "errors", &t);
		rs_json_obj_begin(j, "latency");
		for (op = 0; op < RS_OP_NR; op++)
			rs_json_lat(j, rs_op_name(op), t.lat[op]);
		rs_json_obj_end(j);
		rs_json_obj_end(j);
		rs_stats_fini(&t);
	}
	rs_json_arr_end(j);

	/* histograms keyed op x phase x exporter x trigger (x importer set) */
	rs_json_arr_begin(j, "histograms");
	for (i = 0; i < ctx->nr_pairs; i++) {
		struct rs_pair *p = ctx->pairs[i];
		int op;

		pthread_mutex_lock(&p->st_lock);
		for (k = 0; k < ctx->nr_phases; k++)
			for (op = 0; op < RS_OP_NR; op++)
				rs_j_hist_entry(j, op, ctx->phases[k].name, p, p->st[k].lat[op]);
		pthread_mutex_unlock(&p->st_lock);
	}
	rs_json_arr_end(j);

	pthread_mutex_lock(&ctx->vlock);	/* hang diagnostics fill them in */
	rs_json_obj_begin(j, "counters");
	rs_j_counters(j, &all);
	rs_json_uint(j, "skipped_pairs", skips);
	rs_json_uint(j, "hangs", ctx->nr_hangs);
	rs_json_obj_begin(j, "traffic");
	rs_j_traffic(j, &all);
	rs_json_obj_end(j);
	rs_j_errs(j, "errors", &all);
	rs_json_obj_end(j);
	rs_stats_fini(&all);

	rs_json_arr_begin(j, "hangs");
	for (i = 0; i < ctx->nr_hangs; i++) {
		const struct rs_hang *h = &ctx->hangs[i];

		rs_json_obj_begin(j, NULL);
		rs_json_str(j, "worker", h->worker);
		rs_json_str(j, "op", h->op);
		rs_json_int(j, "tid", h->tid);
		rs_json_uint(j, "elapsed_ns", h->elapsed_ns);
		rs_j_opt_str(j, "blocked_by", h->blocked_by);
		rs_j_opt_str(j, "culprit", h->culprit);
		rs_j_opt_str(j, "evidence", h->evidence);
		rs_json_bool(j, "victim", h->victim);
		rs_j_opt_str(j, "task_state", h->task_state);
		rs_j_opt_str(j, "wchan", h->wchan);
		rs_j_opt_str(j, "process_wchan", h->proc_wchan);
		rs_j_opt_str(j, "stack", h->stack);
		rs_j_opt_str(j, "kmsg_tail", h->kmsg);
		rs_j_opt_str(j, "bundle", h->bundle);
		rs_json_obj_end(j);
	}
	rs_json_arr_end(j);
	pthread_mutex_unlock(&ctx->vlock);

	rs_j_health(j, ctx);

	if (ctx->oracle.wanted) {
		const struct rs_oracle *o = &ctx->oracle;

		rs_json_obj_begin(j, "oracle");
		rs_json_bool(j, "checked", o->checked);
		rs_j_opt_str(j, "why", o->checked ? NULL : o->why);
		rs_json_uint(j, "events", o->events);
		rs_json_uint(j, "lost_events", o->lost);
		rs_json_uint(j, "violations", o->violations);
		rs_json_uint(j, "withheld", o->withheld);
		rs_json_arr_begin(j, "findings");
		for (i = 0; i < RS_ARRAY_SIZE(o->shown) && o->shown[i]; i++)
			rs_json_str(j, NULL, o->shown[i]);
		rs_json_arr_end(j);
		rs_json_obj_begin(j, "claims");
		pthread_mutex_lock(&ctx->log_lock);
		rs_json_uint(j, "total", ctx->claims_total);
		rs_json_uint(j, "confirmed", o->confirmed);
		rs_json_uint(j, "unchecked", o->unchecked);
		rs_json_uint(j, "contradicted", o->contradicted);
		rs_json_arr_begin(j, "list");
		for (i = 0; i < ctx->nr_claims && i < 100; i++) {
			const struct rs_claim *c = &ctx->claims[i];

			rs_json_obj_begin(j, NULL);
			rs_json_str(j, "importer", c->who);
			rs_json_uint(j, "ino", c->ino);
			rs_json_uint(j, "t_ns", c->t_ns);
			rs_json_str(j, "claim", c->what);
			rs_json_str(j, "trace", c->verdict > 0 ? "confirmed" : c->verdict < 0 ?
				    "contradicted" : "unchecked");
			rs_json_obj_end(j);
		}
		rs_json_arr_end(j);
		pthread_mutex_unlock(&ctx->log_lock);
		rs_json_obj_end(j);
		rs_json_obj_end(j);
	}

	rs_json_obj_begin(j, "kernel_log");
	rs_json_bool(j, "checked", ctx->watch != NULL);
	if (ctx->watch) {
		struct rs_klog_report *r = rs_watch_reports(ctx->watch, &k);

		rs_json_uint(j, "failures", rs_watch_failures(ctx->watch));
		rs_json_arr_begin(j, "reports");
		for (i = 0; i < k; i++) {
			rs_json_obj_begin(j, NULL);
			rs_json_str(j, "line", r[i].line);
			rs_json_bool(j, "allowed", r[i].allowed);
			rs_json_bool(j, "hung_importer", r[i].hung_importer);
			rs_json_obj_end(j);
		}
		rs_json_arr_end(j);
		rs_klog_reports_free(r, k);
	}
	rs_json_obj_end(j);

	pthread_mutex_lock(&ctx->log_lock);
	rs_json_arr_begin(j, "log");
	for (i = 0; i < ctx->nr_log; i++) {
		rs_json_obj_begin(j, NULL);
		rs_j_secs(j, "t_s", ctx->log[i].t_ns);
		rs_json_str(j, "msg", ctx->log[i].msg);
		rs_json_obj_end(j);
	}
	rs_json_arr_end(j);
	rs_json_uint(j, "log_dropped", ctx->log_dropped);
	pthread_mutex_unlock(&ctx->log_lock);
	rs_json_obj_end(j);
}

int rs_results_write(struct rs_ctx *ctx)
{
	char *text = NULL;
	size_t len = 0;
	struct rs_json *j;
	FILE *f;
	int err;

	pthread_mutex_lock(&rs_results_lock);
	f = open_memstream(&text, &len);
	if (!f) {
		pthread_mutex_unlock(&rs_results_lock);
		return -errno;
	}
	j = rs_json_new(f, true);
	rs_j_body(j, ctx);
	err = rs_json_end(j);
	fputc('\n', f);
	fclose(f);
	if (!err)
		err = rs_write_file_atomic(ctx->results_file, text, len);
	if (err)
		fprintf(ctx->status, "revokestorm: cannot write %s: %s\n", ctx->results_file,
			strerror(-err));
	free(text);
	pthread_mutex_unlock(&rs_results_lock);
	return err;
}
