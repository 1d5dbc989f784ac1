// SPDX-License-Identifier: GPL-2.0
/*
 * Streaming JSON writer (rs_json.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rs_json.h"
#include "rs_util.h"

#define RS_JSON_MAX_DEPTH	64

struct rs_json {
	FILE *f;
	bool pretty;
	int err;			/* first misuse (-EINVAL) */
	int depth;			/* open containers */
	bool done;			/* the top-level value is complete */
	char kind[RS_JSON_MAX_DEPTH];	/* '{' or '[' */
	bool nonempty[RS_JSON_MAX_DEPTH];
};

struct rs_json *rs_json_new(FILE *f, bool pretty)
{
	struct rs_json *j = rs_xcalloc(1, sizeof(*j));

	j->f = f;
	j->pretty = pretty;
	return j;
}

int rs_json_end(struct rs_json *j)
{
	int err;

	if (!j)
		return -EINVAL;
	err = j->err;
	if (!err && (j->depth || !j->done))
		err = -EINVAL;
	if (fflush(j->f) || ferror(j->f))
		err = err ? err : (errno ? -errno : -EIO);
	free(j);
	return err;
}

static void rs_json_indent(struct rs_json *j)
{
	int i;

	fputc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* UTF-8 length of the valid sequence at s (n bytes left), or 0 if invalid. */
static size_t rs_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;

		return n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;

		return n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
		       (s[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

void rs_json_write_string(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, n;

	fputc('"', f);
	while (i < len) {
		unsigned char c = s[i];

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			run++;
			i++;
			continue;
		}
		if (run)
			fwrite(s + i - run, 1, run, f);
		run = 0;
		switch (c) {
		case '"':	fputs("\\\"", f); i++; continue;
		case '\\':	fputs("\\\\", f); i++; continue;
		case '\n':	fputs("\\n", f); i++; continue;
		case '\r':	fputs("\\r", f); i++; continue;
		case '\t':	fputs("\\t", f); i++; continue;
		case '\b':	fputs("\\b", f); i++; continue;
		case '\f':	fputs("\\f", f); i++; continue;
		}
		if (c < 0x20) {
			fprintf(f, "\\u%04x", c);
			i++;
			continue;
		}
		n = rs_utf8_len(s + i, len - i);
		if (!n) {
			fputs("\\ufffd", f);
			i++;
			continue;
		}
		fwrite(s + i, 1, n, f);
		i += n;
	}
	if (run)
		fwrite(s + i - run, 1, run, f);
	fputc('"', f);
}

/* Separator, indentation and key before a value; false if the call is misuse. */
static bool rs_json_pre(struct rs_json *j, const char *key)
{
	if (j->err)
		return false;
	if (!j->depth) {
		if (key || j->done) {
			j->err = -EINVAL;
			return false;
		}
		return true;
	}
	if ((j->kind[j->depth - 1] == '{') != (key != NULL)) {
		j->err = -EINVAL;
		return false;
	}
	if (j->nonempty[j->depth - 1])
		fputc(',', j->f);
	j->nonempty[j->depth - 1] = true;
	if (j->pretty)
		rs_json_indent(j);
	if (key) {
		rs_json_write_string(j->f, key, strlen(key));
		fputs(j->pretty ? ": " : ":", j->f);
	}
	return true;
}

static void rs_json_post(struct rs_json *j)
{
	if (!j->depth)
		j->done = true;
}

static void rs_json_open(struct rs_json *j, const char *key, char kind)
{
	if (!rs_json_pre(j, key))
		return;
	if (j->depth == RS_JSON_MAX_DEPTH) {
		j->err = -EINVAL;
		return;
	}
	fputc(kind, j->f);
	j->kind[j->depth] = kind;
	j->nonempty[j->depth] = false;
	j->depth++;
}

static void rs_json_close(struct rs_json *j, char kind)
{
	if (j->err)
		return;
	if (!j->depth || j->kind[j->depth - 1] != kind) {
		j->err = -EINVAL;
		return;
	}
	j->depth--;
	if (j->pretty && j->nonempty[j->depth])
		rs_json_indent(j);
	fputc(kind == '{' ? '}' : ']', j->f);
	rs_json_post(j);
}

void rs_json_obj_begin(struct rs_json *j, const char *key)
{
	rs_json_open(j, key, '{');
}

void rs_json_obj_end(struct rs_json *j)
{
	rs_json_close(j, '{');
}

void rs_json_arr_begin(struct rs_json *j, const char *key)
{
	rs_json_open(j, key, '[');
}

void rs_json_arr_end(struct rs_json *j)
{
	rs_json_close(j, '[');
}

void rs_json_strn(struct rs_json *j, const char *key, const char *v, size_t len)
{
	if (!rs_json_pre(j, key))
		return;
	if (v)
		rs_json_write_string(j->f, v, len);
	else
		fputs("null", j->f);
	rs_json_post(j);
}

void rs_json_str(struct rs_json *j, const char *key, const char *v)
{
	rs_json_strn(j, key, v, v ? strlen(v) : 0);
}

void rs_json_int(struct rs_json *j, const char *key, int64_t v)
{
	if (!rs_json_pre(j, key))
		return;
	fprintf(j->f, "%" PRId64, v);
	rs_json_post(j);
}

void rs_json_uint(struct rs_json *j, const char *key, uint64_t v)
{
	if (!rs_json_pre(j, key))
		return;
	fprintf(j->f, "%" PRIu64, v);
	rs_json_post(j);
}

void rs_json_double(struct rs_json *j, const char *key, double v)
{
	char buf[40];

	if (!rs_json_pre(j, key))
		return;
	if (!isfinite(v)) {
		fputs("null", j->f);
	} else {
		/* the shortest of %.15g / %.17g that reads back as the same double */
		snprintf(buf, sizeof(buf), "%.15g", v);
		if (strtod(buf, NULL) != v)
			snprintf(buf, sizeof(buf), "%.17g", v);
		fputs(buf, j->f);
	}
	rs_json_post(j);
}

void rs_json_bool(struct rs_json *j, const char *key, bool v)
{
	if (!rs_json_pre(j, key))
		return;
	fputs(v ? "true" : "false", j->f);
	rs_json_post(j);
}

void rs_json_null(struct rs_json *j, const char *key)
{
	if (!rs_json_pre(j, key))
		return;
	fputs("null", j->f);
	rs_json_post(j);
}
