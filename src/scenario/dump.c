// SPDX-License-Identifier: GPL-2.0
/*
 * The resolved scenario printed back as a scenario file (`revokestorm run
 * --dump`), plainly or with where each value came from.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "rs_scenario.h"
#include "rs_util.h"

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
		fprintf(f, "\n[%s %s]\n", rs_sec_kind_name(s->kind), s->name);
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
