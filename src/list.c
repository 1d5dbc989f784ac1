// SPDX-License-Identifier: GPL-2.0
/* `revokestorm list`: generated from the registry's ops tables and the core key tables. */
#include <stdio.h>
#include <string.h>

#include "rs_cli.h"
#include "rs_registry.h"
#include "rs_scenario.h"

static const char *rs_opt_default(const struct rs_opt *o, unsigned int flags)
{
	if (o->def)
		return *o->def ? o->def : "\"\"";
	return flags & RS_OPTF_OPTIONAL ? "(unset)" : "(required)";
}

/* A markdown table cell: '|', '<' and '>' escaped. */
static void rs_md_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '|')
			fputs("\\|", f);
		else
			fputc(*s, f);
	}
}

static void rs_list_opt(FILE *f, bool md, const struct rs_opt *o, unsigned int flags)
{
	const char *type = rs_opt_type_name(o->type);
	char range[80];

	rs_opt_range_text(o, range, sizeof(range));
	if (md) {
		fprintf(f, "| `%s` | %s", o->key, type);
		if (o->type == RS_OPT_ENUM) {
			fputs(": ", f);
			rs_md_cell(f, o->choices);
		}
		if (*range)
			fprintf(f, " %s", range);
		fputs(" | ", f);
		rs_md_cell(f, rs_opt_default(o, flags));
		fputs(" | ", f);
		rs_md_cell(f, o->help ? o->help : "");
		fprintf(f, " |\n");
		return;
	}
	fprintf(f, "      %-18s %-5s %-12s %s", o->key, type, rs_opt_default(o, flags),
		o->help ? o->help : "");
	if (o->type == RS_OPT_ENUM)
		fprintf(f, " [%s]", o->choices);
	if (*range)
		fprintf(f, " [%s]", range);
	fprintf(f, "\n");
}

static void rs_list_table_head(FILE *f, bool md)
{
	if (md)
		fprintf(f, "| key | type | default | meaning |\n|---|---|---|---|\n");
}

static void rs_list_plugin(FILE *f, bool md, const struct rs_plugin *p)
{
	char attrs[256] = "";
	const struct rs_opt *o;

	if (p->kind == RS_KIND_EXPORTER) {
		const struct rs_exporter_ops *ops = p->ops;

		snprintf(attrs, sizeof(attrs), "%s%s%s%s%s", ops->revocable ? "revocable" : "not revocable",
			 ops->revoke_waits_unmap ? ", a revoke waits for every unmap" : "",
			 ops->revoke_waits_fences ? ", a revoke waits for the buffer's fences" : "",
			 ops->requires_revocable ? ", refuses non-revocable importers" : "",
			 ops->recover ? ", recovers after a crash" : "");
	} else if (p->kind == RS_KIND_TRIGGER) {
		const struct rs_trigger_ops *ops = p->ops;

		snprintf(attrs, sizeof(attrs), "needs: %s%s", ops->needs ? ops->needs : "nothing",
			 ops->permanent ? "; permanent (buffers are exported and imported again)" : "");
	} else if (p->kind == RS_KIND_IMPORTER) {
		const struct rs_importer_ops *ops = p->ops;

		const struct rs_variant *v;
		size_t n;

		n = (size_t)snprintf(attrs, sizeof(attrs), "%s", ops->traffic ? "has traffic" : "no traffic");
		for (v = ops->variants; v && v->name && n < sizeof(attrs); v++)
			n += (size_t)snprintf(attrs + n, sizeof(attrs) - n, "%s%s%s",
					      v == ops->variants ? "; storm matrix variants: " : ", ",
					      v->name, v->expect == RS_EXPECT_CULPRIT ? " (hangs revokes)" : "");
	}
	if (md) {
		fprintf(f, "#### `%s`\n\n%s%s%s%s\n\n", p->type, p->help, *attrs ? " (" : "", attrs,
			*attrs ? ")" : "");
		if (!p->opts->key) {
			fprintf(f, "No options of its own.\n\n");
			return;
		}
		rs_list_table_head(f, md);
	} else {
		fprintf(f, "  %-20s %s%s%s%s\n", p->type, p->help, *attrs ? " (" : "", attrs,
			*attrs ? ")" : "");
	}
	for (o = p->opts; o->key; o++)
		rs_list_opt(f, md, o, 0);
	if (md)
		fprintf(f, "\n");
}

static void rs_list_core(FILE *f, bool md)
{
	static const enum rs_sec_kind order[] = {
		RS_SEC_GLOBAL, RS_SEC_EXPORTER, RS_SEC_IMPORTER, RS_SEC_TRIGGER, RS_SEC_LOAD,
		RS_SEC_PHASE,
	};
	size_t i;

	fprintf(f, md ? "### Core keys\n\n" : "core keys (every section of the kind):\n");
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const struct rs_core_opt *c = rs_core_opts(order[i]);

		if (md)
			fprintf(f, "#### `[%s%s]`\n\n", rs_sec_kind_name(order[i]),
				order[i] == RS_SEC_GLOBAL ? "" : " NAME");
		else
			fprintf(f, "  [%s%s]\n", rs_sec_kind_name(order[i]),
				order[i] == RS_SEC_GLOBAL ? "" : " NAME");
		if (order[i] != RS_SEC_GLOBAL && order[i] != RS_SEC_PHASE) {
			struct rs_opt type = { "type", RS_OPT_STR, NULL,
					       "plugin type; default: the section name if it is a type" };

			if (md)
				rs_list_table_head(f, md);
			rs_list_opt(f, md, &type, RS_OPTF_OPTIONAL);
		} else if (md && c->opt.key) {
			rs_list_table_head(f, md);
		}
		if (!c->opt.key && order[i] != RS_SEC_LOAD && !md)
			fprintf(f, "      (none)\n");
		for (; c->opt.key; c++)
			rs_list_opt(f, md, &c->opt, c->flags);
		if (md)
			fprintf(f, "\n");
	}
}

void rs_list_print(FILE *f, bool md, const char *kind)
{
	static const char *const titles[RS_KIND_NR] = {
		"Exporters", "Importers", "Triggers", "Loads",
	};
	enum rs_kind k;

	for (k = 0; k < RS_KIND_NR; k++) {
		size_t i, n = rs_plugin_count(k);

		if (kind && strcmp(kind, rs_kind_name(k)))
			continue;
		if (md)
			fprintf(f, "### %s\n\n", titles[k]);
		else
			fprintf(f, "%ss (%s sections, type = ...):\n", rs_kind_name(k), rs_kind_name(k));
		if (!n)
			fprintf(f, md ? "None registered in this build.\n\n" : "  (none in this build)\n");
		for (i = 0; i < n; i++)
			rs_list_plugin(f, md, rs_plugin_at(k, i));
		if (!md)
			fprintf(f, "\n");
	}
	if (!kind || !strcmp(kind, "core"))
		rs_list_core(f, md);
	{
		const char *const *msgs;
		size_t i, n = rs_registry_problems(&msgs);

		for (i = 0; i < n; i++)
			fprintf(stderr, "revokestorm list: plugin registry: %s\n", msgs[i]);
	}
}
