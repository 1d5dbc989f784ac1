// SPDX-License-Identifier: GPL-2.0
/*
 * Access to a resolved scenario: sections by kind and name, and the typed
 * accessors of rs_plugin.h that the core and the plugins read values with.
 */
#include <stdio.h>
#include <string.h>

#include "rs_scenario.h"

size_t rs_scn_count(const struct rs_scenario *scn, enum rs_sec_kind kind)
{
	size_t i, n = 0;

	for (i = 0; i < scn->nr_sec; i++)
		n += scn->sec[i]->kind == kind;
	return n;
}

struct rs_section *rs_scn_nth(const struct rs_scenario *scn, enum rs_sec_kind kind, size_t nth)
{
	size_t i;

	for (i = 0; i < scn->nr_sec; i++)
		if (scn->sec[i]->kind == kind && nth-- == 0)
			return scn->sec[i];
	return NULL;
}

struct rs_section *rs_scn_find(const struct rs_scenario *scn, enum rs_sec_kind kind,
			       const char *name)
{
	size_t i;

	if (kind == RS_SEC_GLOBAL)
		return scn->global;
	for (i = 0; i < scn->nr_sec; i++)
		if (scn->sec[i]->kind == kind && !strcmp(scn->sec[i]->name, name))
			return scn->sec[i];
	return NULL;
}

const struct rs_kv *rs_sec_kv(const struct rs_section *s, const char *key)
{
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < s->nr_kv; i++)
		if (!strcmp(s->kv[i].key, key))
			return &s->kv[i];
	return NULL;
}

bool rs_sec_has(const struct rs_section *s, const char *key)
{
	return rs_sec_kv(s, key) != NULL;
}

bool rs_sec_list_has(const struct rs_section *s, const char *key, const char *name)
{
	const struct rs_kv *kv = rs_sec_kv(s, key);
	bool found = false;
	char **w;
	size_t n, i;

	if (!kv)
		return true;
	n = rs_list_split(kv->value, &w);
	for (i = 0; i < n; i++)
		found |= !strcmp(w[i], name);
	rs_list_free(w, n);
	return found;
}

/* The plugin-facing accessors (rs_plugin.h). */
static const struct rs_kv *rs_sec_kv_checked(const struct rs_section *s, const char *key)
{
	const struct rs_kv *kv = rs_sec_kv(s, key);

	if (!kv && s) {
		static __thread const char *last;

		if (last != key)
			fprintf(stderr, "revokestorm: internal: [%s %s] has no value for '%s' "
				"(not declared in the option table?)\n",
				rs_sec_kind_name(s->kind), s->name, key);
		last = key;
	}
	return kv;
}

const char *rs_sec_str(const struct rs_section *s, const char *key)
{
	const struct rs_kv *kv = rs_sec_kv_checked(s, key);

	return kv ? kv->value : NULL;
}

int64_t rs_sec_int(const struct rs_section *s, const char *key)
{
	const struct rs_kv *kv = rs_sec_kv_checked(s, key);

	if (!kv)
		return 0;
	switch (kv->opt->type) {
	case RS_OPT_SIZE:
	case RS_OPT_TIME:
		return (int64_t)kv->v.u;
	case RS_OPT_BOOL:
		return kv->v.b;
	default:
		return kv->v.i;
	}
}

uint64_t rs_sec_size(const struct rs_section *s, const char *key)
{
	return (uint64_t)rs_sec_int(s, key);
}

uint64_t rs_sec_time_ns(const struct rs_section *s, const char *key)
{
	return (uint64_t)rs_sec_int(s, key);
}

int rs_sec_enum(const struct rs_section *s, const char *key)
{
	const struct rs_kv *kv = rs_sec_kv_checked(s, key);

	if (kv && kv->opt->type != RS_OPT_ENUM) {
		fprintf(stderr, "revokestorm: internal: '%s' of [%s %s] is not an enum\n", key,
			rs_sec_kind_name(s->kind), s->name);
		return -1;
	}
	return kv ? (int)kv->v.i : -1;
}

bool rs_sec_bool(const struct rs_section *s, const char *key)
{
	return rs_sec_int(s, key) != 0;
}

const char *rs_sec_name(const struct rs_section *s)
{
	return s ? s->name : "";
}

const char *rs_sec_where(const struct rs_section *s, const char *key)
{
	const struct rs_kv *kv = rs_sec_kv(s, key);

	if (!s)
		return "";
	if (!kv || kv->origin == RS_ORIGIN_DEFAULT || kv->origin == RS_ORIGIN_COMPUTED)
		return s->where;
	return kv->where;
}
