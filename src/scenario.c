// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario parser and resolver.  Two passes:
 *  1. parse: lines → raw sections (kind, name, raw key/values with file:line), following
 *     includes and expanding ${ENV}; --set overrides are appended last.
 *  2. resolve: each section's type through the registry; each key against the core's and
 *     the plugin's option tables; [global] inheritance; defaults; typed values;
 *     references between sections; whole-scenario checks.
 * Every message names file:line and, for keys, the key.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "rs_scenario.h"
#include "rs_units.h"
#include "rs_util.h"

#define RS_MAX_INCLUDE_DEPTH	16
#define RS_MAX_INCLUDES		256	/* files read in all: no exponential include trees */
#define RS_MAX_NAME		64
#define RS_MAX_SECTIONS		4096
#define RS_MAX_VALUE		65536
#define RS_MAX_EXPAND_DEPTH	8
#define RS_MAX_ERRORS		50

/* ------------------------------------------------------------------ core keys */

#define TIMING_CHOICES "periodic|random|burst"

static const struct rs_core_opt rs_core_global[] = {
	{ { "name", RS_OPT_STR, NULL,
	    "scenario name (results directory, KTAP); default: the file name without .ini" },
	  RS_OPTF_OPTIONAL },
	{ { "duration", RS_OPT_TIME, NULL,
	    "run time; default: the sum of the phase durations if all have one, else 30s" },
	  RS_OPTF_OPTIONAL },
	{ { "seed", RS_OPT_INT, NULL,
	    "random seed (every random choice derives from it); default: random, printed" },
	  RS_OPTF_OPTIONAL },
	{ { "hang_timeout", RS_OPT_TIME, "30s",
	    "a trigger, importer or traffic call taking longer than this is a hang (exit 1)" } },
	{ { "status_interval", RS_OPT_TIME, "2s", "status line period on stderr; 0 = none" } },
	{ { "results", RS_OPT_STR, NULL,
	    "results directory; default ./results/<name>-<timestamp>" }, RS_OPTF_OPTIONAL },
	{ { "state_file", RS_OPT_STR, "/run/revokestorm/state",
	    "devices held by a run, for recovery after a crash" } },
	{ { "kmsg_markers", RS_OPT_BOOL, "true",
	    "write run/phase/hang markers to /dev/kmsg and trace_marker" } },
	{ { "exclusive", RS_OPT_BOOL, "true",
	    "triggers on one exporter take turns (false: their revoke cycles overlap)" } },
	{ { "cleanup_timeout", RS_OPT_TIME, "10s",
	    "longest wait for loads, importers and exporters to shut down at the end" } },
	{ { "trace", RS_OPT_ENUM, "tracefs",
	    "collect kernel events into the results: a private tracefs instance, perf record, or off",
	    "off|tracefs|perf" } },
	{ { "klog_check", RS_OPT_BOOL, "true",
	    "follow the kernel log; a kernel report (oops, WARNING, lockdep, hung task...) fails the run" } },
	{ { "klog_allow", RS_OPT_STR, NULL,
	    "file of regexes (one per line) for kernel reports that do not fail the run" },
	  RS_OPTF_OPTIONAL },
	{ { "interval_log", RS_OPT_BOOL, "true",
	    "write intervals.jsonl in the results: one JSON line per status_interval (soak runs)" } },
	{ { "leak_check", RS_OPT_BOOL, "true",
	    "fail when our fds or RSS grow by more than leak_fds/leak_rss during the run" } },
	{ { "leak_fds", RS_OPT_INT, "16", "open fds the run may gain between its first and last interval" } },
	{ { "leak_rss", RS_OPT_SIZE, "64MiB", "RSS the run may gain between its first and last interval" } },
	{ { NULL } },
};

static const struct rs_core_opt rs_core_exporter[] = {
	{ { "count", RS_OPT_INT, "1", "dma-bufs to export from this exporter" } },
	{ { NULL } },
};

static const struct rs_core_opt rs_core_importer[] = {
	{ { "exporters", RS_OPT_LIST, NULL,
	    "exporter sections whose buffers this importer imports; default: all" },
	  RS_OPTF_OPTIONAL },
	{ { "traffic", RS_OPT_BOOL, "true",
	    "run the importer's traffic between revokes (if it has any)" } },
	{ { "traffic_interval", RS_OPT_TIME, "1ms",
	    "pause between rounds of traffic over all imports; 0 = none" } },
	{ { NULL } },
};

static const struct rs_core_opt rs_core_trigger[] = {
	{ { "exporters", RS_OPT_LIST, NULL,
	    "exporter sections this trigger acts on (one worker each); default: all" },
	  RS_OPTF_OPTIONAL },
	{ { "timing", RS_OPT_ENUM, "periodic",
	    "periodic: a cycle every interval; random: exponential gaps of mean interval; "
	    "burst: `burst` back-to-back cycles every interval", TIMING_CHOICES } },
	{ { "interval", RS_OPT_TIME, "100ms", "cycle period (see timing)" } },
	{ { "jitter", RS_OPT_TIME, "0", "uniform random offset in [-jitter, +jitter] per gap" } },
	{ { "burst", RS_OPT_INT, "10", "cycles per burst (timing = burst)" } },
	{ { "hold", RS_OPT_TIME, "0", "time between revoke and restore" } },
	{ { "cycles", RS_OPT_INT, "0", "stop after this many cycles per exporter; 0 = no limit" } },
	{ { NULL } },
};

static const struct rs_core_opt rs_core_load[] = {
	{ { NULL } },
};

static const struct rs_core_opt rs_core_phase[] = {
	{ { "duration", RS_OPT_TIME, NULL,
	    "phase length; default (last phase only): the rest of the run" },
	  RS_OPTF_OPTIONAL | RS_OPTF_NOINHERIT },
	{ { "triggers", RS_OPT_LIST, NULL, "trigger sections active in this phase; default: all" },
	  RS_OPTF_OPTIONAL | RS_OPTF_NOINHERIT },
	{ { "loads", RS_OPT_LIST, NULL, "load sections running in this phase; default: all" },
	  RS_OPTF_OPTIONAL | RS_OPTF_NOINHERIT },
	{ { "traffic", RS_OPT_BOOL, "true", "importer traffic runs in this phase" },
	  RS_OPTF_NOINHERIT },
	{ { "timing", RS_OPT_ENUM, NULL, "overrides the triggers' timing in this phase", TIMING_CHOICES },
	  RS_OPTF_OPTIONAL | RS_OPTF_NOINHERIT },
	{ { "interval", RS_OPT_TIME, NULL, "overrides the triggers' interval in this phase" },
	  RS_OPTF_OPTIONAL | RS_OPTF_NOINHERIT },
	{ { "jitter", RS_OPT_TIME, NULL, "overrides the triggers' jitter in this phase" },
	  RS_OPTF_OPTIONAL | RS_OPTF_NOINHERIT },
	{ { "burst", RS_OPT_INT, NULL, "overrides the triggers' burst in this phase" },
	  RS_OPTF_OPTIONAL | RS_OPTF_NOINHERIT },
	{ { "hold", RS_OPT_TIME, NULL, "overrides the triggers' hold in this phase" },
	  RS_OPTF_OPTIONAL | RS_OPTF_NOINHERIT },
	{ { NULL } },
};

static const struct rs_core_opt rs_type_opt = {
	{ "type", RS_OPT_STR, NULL, "plugin type (see `revokestorm list`)" }
};

static const struct rs_core_opt *const rs_core_tables[RS_SEC_NR] = {
	[RS_SEC_EXPORTER] = rs_core_exporter,
	[RS_SEC_IMPORTER] = rs_core_importer,
	[RS_SEC_TRIGGER] = rs_core_trigger,
	[RS_SEC_LOAD] = rs_core_load,
	[RS_SEC_PHASE] = rs_core_phase,
	[RS_SEC_GLOBAL] = rs_core_global,
};

static const char *const rs_sec_kind_names[RS_SEC_NR] = {
	[RS_SEC_EXPORTER] = "exporter",
	[RS_SEC_IMPORTER] = "importer",
	[RS_SEC_TRIGGER] = "trigger",
	[RS_SEC_LOAD] = "load",
	[RS_SEC_PHASE] = "phase",
	[RS_SEC_GLOBAL] = "global",
};

const struct rs_core_opt *rs_core_opts(enum rs_sec_kind kind)
{
	return kind < RS_SEC_NR ? rs_core_tables[kind] : rs_core_load;
}

const char *rs_sec_kind_name(enum rs_sec_kind kind)
{
	return kind < RS_SEC_NR ? rs_sec_kind_names[kind] : "?";
}

const char *rs_origin_name(enum rs_origin o)
{
	static const char *const n[] = { "default", "global", "section", "cmdline", "computed" };

	return o <= RS_ORIGIN_COMPUTED ? n[o] : "?";
}

const char *rs_opt_type_name(enum rs_opt_type t)
{
	static const char *const n[] = { "str", "int", "size", "time", "bool", "enum", "list" };

	return t <= RS_OPT_LIST ? n[t] : "?";
}

static const struct rs_core_opt *rs_core_find(enum rs_sec_kind kind, const char *key)
{
	const struct rs_core_opt *c;

	for (c = rs_core_opts(kind); c->opt.key; c++)
		if (!strcmp(c->opt.key, key))
			return c;
	return NULL;
}

/* ------------------------------------------------------------------ diagnostics */

void rs_diag_add(struct rs_diag *d, bool error, const char *fmt, ...)
{
	va_list ap;
	char *m, *w;

	if (error)
		d->nr_errors++;
	if (d->nr >= RS_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	m = rs_xvasprintf(fmt, ap);
	va_end(ap);
	if (!error) {
		w = rs_xasprintf("warning: %s", m);
		free(m);
		m = w;
	}
	rs_xgrow(&d->msg, &d->cap, d->nr, sizeof(*d->msg));
	d->msg[d->nr++] = m;
}

void rs_diag_print(const struct rs_diag *d, FILE *f)
{
	size_t i;

	for (i = 0; i < d->nr; i++)
		fprintf(f, "%s\n", d->msg[i]);
	if (d->nr_errors > RS_MAX_ERRORS)
		fprintf(f, "(%zu more errors not shown)\n", d->nr_errors - RS_MAX_ERRORS);
}

void rs_diag_free(struct rs_diag *d)
{
	size_t i;

	for (i = 0; i < d->nr; i++)
		free(d->msg[i]);
	free(d->msg);
	memset(d, 0, sizeof(*d));
}

const char *rs_diag_find(const struct rs_diag *d, const char *needle)
{
	size_t i;

	for (i = 0; i < d->nr; i++)
		if (strstr(d->msg[i], needle))
			return d->msg[i];
	return NULL;
}

/* ------------------------------------------------------------------ values */

size_t rs_list_split(const char *value, char ***words)
{
	char **w = NULL;
	size_t nr = 0, cap = 0;
	const char *p = value;

	while (*p) {
		const char *s, *e;

		while (isspace((unsigned char)*p))
			p++;
		s = p;
		while (*p && *p != ',')
			p++;
		e = p;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		rs_xgrow(&w, &cap, nr, sizeof(*w));
		w[nr++] = rs_xstrndup(s, (size_t)(e - s));
		if (*p == ',') {
			p++;
			if (!*p) {	/* trailing comma: an empty last word */
				rs_xgrow(&w, &cap, nr, sizeof(*w));
				w[nr++] = rs_xstrdup("");
			}
		}
	}
	*words = w;
	return nr;
}

static void rs_words_free(char **w, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(w[i]);
	free(w);
}

static bool rs_valid_name(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return n > 0 && n <= RS_MAX_NAME;
}

static bool rs_valid_key(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_')
			return false;
	return n > 0 && n <= RS_MAX_NAME;
}

/* Is word one of the '|'-separated choices?  Returns its index or -1. */
static int rs_choice_index(const char *choices, const char *word)
{
	size_t wl = strlen(word);
	const char *p = choices;
	int i = 0;

	while (p && *p) {
		const char *e = strchr(p, '|');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == wl && !strncmp(p, word, n))
			return i;
		i++;
		p = e ? e + 1 : NULL;
	}
	return -1;
}

int rs_opt_parse(const struct rs_opt *opt, const char *value, struct rs_kv *out, const char **why)
{
	char **w;
	size_t n, i;
	int err = 0;

	switch (opt->type) {
	case RS_OPT_STR:
		return 0;
	case RS_OPT_INT:
		return rs_parse_int(value, &out->v.i, why);
	case RS_OPT_SIZE:
		return rs_parse_size(value, &out->v.u, why);
	case RS_OPT_TIME:
		return rs_parse_time_ns(value, &out->v.u, why);
	case RS_OPT_BOOL:
		return rs_parse_bool(value, &out->v.b, why);
	case RS_OPT_ENUM:
		out->v.i = rs_choice_index(opt->choices, value);
		if (out->v.i < 0) {
			*why = "not one of the choices";
			return -EINVAL;
		}
		return 0;
	case RS_OPT_LIST:
		n = rs_list_split(value, &w);
		for (i = 0; i < n && !err; i++) {
			if (!*w[i]) {
				*why = "empty list element";
				err = -EINVAL;
			}
		}
		rs_words_free(w, n);
		out->v.i = (int64_t)n;
		return err;
	}
	*why = "unknown option type";
	return -EINVAL;
}

/* ------------------------------------------------------------------ raw parse */

struct rs_raw_kv {
	char *key;
	char *value;
	char *raw;		/* when different from value */
	char *where;
	bool cmdline;
};

struct rs_raw_sec {
	enum rs_sec_kind kind;
	char *name;		/* NULL for [global] blocks */
	char *where;
	struct rs_raw_kv *kv;
	size_t nr, cap;
};

struct rs_parser {
	const struct rs_scn_opts *opts;
	const struct rs_scn_loader *loader;
	struct rs_diag *d;
	struct rs_scenario *scn;
	struct rs_raw_sec **raw;	/* every block, global blocks included, in order */
	size_t nr_raw, cap_raw;
	struct {
		char *ident;
		char *path;
	} stack[RS_MAX_INCLUDE_DEPTH + 1];
	int depth;
	unsigned int files;		/* read so far, the main file included */
};

static const char *rs_penv(struct rs_parser *P, const char *name)
{
	return P->opts->getenv ? P->opts->getenv(name) : getenv(name);
}

static void rs_scn_add_file(struct rs_scenario *scn, const char *path)
{
	size_t i;

	for (i = 0; i < scn->nr_files; i++)
		if (!strcmp(scn->files[i], path))
			return;
	rs_xgrow(&scn->files, &scn->cap_files, scn->nr_files, sizeof(*scn->files));
	scn->files[scn->nr_files++] = rs_xstrdup(path);
}

/*
 * Expand ${NAME}, ${NAME:-default}, $$, $ncpus, $pagesize in s[0..len) into out.
 * Returns false (after a message) on error.
 */
static bool rs_expand(struct rs_parser *P, const char *s, size_t len, const char *where,
		      const char *key, struct rs_buf_str *out, int depth)
{
	size_t i = 0;

	if (depth > RS_MAX_EXPAND_DEPTH) {
		rs_diag_add(P->d, true, "%s: '%s': ${...} nested too deep", where, key);
		return false;
	}
	while (i < len) {
		const char *name, *def = NULL;
		size_t nlen, j, dlen = 0;
		int nest;

		if (out->len > RS_MAX_VALUE) {
			rs_diag_add(P->d, true, "%s: '%s': value longer than %d bytes after expansion",
				    where, key, RS_MAX_VALUE);
			return false;
		}
		if (s[i] != '$') {
			rs_str_addc(out, s[i++]);
			continue;
		}
		if (i + 1 < len && s[i + 1] == '$') {
			rs_str_addc(out, '$');
			i += 2;
			continue;
		}
		if (i + 1 < len && s[i + 1] != '{') {
			static const char *const kw[] = { "ncpus", "pagesize" };
			size_t k;

			for (k = 0; k < 2; k++) {
				size_t kl = strlen(kw[k]);

				if (len - i - 1 >= kl && !strncmp(s + i + 1, kw[k], kl) &&
				    (i + 1 + kl == len || !(isalnum((unsigned char)s[i + 1 + kl]) ||
							    s[i + 1 + kl] == '_')))
					break;
			}
			if (k < 2) {
				long v = sysconf(k == 0 ? _SC_NPROCESSORS_ONLN : _SC_PAGESIZE);

				rs_str_addf(out, "%ld", v > 0 ? v : 1);
				i += 1 + strlen(kw[k]);
				continue;
			}
			rs_str_addc(out, '$');
			i++;
			continue;
		}
		if (i + 1 >= len) {
			rs_str_addc(out, '$');
			i++;
			continue;
		}
		/* ${ */
		name = s + i + 2;
		for (j = i + 2; j < len && (isalnum((unsigned char)s[j]) || s[j] == '_'); j++)
			;
		nlen = (size_t)(s + j - name);
		if (!nlen || isdigit((unsigned char)name[0])) {
			rs_diag_add(P->d, true, "%s: '%s': bad variable name in ${...}", where, key);
			return false;
		}
		if (j + 1 < len && s[j] == ':' && s[j + 1] == '-') {
			def = s + j + 2;
			for (j += 2, nest = 0; j < len; j++) {
				if (s[j] == '{')
					nest++;
				else if (s[j] == '}' && nest-- == 0)
					break;
			}
			dlen = (size_t)(s + j - def);
		}
		if (j >= len || s[j] != '}') {
			rs_diag_add(P->d, true, "%s: '%s': unterminated ${...}", where, key);
			return false;
		}
		{
			char *n = rs_xstrndup(name, nlen);
			const char *v = rs_penv(P, n);

			if (def && (!v || !*v)) {
				if (!rs_expand(P, def, dlen, where, key, out, depth + 1)) {
					free(n);
					return false;
				}
			} else if (!v) {
				rs_diag_add(P->d, true,
					    "%s: '%s': environment variable '%s' is not set (use ${%s:-default})",
					    where, key, n, n);
				free(n);
				return false;
			} else {
				rs_str_add(out, v);
			}
			free(n);
		}
		i = j + 1;
	}
	return true;
}

/* Expand a value; NULL after a message on error. */
static char *rs_expand_value(struct rs_parser *P, const char *s, const char *where, const char *key)
{
	struct rs_buf_str out = { 0 };

	if (!rs_expand(P, s, strlen(s), where, key, &out, 0)) {
		rs_str_free(&out);
		return NULL;
	}
	return rs_str_steal(&out);
}

static struct rs_raw_sec *rs_raw_new(struct rs_parser *P, enum rs_sec_kind kind, const char *name,
				     const char *where)
{
	struct rs_raw_sec *r = rs_xcalloc(1, sizeof(*r));

	r->kind = kind;
	r->name = name ? rs_xstrdup(name) : NULL;
	r->where = rs_xstrdup(where);
	rs_xgrow(&P->raw, &P->cap_raw, P->nr_raw, sizeof(*P->raw));
	P->raw[P->nr_raw++] = r;
	return r;
}

static struct rs_raw_sec *rs_raw_find(struct rs_parser *P, const char *name)
{
	size_t i;

	for (i = 0; i < P->nr_raw; i++)
		if (P->raw[i]->name && !strcmp(P->raw[i]->name, name))
			return P->raw[i];
	return NULL;
}

static void rs_raw_add(struct rs_raw_sec *r, const char *key, char *value, const char *raw,
		       const char *where, bool cmdline)
{
	struct rs_raw_kv *kv;

	rs_xgrow(&r->kv, &r->cap, r->nr, sizeof(*r->kv));
	kv = &r->kv[r->nr++];
	kv->key = rs_xstrdup(key);
	kv->value = value;
	kv->raw = raw && strcmp(raw, value) ? rs_xstrdup(raw) : NULL;
	kv->where = rs_xstrdup(where);
	kv->cmdline = cmdline;
}

static void rs_raw_free(struct rs_raw_sec *r)
{
	size_t i;

	for (i = 0; i < r->nr; i++) {
		free(r->kv[i].key);
		free(r->kv[i].value);
		free(r->kv[i].raw);
		free(r->kv[i].where);
	}
	free(r->kv);
	free(r->name);
	free(r->where);
	free(r);
}

static const char *const rs_header_kinds[] = {
	"exporter", "importer", "trigger", "load", "phase", "global", NULL
};

/* Parse "[kind name]" (line starts at '['); returns the new current section or cur. */
static struct rs_raw_sec *rs_parse_header(struct rs_parser *P, char *line, const char *where)
{
	char *end = strchr(line, ']'), *p, *kind, *name = NULL, *rest;
	enum rs_sec_kind k;
	struct rs_raw_sec *old;

	if (!end) {
		rs_diag_add(P->d, true, "%s: section header without ']'", where);
		return NULL;
	}
	rest = end + 1;
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest && *rest != '#' && *rest != ';') {
		rs_diag_add(P->d, true, "%s: text after section header: '%s'", where, rest);
		return NULL;
	}
	*end = '\0';
	p = line + 1;
	while (isspace((unsigned char)*p))
		p++;
	kind = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	if (*p) {
		*p++ = '\0';
		while (isspace((unsigned char)*p))
			p++;
		name = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p) {
			*p++ = '\0';
			while (isspace((unsigned char)*p))
				p++;
			if (*p) {
				rs_diag_add(P->d, true,
					    "%s: section header has more than a kind and a name: '%s'",
					    where, p);
				return NULL;
			}
		}
		if (!*name)
			name = NULL;
	}
	for (k = 0; k < RS_SEC_NR; k++)
		if (!strcmp(kind, rs_sec_kind_names[k]))
			break;
	if (k == RS_SEC_NR) {
		const char *dym = rs_did_you_mean(kind, rs_header_kinds, SIZE_MAX);

		if (dym)
			rs_diag_add(P->d, true, "%s: unknown section kind '%s'; did you mean '%s'?",
				    where, kind, dym);
		else
			rs_diag_add(P->d, true,
				    "%s: unknown section kind '%s' (use global, exporter, importer, trigger, load or phase)",
				    where, kind);
		return NULL;
	}
	if (k == RS_SEC_GLOBAL) {
		if (name) {
			rs_diag_add(P->d, true, "%s: [global] takes no name", where);
			return NULL;
		}
		return rs_raw_new(P, k, NULL, where);
	}
	if (!name) {
		rs_diag_add(P->d, true, "%s: [%s] needs a name: [%s NAME]", where, kind, kind);
		return NULL;
	}
	if (!rs_valid_name(name) || !strcmp(name, "global")) {
		rs_diag_add(P->d, true,
			    "%s: bad section name '%s' (letters, digits, '_' and '-', at most %d; not 'global')",
			    where, name, RS_MAX_NAME);
		return NULL;
	}
	old = rs_raw_find(P, name);
	if (old) {
		rs_diag_add(P->d, true, "%s: section name '%s' already used at %s (names are unique across all kinds)",
			    where, name, old->where);
		return NULL;
	}
	if (P->nr_raw >= RS_MAX_SECTIONS) {
		rs_diag_add(P->d, true, "%s: more than %d sections", where, RS_MAX_SECTIONS);
		return NULL;
	}
	return rs_raw_new(P, k, name, where);
}

/* Split a "key = value" line's value part: quotes, inline comments.  NULL on error. */
static char *rs_parse_value(struct rs_parser *P, char *v, const char *where, const char *key)
{
	struct rs_buf_str out = { 0 };
	char *p;

	while (isspace((unsigned char)*v))
		v++;
	if (*v == '"') {
		for (p = v + 1; *p && *p != '"'; p++) {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			rs_str_addc(&out, *p);
		}
		if (*p != '"') {
			rs_diag_add(P->d, true, "%s: '%s': unterminated quoted value", where, key);
			rs_str_free(&out);
			return NULL;
		}
		for (p++; isspace((unsigned char)*p); p++)
			;
		if (*p && *p != '#' && *p != ';') {
			rs_diag_add(P->d, true, "%s: '%s': text after the quoted value: '%s'",
				    where, key, p);
			rs_str_free(&out);
			return NULL;
		}
		return rs_str_steal(&out);
	}
	/* an inline comment starts at '#' or ';' after whitespace */
	for (p = v; *p; p++) {
		if ((*p == '#' || *p == ';') && p > v && isspace((unsigned char)p[-1])) {
			*p = '\0';
			break;
		}
	}
	p = v + strlen(v);
	while (p > v && isspace((unsigned char)p[-1]))
		*--p = '\0';
	return rs_xstrdup(v);
}

static void rs_parse_buf(struct rs_parser *P, const char *path, char *buf, size_t len,
			 struct rs_raw_sec *cur);

static char *rs_join_path(const char *base, const char *rel)
{
	const char *slash;

	if (rel[0] == '/')
		return rs_xstrdup(rel);
	slash = strrchr(base, '/');
	if (!slash)
		return rs_xstrdup(rel);
	return rs_xasprintf("%.*s/%s", (int)(slash - base), base, rel);
}

static int rs_fs_read(void *arg, const char *path, char **buf, size_t *len)
{
	return rs_read_file(path, buf, len, 16 << 20);
}

static char *rs_fs_ident(void *arg, const char *path)
{
	char *r = realpath(path, NULL);

	return r ? r : rs_xstrdup(path);
}

static const struct rs_scn_loader rs_fs_loader = {
	.read = rs_fs_read,
	.ident = rs_fs_ident,
};

/* Read and parse one file (the main file at depth 0, or an include). */
static void rs_parse_file(struct rs_parser *P, const char *path, const char *where,
			  struct rs_raw_sec *cur)
{
	char *ident, *buf = NULL;
	size_t len = 0;
	int i, err;

	ident = P->loader->ident ? P->loader->ident(P->loader->arg, path) : rs_xstrdup(path);
	for (i = 0; i < P->depth; i++) {
		if (!strcmp(P->stack[i].ident, ident)) {
			struct rs_buf_str chain = { 0 };
			int j;

			for (j = i; j < P->depth; j++)
				rs_str_addf(&chain, "%s -> ", P->stack[j].path);
			rs_str_add(&chain, path);
			rs_diag_add(P->d, true, "%s: include cycle: %s", where, chain.s);
			rs_str_free(&chain);
			free(ident);
			return;
		}
	}
	if (P->depth > RS_MAX_INCLUDE_DEPTH) {
		rs_diag_add(P->d, true, "%s: includes nested deeper than %d", where,
			    RS_MAX_INCLUDE_DEPTH);
		free(ident);
		return;
	}
	if (P->files++ == RS_MAX_INCLUDES) {
		rs_diag_add(P->d, true, "%s: more than %d files included in all (is a file "
			    "included again and again through others?)", where, RS_MAX_INCLUDES);
		free(ident);
		return;
	}
	if (P->files > RS_MAX_INCLUDES) {
		free(ident);
		return;
	}
	err = P->loader->read(P->loader->arg, path, &buf, &len);
	if (err) {
		if (where)
			rs_diag_add(P->d, true, "%s: cannot include '%s': %s", where, path,
				    strerror(-err));
		else
			rs_diag_add(P->d, true, "%s: cannot read: %s", path, strerror(-err));
		free(ident);
		return;
	}
	rs_scn_add_file(P->scn, path);
	P->stack[P->depth].ident = ident;
	P->stack[P->depth].path = rs_xstrdup(path);
	P->depth++;
	rs_parse_buf(P, path, buf, len, cur);
	P->depth--;
	free(P->stack[P->depth].path);
	free(ident);
	free(buf);
}

static void rs_parse_buf(struct rs_parser *P, const char *path, char *buf, size_t len,
			 struct rs_raw_sec *cur)
{
	unsigned int lineno = 0;
	char *line = buf, *end = buf + len;
	bool bad_section = false;	/* keys after a broken header: skip silently */

	if (memchr(buf, '\0', len)) {
		size_t off = (size_t)((char *)memchr(buf, '\0', len) - buf);
		unsigned int l = 1;
		size_t i;

		for (i = 0; i < off; i++)
			l += buf[i] == '\n';
		rs_diag_add(P->d, true, "%s:%u: NUL byte in scenario file", path, l);
		return;
	}
	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line)), *p, *eq, *key, *value, *where;

		if (nl)
			*nl = '\0';
		lineno++;
		where = rs_xasprintf("%s:%u", path, lineno);
		p = line;
		line = nl ? nl + 1 : end;
		if (*p && p[strlen(p) - 1] == '\r')
			p[strlen(p) - 1] = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#' || *p == ';')
			goto next;
		if (*p == '[') {
			struct rs_raw_sec *s = rs_parse_header(P, p, where);

			bad_section = !s;
			cur = s;
			goto next;
		}
		eq = strchr(p, '=');
		if (eq)
			*eq = '\0';
		key = p;
		p = key + strlen(key);
		while (p > key && isspace((unsigned char)p[-1]))
			*--p = '\0';
		if (!rs_valid_key(key)) {
			rs_diag_add(P->d, true, "%s: bad key '%s' (lower-case letters, digits and '_')",
				    where, key);
			goto next;
		}
		if (eq) {
			value = rs_parse_value(P, eq + 1, where, key);
			if (!value)
				goto next;
		} else {
			value = rs_xstrdup("true");	/* a bare key is a true boolean */
		}
		if (!strcmp(key, "include")) {
			char *exp = rs_expand_value(P, value, where, key), *inc;

			free(value);
			if (!exp)
				goto next;
			if (!*exp) {
				rs_diag_add(P->d, true, "%s: 'include' needs a file name", where);
				free(exp);
				goto next;
			}
			inc = rs_join_path(path, exp);
			free(exp);
			rs_parse_file(P, inc, where, cur);
			free(inc);
			goto next;
		}
		if (!cur) {
			if (!bad_section)
				rs_diag_add(P->d, true,
					    "%s: key '%s' outside any section (start with [global])",
					    where, key);
			free(value);
			goto next;
		}
		{
			char *exp = rs_expand_value(P, value, where, key);

			if (exp) {
				size_t i;

				for (i = 0; i < cur->nr; i++) {
					if (!strcmp(cur->kv[i].key, key) && !cur->kv[i].cmdline)
						break;
				}
				if (i < cur->nr) {
					rs_diag_add(P->d, true, "%s: key '%s' set twice in [%s%s%s] (first at %s)",
						    where, key, rs_sec_kind_names[cur->kind],
						    cur->name ? " " : "", cur->name ? cur->name : "",
						    cur->kv[i].where);
					free(exp);
				} else {
					rs_raw_add(cur, key, exp, value, where, false);
				}
			}
			free(value);
		}
next:
		free(where);
	}
}

/* --set section.key=value, --duration, --seed */
static void rs_apply_sets(struct rs_parser *P)
{
	const struct rs_scn_opts *o = P->opts;
	struct rs_raw_sec *cmd_global = NULL;
	size_t i;

	for (i = 0; i < o->nr_sets + 2; i++) {
		const char *set, *dot, *eq;
		char *secname, *key, *value, *where;
		struct rs_raw_sec *r;
		char seedbuf[32];

		if (i < o->nr_sets) {
			set = o->sets[i];
		} else if (i == o->nr_sets && o->duration) {
			set = NULL;
			secname = rs_xstrdup("global");
			key = rs_xstrdup("duration");
			value = rs_xstrdup(o->duration);
			where = rs_xstrdup("--duration");
			goto apply;
		} else if (i == o->nr_sets + 1 && o->seed) {
			snprintf(seedbuf, sizeof(seedbuf), "%llu", (unsigned long long)*o->seed);
			secname = rs_xstrdup("global");
			key = rs_xstrdup("seed");
			value = rs_xstrdup(seedbuf);
			where = rs_xstrdup("--seed");
			goto apply;
		} else {
			continue;
		}
		dot = strchr(set, '.');
		eq = strchr(set, '=');
		if (!dot || !eq || dot > eq || dot == set || eq == dot + 1) {
			rs_diag_add(P->d, true, "--set '%s': expected SECTION.KEY=VALUE (SECTION: a section name or 'global')",
				    set);
			continue;
		}
		secname = rs_xstrndup(set, (size_t)(dot - set));
		key = rs_xstrndup(dot + 1, (size_t)(eq - dot - 1));
		value = rs_xstrdup(eq + 1);
		where = rs_xasprintf("--set %s", set);
apply:
		if (!rs_valid_key(key) || !strcmp(key, "include")) {
			rs_diag_add(P->d, true, "%s: bad key '%s'", where, key);
		} else if (!strcmp(secname, "global")) {
			if (!cmd_global)
				cmd_global = rs_raw_new(P, RS_SEC_GLOBAL, NULL, "command line");
			r = cmd_global;
			goto add;
		} else if (!(r = rs_raw_find(P, secname))) {
			const char **names = rs_xcalloc(P->nr_raw + 1, sizeof(*names));
			const char *dym;
			size_t j, n = 0;

			for (j = 0; j < P->nr_raw; j++)
				if (P->raw[j]->name)
					names[n++] = P->raw[j]->name;
			dym = rs_did_you_mean(secname, names, n);
			if (dym)
				rs_diag_add(P->d, true, "%s: no section '%s'; did you mean '%s'?",
					    where, secname, dym);
			else
				rs_diag_add(P->d, true, "%s: no section '%s'", where, secname);
			free(names);
		} else {
			char *exp;
add:
			exp = rs_expand_value(P, value, where, key);
			if (exp)
				rs_raw_add(r, key, exp, value, where, true);
		}
		free(secname);
		free(key);
		free(value);
		free(where);
	}
}

/* ------------------------------------------------------------------ resolve */

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

static void rs_sec_free(struct rs_section *s)
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
	if (kv->origin == RS_ORIGIN_GLOBAL)
		rs_diag_add(P->d, true, "%s: bad value for '%s' (inherited by [%s %s]): '%s': %s%s",
			    kv->where, kv->key, rs_sec_kind_names[s->kind], s->name, kv->value, why,
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
	const char *why = NULL;

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
				    rs_sec_kind_names[s->kind], s->name, s->plugin->type, opt->key,
				    opt->help ? opt->help : "");
		else
			rs_diag_add(P->d, true, "%s: [%s %s] needs '%s'", s->where,
				    rs_sec_kind_names[s->kind], s->name, opt->key);
	}
	if (kv && rs_opt_parse(opt, kv->value, kv, &why))
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
				    key, rs_sec_kind_names[s->kind], s->name, type ? type : "",
				    hint ? hint : "");
			free(type);
			free(hint);
		}
	}
	free(cands);
}

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
				    r->where, rs_sec_kind_names[r->kind], r->name, r->name,
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
				    kv->where, key, rs_sec_kind_names[s->kind], s->name, w[i],
				    rs_sec_kind_names[t->kind], rs_sec_kind_names[target]);
			continue;
		}
		dym = rs_did_you_mean(w[i], names, nn);
		rs_diag_add(P->d, true, "%s: '%s' of [%s %s] names no %s section '%s'%s%s%s",
			    kv->where, key, rs_sec_kind_names[s->kind], s->name,
			    rs_sec_kind_names[target], w[i], dym ? "; did you mean '" : "",
			    dym ? dym : "", dym ? "'?" : "");
	}
	rs_words_free(w, n);
	free(names);
}

static void rs_set_computed(struct rs_section *g, const char *key, const char *value)
{
	const struct rs_core_opt *c = rs_core_find(RS_SEC_GLOBAL, key);
	struct rs_kv *kv = rs_sec_add(g, &c->opt, value, NULL, "computed", RS_ORIGIN_COMPUTED);
	const char *why;

	rs_opt_parse(&c->opt, value, kv, &why);
}

/* [global] keys in the core table's order, whether set, inherited or computed. */
static int rs_global_order(const void *a, const void *b)
{
	const struct rs_core_opt *c = rs_core_global;
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
		case RS_SEC_EXPORTER:
			kv = rs_sec_kv(s, "count");
			if (kv && kv->v.i < 1)
				rs_diag_add(P->d, true, "%s: 'count' of [exporter %s] must be at least 1",
					    kv->where, s->name);
			break;
		case RS_SEC_IMPORTER:
			rs_check_refs(P, s, "exporters", RS_SEC_EXPORTER);
			break;
		case RS_SEC_TRIGGER:
			rs_check_refs(P, s, "exporters", RS_SEC_EXPORTER);
			/* fall through */
		case RS_SEC_PHASE:
			kv = rs_sec_kv(s, "burst");
			if (kv && kv->v.i < 1)
				rs_diag_add(P->d, true, "%s: 'burst' of [%s %s] must be at least 1",
					    kv->where, rs_sec_kind_names[s->kind], s->name);
			kv = rs_sec_kv(s, "cycles");
			if (kv && kv->v.i < 0)
				rs_diag_add(P->d, true, "%s: 'cycles' of [%s %s] must not be negative",
					    kv->where, rs_sec_kind_names[s->kind], s->name);
			if (s->kind != RS_SEC_PHASE)
				break;
			rs_check_refs(P, s, "triggers", RS_SEC_TRIGGER);
			rs_check_refs(P, s, "loads", RS_SEC_LOAD);
			kv = rs_sec_kv(s, "duration");
			if (kv) {
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
	kv = rs_sec_kv(g, "hang_timeout");
	if (kv && kv->v.u == 0)
		rs_diag_add(P->d, true, "%s: 'hang_timeout' must be more than 0", kv->where);

	kv = rs_sec_kv(g, "duration");
	if (kv) {
		scn->duration_ns = kv->v.u;
		if (nphase && all_timed && phase_total > kv->v.u)
			rs_diag_add(P->d, false,
				    "%s: the phases last %s in all, longer than 'duration'; the run stops at %s",
				    kv->where, rs_fmt_time(phase_total, buf, sizeof(buf)), kv->value);
	} else {
		scn->duration_ns = nphase && all_timed ? phase_total : 30ULL * 1000000000ULL;
		rs_set_computed(g, "duration", rs_fmt_time(scn->duration_ns, buf, sizeof(buf)));
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

static int rs_scn_resolve(struct rs_parser *P)
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
	for (c = rs_core_global; c->opt.key; c++) {
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

static int rs_scn_parse_common(const char *path, const char *text, size_t len,
			       const struct rs_scn_opts *opts, struct rs_scenario **out,
			       struct rs_diag *d)
{
	static const struct rs_scn_opts no_opts;
	struct rs_parser P = { 0 };
	struct rs_scenario *scn = rs_xcalloc(1, sizeof(*scn));
	const char *const *msgs;
	size_t i;
	int err;

	P.opts = opts ? opts : &no_opts;
	P.loader = P.opts->loader ? P.opts->loader : &rs_fs_loader;
	P.d = d;
	P.scn = scn;
	scn->path = rs_xstrdup(path);
	scn->sets = rs_xcalloc(P.opts->nr_sets + 1, sizeof(*scn->sets));
	for (i = 0; i < P.opts->nr_sets; i++)
		scn->sets[scn->nr_sets++] = rs_xstrdup(P.opts->sets[i]);
	{
		size_t n = rs_registry_problems(&msgs);

		for (i = 0; i < n; i++)
			rs_diag_add(d, false, "plugin registry: %s", msgs[i]);
	}
	if (text) {
		char *copy = rs_xstrndup(text, len);

		rs_scn_add_file(scn, path);
		P.stack[0].ident = P.loader->ident ? P.loader->ident(P.loader->arg, path) :
						     rs_xstrdup(path);
		P.stack[0].path = rs_xstrdup(path);
		P.depth = 1;
		rs_parse_buf(&P, path, copy, len, NULL);
		free(P.stack[0].ident);
		free(P.stack[0].path);
		free(copy);
	} else {
		rs_parse_file(&P, path, NULL, NULL);
	}
	rs_apply_sets(&P);
	err = d->nr_errors ? -EINVAL : rs_scn_resolve(&P);
	for (i = 0; i < P.nr_raw; i++)
		rs_raw_free(P.raw[i]);
	free(P.raw);
	if (err) {
		rs_scn_free(scn);
		return err;
	}
	*out = scn;
	return 0;
}

int rs_scn_load(const char *path, const struct rs_scn_opts *opts, struct rs_scenario **out,
		struct rs_diag *d)
{
	return rs_scn_parse_common(path, NULL, 0, opts, out, d);
}

int rs_scn_load_mem(const char *path, const char *text, size_t len, const struct rs_scn_opts *opts,
		    struct rs_scenario **out, struct rs_diag *d)
{
	return rs_scn_parse_common(path, text, len, opts, out, d);
}

void rs_scn_free(struct rs_scenario *scn)
{
	size_t i;

	if (!scn)
		return;
	for (i = 0; i < scn->nr_sec; i++)
		rs_sec_free(scn->sec[i]);
	free(scn->sec);
	rs_sec_free(scn->global);
	for (i = 0; i < scn->nr_files; i++)
		free(scn->files[i]);
	free(scn->files);
	for (i = 0; i < scn->nr_sets; i++)
		free(scn->sets[i]);
	free(scn->sets);
	free(scn->path);
	free(scn->name);
	free(scn);
}

/* ------------------------------------------------------------------ access */

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
	rs_words_free(w, n);
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

/* ------------------------------------------------------------------ dump */

static bool rs_needs_quotes(const char *v)
{
	size_t n = strlen(v);

	if (!n || isspace((unsigned char)v[0]) || isspace((unsigned char)v[n - 1]))
		return true;
	return strpbrk(v, "#;\"\\\n\r") != NULL || v[0] == '"';
}

static void rs_dump_value(const char *v, struct rs_buf_str *b)
{
	bool q = rs_needs_quotes(v);

	if (q)
		rs_str_addc(b, '"');
	for (; *v; v++) {
		if (*v == '$')
			rs_str_addc(b, '$');
		if (q && (*v == '"' || *v == '\\'))
			rs_str_addc(b, '\\');
		rs_str_addc(b, *v);
	}
	if (q)
		rs_str_addc(b, '"');
}

static void rs_dump_section(const struct rs_section *s, FILE *f, bool origins)
{
	size_t i;

	if (s->kind == RS_SEC_GLOBAL)
		fprintf(f, "[global]\n");
	else
		fprintf(f, "\n[%s %s]\n", rs_sec_kind_names[s->kind], s->name);
	for (i = 0; i < s->nr_kv; i++) {
		const struct rs_kv *kv = &s->kv[i];
		struct rs_buf_str b = { 0 };

		rs_str_addf(&b, "%s = ", kv->key);
		rs_dump_value(kv->value, &b);
		if (!origins) {
			fprintf(f, "%s\n", b.s);
			rs_str_free(&b);
			continue;
		}
		while (b.len < 40)
			rs_str_addc(&b, ' ');
		rs_str_addf(&b, " # %s", kv->origin == RS_ORIGIN_SECTION ||
			    kv->origin == RS_ORIGIN_CMDLINE ? kv->where : rs_origin_name(kv->origin));
		if (kv->origin == RS_ORIGIN_GLOBAL)
			rs_str_addf(&b, " (%s)", kv->where);
		if (kv->origin == RS_ORIGIN_COMPUTED && strcmp(kv->where, "computed"))
			rs_str_addf(&b, " (%s)", kv->where);
		if (kv->raw)
			rs_str_addf(&b, ", from %s", kv->raw);
		for (char *p = b.s; *p; p++)	/* a raw value may not break the comment */
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		fprintf(f, "%s\n", b.s);
		rs_str_free(&b);
	}
}

static void rs_dump(const struct rs_scenario *scn, FILE *f, bool origins)
{
	size_t i;

	fprintf(f, "# revokestorm scenario '%s', resolved from", scn->name);
	for (i = 0; i < scn->nr_files; i++)
		fprintf(f, " %s", scn->files[i]);
	fprintf(f, "\n");
	for (i = 0; i < scn->nr_sets; i++)
		fprintf(f, "# --set %s\n", scn->sets[i]);
	if (origins)
		fprintf(f, "# every key with its final value; the comment says where it came from\n");
	rs_dump_section(scn->global, f, origins);
	for (i = 0; i < scn->nr_sec; i++)
		rs_dump_section(scn->sec[i], f, origins);
}

void rs_scn_dump(const struct rs_scenario *scn, FILE *f)
{
	rs_dump(scn, f, false);
}

void rs_scn_dump_origins(const struct rs_scenario *scn, FILE *f)
{
	rs_dump(scn, f, true);
}

/* ------------------------------------------------------------------ option tables */

size_t rs_opt_table_check(enum rs_sec_kind kind, const char *type, const struct rs_opt *opts,
			  char ***msgs)
{
	const struct rs_opt *o, *p;
	char **m = NULL;
	size_t nr = 0, cap = 0, guard = 0;

#define PROBLEM(...) do {						\
		rs_xgrow(&m, &cap, nr, sizeof(*m));			\
		m[nr++] = rs_xasprintf(__VA_ARGS__);			\
	} while (0)

	for (o = opts; o->key; o++) {
		const struct rs_core_opt *c = rs_core_find(kind, o->key);
		struct rs_kv tmp = { 0 };
		const char *why;

		if (++guard > 1000) {
			PROBLEM("%s %s: option table not terminated", rs_sec_kind_name(kind), type);
			break;
		}
		if (!rs_valid_key(o->key) || !strcmp(o->key, "include") || !strcmp(o->key, "type"))
			PROBLEM("%s %s: bad option key '%s'", rs_sec_kind_name(kind), type, o->key);
		if (o->type > RS_OPT_LIST)
			PROBLEM("%s %s: option '%s' has an unknown type", rs_sec_kind_name(kind),
				type, o->key);
		if (o->type == RS_OPT_ENUM && (!o->choices || !*o->choices))
			PROBLEM("%s %s: enum option '%s' has no choices", rs_sec_kind_name(kind),
				type, o->key);
		else if (o->def && o->type <= RS_OPT_LIST && rs_opt_parse(o, o->def, &tmp, &why))
			PROBLEM("%s %s: default of '%s' ('%s') does not parse: %s",
				rs_sec_kind_name(kind), type, o->key, o->def, why);
		if (!o->help || !*o->help)
			PROBLEM("%s %s: option '%s' has no help text", rs_sec_kind_name(kind), type,
				o->key);
		if (c && c->opt.type != o->type)
			PROBLEM("%s %s: option '%s' clashes with the core key of that name (%s, not %s)",
				rs_sec_kind_name(kind), type, o->key, rs_opt_type_name(c->opt.type),
				rs_opt_type_name(o->type));
		for (p = opts; p < o; p++)
			if (!strcmp(p->key, o->key))
				PROBLEM("%s %s: option '%s' declared twice", rs_sec_kind_name(kind),
					type, o->key);
	}
#undef PROBLEM
	*msgs = m;
	return nr;
}
