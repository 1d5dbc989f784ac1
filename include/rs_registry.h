/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The plugin registry seen from the core: every registered plugin of every kind, in one
 * shape, so the scenario parser, `revokestorm list` and the controller need no per-kind
 * code for type lookup and option tables.  Plugins use rs_register_*() (rs_plugin.h).
 */
#ifndef RS_REGISTRY_H
#define RS_REGISTRY_H

#include <stddef.h>

#include "rs_plugin.h"

enum rs_kind {
	RS_KIND_EXPORTER,
	RS_KIND_IMPORTER,
	RS_KIND_TRIGGER,
	RS_KIND_LOAD,
	RS_KIND_NR,
};

struct rs_plugin {
	enum rs_kind kind;
	const char *type;
	const char *help;
	const struct rs_opt *opts;	/* never NULL: an empty table if the plugin has none */
	const void *ops;		/* struct rs_exporter_ops etc. */
};

/* "exporter", "importer", "trigger", "load" */
const char *rs_kind_name(enum rs_kind kind);

/* Plugins of one kind, sorted by type name. */
size_t rs_plugin_count(enum rs_kind kind);
const struct rs_plugin *rs_plugin_at(enum rs_kind kind, size_t i);
const struct rs_plugin *rs_plugin_find(enum rs_kind kind, const char *type);
/* Closest registered type name to a misspelt one, or NULL. */
const char *rs_plugin_suggest(enum rs_kind kind, const char *type);

/*
 * Registration problems: duplicate type names, malformed option tables, keys that clash
 * with core keys.  Checked once, on first call.  Returns the number of messages.
 */
size_t rs_registry_problems(const char *const **msgs);

#endif /* RS_REGISTRY_H */
