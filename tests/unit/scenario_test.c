// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario files: units, resolution and origins, [global] inheritance, ${ENV}, includes
 * and cycles, --set, did-you-mean, the dump round trip, the registry's option checks, and
 * a corpus of malformed files (tests/unit/scenarios/bad/NAME.ini), each starting with
 * "# expect: <message substring>".
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rs_registry.h"
#include "rs_scenario.h"
#include "rs_units.h"
#include "rs_util.h"
#include "unit/test_plugins.h"

static const char *fake_env(const char *name)
{
	if (!strcmp(name, "RS_DEV"))
		return "0000:01:00.0";
	if (!strcmp(name, "RS_EMPTY"))
		return "";
	if (!strcmp(name, "RS_DOLLAR"))
		return "a$b";
	return NULL;
}

static struct rs_scenario *load(const char *text, struct rs_diag *d, const char *const *sets,
				size_t nr_sets)
{
	struct rs_scn_opts o = {
		.getenv = fake_env, .sets = sets, .nr_sets = nr_sets, .default_seed = 99,
	};
	struct rs_scenario *scn = NULL;

	memset(d, 0, sizeof(*d));
	if (rs_scn_load_mem("mem.ini", text, strlen(text), &o, &scn, d))
		return NULL;
	return scn;
}

/* Load text that must fail; the first message must contain needle. */
static bool fails_with(const char *text, const char *needle)
{
	struct rs_diag d;
	struct rs_scenario *scn = load(text, &d, NULL, 0);
	bool ok = !scn && rs_diag_find(&d, needle);

	if (!ok) {
		fprintf(stderr, "# expected an error containing: %s\n# got:\n", needle);
		rs_diag_print(&d, stderr);
	}
	rs_scn_free(scn);
	rs_diag_free(&d);
	return ok;
}

TEST(units)
{
	uint64_t v;
	int64_t i;
	bool b;
	const char *why;
	char buf[32];

	EXPECT_EQ(0, rs_parse_time_ns("1.5s", &v, &why));
	EXPECT_EQ(1500000000ULL, v);
	EXPECT_EQ(0, rs_parse_time_ns("250us", &v, &why));
	EXPECT_EQ(250000ULL, v);
	EXPECT_EQ(-EINVAL, rs_parse_time_ns("100", &v, &why));	/* no unit: refused */
	EXPECT_TRUE(why == rs_why_time_unit);
	EXPECT_EQ(0, rs_parse_time_ns("0", &v, &why));		/* but 0 is 0 */
	EXPECT_EQ(0, v);
	EXPECT_EQ(0, rs_parse_time_ns("2m", &v, &why));
	EXPECT_EQ(120000000000ULL, v);
	EXPECT_EQ(0, rs_parse_time_ns("1h", &v, &why));
	EXPECT_EQ(3600000000000ULL, v);
	EXPECT_EQ(0, rs_parse_time_ns("7ns", &v, &why));
	EXPECT_EQ(7ULL, v);
	EXPECT_EQ(0, rs_parse_time_ns(" 20 s ", &v, &why));
	EXPECT_EQ(20000000000ULL, v);
	EXPECT_EQ(-EINVAL, rs_parse_time_ns("5 parsecs", &v, &why));
	EXPECT_EQ(-EINVAL, rs_parse_time_ns("-1s", &v, &why));
	EXPECT_EQ(-EINVAL, rs_parse_time_ns("s", &v, &why));
	EXPECT_EQ(-ERANGE, rs_parse_time_ns("99999999999999999999h", &v, &why));
	EXPECT_EQ(-ERANGE, rs_parse_time_ns("10000000h", &v, &why));

	EXPECT_EQ(0, rs_parse_size("4K", &v, &why));
	EXPECT_EQ(4096ULL, v);
	EXPECT_EQ(0, rs_parse_size("4KiB", &v, &why));
	EXPECT_EQ(4096ULL, v);
	EXPECT_EQ(0, rs_parse_size("1.5M", &v, &why));
	EXPECT_EQ(1572864ULL, v);
	EXPECT_EQ(0, rs_parse_size("2GiB", &v, &why));
	EXPECT_EQ(2147483648ULL, v);
	EXPECT_EQ(0, rs_parse_size("64mib", &v, &why));
	EXPECT_EQ(67108864ULL, v);
	EXPECT_EQ(0, rs_parse_size("123", &v, &why));
	EXPECT_EQ(123ULL, v);
	EXPECT_EQ(0, rs_parse_size("8B", &v, &why));
	EXPECT_EQ(8ULL, v);
	EXPECT_EQ(-EINVAL, rs_parse_size("4KB", &v, &why));
	EXPECT_EQ(-EINVAL, rs_parse_size("", &v, &why));

	EXPECT_EQ(0, rs_parse_int("0x10", &i, &why));
	EXPECT_EQ(16, i);
	EXPECT_EQ(0, rs_parse_int("-3", &i, &why));
	EXPECT_EQ(-3, i);
	EXPECT_EQ(-EINVAL, rs_parse_int("3x", &i, &why));
	EXPECT_EQ(-ERANGE, rs_parse_int("99999999999999999999", &i, &why));
	EXPECT_EQ(0, rs_parse_bool("Yes", &b, &why));
	EXPECT_TRUE(b);
	EXPECT_EQ(0, rs_parse_bool("off", &b, &why));
	EXPECT_FALSE(b);
	EXPECT_EQ(-EINVAL, rs_parse_bool("2", &b, &why));

	EXPECT_STREQ("1.5ms", rs_fmt_time(1500000, buf, sizeof(buf)));
	EXPECT_STREQ("20s", rs_fmt_time(20000000000ULL, buf, sizeof(buf)));
	/* what is left of an hour's phase: a number, not 3.6e+03s */
	EXPECT_STREQ("3600s", rs_fmt_time(3599999000000ULL, buf, sizeof(buf)));
	EXPECT_STREQ("1235s", rs_fmt_time(1234567000000ULL, buf, sizeof(buf)));
	EXPECT_STREQ("64MiB", rs_fmt_size(64 << 20, buf, sizeof(buf)));
}

TEST(resolve_and_origins)
{
	static const char *text =
		"# comment\n"
		"; another comment\n"
		"[global]\n"
		"duration = 5s\n"
		"size = 8K          # every exporter that has 'size'\n"
		"interval = 20ms\n"
		"\n"
		"[exporter e0]\n"
		"type = t-exp\n"
		"count = 3\n"
		"mode = b\n"
		"names = p, q ,r\n"
		"skip_open\n"
		"[exporter t-exp]\n"
		"size = \"16 K\" ; quoted\n"
		"[trigger t1]\n"
		"type = t-trig\n"
		"exporters = e0\n"
		"[trigger t2]\n"
		"type = t-trig\n"
		"interval = 1ms\n";
	const struct rs_section *e0, *e1, *t1, *t2;
	const struct rs_kv *kv;
	struct rs_diag d;
	struct rs_scenario *scn = load(text, &d, NULL, 0);

	ASSERT_NE(NULL, scn);
	EXPECT_EQ(0, d.nr_errors);
	EXPECT_STREQ("mem", scn->name);
	EXPECT_EQ(99, scn->seed);
	EXPECT_EQ(5000000000ULL, scn->duration_ns);
	e0 = rs_scn_find(scn, RS_SEC_EXPORTER, "e0");
	e1 = rs_scn_find(scn, RS_SEC_EXPORTER, "t-exp");	/* type from the name */
	t1 = rs_scn_find(scn, RS_SEC_TRIGGER, "t1");
	t2 = rs_scn_find(scn, RS_SEC_TRIGGER, "t2");
	ASSERT_NE(NULL, e0);
	ASSERT_NE(NULL, e1);
	EXPECT_STREQ("t-exp", e1->plugin->type);
	EXPECT_EQ(3, rs_sec_int(e0, "count"));
	EXPECT_EQ(1, rs_sec_int(e1, "count"));
	EXPECT_EQ(8192ULL, rs_sec_size(e0, "size"));
	EXPECT_EQ(16384ULL, rs_sec_size(e1, "size"));
	EXPECT_TRUE(rs_sec_bool(e0, "skip_open"));
	EXPECT_FALSE(rs_sec_bool(e1, "skip_open"));
	EXPECT_EQ(1, rs_sec_int(e0, "mode"));		/* enum index */
	EXPECT_EQ(1000000ULL, rs_sec_time_ns(e0, "pause"));
	EXPECT_EQ(20000000ULL, rs_sec_time_ns(t1, "interval"));
	EXPECT_EQ(1000000ULL, rs_sec_time_ns(t2, "interval"));
	EXPECT_STREQ("e0", rs_sec_name(e0));

	kv = rs_sec_kv(e0, "size");
	EXPECT_EQ(RS_ORIGIN_GLOBAL, kv->origin);
	EXPECT_STREQ("mem.ini:5", kv->where);
	EXPECT_STREQ("mem.ini:5", rs_sec_where(e0, "size"));
	kv = rs_sec_kv(e0, "count");
	EXPECT_EQ(RS_ORIGIN_SECTION, kv->origin);
	EXPECT_STREQ("mem.ini:10", kv->where);
	kv = rs_sec_kv(e0, "level");
	EXPECT_EQ(RS_ORIGIN_DEFAULT, kv->origin);
	EXPECT_STREQ("mem.ini:8", rs_sec_where(e0, "level"));	/* defaults: the header */
	EXPECT_EQ(RS_ORIGIN_COMPUTED, rs_sec_kv(scn->global, "seed")->origin);

	EXPECT_TRUE(rs_sec_list_has(t1, "exporters", "e0"));
	EXPECT_FALSE(rs_sec_list_has(t1, "exporters", "t-exp"));
	EXPECT_TRUE(rs_sec_list_has(t2, "exporters", "t-exp"));	/* unset: all */
	EXPECT_EQ(2, rs_scn_count(scn, RS_SEC_EXPORTER));
	EXPECT_EQ(0, rs_scn_count(scn, RS_SEC_PHASE));
	EXPECT_EQ(1, rs_scn_nth(scn, RS_SEC_EXPORTER, 1)->index);
	/* an undeclared key: NULL/0, and a message (not a crash) */
	EXPECT_EQ(NULL, rs_sec_str(e0, "no_such_key"));
	rs_scn_free(scn);
	rs_diag_free(&d);
}

TEST(env_expansion)
{
	static const char *text =
		"[exporter e0]\n"
		"type = t-exp\n"
		"device = ${RS_DEV}\n"
		"[exporter e1]\n"
		"type = t-exp\n"
		"device = ${RS_NOPE:-0000:00:03.0}\n"
		"[exporter e2]\n"
		"type = t-exp\n"
		"device = ${RS_EMPTY:-${RS_DEV}}-$$x-${RS_DOLLAR}\n"
		"[exporter e3]\n"
		"type = t-exp\n"
		"device = n$ncpus\n"
		"level = $ncpus\n";
	const struct rs_kv *kv;
	struct rs_diag d;
	struct rs_scenario *scn = load(text, &d, NULL, 0);
	char ncpus[32];

	ASSERT_NE(NULL, scn);
	EXPECT_STREQ("0000:01:00.0", rs_sec_str(rs_scn_find(scn, RS_SEC_EXPORTER, "e0"), "device"));
	EXPECT_STREQ("0000:00:03.0", rs_sec_str(rs_scn_find(scn, RS_SEC_EXPORTER, "e1"), "device"));
	EXPECT_STREQ("0000:01:00.0-$x-a$b",
		     rs_sec_str(rs_scn_find(scn, RS_SEC_EXPORTER, "e2"), "device"));
	snprintf(ncpus, sizeof(ncpus), "n%ld", sysconf(_SC_NPROCESSORS_ONLN));
	EXPECT_STREQ(ncpus, rs_sec_str(rs_scn_find(scn, RS_SEC_EXPORTER, "e3"), "device"));
	EXPECT_EQ(sysconf(_SC_NPROCESSORS_ONLN),
		  rs_sec_int(rs_scn_find(scn, RS_SEC_EXPORTER, "e3"), "level"));
	kv = rs_sec_kv(rs_scn_find(scn, RS_SEC_EXPORTER, "e1"), "device");
	EXPECT_STREQ("${RS_NOPE:-0000:00:03.0}", kv->raw);
	rs_scn_free(scn);
	rs_diag_free(&d);

	EXPECT_TRUE(fails_with("[exporter e0]\ntype = t-exp\ndevice = ${RS_UNSET_X}\n",
			       "mem.ini:3: 'device': environment variable 'RS_UNSET_X' is not set"));
	EXPECT_TRUE(fails_with("[exporter e0]\ntype = t-exp\ndevice = ${A:-${B:-${C:-${D:-${E:-${F:-${G:-${H:-${I:-${J:-x}}}}}}}}}}\n",
			       "nested too deep"));
}

static char *mkfile(const char *dir, const char *name, const char *text)
{
	char *p = rs_xasprintf("%s/%s", dir, name), *slash = strrchr(p, '/');

	*slash = '\0';
	rs_mkdir_p(p, 0755);
	*slash = '/';
	rs_write_file_atomic(p, text, strlen(text));
	return p;
}

TEST(includes)
{
	char tmpl[] = "/tmp/rs-scn-XXXXXX", *main, *cmd;
	struct rs_scenario *scn = NULL;
	struct rs_scn_opts o = { .default_seed = 1 };
	struct rs_diag d = { 0 };
	const struct rs_section *e0;

	ASSERT_NE(NULL, mkdtemp(tmpl));
	mkfile(tmpl, "common/devices.ini",
	       "[exporter e0]\ntype = t-exp\ninclude = ../more/keys.inc\n[exporter e1]\ntype = t-exp\n");
	mkfile(tmpl, "more/keys.inc", "count = 4\nlevel = 7\n");
	main = mkfile(tmpl, "main.ini",
		      "[global]\nduration = 1s\n"
		      "include = common/devices.ini\n"
		      "mode = c\n"		/* still [global]: includes do not change the section */
		      "[trigger t1]\ntype = t-trig\n");
	ASSERT_EQ(0, rs_scn_load(main, &o, &scn, &d));
	rs_diag_print(&d, stderr);
	e0 = rs_scn_find(scn, RS_SEC_EXPORTER, "e0");
	ASSERT_NE(NULL, e0);
	EXPECT_EQ(4, rs_sec_int(e0, "count"));
	EXPECT_EQ(7, rs_sec_int(e0, "level"));
	EXPECT_EQ(2, rs_sec_int(e0, "mode"));
	EXPECT_NE(NULL, strstr(rs_sec_kv(e0, "count")->where, "common/../more/keys.inc:1"));
	EXPECT_EQ(3, scn->nr_files);
	rs_scn_free(scn);
	rs_diag_free(&d);

	/* a cycle through two files names the whole chain */
	mkfile(tmpl, "a.ini", "include = b.ini\n");
	mkfile(tmpl, "b.ini", "include = ./a.ini\n[exporter e0]\ntype = t-exp\n");
	cmd = rs_xasprintf("%s/a.ini", tmpl);
	EXPECT_NE(0, rs_scn_load(cmd, &o, &scn, &d));
	EXPECT_NE(NULL, rs_diag_find(&d, "b.ini:1: include cycle:"));
	EXPECT_NE(NULL, rs_diag_find(&d, "a.ini -> "));
	rs_diag_free(&d);
	free(cmd);

	/* self-include */
	mkfile(tmpl, "self.ini", "[exporter e0]\ntype = t-exp\ninclude = self.ini\n");
	cmd = rs_xasprintf("%s/self.ini", tmpl);
	EXPECT_NE(0, rs_scn_load(cmd, &o, &scn, &d));
	EXPECT_NE(NULL, rs_diag_find(&d, "self.ini:3: include cycle:"));
	rs_diag_free(&d);
	free(cmd);

	/* a missing main file */
	cmd = rs_xasprintf("%s/none.ini", tmpl);
	EXPECT_NE(0, rs_scn_load(cmd, &o, &scn, &d));
	EXPECT_NE(NULL, rs_diag_find(&d, "none.ini: cannot read: No such file or directory"));
	rs_diag_free(&d);
	free(cmd);

	free(main);
	cmd = rs_xasprintf("rm -rf '%s'", tmpl);
	(void)!system(cmd);
	free(cmd);
}

TEST(cmdline_sets)
{
	static const char *text =
		"[global]\nduration = 5s\n"
		"[exporter e0]\ntype = t-exp\ncount = 2\n"
		"[trigger t1]\ntype = t-trig\n";
	static const char *const sets[] = {
		"e0.count=6", "global.duration=2s", "t1.interval=3ms", "global.size=1M",
	};
	const struct rs_kv *kv;
	struct rs_diag d;
	struct rs_scenario *scn = load(text, &d, sets, 4);

	ASSERT_NE(NULL, scn);
	kv = rs_sec_kv(rs_scn_find(scn, RS_SEC_EXPORTER, "e0"), "count");
	EXPECT_EQ(6, kv->v.i);
	EXPECT_EQ(RS_ORIGIN_CMDLINE, kv->origin);
	EXPECT_STREQ("--set e0.count=6", kv->where);
	EXPECT_EQ(2000000000ULL, scn->duration_ns);
	EXPECT_EQ(3000000ULL, rs_sec_time_ns(rs_scn_find(scn, RS_SEC_TRIGGER, "t1"), "interval"));
	kv = rs_sec_kv(rs_scn_find(scn, RS_SEC_EXPORTER, "e0"), "size");
	EXPECT_EQ(1048576ULL, kv->v.u);
	EXPECT_EQ(RS_ORIGIN_CMDLINE, kv->origin);
	rs_scn_free(scn);
	rs_diag_free(&d);

	{
		static const char *const bad1[] = { "e1.count=2" };
		static const char *const bad2[] = { "count=2" };
		static const char *const bad3[] = { "e0.cont=2" };
		static const char *const bad4[] = { "e0.count=two" };

		scn = load(text, &d, bad1, 1);
		EXPECT_EQ(NULL, scn);
		EXPECT_NE(NULL, rs_diag_find(&d, "--set e1.count=2: no section 'e1'; did you mean 'e0'?"));
		rs_diag_free(&d);
		scn = load(text, &d, bad2, 1);
		EXPECT_NE(NULL, rs_diag_find(&d, "--set 'count=2': expected SECTION.KEY=VALUE"));
		rs_diag_free(&d);
		scn = load(text, &d, bad3, 1);
		EXPECT_NE(NULL, rs_diag_find(&d, "--set e0.cont=2: unknown key 'cont' in [exporter e0] (type t-exp); did you mean 'count'?"));
		rs_diag_free(&d);
		scn = load(text, &d, bad4, 1);
		EXPECT_NE(NULL, rs_diag_find(&d, "--set e0.count=two: bad value for 'count': 'two'"));
		rs_diag_free(&d);
	}
}

TEST(phases_and_duration)
{
	struct rs_diag d;
	struct rs_scenario *scn;

	scn = load("[exporter e0]\ntype = t-exp\n[trigger t1]\ntype = t-trig\n"
		   "[phase a]\nduration = 2s\ntriggers =\n[phase b]\nduration = 3s\ninterval = 1ms\n",
		   &d, NULL, 0);
	ASSERT_NE(NULL, scn);
	EXPECT_EQ(5000000000ULL, scn->duration_ns);	/* the sum of the phases */
	EXPECT_EQ(RS_ORIGIN_COMPUTED, rs_sec_kv(scn->global, "duration")->origin);
	/* phase timing keys do not come from [global] and stay unset unless given */
	EXPECT_FALSE(rs_sec_has(rs_scn_find(scn, RS_SEC_PHASE, "a"), "interval"));
	EXPECT_TRUE(rs_sec_has(rs_scn_find(scn, RS_SEC_PHASE, "b"), "interval"));
	EXPECT_FALSE(rs_sec_list_has(rs_scn_find(scn, RS_SEC_PHASE, "a"), "triggers", "t1"));
	rs_scn_free(scn);
	rs_diag_free(&d);

	/* no phases, no duration: 30 s */
	scn = load("[exporter e0]\ntype = t-exp\n", &d, NULL, 0);
	ASSERT_NE(NULL, scn);
	EXPECT_EQ(30000000000ULL, scn->duration_ns);
	rs_scn_free(scn);
	rs_diag_free(&d);

	/* phases longer than the duration: a warning */
	scn = load("[global]\nduration = 1s\n[exporter e0]\ntype = t-exp\n[phase a]\nduration = 2s\n",
		   &d, NULL, 0);
	ASSERT_NE(NULL, scn);
	EXPECT_NE(NULL, rs_diag_find(&d, "warning: mem.ini:2: the phases last 2s in all"));
	rs_scn_free(scn);
	rs_diag_free(&d);

	/* an unused [global] plugin key: a warning */
	scn = load("[global]\nblock = true\n[exporter e0]\ntype = t-exp\n", &d, NULL, 0);
	ASSERT_NE(NULL, scn);
	EXPECT_NE(NULL, rs_diag_find(&d, "warning: mem.ini:2: [global] key 'block' is not used by any section"));
	rs_scn_free(scn);
	rs_diag_free(&d);
}

TEST(dump_round_trip)
{
	static const char *text =
		"[global]\nduration = 2s\nseed = 5\n"
		"[exporter e0]\ntype = t-exp\ndevice = \"has # and ; and \\\"quotes\\\"\"\n"
		"[exporter e1]\ntype = t-exp\ndevice = ${RS_DOLLAR}\n"
		"[importer i0]\ntype = t-imp\nexporters = e0\n"
		"[trigger t1]\ntype = t-trig\ntiming = burst\n"
		"[phase p]\nduration = 1s\n";
	struct rs_diag d;
	struct rs_scenario *a = load(text, &d, NULL, 0), *b;
	char *t1 = NULL, *t2 = NULL, *t3 = NULL;
	size_t l1, l2, l3;
	FILE *f;

	ASSERT_NE(NULL, a);
	rs_diag_free(&d);
	f = open_memstream(&t1, &l1);
	rs_scn_dump(a, f);
	fclose(f);
	b = load(t1, &d, NULL, 0);
	if (!b)
		rs_diag_print(&d, stderr);
	ASSERT_NE(NULL, b);
	rs_diag_free(&d);
	f = open_memstream(&t2, &l2);
	rs_scn_dump(b, f);
	fclose(f);
	/* the header names the file it came from; the rest must be identical */
	EXPECT_STREQ(strchr(t1, '\n'), strchr(t2, '\n'));
	EXPECT_STREQ("has # and ; and \"quotes\"",
		     rs_sec_str(rs_scn_find(b, RS_SEC_EXPORTER, "e0"), "device"));
	EXPECT_STREQ("a$b", rs_sec_str(rs_scn_find(b, RS_SEC_EXPORTER, "e1"), "device"));
	EXPECT_EQ(5, b->seed);
	/* the annotated form says where things came from */
	f = open_memstream(&t3, &l3);
	rs_scn_dump_origins(a, f);
	fclose(f);
	EXPECT_NE(NULL, strstr(t3, "# mem.ini:9, from ${RS_DOLLAR}"));
	EXPECT_NE(NULL, strstr(t3, "# default"));
	rs_scn_free(a);
	rs_scn_free(b);
	free(t1);
	free(t2);
	free(t3);
}

TEST(registry)
{
	static const struct rs_opt bad[] = {
		{ "Bad-Key", RS_OPT_STR, "", "x" },
		{ "timeout", RS_OPT_TIME, "soon", "x" },
		{ "choice", RS_OPT_ENUM, "a", "x", NULL },
		{ "dup", RS_OPT_INT, "1", "x" },
		{ "dup", RS_OPT_INT, "1", "" },
		{ "count", RS_OPT_STR, "1", "clashes with the core key" },
		{ .key = NULL },
	};
	const char *const *msgs;
	char **m = NULL;
	size_t n, i;

	EXPECT_NE(NULL, rs_find_exporter("t-exp"));
	EXPECT_NE(NULL, rs_find_importer("t-imp"));
	EXPECT_NE(NULL, rs_find_trigger("t-trig"));
	EXPECT_NE(NULL, rs_find_load("t-load"));
	EXPECT_EQ(NULL, rs_find_trigger("t-exp"));
	EXPECT_STREQ("t-trig", rs_plugin_suggest(RS_KIND_TRIGGER, "t-trg"));
	/* every plugin built in, test doubles included, has a clean option table */
	n = rs_registry_problems(&msgs);
	for (i = 0; i < n; i++)
		fprintf(stderr, "# registry: %s\n", msgs[i]);
	EXPECT_EQ(0, n);
	for (i = 1; i < rs_plugin_count(RS_KIND_EXPORTER); i++)
		EXPECT_LT(strcmp(rs_plugin_at(RS_KIND_EXPORTER, i - 1)->type,
				 rs_plugin_at(RS_KIND_EXPORTER, i)->type), 0);

	n = rs_opt_table_check(RS_SEC_EXPORTER, "bad", bad, &m);
	EXPECT_EQ(6, n);
	for (i = 0; i < n; i++)
		free(m[i]);
	free(m);
}

TEST(nul_and_crlf)
{
	static const char crlf[] = "[exporter e0]\r\ntype = t-exp\r\ncount = 2\r\n";
	static const char nul[] = "[exporter e0]\ntype = t-exp\n\0count = 2\n";
	struct rs_scn_opts o = { .default_seed = 1 };
	struct rs_scenario *scn = NULL;
	struct rs_diag d = { 0 };

	ASSERT_EQ(0, rs_scn_load_mem("crlf.ini", crlf, sizeof(crlf) - 1, &o, &scn, &d));
	EXPECT_EQ(2, rs_sec_int(rs_scn_find(scn, RS_SEC_EXPORTER, "e0"), "count"));
	rs_scn_free(scn);
	rs_diag_free(&d);
	EXPECT_NE(0, rs_scn_load_mem("nul.ini", nul, sizeof(nul) - 1, &o, &scn, &d));
	EXPECT_NE(NULL, rs_diag_find(&d, "nul.ini:3: NUL byte in scenario file"));
	rs_diag_free(&d);
}

/* The *.ini files of a directory given relative to this source file, sorted. */
static size_t ini_files(const char *rel, char ***out)
{
	char *dir = rs_xstrdup(__FILE__), *slash = strrchr(dir, '/'), **v = NULL;
	size_t nr = 0, cap = 0;
	struct dirent **de;
	int n, i;

	if (slash)
		slash[1] = '\0';
	else
		dir[0] = '\0';
	slash = rs_xasprintf("%s%s", dir, rel);
	n = scandir(slash, &de, NULL, alphasort);
	for (i = 0; i < n; i++) {
		size_t l = strlen(de[i]->d_name);

		if (l > 4 && !strcmp(de[i]->d_name + l - 4, ".ini")) {
			rs_xgrow(&v, &cap, nr, sizeof(*v));
			v[nr++] = rs_xasprintf("%s/%s", slash, de[i]->d_name);
		}
		free(de[i]);
	}
	if (n >= 0)
		free(de);
	free(slash);
	free(dir);
	*out = v;
	return nr;
}

/* Every file in scenarios/bad must fail with the message its first line expects. */
TEST(bad_corpus)
{
	char **paths;
	size_t nr = ini_files("scenarios/bad", &paths), f;

	EXPECT_GE(nr, 40);
	for (f = 0; f < nr; f++) {
		struct rs_scn_opts o = { .default_seed = 1 };
		struct rs_scenario *scn = NULL;
		struct rs_diag d = { 0 };
		const char *path = paths[f], *expect;
		char *text, *nl;
		size_t len;
		int err;

		ASSERT_EQ(0, rs_read_file(path, &text, &len, 0));
		ASSERT_EQ(0, strncmp(text, "# expect: ", 10)) {
			TH_LOG("%s: first line must be '# expect: <message>'", path);
		}
		nl = strchr(text, '\n');
		*nl = '\0';
		expect = text + 10;
		err = rs_scn_load(path, &o, &scn, &d);
		EXPECT_NE(0, err) {
			TH_LOG("%s: loaded, but should fail with: %s", path, expect);
		}
		EXPECT_NE(NULL, rs_diag_find(&d, expect)) {
			size_t i;

			TH_LOG("%s: no message contains: %s", path, expect);
			for (i = 0; i < d.nr; i++)
				TH_LOG("  got: %s", d.msg[i]);
		}
		rs_scn_free(scn);
		rs_diag_free(&d);
		free(text);
		free(paths[f]);
	}
	free(paths);
}

/* Every scenario of the library loads with the plugins built in (devices from defaults). */
TEST(scenario_library)
{
	char **paths;
	size_t nr = ini_files("../../scenarios", &paths), f;

	EXPECT_GE(nr, 15);
	for (f = 0; f < nr; f++) {
		struct rs_scn_opts o = { .default_seed = 1 };
		struct rs_scenario *scn = NULL;
		struct rs_diag d = { 0 };

		EXPECT_EQ(0, rs_scn_load(paths[f], &o, &scn, &d)) {
			size_t i;

			for (i = 0; i < d.nr; i++)
				TH_LOG("%s", d.msg[i]);
		}
		EXPECT_EQ(0, d.nr) {
			TH_LOG("%s: warnings", paths[f]);
		}
		rs_scn_free(scn);
		rs_diag_free(&d);
		free(paths[f]);
	}
	free(paths);
}

static struct rs_scenario *load_text(const char *text, struct rs_diag *d)
{
	struct rs_scn_opts o = { .default_seed = 1 };
	struct rs_scenario *scn = NULL;

	if (rs_scn_load_mem("v.ini", text, strlen(text), &o, &scn, d))
		return NULL;
	return scn;
}

/*
 * Issue 9, item 5: values with ranges.  A count that wrapped to 0 buffers, a bare number
 * read as milliseconds, a duration of centuries: errors naming file:line; values in
 * range load, and an enum reads as its index.
 */
TEST(values_with_ranges)
{
	struct rs_scenario *scn;
	struct rs_diag d = { 0 };
	int64_t min, max;

	scn = load_text("[exporter e0]\ntype = t-exp\ncount = 4294967296\n", &d);
	EXPECT_EQ(NULL, scn);
	EXPECT_NE(NULL, rs_diag_find(&d, "v.ini:3: bad value for 'count': '4294967296': out of "
				     "range: must be 1..65536"));
	rs_diag_free(&d);

	scn = load_text("[global]\nhang_timeout = 30\n[exporter e0]\ntype = t-exp\n", &d);
	EXPECT_EQ(NULL, scn);
	EXPECT_NE(NULL, rs_diag_find(&d, "v.ini:2: bad value for 'hang_timeout': '30': a time "
				     "needs a unit"));
	EXPECT_NE(NULL, rs_diag_find(&d, "did you mean '30s'?"));
	rs_diag_free(&d);

	/* an inherited bare time names where it was written */
	scn = load_text("[global]\ninterval = 5\n[exporter e0]\ntype = t-exp\n"
			"[trigger t]\ntype = t-trig\n", &d);
	EXPECT_EQ(NULL, scn);
	EXPECT_NE(NULL, rs_diag_find(&d, "v.ini:2: bad value for 'interval' (inherited by "
				     "[trigger t]): '5'"));
	rs_diag_free(&d);

	scn = load_text("[global]\nduration = 1000000h\n[exporter e0]\ntype = t-exp\n", &d);
	EXPECT_EQ(NULL, scn);
	EXPECT_NE(NULL, rs_diag_find(&d, "v.ini:2: bad value for 'duration': '1000000h': "
				     "out of range: must be 0..8784h"));
	rs_diag_free(&d);
	scn = load_text("[global]\nduration = 1000000000h\n[exporter e0]\ntype = t-exp\n", &d);
	EXPECT_EQ(NULL, scn);
	EXPECT_NE(NULL, rs_diag_find(&d, "v.ini:2: bad value for 'duration': '1000000000h': "
				     "too large"));
	rs_diag_free(&d);

	scn = load_text("[global]\nduration = 8784h\nhang_timeout = 1ms\njitter = 0\n"
			"[exporter e0]\ntype = t-exp\ncount = 65536\nmode = c\n"
			"[trigger t]\ntype = t-trig\ntiming = burst\n", &d);
	ASSERT_NE(NULL, scn) {
		rs_diag_print(&d, stderr);
	}
	EXPECT_EQ(65536, rs_sec_int(rs_scn_find(scn, RS_SEC_EXPORTER, "e0"), "count"));
	EXPECT_EQ(2, rs_sec_enum(rs_scn_find(scn, RS_SEC_EXPORTER, "e0"), "mode"));
	EXPECT_EQ(2, rs_sec_enum(rs_scn_find(scn, RS_SEC_TRIGGER, "t"), "timing"));
	EXPECT_EQ(0, rs_sec_time_ns(rs_scn_find(scn, RS_SEC_TRIGGER, "t"), "jitter"));
	rs_scn_free(scn);
	rs_diag_free(&d);

	rs_opt_range(&rs_core_find(RS_SEC_GLOBAL, "hang_timeout")->opt, &min, &max);
	EXPECT_EQ(1000000, min);
	EXPECT_EQ((int64_t)RS_TIME_MAX, max);
}

/* A plugin's range is checked at registration: a default outside it is a problem. */
TEST(values_with_ranges_table_check)
{
	static const struct rs_opt bad[] = {
		{ "n", RS_OPT_INT, "0", "a count", NULL, 1, 10 },
		{ "m", RS_OPT_INT, "5", "a count", NULL, 10, 1 },
		{ "f", RS_OPT_BOOL, "true", "a flag", NULL, 1, 2 },
		{ .key = NULL },
	};
	char **msgs = NULL;
	size_t n = rs_opt_table_check(RS_SEC_EXPORTER, "x", bad, &msgs), i;

	EXPECT_EQ(4, n);	/* n's default; m's range and its default; f's range */
	for (i = 0; i < n; i++)
		free(msgs[i]);
	free(msgs);
}

/*
 * Issue 9, item 8: a plugin without a callback the core calls unconditionally is refused
 * at registration, saying which; the core never calls through a NULL pointer.
 */
TEST(leaks_registry_refuses_missing_callbacks)
{
	static const struct rs_exporter_ops ex = { .type = "t-no-export", .help = "x" };
	static const struct rs_importer_ops im = { .type = "t-no-import", .help = "x" };
	static const struct rs_trigger_ops tr = { .type = "t-no-revoke", .help = "x" };
	static const struct rs_load_ops ld = { .type = "t-no-stop", .help = "x",
					       .start = (int (*)(struct rs_load *))abort };
	const char *const *msgs;
	size_t n, i;
	int found = 0;

	rs_register_exporter(&ex);
	rs_register_importer(&im);
	rs_register_trigger(&tr);
	rs_register_load(&ld);
	EXPECT_EQ(NULL, rs_find_exporter("t-no-export"));
	EXPECT_EQ(NULL, rs_find_importer("t-no-import"));
	EXPECT_EQ(NULL, rs_find_trigger("t-no-revoke"));
	EXPECT_EQ(NULL, rs_find_load("t-no-stop"));
	n = rs_registry_problems(&msgs);
	for (i = 0; i < n; i++)
		found += !strcmp(msgs[i], "exporter type 't-no-export' has no export callback: not registered") ||
			 !strcmp(msgs[i], "importer type 't-no-import' has no import callback: not registered") ||
			 !strcmp(msgs[i], "trigger type 't-no-revoke' has no revoke callback: not registered") ||
			 !strcmp(msgs[i], "load type 't-no-stop' has no stop callback: not registered");
	EXPECT_EQ(4, found);
}

/*
 * Every importer variant of the storm matrix (`.variants` of the importers' ops) is
 * scenario text its type's option table accepts, as `revokestorm matrix` writes it.
 */
TEST(importer_variants_load)
{
	size_t i, n = rs_plugin_count(RS_KIND_IMPORTER), seen = 0;

	for (i = 0; i < n; i++) {
		const struct rs_importer_ops *ops = rs_plugin_at(RS_KIND_IMPORTER, i)->ops;
		const struct rs_variant *v;

		for (v = ops->variants; v && v->name; v++) {
			struct rs_diag d = { 0 };
			struct rs_scenario *scn;
			char *text;

			text = rs_xasprintf("[global]\nduration = 1s\n[exporter e]\ntype = udmabuf\n"
					    "[importer im]\ntype = %s\n%s\n[trigger t]\ntype = close\n",
					    ops->type, v->opts);
			scn = load_text(text, &d);
			EXPECT_NE(NULL, scn) {
				size_t k;

				TH_LOG("variant %s.%s:", ops->type, v->name);
				for (k = 0; k < d.nr; k++)
					TH_LOG("%s", d.msg[k]);
			}
			rs_scn_free(scn);
			rs_diag_free(&d);
			free(text);
			seen++;
		}
	}
	EXPECT_LE(8, seen);
}

TEST_HARNESS_MAIN
