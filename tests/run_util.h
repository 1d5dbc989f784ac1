/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running a scenario given as text in-process (rs_run) from a test, and checking its
 * results.json: shared by the controller unit tests and the VM tests that bring plugins
 * of their own.  Header only; the includer includes the kselftest harness.
 */
#ifndef RS_TESTS_RUN_UTIL_H
#define RS_TESTS_RUN_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_run.h"
#include "rs_scenario.h"
#include "rs_util.h"

struct run_out {
	int code;
	bool stuck;
	char *ktap;
	char *json;
	char dir[256];
	uint64_t elapsed_ns;
};

/*
 * With RS_TEST_OUTPUTS=DIR, keep every run's KTAP and results directory there, for the
 * programs that read them (tests/outputs/run.sh: kunit.py parse, the KCIDB schema).
 */
static inline void keep_outputs(const struct run_out *o)
{
	const char *dir = getenv("RS_TEST_OUTPUTS");
	char *path, *cmd;
	FILE *f;

	if (!dir)
		return;
	path = rs_xasprintf("%s/%s.ktap", dir, strrchr(o->dir, '/') + 1);
	f = fopen(path, "w");
	if (f) {
		fputs(o->ktap, f);
		fclose(f);
	}
	cmd = rs_xasprintf("cp -r '%s' '%s/'", o->dir, dir);
	(void)!system(cmd);
	free(cmd);
	free(path);
}

/*
 * A run's KTAP on f as diagnostics ("# " before each line), so that a harness reading the
 * test's own output does not count the run's points as the test's.
 */
static inline void run_print_ktap(FILE *f, const struct run_out *o)
{
	const char *p = o->ktap ? o->ktap : "";

	while (*p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		fprintf(f, "# %.*s\n", len, p);
		p += len + (nl ? 1 : 0);
	}
}

/* Load text (with base and state_file prepended), run it, collect KTAP and JSON. */
static inline int run_text_base(const char *base, const char *body, struct run_out *o)
{
	char tmpl[] = "/tmp/rs-ctl-XXXXXX", *text, *state, *rf;
	struct rs_scn_opts so = { .default_seed = 7 };
	struct rs_run_opts ro = { 0 };
	struct rs_run_result res;
	struct rs_scenario *scn = NULL;
	struct rs_diag d = { 0 };
	size_t klen = 0, len;
	FILE *kf, *sf;
	uint64_t t0;

	memset(o, 0, sizeof(*o));
	if (!mkdtemp(tmpl))
		return -errno;
	snprintf(o->dir, sizeof(o->dir), "%s", tmpl);
	state = rs_xasprintf("%s/state/state", tmpl);
	text = rs_xasprintf("%sstate_file = %s\n%s", base, state, body);
	if (rs_scn_load_mem("test.ini", text, strlen(text), &so, &scn, &d)) {
		rs_diag_print(&d, stderr);
		rs_diag_free(&d);
		free(text);
		free(state);
		return -EINVAL;
	}
	rs_diag_free(&d);
	kf = open_memstream(&o->ktap, &klen);
	sf = fopen("/dev/null", "w");
	ro.results_dir = o->dir;
	ro.ktap = kf;
	ro.status = getenv("RS_TEST_VERBOSE") ? stderr : sf;
	t0 = rs_now_ns();
	o->code = rs_run(scn, &ro, &res);
	o->elapsed_ns = rs_now_ns() - t0;
	o->stuck = res.stuck;
	fclose(kf);
	fclose(sf);
	if (getenv("RS_TEST_VERBOSE"))
		run_print_ktap(stderr, o);
	rf = rs_xasprintf("%s/results.json", o->dir);
	if (rs_read_file(rf, &o->json, &len, 0))
		o->json = rs_xstrdup("");
	free(rf);
	keep_outputs(o);
	if (!res.stuck)
		rs_scn_free(scn);
	free(text);
	free(state);
	return 0;
}

static inline void run_free(struct run_out *o)
{
	char *cmd = rs_xasprintf("rm -rf '%s'", o->dir);

	(void)!system(cmd);
	free(cmd);
	free(o->ktap);
	free(o->json);
}

/* Checks of results.json */
#define JSON_HAS(json, key, value)	json_has(json, key, value)
#define JSON_LACKS(json, key, value)	(!json_has(json, key, value))
#define JSON_STR(json, s)		strstr(json, s)

/* Does the JSON text have "key": value (whitespace-insensitive)? value is literal JSON. */
static inline bool json_has(const char *json, const char *key, const char *value)
{
	char *k = rs_xasprintf("\"%s\"", key);
	const char *p = json;
	bool found = false;

	while (!found && (p = strstr(p, k))) {
		const char *v = p + strlen(k);

		while (*v == ' ' || *v == '\n' || *v == '\t')
			v++;
		if (*v++ == ':') {
			while (*v == ' ' || *v == '\n' || *v == '\t')
				v++;
			found = !strncmp(v, value, strlen(value));
		}
		p += strlen(k);
	}
	free(k);
	return found;
}

#endif /* RS_TESTS_RUN_UTIL_H */
