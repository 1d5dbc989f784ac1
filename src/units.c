// SPDX-License-Identifier: GPL-2.0
/* Parsing and printing of scenario values with units. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rs_units.h"
#include "rs_util.h"

struct rs_unit {
	const char *name;
	uint64_t mult;
};

static const struct rs_unit rs_time_units[] = {
	{ "ns", 1ULL },
	{ "us", 1000ULL },
	{ "ms", 1000000ULL },
	{ "s", 1000000000ULL },
	{ "m", 60ULL * 1000000000ULL },
	{ "min", 60ULL * 1000000000ULL },
	{ "h", 3600ULL * 1000000000ULL },
	{ NULL, 0 },
};

static const struct rs_unit rs_size_units[] = {
	{ "b", 1ULL },
	{ "k", 1ULL << 10 }, { "kib", 1ULL << 10 },
	{ "m", 1ULL << 20 }, { "mib", 1ULL << 20 },
	{ "g", 1ULL << 30 }, { "gib", 1ULL << 30 },
	{ "t", 1ULL << 40 }, { "tib", 1ULL << 40 },
	{ NULL, 0 },
};

/*
 * Parse "<digits>[.<digits>][ ]<unit>" into a multiple of the unit's multiplier.
 * Fractions are exact down to the base unit (ns, bytes) and truncated below it.
 */
static int rs_parse_unit(const char *s, uint64_t *out, const struct rs_unit *units,
			 uint64_t bare_mult, bool fold_case, const char **why)
{
	unsigned __int128 ip = 0, fp = 0, fscale = 1, v;
	const char *p = s, *u;
	uint64_t mult = 0;
	bool digits = false;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-') {
		*why = "must not be negative";
		return -EINVAL;
	}
	if (*p == '+')
		p++;
	for (; isdigit((unsigned char)*p); p++) {
		digits = true;
		ip = ip * 10 + (unsigned int)(*p - '0');
		if (ip > UINT64_MAX) {
			*why = "too large";
			return -ERANGE;
		}
	}
	if (*p == '.') {
		p++;
		for (; isdigit((unsigned char)*p); p++) {
			digits = true;
			if (fscale < 1000000000000000000ULL) {
				fp = fp * 10 + (unsigned int)(*p - '0');
				fscale *= 10;
			}
		}
	}
	if (!digits) {
		*why = "not a number";
		return -EINVAL;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	u = p;
	if (!*u && !bare_mult) {
		if (ip || fp) {
			*why = rs_why_time_unit;
			return -EINVAL;
		}
		mult = 1;	/* 0 is 0 in any unit */
	} else if (!*u) {
		mult = bare_mult;
	} else {
		size_t n = strlen(u);

		while (n && isspace((unsigned char)u[n - 1]))
			n--;
		for (; units->name; units++) {
			if (strlen(units->name) != n)
				continue;
			if (fold_case ? !strncasecmp(units->name, u, n) : !strncmp(units->name, u, n)) {
				mult = units->mult;
				break;
			}
		}
		if (!mult) {
			*why = "unknown unit";
			return -EINVAL;
		}
	}
	v = ip * mult + fp * mult / fscale;
	if (v > UINT64_MAX) {
		*why = "too large";
		return -ERANGE;
	}
	*out = (uint64_t)v;
	return 0;
}

const char rs_why_time_unit[] = "a time needs a unit: ns, us, ms, s, m or h (only 0 may stand alone)";

int rs_parse_time_ns(const char *s, uint64_t *ns, const char **why)
{
	int err = rs_parse_unit(s, ns, rs_time_units, 0, false, why);

	if (err && !strcmp(*why, "unknown unit"))
		*why = "unknown unit (use ns, us, ms, s, m or h)";
	return err;
}

int rs_parse_size(const char *s, uint64_t *bytes, const char **why)
{
	int err = rs_parse_unit(s, bytes, rs_size_units, 1, true, why);

	if (err && !strcmp(*why, "unknown unit"))
		*why = "unknown unit (use B, K/KiB, M/MiB, G/GiB or T/TiB)";
	return err;
}

int rs_parse_int(const char *s, int64_t *v, const char **why)
{
	char *end;
	long long r;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s) {
		*why = "not a number";
		return -EINVAL;
	}
	errno = 0;
	r = strtoll(s, &end, 0);
	if (errno == ERANGE) {
		*why = "out of range";
		return -ERANGE;
	}
	while (isspace((unsigned char)*end))
		end++;
	if (end == s || *end) {
		*why = "not an integer";
		return -EINVAL;
	}
	*v = r;
	return 0;
}

int rs_parse_bool(const char *s, bool *v, const char **why)
{
	static const char *const t[] = { "1", "true", "yes", "on" };
	static const char *const f[] = { "0", "false", "no", "off" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(s, t[i])) {
			*v = true;
			return 0;
		}
		if (!strcasecmp(s, f[i])) {
			*v = false;
			return 0;
		}
	}
	*why = "not a boolean (use true/false, yes/no, on/off, 1/0)";
	return -EINVAL;
}

static char *rs_fmt_scaled(uint64_t v, const struct rs_unit *u, size_t nr, char *buf, size_t len)
{
	size_t i = nr;

	while (i > 1 && v < u[i - 1].mult)
		i--;
	i--;
	if (v % u[i].mult == 0)
		snprintf(buf, len, "%llu%s", (unsigned long long)(v / u[i].mult), u[i].name);
	else if (v / u[i].mult >= 1000)	/* %.3g would say 3.6e+03s */
		snprintf(buf, len, "%.0f%s", (double)v / (double)u[i].mult, u[i].name);
	else
		snprintf(buf, len, "%.3g%s", (double)v / (double)u[i].mult, u[i].name);
	return buf;
}

char *rs_fmt_time(uint64_t ns, char *buf, size_t len)
{
	static const struct rs_unit u[] = {
		{ "ns", 1ULL }, { "us", 1000ULL }, { "ms", 1000000ULL }, { "s", 1000000000ULL },
	};

	return rs_fmt_scaled(ns, u, 4, buf, len);
}

char *rs_fmt_time_exact(uint64_t ns, char *buf, size_t len)
{
	static const struct rs_unit u[] = {
		{ "h", 3600ULL * 1000000000ULL }, { "m", 60ULL * 1000000000ULL },
		{ "s", 1000000000ULL }, { "ms", 1000000ULL }, { "us", 1000ULL }, { "ns", 1ULL },
	};
	size_t i;

	for (i = 0; i < RS_ARRAY_SIZE(u) - 1 && (!ns || ns % u[i].mult); i++)
		;
	snprintf(buf, len, "%llu%s", (unsigned long long)(ns / u[i].mult), u[i].name);
	return buf;
}

char *rs_fmt_size(uint64_t bytes, char *buf, size_t len)
{
	static const struct rs_unit u[] = {
		{ "B", 1ULL }, { "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 }, { "GiB", 1ULL << 30 },
		{ "TiB", 1ULL << 40 },
	};

	return rs_fmt_scaled(bytes, u, 5, buf, len);
}
