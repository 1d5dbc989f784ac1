// SPDX-License-Identifier: GPL-2.0
/*
 * Loading a scenario: parse (parse.c), then resolve (resolve.c); and freeing one.
 */
#include <errno.h>
#include <stdlib.h>

#include "scenario.h"
#include "rs_util.h"

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
