/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scenario files: fio-style INI.  See docs/scenario-format.md.
 *
 * rs_scn_load() reads a file (and its includes), expands ${ENV}, applies --set overrides,
 * resolves every section's type through the registry and every key against the core's and
 * the plugin's option tables, and returns a fully resolved scenario: every declared key of
 * every section has its final value, typed, with where it came from.
 */
#ifndef RS_SCENARIO_H
#define RS_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rs_options.h"
#include "rs_plugin.h"
#include "rs_registry.h"

struct rs_section {
	enum rs_sec_kind kind;
	char *name;		/* "global" for the merged [global] */
	char *where;		/* "file:line" of the section header */
	const struct rs_plugin *plugin;	/* NULL for global and phase */
	struct rs_kv *kv;
	size_t nr_kv, cap_kv;
	unsigned int index;	/* position among the sections of its kind */
};

struct rs_scenario {
	char *path;		/* as given */
	char *name;		/* global "name", default: file name without .ini */
	struct rs_section **sec;	/* every non-global section, file order */
	size_t nr_sec, cap_sec;
	struct rs_section *global;	/* all [global] keys merged and resolved */
	char **files;		/* every file read, the main file first */
	size_t nr_files, cap_files;
	char **sets;		/* the --set overrides, as given */
	size_t nr_sets;
	uint64_t seed;
	uint64_t duration_ns;	/* effective run duration */
};

/* Messages (errors and warnings), each "file:line: text". */
struct rs_diag {
	char **msg;
	size_t nr, cap;
	size_t nr_errors;
};

void rs_diag_add(struct rs_diag *d, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void rs_diag_print(const struct rs_diag *d, FILE *f);
void rs_diag_free(struct rs_diag *d);
/* First message containing needle, or NULL. */
const char *rs_diag_find(const struct rs_diag *d, const char *needle);

/* How to read files (the fuzzer and the tests read from memory). */
struct rs_scn_loader {
	/* Read a whole file, NUL-terminated, *len without the NUL; 0 or -errno. */
	int (*read)(void *arg, const char *path, char **buf, size_t *len);
	/* A name that is the same for every path to one file (realpath); NULL: the path. */
	char *(*ident)(void *arg, const char *path);
	void *arg;
};

struct rs_scn_opts {
	const struct rs_scn_loader *loader;	/* NULL: the file system */
	const char *(*getenv)(const char *name);	/* NULL: getenv(3) */
	const char *const *sets;	/* "section.key=value" (section: a name or "global") */
	size_t nr_sets;
	const uint64_t *seed;		/* --seed: overrides the scenario's */
	const char *duration;		/* --duration: overrides the scenario's */
	/* 0: a random seed is drawn when the scenario has none; else use this (tests). */
	uint64_t default_seed;
};

/*
 * Load and resolve.  Returns 0 and *out, or -EINVAL with the reasons in d (also
 * warnings on success), -ENOMEM never (allocation failure aborts).
 */
int rs_scn_load(const char *path, const struct rs_scn_opts *opts, struct rs_scenario **out,
		struct rs_diag *d);
/* The same from a buffer (path names it in messages; includes go through opts->loader). */
int rs_scn_load_mem(const char *path, const char *text, size_t len, const struct rs_scn_opts *opts,
		    struct rs_scenario **out, struct rs_diag *d);
void rs_scn_free(struct rs_scenario *scn);

/*
 * Print the resolved scenario as a scenario file (reloading it gives the same values):
 * plain "key = value" lines, or with a comment after each saying where it came from.
 */
void rs_scn_dump(const struct rs_scenario *scn, FILE *f);
void rs_scn_dump_origins(const struct rs_scenario *scn, FILE *f);

/* Sections of one kind, in file order. */
size_t rs_scn_count(const struct rs_scenario *scn, enum rs_sec_kind kind);
struct rs_section *rs_scn_nth(const struct rs_scenario *scn, enum rs_sec_kind kind, size_t i);
struct rs_section *rs_scn_find(const struct rs_scenario *scn, enum rs_sec_kind kind,
			       const char *name);

/* The kv of key in s, NULL if unset or not declared. */
const struct rs_kv *rs_sec_kv(const struct rs_section *s, const char *key);
bool rs_sec_has(const struct rs_section *s, const char *key);
/*
 * For RS_OPT_LIST keys naming sections (importer/trigger "exporters", phase "triggers",
 * "loads"): is name selected?  An unset key selects everything.
 */
bool rs_sec_list_has(const struct rs_section *s, const char *key, const char *name);

#endif /* RS_SCENARIO_H */
