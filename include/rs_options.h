/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Option handling (src/scenario/options.c): the core's option tables of every section
 * kind, a resolved value (struct rs_kv), parsing a value as its option says, and the
 * check of a plugin's option table.  Used by the scenario resolver and, for the table
 * check at registration, by the registry; it needs neither.
 */
#ifndef RS_OPTIONS_H
#define RS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rs_plugin.h"
#include "rs_registry.h"

#define RS_MAX_NAME		64	/* section names and keys */

enum rs_sec_kind {
	RS_SEC_EXPORTER = RS_KIND_EXPORTER,
	RS_SEC_IMPORTER = RS_KIND_IMPORTER,
	RS_SEC_TRIGGER = RS_KIND_TRIGGER,
	RS_SEC_LOAD = RS_KIND_LOAD,
	RS_SEC_PHASE,
	RS_SEC_GLOBAL,
	RS_SEC_NR,
};

enum rs_origin {
	RS_ORIGIN_DEFAULT,	/* the option table's default */
	RS_ORIGIN_GLOBAL,	/* inherited from [global] */
	RS_ORIGIN_SECTION,	/* set in the section itself */
	RS_ORIGIN_CMDLINE,	/* --set, --duration, --seed */
	RS_ORIGIN_COMPUTED,	/* derived by the core: random seed, run duration, name */
};

/* Core option flags (core tables only; plugin options never carry these). */
#define RS_OPTF_OPTIONAL	(1u << 0)	/* no default: may stay unset */
#define RS_OPTF_NOINHERIT	(1u << 1)	/* never taken from [global] */

struct rs_core_opt {
	struct rs_opt opt;
	unsigned int flags;
};

struct rs_kv {
	char *key;
	char *value;		/* final text (${} expanded) */
	char *raw;		/* as written when it differs from value, else NULL */
	char *where;		/* "file:line", "--set", "default", "computed" */
	enum rs_origin origin;
	const struct rs_opt *opt;
	union {
		int64_t i;	/* INT, ENUM (index into choices) */
		uint64_t u;	/* SIZE (bytes), TIME (ns) */
		bool b;		/* BOOL */
	} v;
};

const char *rs_sec_kind_name(enum rs_sec_kind kind);	/* "exporter", ..., "global" */
const char *rs_origin_name(enum rs_origin o);		/* "default", "global", ... */
const char *rs_opt_type_name(enum rs_opt_type t);	/* "str", "int", "size", ... */

/* The core's own keys of a section kind, terminated by { .opt.key = NULL }. */
const struct rs_core_opt *rs_core_opts(enum rs_sec_kind kind);
/* The core's declaration of key in a section kind, or NULL. */
const struct rs_core_opt *rs_core_find(enum rs_sec_kind kind, const char *key);

/*
 * Check a plugin option table: key syntax, types, defaults that parse, enum choices,
 * duplicates, clashes with core keys.  Returns the number of problems, *msgs malloc'd.
 */
size_t rs_opt_table_check(enum rs_sec_kind kind, const char *type, const struct rs_opt *opts,
			  char ***msgs);

#define RS_WHY_MAX	160

/* Parse a value as opt says, within its range; 0, or -EINVAL/-ERANGE saying why. */
int rs_opt_parse(const struct rs_opt *opt, const char *value, struct rs_kv *out, char *why,
		 size_t len);
/* The values an INT, SIZE or TIME option allows: its table's range, else its type's. */
void rs_opt_range(const struct rs_opt *opt, int64_t *min, int64_t *max);
/* "1..65536", "1ms..8784h": the range a table gives, or "" when it gives none. */
void rs_opt_range_text(const struct rs_opt *opt, char *buf, size_t len);

/* Split a comma-separated list; returns the number of words, *words malloc'd (free each). */
size_t rs_list_split(const char *value, char ***words);
void rs_list_free(char **words, size_t nr);

/* A section name: letters, digits, '_' and '-', at most RS_MAX_NAME. */
bool rs_valid_name(const char *s);
/* A key: lower-case letters, digits and '_', at most RS_MAX_NAME. */
bool rs_valid_key(const char *s);

#endif /* RS_OPTIONS_H */
