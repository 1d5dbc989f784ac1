// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON writer: output parsed back by Python's json module (when python3 is there)
 * and compared byte for byte on small cases; escaping, UTF-8 handling, non-finite
 * doubles, misuse and write errors reported by rs_json_end().
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "rs_json.h"
#include "rs_util.h"

struct out {
	char *buf;
	size_t len;
	FILE *f;
};

static struct rs_json *open_out(struct out *o, bool pretty)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	return rs_json_new(o->f, pretty);
}

static int close_out(struct out *o, struct rs_json *j)
{
	int err = rs_json_end(j);

	fclose(o->f);
	return err;
}

/* Is text valid JSON, per python3?  1 yes, 0 no, -1 no python3. */
static int python_ok(const char *text, const char *expr, char *res, size_t reslen)
{
	char path[] = "/tmp/rs-json-test.XXXXXX", cmd[512];
	int fd = mkstemp(path), rc;
	FILE *p;

	if (fd < 0)
		return -1;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	if (system("python3 -c 'import json' >/dev/null 2>&1")) {
		unlink(path);
		return -1;
	}
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys; d=json.load(open(sys.argv[1], encoding=\"utf-8\")); "
		 "print(%s)' %s 2>/dev/null", expr, path);
	p = popen(cmd, "r");
	if (res && reslen) {
		res[0] = '\0';
		if (!fgets(res, (int)reslen, p))
			res[0] = '\0';
		res[strcspn(res, "\n")] = '\0';
	}
	while (fgetc(p) != EOF)
		;
	rc = pclose(p);
	unlink(path);
	return rc == 0;
}

static void write_doc(struct rs_json *j)
{
	rs_json_obj_begin(j, NULL);
	rs_json_int(j, "i", -42);
	rs_json_uint(j, "u", UINT64_MAX);
	rs_json_double(j, "d", 0.1);
	rs_json_double(j, "nan", NAN);
	rs_json_double(j, "inf", -INFINITY);
	rs_json_bool(j, "t", true);
	rs_json_null(j, "n");
	rs_json_str(j, "null_str", NULL);
	rs_json_arr_begin(j, "empty");
	rs_json_arr_end(j);
	rs_json_obj_begin(j, "eo");
	rs_json_obj_end(j);
	rs_json_arr_begin(j, "a");
	rs_json_str(j, NULL, "x");
	rs_json_obj_begin(j, NULL);
	rs_json_int(j, "k", 1);
	rs_json_obj_end(j);
	rs_json_arr_begin(j, NULL);
	rs_json_int(j, NULL, 2);
	rs_json_arr_end(j);
	rs_json_arr_end(j);
	rs_json_str(j, "esc", "q\" b\\ nl\n tab\t cr\r bs\b ff\f nul-free \x01\x1f del\x7f");
	rs_json_str(j, "utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	rs_json_str(j, "bad", "a\xff" "b\xc3" "c\xe2\x82" "d\xed\xa0\x80" "e\xc0\xaf" "f\xf5\x80\x80\x80");
	rs_json_obj_end(j);
}

TEST(compact_exact_text)
{
	struct out o;
	struct rs_json *j = open_out(&o, false);

	write_doc(j);
	ASSERT_EQ(0, close_out(&o, j));
	EXPECT_STREQ("{\"i\":-42,\"u\":18446744073709551615,\"d\":0.1,\"nan\":null,\"inf\":null,"
		     "\"t\":true,\"n\":null,\"null_str\":null,\"empty\":[],\"eo\":{},"
		     "\"a\":[\"x\",{\"k\":1},[2]],"
		     "\"esc\":\"q\\\" b\\\\ nl\\n tab\\t cr\\r bs\\b ff\\f nul-free \\u0001\\u001f del\x7f\","
		     "\"utf8\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
		     "\"bad\":\"a\\ufffdb\\ufffdc\\ufffd\\ufffdd\\ufffd\\ufffd\\ufffde\\ufffd\\ufffd"
		     "f\\ufffd\\ufffd\\ufffd\\ufffd\"}", o.buf);
	free(o.buf);
}

TEST(parsed_back_by_python)
{
	char res[256];
	struct out o;
	struct rs_json *j;
	int pretty, ok;

	for (pretty = 0; pretty < 2; pretty++) {
		j = open_out(&o, pretty);
		write_doc(j);
		ASSERT_EQ(0, close_out(&o, j));
		ok = python_ok(o.buf, "d[\"esc\"] == \"q\\\" b\\\\ nl\\n tab\\t cr\\r bs\\b ff\\f nul-free \\x01\\x1f del\\x7f\" and "
			       "d[\"utf8\"] == \"caf\\u00e9 \\u20ac \\U0001F600\" and d[\"u\"] == 2**64-1 and "
			       "d[\"nan\"] is None and d[\"a\"][1][\"k\"] == 1 and d[\"bad\"].count(\"\\ufffd\") == 13",
			       res, sizeof(res));
		if (ok < 0)
			SKIP(free(o.buf); return, "no python3");
		EXPECT_EQ(1, ok);
		EXPECT_STREQ("True", res) TH_LOG("pretty=%d:\n%s", pretty, o.buf);
		free(o.buf);
	}
}

TEST(doubles_round_trip)
{
	static const double vals[] = { 0.0, -0.0, 1.0, 1e-300, 1.7976931348623157e308, 0.1 + 0.2,
				       123456789.123456789, -2.5e-7 };
	size_t i;

	for (i = 0; i < RS_ARRAY_SIZE(vals); i++) {
		struct out o;
		struct rs_json *j = open_out(&o, false);

		rs_json_double(j, NULL, vals[i]);
		ASSERT_EQ(0, close_out(&o, j));
		EXPECT_EQ(vals[i], strtod(o.buf, NULL)) TH_LOG("%s", o.buf);
		EXPECT_EQ(NULL, strchr(o.buf, ','));	/* no locale comma */
		free(o.buf);
	}
}

TEST(pretty_layout)
{
	struct out o;
	struct rs_json *j = open_out(&o, true);

	rs_json_obj_begin(j, NULL);
	rs_json_int(j, "a", 1);
	rs_json_arr_begin(j, "b");
	rs_json_int(j, NULL, 2);
	rs_json_arr_end(j);
	rs_json_arr_begin(j, "c");
	rs_json_arr_end(j);
	rs_json_obj_end(j);
	ASSERT_EQ(0, close_out(&o, j));
	EXPECT_STREQ("{\n  \"a\": 1,\n  \"b\": [\n    2\n  ],\n  \"c\": []\n}", o.buf);
	free(o.buf);
}

TEST(misuse_is_an_error)
{
	struct out o;
	struct rs_json *j;

	j = open_out(&o, false);		/* unclosed */
	rs_json_obj_begin(j, NULL);
	EXPECT_EQ(-EINVAL, close_out(&o, j));
	free(o.buf);

	j = open_out(&o, false);		/* nothing written */
	EXPECT_EQ(-EINVAL, close_out(&o, j));
	free(o.buf);

	j = open_out(&o, false);		/* value without key in an object */
	rs_json_obj_begin(j, NULL);
	rs_json_int(j, NULL, 1);
	rs_json_obj_end(j);
	EXPECT_EQ(-EINVAL, close_out(&o, j));
	free(o.buf);

	j = open_out(&o, false);		/* key in an array */
	rs_json_arr_begin(j, NULL);
	rs_json_int(j, "k", 1);
	rs_json_arr_end(j);
	EXPECT_EQ(-EINVAL, close_out(&o, j));
	free(o.buf);

	j = open_out(&o, false);		/* mismatched end */
	rs_json_arr_begin(j, NULL);
	rs_json_obj_end(j);
	EXPECT_EQ(-EINVAL, close_out(&o, j));
	free(o.buf);

	j = open_out(&o, false);		/* two top-level values */
	rs_json_int(j, NULL, 1);
	rs_json_int(j, NULL, 2);
	EXPECT_EQ(-EINVAL, close_out(&o, j));
	EXPECT_STREQ("1", o.buf);
	free(o.buf);

	j = open_out(&o, false);		/* too deep */
	{
		int i;

		for (i = 0; i < 100; i++)
			rs_json_arr_begin(j, NULL);
		for (i = 0; i < 100; i++)
			rs_json_arr_end(j);
	}
	EXPECT_EQ(-EINVAL, close_out(&o, j));
	free(o.buf);
}

TEST(write_error_is_reported)
{
	FILE *f = fopen("/dev/full", "w");
	struct rs_json *j;
	int i;

	if (!f)
		SKIP(return, "no /dev/full");
	j = rs_json_new(f, false);
	rs_json_arr_begin(j, NULL);
	for (i = 0; i < 10000; i++)
		rs_json_str(j, NULL, "some text to overflow the stdio buffer");
	rs_json_arr_end(j);
	EXPECT_GT(0, rs_json_end(j));
	fclose(f);
}

TEST_HARNESS_MAIN
