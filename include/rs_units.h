/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scenario value syntax: times, sizes, integers, booleans.  Each parser returns 0, or
 * -EINVAL/-ERANGE with *why set to a short static explanation for the error message.
 */
#ifndef RS_UNITS_H
#define RS_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * "1.5s", "250us", "2m", "1h"; a bare number is refused (*why = rs_why_time_unit), but 0:
 * "30" read as 30 ms made a hang_timeout of 30 ms a false hang.
 */
int rs_parse_time_ns(const char *s, uint64_t *ns, const char **why);
extern const char rs_why_time_unit[];
/* "4096", "4K", "4KiB", "1.5M", "2GiB", "1T" (binary units, bare number = bytes). */
int rs_parse_size(const char *s, uint64_t *bytes, const char **why);
/* Decimal, 0x hex or 0 octal, optional sign, 64-bit. */
int rs_parse_int(const char *s, int64_t *v, const char **why);
/* 1/0, true/false, yes/no, on/off (any case). */
int rs_parse_bool(const char *s, bool *v, const char **why);

/* Human forms: "1.52ms", "20s", "64MiB".  buf >= 24 bytes. */
char *rs_fmt_time(uint64_t ns, char *buf, size_t len);
char *rs_fmt_size(uint64_t bytes, char *buf, size_t len);
/* Exact, in the largest unit that divides it: "8784h", "90s", "1500us". */
char *rs_fmt_time_exact(uint64_t ns, char *buf, size_t len);

#endif /* RS_UNITS_H */
