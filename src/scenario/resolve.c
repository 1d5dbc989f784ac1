// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario resolving, the second pass: each section's type through the registry;
 * each key against the core's and the plugin's option tables; [global]
 * inheritance; defaults; typed values; references between sections;
 * whole-scenario checks (run duration, seed, name).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "scenario.h"
#include "rs_units.h"
#include "rs_util.h"

static struct rs_section *rs_sec_new(enum rs_sec_kind kind, const char *name, const char *where)
{
	struct rs_section *s = rs_xcalloc(1, sizeof(*s));

	s->kind = kind;
	s->name = rs_xstrdup(name);
	s->where = rs_xstrdup(where);
	return s;
}

static struct rs_kv *rs_sec_add(struct rs_section *s, const struct rs_opt *opt, const char *value,
				const char *raw, const char *where, enum rs_origin origin)
{
	struct rs_kv *kv;

	rs_xgrow(&s->kv, &s->cap_kv, s->nr_kv, sizeof(*s->kv));
	kv = &s->kv[s->nr_kv++];
	kv->key = rs_xstrdup(opt->key);
	kv->value = rs_xstrdup(value);
	kv->raw = raw ? rs_xstrdup(raw) : NULL;
	kv->where = rs_xstrdup(where);
	kv->origin = origin;
	kv->opt = opt;
	return kv;
}

void rs_sec_free(struct rs_section *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nr_kv; i++) {
		free(s->kv[i].key);
		free(s->kv[i].value);
		free(s->kv[i].raw);
		free(s->kv[i].where);
	}
	free(s->kv);
	free(s->name);
	free(s->where);
	free(s);
}

/* The last raw value of key in r (cmdline ones come last), or NULL. */
static const struct rs_raw_kv *rs_raw_get(const struct rs_raw_sec *r, const char *key)
{
	size_t i;

	for (i = r->nr; i-- > 0;)
		if (!strcmp(r->kv[i].key, key))
			return &r->kv[i];
	return NULL;
}

/* The effective [global] value of key: the last one in file order, --set last. */
static const struct rs_raw_kv *rs_global_get(struct rs_parser *P, const char *key)
{
	const struct rs_raw_kv *found = NULL, *kv;
	size_t i;

	/* --set global.* values are in a block of their own, after every file block */
	for (i = 0; i < P->nr_raw; i++) {
		if (P->raw[i]->kind != RS_SEC_GLOBAL)
			continue;
		kv = rs_raw_get(P->raw[i], key);
		if (kv)
			found = kv;
	}
	return found;
}

static void rs_bad_value(struct rs_parser *P, const struct rs_section *s, const struct rs_kv *kv,
			 const char *why)
{
	struct rs_buf_str b = { 0 };

	if (kv->opt->type == RS_OPT_ENUM)
		rs_str_addf(&b, " (choices: %s)", kv->opt->choices);
	if (kv->opt->type == RS_OPT_TIME && !strcmp(why, rs_why_time_unit))
		rs_str_addf(&b, "; did you mean '%ss'?", kv->value);
	if (kv->origin == RS_ORIGIN_GLOBAL)
		rs_diag_add(P->d, true, "%s: bad value for '%s' (inherited by [%s %s]): '%s': %s%s",
			    kv->where, kv->key, rs_sec_kind_name(s->kind), s->name, kv->value, why,
			    b.s ? b.s : "");
	else if (kv->origin == RS_ORIGIN_DEFAULT)
		rs_diag_add(P->d, true, "%s: internal: default of '%s' ('%s') does not parse: %s",
			    s->where, kv->key, kv->value, why);
	else
		rs_diag_add(P->d, true, "%s: bad value for '%s': '%s': %s%s", kv->where, kv->key,
			    kv->value, why, b.s ? b.s : "");
	rs_str_free(&b);
}

/* Apply one declaration to s from the raw section, [global] or the default. */
static void rs_resolve_opt(struct rs_parser *P, struct rs_section *s, const struct rs_raw_sec *r,
			   const struct rs_opt *opt, unsigned int flags)
{
	const struct rs_raw_kv *rk = rs_raw_get(r, opt->key);
	struct rs_kv *kv = NULL;
	char why[RS_WHY_MAX];

	if (rk) {
		kv = rs_sec_add(s, opt, rk->value, rk->raw, rk->where,
				rk->cmdline ? RS_ORIGIN_CMDLINE : RS_ORIGIN_SECTION);
	} else if (s->kind != RS_SEC_PHASE && s->kind != RS_SEC_GLOBAL &&
		   !(flags & RS_OPTF_NOINHERIT) && (rk = rs_global_get(P, opt->key))) {
		kv = rs_sec_add(s, opt, rk->value, rk->raw, rk->where,
				rk->cmdline ? RS_ORIGIN_CMDLINE : RS_ORIGIN_GLOBAL);
	} else if (opt->def) {
		kv = rs_sec_add(s, opt, opt->def, NULL, "default", RS_ORIGIN_DEFAULT);
	} else if (!(flags & RS_OPTF_OPTIONAL)) {
		if (s->plugin)
			rs_diag_add(P->d, true, "%s: [%s %s] (type %s) needs '%s': %s", s->where,
				    rs_sec_kind_name(s->kind), s->name, s->plugin->type, opt->key,
				    opt->help ? opt->help : "");
		else
			rs_diag_add(P->d, true, "%s: [%s %s] needs '%s'", s->where,
				    rs_sec_kind_name(s->kind), s->name, opt->key);
	}
	if (kv && rs_opt_parse(opt, kv->value, kv, why, sizeof(why)))
		rs_bad_value(P, s, kv, why);
}

/* Every key a raw section sets must be declared: core kind keys, type, plugin keys. */
static void rs_check_keys(struct rs_parser *P, const struct rs_section *s,
			  const struct rs_raw_sec *r)
{
	const struct rs_core_opt *c;
	const struct rs_opt *o;
	const char **cands = NULL;
	size_t i, n = 0, cap = 0;

	rs_xgrow(&cands, &cap, n, sizeof(*cands));
	if (s->kind != RS_SEC_PHASE)
		cands[n++] = "type";
	for (c = rs_core_opts(s->kind); c->opt.key; c++) {
		rs_xgrow(&cands, &cap, n, sizeof(*cands));
		cands[n++] = c->opt.key;
	}
	if (s->plugin) {
		for (o = s->plugin->opts; o->key; o++) {
			rs_xgrow(&cands, &cap, n, sizeof(*cands));
			cands[n++] = o->key;
		}
	}
	for (i = 0; i < r->nr; i++) {
		const char *key = r->kv[i].key, *dym;
		size_t j;

		for (j = 0; j < n; j++)
			if (!strcmp(cands[j], key))
				break;
		if (j < n)
			continue;
		dym = rs_did_you_mean(key, cands, n);
		{
			char *type = s->plugin ? rs_xasprintf(" (type %s)", s->plugin->type) : NULL;
			char *hint = dym ? rs_xasprintf("; did you mean '%s'?", dym) : NULL;

			rs_diag_add(P->d, true, "%s: unknown key '%s' in [%s %s]%s%s", r->kv[i].where,
				    key, rs_sec_kind_name(s->kind), s->name, type ? type : "",
				    hint ? hint : "");
			free(type);
			free(hint);
		}
	}
	free(cands);
}

static const struct rs_core_opt rs_type_opt = {
	{ "type", RS_OPT_STR, NULL, "plugin type (see `revokestorm list`)" }
};

static struct rs_section *rs_resolve_section(struct rs_parser *P, const struct rs_raw_sec *r)
{
	struct rs_section *s = rs_sec_new(r->kind, r->name, r->where);
	const struct rs_raw_kv *tk = rs_raw_get(r, "type");
	const struct rs_core_opt *c;
	const struct rs_opt *o;

	if (r->kind == RS_SEC_PHASE) {
		if (tk)
			rs_diag_add(P->d, true, "%s: unknown key 'type' in [phase %s] (phases have no type)",
				    tk->where, r->name);
	} else {
		const char *type = tk ? tk->value : r->name;
		enum rs_kind kind = (enum rs_kind)r->kind;

		s->plugin = rs_plugin_find(kind, type);
		if (!s->plugin && tk) {
			const char *dym = rs_plugin_suggest(kind, type);

			if (dym)
				rs_diag_add(P->d, true, "%s: unknown %s type '%s'; did you mean '%s'?",
					    tk->where, rs_kind_name(kind), type, dym);
			else
				rs_diag_add(P->d, true,
					    "%s: unknown %s type '%s' (`revokestorm list` shows the types)",
					    tk->where, rs_kind_name(kind), type);
			rs_sec_free(s);
			return NULL;
		} else if (!s->plugin) {
			rs_diag_add(P->d, true, "%s: [%s %s] has no 'type' (and '%s' is not a %s type)",
				    r->where, rs_sec_kind_name(r->kind), r->name, r->name,
				    rs_kind_name(kind));
			rs_sec_free(s);
			return NULL;
		}
		rs_sec_add(s, &rs_type_opt.opt, s->plugin->type, NULL,
			   tk ? tk->where : r->where, tk ? (tk->cmdline ? RS_ORIGIN_CMDLINE :
							    RS_ORIGIN_SECTION) : RS_ORIGIN_COMPUTED);
	}
	rs_check_keys(P, s, r);
	for (c = rs_core_opts(r->kind); c->opt.key; c++)
		rs_resolve_opt(P, s, r, &c->opt, c->flags);
	if (s->plugin) {
		for (o = s->plugin->opts; o->key; o++) {
			if (rs_core_find(r->kind, o->key) || !strcmp(o->key, "type"))
				continue;	/* the core's declaration wins */
			rs_resolve_opt(P, s, r, o, 0);
		}
	}
	return s;
}

/* Is key used anywhere a [global] value can go? */
static bool rs_global_key_known(struct rs_parser *P, const char *key, bool *used,
				const char ***cands, size_t *nr, size_t *cap)
{
	bool known = false;
	enum rs_sec_kind k;
	size_t i;

	*used = false;
	for (k = 0; k < RS_SEC_NR; k++) {
		const struct rs_core_opt *c;

		if (k == RS_SEC_PHASE)
			continue;
		for (c = rs_core_opts(k); c->opt.key; c++) {
			rs_xgrow(cands, cap, *nr, sizeof(**cands));
			(*cands)[(*nr)++] = c->opt.key;
			if (!strcmp(c->opt.key, key) && !(c->flags & RS_OPTF_NOINHERIT)) {
				known = true;
				if (k == RS_SEC_GLOBAL)
					*used = true;
			}
		}
	}
	for (k = 0; k < (enum rs_sec_kind)RS_KIND_NR; k++) {
		for (i = 0; i < rs_plugin_count((enum rs_kind)k); i++) {
			const struct rs_opt *o;

			for (o = rs_plugin_at((enum rs_kind)k, i)->opts; o->key; o++) {
				rs_xgrow(cands, cap, *nr, sizeof(**cands));
				(*cands)[(*nr)++] = o->key;
				if (!strcmp(o->key, key))
					known = true;
			}
		}
	}
	if (known && !*used) {
		for (i = 0; i < P->scn->nr_sec; i++)
			if (rs_sec_kv(P->scn->sec[i], key) &&
			    rs_sec_kv(P->scn->sec[i], key)->origin == RS_ORIGIN_GLOBAL)
				*used = true;
	}
	return known;
}

static void rs_check_globals(struct rs_parser *P)
{
	size_t i, j;

	for (i = 0; i < P->nr_raw; i++) {
		const struct rs_raw_sec *r = P->raw[i];

		if (r->kind != RS_SEC_GLOBAL)
			continue;
		for (j = 0; j < r->nr; j++) {
			const char *key = r->kv[j].key, **cands = NULL, *dym;
			size_t nr = 0, cap = 0;
			bool used;

			if (!strcmp(key, "type")) {
				rs_diag_add(P->d, true, "%s: 'type' cannot be set in [global]",
					    r->kv[j].where);
				continue;
			}
			if (rs_global_key_known(P, key, &used, &cands, &nr, &cap)) {
				if (!used && rs_global_get(P, key) == &r->kv[j])
					rs_diag_add(P->d, false,
						    "%s: [global] key '%s' is not used by any section",
						    r->kv[j].where, key);
				free(cands);
				continue;
			}
			dym = rs_did_you_mean(key, cands, nr);
			if (dym)
				rs_diag_add(P->d, true, "%s: unknown key '%s' in [global]; did you mean '%s'?",
					    r->kv[j].where, key, dym);
			else
				rs_diag_add(P->d, true,
					    "%s: unknown key '%s' in [global] (no core key and no plugin option)",
					    r->kv[j].where, key);
			free(cands);
		}
	}
}

/* LIST keys that name sections must name existing sections of the right kind. */
static void rs_check_refs(struct rs_parser *P, const struct rs_section *s, const char *key,
			  enum rs_sec_kind target)
{
	const struct rs_kv *kv = rs_sec_kv(s, key);
	const char **names;
	char **w;
	size_t n, i, nn = 0;

	if (!kv)
		return;
	names = rs_xcalloc(P->scn->nr_sec + 1, sizeof(*names));
	for (i = 0; i < P->scn->nr_sec; i++)
		if (P->scn->sec[i]->kind == target)
			names[nn++] = P->scn->sec[i]->name;
	n = rs_list_split(kv->value, &w);
	for (i = 0; i < n; i++) {
		struct rs_section *t;
		const char *dym;
		size_t j;

		if (!*w[i])
			continue;	/* reported as a bad value */
		for (j = 0; j < nn; j++)
			if (!strcmp(names[j], w[i]))
				break;
		if (j < nn)
			continue;
		t = NULL;
		for (j = 0; j < P->scn->nr_sec; j++)
			if (!strcmp(P->scn->sec[j]->name, w[i]))
				t = P->scn->sec[j];
		if (t) {
			rs_diag_add(P->d, true, "%s: '%s' of [%s %s] names '%s', which is a %s, not a %s",
				    kv->where, key, rs_sec_kind_name(s->kind), s->name, w[i],
				    rs_sec_kind_name(t->kind), rs_sec_kind_name(target));
			continue;
		}
		dym = rs_did_you_mean(w[i], names, nn);
		rs_diag_add(P->d, true, "%s: '%s' of [%s %s] names no %s section '%s'%s%s%s",
			    kv->where, key, rs_sec_kind_name(s->kind), s->name,
			    rs_sec_kind_name(target), w[i], dym ? "; did you mean '" : "",
			    dym ? dym : "", dym ? "'?" : "");
	}
	rs_list_free(w, n);
	free(names);
}

static void rs_set_computed(struct rs_section *g, const char *key, const char *value)
{
	const struct rs_core_opt *c = rs_core_find(RS_SEC_GLOBAL, key);
	struct rs_kv *kv = rs_sec_add(g, &c->opt, value, NULL, "computed", RS_ORIGIN_COMPUTED);
	char why[RS_WHY_MAX];

	rs_opt_parse(&c->opt, value, kv, why, sizeof(why));
}

/* [global] keys in the core table's order, whether set, inherited or computed. */
static int rs_global_order(const void *a, const void *b)
{
	const struct rs_core_opt *c = rs_core_opts(RS_SEC_GLOBAL);
	const char *ka = ((const struct rs_kv *)a)->key, *kb = ((const struct rs_kv *)b)->key;
	int ia = -1, ib = -1, i;

	for (i = 0; c[i].opt.key; i++) {
		if (!strcmp(c[i].opt.key, ka))
			ia = i;
		if (!strcmp(c[i].opt.key, kb))
			ib = i;
	}
	return ia - ib;
}

static void rs_scenario_checks(struct rs_parser *P)
{
	struct rs_scenario *scn = P->scn;
	struct rs_section *g = scn->global;
	uint64_t phase_total = 0;
	bool all_timed = true;
	size_t i, nphase = rs_scn_count(scn, RS_SEC_PHASE);
	const struct rs_kv *kv;
	char buf[64];

	if (!rs_scn_count(scn, RS_SEC_EXPORTER))
		rs_diag_add(P->d, true, "%s: no [exporter NAME] section: nothing to revoke", scn->path);
	for (i = 0; i < scn->nr_sec; i++) {
		struct rs_section *s = scn->sec[i];

		switch (s->kind) {
		case RS_SEC_IMPORTER:
			rs_check_refs(P, s, "exporters", RS_SEC_EXPORTER);
			break;
		case RS_SEC_TRIGGER:
			rs_check_refs(P, s, "exporters", RS_SEC_EXPORTER);
			/* fall through */
		case RS_SEC_PHASE:
			if (s->kind != RS_SEC_PHASE)
				break;
			rs_check_refs(P, s, "triggers", RS_SEC_TRIGGER);
			rs_check_refs(P, s, "loads", RS_SEC_LOAD);
			kv = rs_sec_kv(s, "duration");
			if (kv && phase_total + kv->v.u > RS_TIME_MAX) {	/* each is at most that */
				rs_diag_add(P->d, true, "%s: the phases up to [phase %s] last more than "
					    "%s in all", kv->where, s->name,
					    rs_fmt_time_exact(RS_TIME_MAX, buf, sizeof(buf)));
				phase_total = RS_TIME_MAX;
			} else if (kv) {
				phase_total += kv->v.u;
			} else {
				all_timed = false;
				if (s->index + 1 < nphase)
					rs_diag_add(P->d, true,
						    "%s: [phase %s] needs 'duration' (only the last phase may run to the end)",
						    s->where, s->name);
			}
			break;
		default:
			break;
		}
	}
	kv = rs_sec_kv(g, "duration");
	if (kv) {
		scn->duration_ns = kv->v.u;
		if (nphase && all_timed && phase_total > kv->v.u)
			rs_diag_add(P->d, false,
				    "%s: the phases last %s in all, longer than 'duration'; the run stops at %s",
				    kv->where, rs_fmt_time(phase_total, buf, sizeof(buf)), kv->value);
	} else {
		scn->duration_ns = nphase && all_timed ? phase_total : 30ULL * 1000000000ULL;
		rs_set_computed(g, "duration", rs_fmt_time_exact(scn->duration_ns, buf, sizeof(buf)));
	}
	if (!scn->duration_ns)
		rs_diag_add(P->d, true, "%s: the run duration is 0", kv ? kv->where : scn->path);

	kv = rs_sec_kv(g, "seed");
	if (kv) {
		scn->seed = (uint64_t)kv->v.i;
	} else {
		uint64_t seed = P->opts->default_seed;

		while (!seed) {
			if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
				seed = rs_now_ns() ^ ((uint64_t)getpid() << 32);
			seed &= INT64_MAX;	/* printable as a non-negative int */
		}
		scn->seed = seed;
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)seed);
		rs_set_computed(g, "seed", buf);
		free(g->kv[g->nr_kv - 1].where);
		g->kv[g->nr_kv - 1].where = rs_xstrdup("random");
	}
	kv = rs_sec_kv(g, "name");
	if (kv && !rs_valid_name(kv->value))
		rs_diag_add(P->d, true,
			    "%s: bad value for 'name': '%s': letters, digits, '_' and '-' only",
			    kv->where, kv->value);
	if (kv) {
		scn->name = rs_xstrdup(kv->value);
	} else {
		const char *base = strrchr(scn->path, '/');
		struct rs_buf_str b = { 0 };
		size_t n;

		base = base ? base + 1 : scn->path;
		n = strlen(base);
		if (n > 4 && !strcmp(base + n - 4, ".ini"))
			n -= 4;
		for (i = 0; i < n && i < RS_MAX_NAME; i++)
			rs_str_addc(&b, isalnum((unsigned char)base[i]) || base[i] == '-' ? base[i] : '_');
		if (!b.len)
			rs_str_add(&b, "scenario");
		scn->name = rs_str_steal(&b);
		rs_set_computed(g, "name", scn->name);
	}
	qsort(g->kv, g->nr_kv, sizeof(*g->kv), rs_global_order);
}

int rs_scn_resolve(struct rs_parser *P)
{
	struct rs_scenario *scn = P->scn;
	unsigned int count[RS_SEC_NR] = { 0 };
	struct rs_raw_sec all_globals = { .kind = RS_SEC_GLOBAL };
	const struct rs_core_opt *c;
	size_t i;

	for (i = 0; i < P->nr_raw; i++) {
		struct rs_section *s;

		if (P->raw[i]->kind == RS_SEC_GLOBAL)
			continue;
		s = rs_resolve_section(P, P->raw[i]);
		if (!s)
			continue;
		s->index = count[s->kind]++;
		rs_xgrow(&scn->sec, &scn->cap_sec, scn->nr_sec, sizeof(*scn->sec));
		scn->sec[scn->nr_sec++] = s;
	}
	/* the merged [global]: core global keys only; the rest is for inheritance */
	scn->global = rs_sec_new(RS_SEC_GLOBAL, "global", P->nr_raw ? P->raw[0]->where : scn->path);
	for (i = 0; i < P->nr_raw; i++) {
		if (P->raw[i]->kind == RS_SEC_GLOBAL) {
			free(scn->global->where);
			scn->global->where = rs_xstrdup(P->raw[i]->where);
			break;
		}
	}
	for (c = rs_core_opts(RS_SEC_GLOBAL); c->opt.key; c++) {
		const struct rs_raw_kv *rk = rs_global_get(P, c->opt.key);

		if (rk) {
			all_globals.kv = (struct rs_raw_kv *)rk;
			all_globals.nr = 1;
		} else {
			all_globals.nr = 0;
		}
		rs_resolve_opt(P, scn->global, &all_globals, &c->opt, c->flags);
	}
	rs_check_globals(P);
	if (P->d->nr_errors)
		return -EINVAL;
	rs_scenario_checks(P);
	return P->d->nr_errors ? -EINVAL : 0;
}
