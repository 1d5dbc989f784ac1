/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A streaming JSON writer: values go straight to a FILE, nothing is buffered beyond
 * stdio.  Inside an object every value needs a key; inside an array (and at the top)
 * the key is NULL.  Strings are written as valid JSON whatever they hold: control
 * characters escaped, valid UTF-8 passed through, every byte that is not part of a
 * valid UTF-8 sequence written as \ufffd.  Doubles that are not finite are null.
 *
 * Misuse (a key where none belongs, a missing key, an unbalanced end, a second top-level
 * value) is remembered and makes rs_json_end() fail; later calls do nothing.
 */
#ifndef RS_JSON_H
#define RS_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct rs_json;

/* pretty: two-space indentation and one member per line; else one line. */
struct rs_json *rs_json_new(FILE *f, bool pretty);
/*
 * Finish and free the writer (f stays open, flushed): 0, -EINVAL for misuse or an
 * unclosed or empty document, -EIO (or the stream's errno) for a write error.
 */
int rs_json_end(struct rs_json *j);

void rs_json_obj_begin(struct rs_json *j, const char *key);
void rs_json_obj_end(struct rs_json *j);
void rs_json_arr_begin(struct rs_json *j, const char *key);
void rs_json_arr_end(struct rs_json *j);

void rs_json_str(struct rs_json *j, const char *key, const char *v);	/* NULL: null */
void rs_json_strn(struct rs_json *j, const char *key, const char *v, size_t len);
void rs_json_int(struct rs_json *j, const char *key, int64_t v);
void rs_json_uint(struct rs_json *j, const char *key, uint64_t v);
void rs_json_double(struct rs_json *j, const char *key, double v);
void rs_json_bool(struct rs_json *j, const char *key, bool v);
void rs_json_null(struct rs_json *j, const char *key);

/* Write s as a JSON string literal (quotes included) to f; for other writers. */
void rs_json_write_string(FILE *f, const char *s, size_t len);

#endif /* RS_JSON_H */
