// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the scenario parser and resolver on arbitrary bytes.
 *
 * The input is one or more files separated by a line "%%": the first is main.ini, the
 * next f1.ini, f2.ini, ...; includes resolve among them through an in-memory loader (no
 * file system access).  Lines "#set SECTION.KEY=VALUE" of main.ini are also passed as
 * --set overrides.  A scenario that loads must dump to a scenario that loads again and
 * dumps identically (the dump is the repro scenario bundles and minimize rely on).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_scenario.h"
#include "rs_util.h"

#define MAX_FILES	8

struct mem_fs {
	const char *data[MAX_FILES];
	size_t len[MAX_FILES];
	size_t nr;
};

static int mem_read(void *arg, const char *path, char **buf, size_t *len)
{
	struct mem_fs *fs = arg;
	unsigned int i;
	char more;

	if (!strcmp(path, "main.ini"))
		i = 0;
	else if (sscanf(path, "f%u.ini%c", &i, &more) != 1 || path[1] < '1' || path[1] > '9' ||
		 i >= fs->nr || strlen(path) != 6)
		return -2;	/* -ENOENT */
	*buf = rs_xstrndup(fs->data[i], fs->len[i]);
	*len = fs->len[i];
	return 0;
}

static const char *fake_env(const char *name)
{
	if (!strcmp(name, "A"))
		return "1";
	if (!strcmp(name, "DEV"))
		return "0000:00:03.0";
	if (!strcmp(name, "EMPTY"))
		return "";
	return NULL;
}

static char *dump(const struct rs_scenario *scn, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	rs_scn_dump(scn, f);
	fclose(f);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *sets[16];
	struct mem_fs fs = { 0 };
	struct rs_scn_loader loader = { .read = mem_read, .arg = &fs };
	struct rs_scn_opts o = {
		.loader = &loader, .getenv = fake_env, .sets = sets, .default_seed = 1,
	};
	struct rs_scenario *scn = NULL, *again = NULL;
	struct rs_diag d = { 0 };
	char *text1, *text2, *copies[16];
	size_t l1, l2, i, nr_sets = 0;

	/* split into files at "\n%%\n" */
	while (fs.nr < MAX_FILES) {
		const char *sep = NULL, *q;

		for (q = p; q + 4 <= end; q++) {
			if (!memcmp(q, "\n%%\n", 4)) {
				sep = q;
				break;
			}
		}
		fs.data[fs.nr] = p;
		fs.len[fs.nr++] = (size_t)((sep ? sep + 1 : end) - p);
		if (!sep)
			break;
		p = sep + 4;
	}
	/* "#set X.K=V" lines of main.ini */
	for (p = fs.data[0]; p < fs.data[0] + fs.len[0] && nr_sets < 16;) {
		const char *nl = memchr(p, '\n', (size_t)(fs.data[0] + fs.len[0] - p));
		size_t n = (size_t)((nl ? nl : fs.data[0] + fs.len[0]) - p);

		if (n > 5 && !memcmp(p, "#set ", 5) && !memchr(p, '\0', n)) {
			copies[nr_sets] = rs_xstrndup(p + 5, n - 5);
			sets[nr_sets] = copies[nr_sets];
			nr_sets++;
		}
		p += n + 1;
	}
	o.nr_sets = nr_sets;

	if (rs_scn_load("main.ini", &o, &scn, &d) == 0) {
		struct rs_scn_opts o2 = { .default_seed = 1 };
		struct rs_diag d2 = { 0 };

		text1 = dump(scn, &l1);
		if (rs_scn_load_mem("main.ini", text1, l1, &o2, &again, &d2)) {
			rs_diag_print(&d2, stderr);
			fprintf(stderr, "dump does not load again:\n%s\n", text1);
			__builtin_trap();
		}
		text2 = dump(again, &l2);
		if (strcmp(strstr(text1, "\n[global]"), strstr(text2, "\n[global]"))) {
			fprintf(stderr, "dump not stable:\n%s\n---\n%s\n", text1, text2);
			__builtin_trap();
		}
		free(text1);
		free(text2);
		rs_scn_free(again);
		rs_diag_free(&d2);
		rs_scn_free(scn);
	}
	rs_diag_free(&d);
	for (i = 0; i < nr_sets; i++)
		free(copies[i]);
	return 0;
}
