// SPDX-License-Identifier: GPL-2.0
/*
 * Plugin registry.  Plugins register from constructors, before main(); the tables are
 * sorted lazily on first lookup (and again if a test registers more later).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_registry.h"
#include "rs_options.h"
#include "rs_util.h"

static const struct rs_opt rs_no_opts[] = { { .key = NULL } };

struct rs_reg_kind {
	struct rs_plugin *p;
	size_t nr, cap;
	bool sorted;
};

static struct rs_reg_kind rs_reg[RS_KIND_NR];
static pthread_mutex_t rs_reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rs_buf_str rs_reg_early;	/* problems found while registering */
static char **rs_reg_msgs;
static size_t rs_reg_nr_msgs, rs_reg_cap_msgs;
static bool rs_reg_checked;

static const char *const rs_kind_names[RS_KIND_NR] = {
	[RS_KIND_EXPORTER] = "exporter",
	[RS_KIND_IMPORTER] = "importer",
	[RS_KIND_TRIGGER] = "trigger",
	[RS_KIND_LOAD] = "load",
};

const char *rs_kind_name(enum rs_kind kind)
{
	return kind < RS_KIND_NR ? rs_kind_names[kind] : "?";
}

/* missing: the name of a callback the core calls unconditionally and ops lacks, or NULL. */
static void rs_register(enum rs_kind kind, const char *type, const char *help,
			const struct rs_opt *opts, const void *ops, const char *missing)
{
	struct rs_reg_kind *k = &rs_reg[kind];
	size_t i;

	pthread_mutex_lock(&rs_reg_lock);
	if (!type || !*type) {
		rs_str_addf(&rs_reg_early, "a %s plugin has no type name\n", rs_kind_name(kind));
		goto out;
	}
	if (missing) {
		rs_str_addf(&rs_reg_early, "%s type '%s' has no %s callback: not registered\n",
			    rs_kind_name(kind), type, missing);
		goto out;
	}
	for (i = 0; i < k->nr; i++) {
		if (!strcmp(k->p[i].type, type)) {
			rs_str_addf(&rs_reg_early, "%s type '%s' registered twice (second ignored)\n",
				    rs_kind_name(kind), type);
			goto out;
		}
	}
	rs_xgrow(&k->p, &k->cap, k->nr, sizeof(*k->p));
	k->p[k->nr++] = (struct rs_plugin){
		.kind = kind, .type = type, .help = help ? help : "",
		.opts = opts ? opts : rs_no_opts, .ops = ops,
	};
	k->sorted = false;
	rs_reg_checked = false;
out:
	pthread_mutex_unlock(&rs_reg_lock);
}

/* The callbacks the core calls without a NULL check must be there (the rest may be NULL). */
void rs_register_exporter(const struct rs_exporter_ops *ops)
{
	rs_register(RS_KIND_EXPORTER, ops->type, ops->help, ops->opts, ops,
		    !ops->export ? "export" : NULL);
}

void rs_register_importer(const struct rs_importer_ops *ops)
{
	rs_register(RS_KIND_IMPORTER, ops->type, ops->help, ops->opts, ops,
		    !ops->import ? "import" : NULL);
}

void rs_register_trigger(const struct rs_trigger_ops *ops)
{
	rs_register(RS_KIND_TRIGGER, ops->type, ops->help, ops->opts, ops,
		    !ops->revoke ? "revoke" : NULL);
}

void rs_register_load(const struct rs_load_ops *ops)
{
	rs_register(RS_KIND_LOAD, ops->type, ops->help, ops->opts, ops,
		    !ops->start ? "start" : !ops->stop ? "stop" : NULL);
}

static int rs_plugin_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rs_plugin *)a)->type, ((const struct rs_plugin *)b)->type);
}

static struct rs_reg_kind *rs_reg_get(enum rs_kind kind)
{
	struct rs_reg_kind *k = &rs_reg[kind];

	pthread_mutex_lock(&rs_reg_lock);
	if (!k->sorted) {
		if (k->nr)
			qsort(k->p, k->nr, sizeof(*k->p), rs_plugin_cmp);
		k->sorted = true;
	}
	pthread_mutex_unlock(&rs_reg_lock);
	return k;
}

size_t rs_plugin_count(enum rs_kind kind)
{
	return kind < RS_KIND_NR ? rs_reg_get(kind)->nr : 0;
}

const struct rs_plugin *rs_plugin_at(enum rs_kind kind, size_t i)
{
	struct rs_reg_kind *k;

	if (kind >= RS_KIND_NR)
		return NULL;
	k = rs_reg_get(kind);
	return i < k->nr ? &k->p[i] : NULL;
}

const struct rs_plugin *rs_plugin_find(enum rs_kind kind, const char *type)
{
	struct rs_plugin key = { .type = type };
	struct rs_reg_kind *k;

	if (kind >= RS_KIND_NR || !type)
		return NULL;
	k = rs_reg_get(kind);
	if (!k->nr)
		return NULL;
	return bsearch(&key, k->p, k->nr, sizeof(*k->p), rs_plugin_cmp);
}

const char *rs_plugin_suggest(enum rs_kind kind, const char *type)
{
	struct rs_reg_kind *k = rs_reg_get(kind);
	const char **names = rs_xcalloc(k->nr + 1, sizeof(*names));
	const char *r;
	size_t i;

	for (i = 0; i < k->nr; i++)
		names[i] = k->p[i].type;
	r = rs_did_you_mean(type, names, k->nr);
	free(names);
	return r;
}

const struct rs_exporter_ops *rs_find_exporter(const char *type)
{
	const struct rs_plugin *p = rs_plugin_find(RS_KIND_EXPORTER, type);

	return p ? p->ops : NULL;
}

const struct rs_importer_ops *rs_find_importer(const char *type)
{
	const struct rs_plugin *p = rs_plugin_find(RS_KIND_IMPORTER, type);

	return p ? p->ops : NULL;
}

const struct rs_trigger_ops *rs_find_trigger(const char *type)
{
	const struct rs_plugin *p = rs_plugin_find(RS_KIND_TRIGGER, type);

	return p ? p->ops : NULL;
}

const struct rs_load_ops *rs_find_load(const char *type)
{
	const struct rs_plugin *p = rs_plugin_find(RS_KIND_LOAD, type);

	return p ? p->ops : NULL;
}

static void rs_reg_msg(char *m)
{
	rs_xgrow(&rs_reg_msgs, &rs_reg_cap_msgs, rs_reg_nr_msgs, sizeof(*rs_reg_msgs));
	rs_reg_msgs[rs_reg_nr_msgs++] = m;
}

size_t rs_registry_problems(const char *const **msgs)
{
	enum rs_kind kind;
	size_t i;

	for (kind = 0; kind < RS_KIND_NR; kind++)
		rs_reg_get(kind);
	pthread_mutex_lock(&rs_reg_lock);
	if (!rs_reg_checked) {
		char *early = rs_reg_early.s, *nl;

		for (i = 0; i < rs_reg_nr_msgs; i++)
			free(rs_reg_msgs[i]);
		rs_reg_nr_msgs = 0;
		while (early && *early && (nl = strchr(early, '\n'))) {
			rs_reg_msg(rs_xstrndup(early, (size_t)(nl - early)));
			early = nl + 1;
		}
		for (kind = 0; kind < RS_KIND_NR; kind++) {
			for (i = 0; i < rs_reg[kind].nr; i++) {
				const struct rs_plugin *p = &rs_reg[kind].p[i];
				char **m = NULL;
				size_t n, j;

				n = rs_opt_table_check((enum rs_sec_kind)kind, p->type, p->opts, &m);
				for (j = 0; j < n; j++)
					rs_reg_msg(m[j]);
				free(m);
			}
		}
		rs_reg_checked = true;
	}
	pthread_mutex_unlock(&rs_reg_lock);
	*msgs = (const char *const *)rs_reg_msgs;
	return rs_reg_nr_msgs;
}
