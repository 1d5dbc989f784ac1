// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario parsing, the first pass: lines -> raw sections (kind, name, raw
 * key/values with file:line), following includes and expanding ${ENV}; --set,
 * --duration and --seed overrides are appended last.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"
#include "rs_util.h"

static const char *rs_penv(struct rs_parser *P, const char *name)
{
	return P->opts->getenv ? P->opts->getenv(name) : getenv(name);
}

void rs_scn_add_file(struct rs_scenario *scn, const char *path)
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

void rs_raw_free(struct rs_raw_sec *r)
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
		if (!strcmp(kind, rs_sec_kind_name(k)))
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

const struct rs_scn_loader rs_fs_loader = {
	.read = rs_fs_read,
	.ident = rs_fs_ident,
};

/* Read and parse one file (the main file at depth 0, or an include). */
void rs_parse_file(struct rs_parser *P, const char *path, const char *where,
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

void rs_parse_buf(struct rs_parser *P, const char *path, char *buf, size_t len,
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
						    where, key, rs_sec_kind_name(cur->kind),
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
void rs_apply_sets(struct rs_parser *P)
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
