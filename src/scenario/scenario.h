/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scenario loader's own types and functions, shared by its files (src/scenario/):
 *
 *   options.c   option tables and typed values (rs_options.h; also the registry's)
 *   messages.c  errors and warnings (struct rs_diag)
 *   parse.c     pass 1: lines -> raw sections, includes, ${ENV}, --set
 *   resolve.c   pass 2: types, keys, inheritance, defaults, values, references, checks
 *   load.c      rs_scn_load(): pass 1, then pass 2
 *   access.c    sections and typed values of a resolved scenario
 *   dump.c      the resolved scenario as a scenario file
 */
#ifndef RS_SCENARIO_INT_H
#define RS_SCENARIO_INT_H

#include "rs_scenario.h"

#define RS_MAX_INCLUDE_DEPTH	16
#define RS_MAX_INCLUDES		256	/* files read in all: no exponential include trees */
#define RS_MAX_SECTIONS		4096
#define RS_MAX_VALUE		65536
#define RS_MAX_EXPAND_DEPTH	8

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

/* parse.c */
extern const struct rs_scn_loader rs_fs_loader;
void rs_scn_add_file(struct rs_scenario *scn, const char *path);
/* Read and parse one file (the main file at depth 0, or an include). */
void rs_parse_file(struct rs_parser *P, const char *path, const char *where,
		   struct rs_raw_sec *cur);
void rs_parse_buf(struct rs_parser *P, const char *path, char *buf, size_t len,
		  struct rs_raw_sec *cur);
/* --set section.key=value, --duration, --seed */
void rs_apply_sets(struct rs_parser *P);
void rs_raw_free(struct rs_raw_sec *r);

/* resolve.c */
int rs_scn_resolve(struct rs_parser *P);
void rs_sec_free(struct rs_section *s);

#endif /* RS_SCENARIO_INT_H */
