// SPDX-License-Identifier: GPL-2.0
/*
 * Option handling: the core's option tables of every section kind, typed values
 * (rs_opt_parse), and the check of a plugin's option table at registration.
 * Nothing here knows the registry or a scenario.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_options.h"
#include "rs_units.h"
#include "rs_util.h"

#define TIMING_CHOICES "periodic|random|burst"

static const struct rs_core_opt rs_core_global[] = {
	{ { "name", RS_OPT_STR, NULL,
	    "scenario name (results directory, KTAP); default: the file name without .ini" },
	  RS_OPTF_OPTIONAL },
	{ { "duration", RS_OPT_TIME, NULL,
	    "run time from the end of setup; default: the sum of the phase durations if all "
	    "have one, else 30s" },
	  RS_OPTF_OPTIONAL },
	{ { "seed", RS_OPT_INT, NULL,
	    "random seed (every random choice derives from it); default: random, printed",
	    NULL, 0, INT64_MAX }, RS_OPTF_OPTIONAL },
	{ { "hang_timeout", RS_OPT_TIME, "30s",
	    "a trigger, importer or traffic call taking longer than this is a hang (exit 1)",
	    NULL, 1000000, RS_TIME_MAX } },
	{ { "status_interval", RS_OPT_TIME, "2s", "status line period on stderr; 0 = none" } },
	{ { "results", RS_OPT_STR, NULL,
	    "results directory; default ./results/<name>-<timestamp>" }, RS_OPTF_OPTIONAL },
	{ { "state_file", RS_OPT_STR, "/run/revokestorm/state",
	    "what a run holds (devices, its tracefs instance, perf), for recovery after a crash" } },
	{ { "kmsg_markers", RS_OPT_BOOL, "true",
	    "write run/phase/hang markers to /dev/kmsg and trace_marker" } },
	{ { "exclusive", RS_OPT_BOOL, "true",
	    "triggers on one exporter take turns (false: their revoke cycles overlap)" } },
	{ { "cleanup_timeout", RS_OPT_TIME, "10s",
	    "longest wait for loads, importers and exporters to shut down at the end" } },
	{ { "trace", RS_OPT_ENUM, "tracefs",
	    "collect kernel events into the results: a private tracefs instance, perf record, or off",
	    "off|tracefs|perf" } },
	{ { "klog_check", RS_OPT_BOOL, "true",
	    "follow the kernel log; a kernel report (oops, WARNING, lockdep, hung task...) fails the run" } },
	{ { "klog_allow", RS_OPT_STR, NULL,
	    "file of regexes (one per line) for kernel reports that do not fail the run" },
	  RS_OPTF_OPTIONAL },
	{ { "interval_log", RS_OPT_BOOL, "true",
	    "write intervals.jsonl in the results: one JSON line per status_interval (soak runs)" } },
	{ { "leak_check", RS_OPT_BOOL, "true",
	    "fail when our fds or RSS grow by more than leak_fds/leak_rss during the run" } },
	{ { "leak_fds", RS_OPT_INT, "16", "open fds the run may gain between its first and last interval",
	    NULL, 0, 1 << 20 } },
	{ { "leak_rss", RS_OPT_SIZE, "64MiB", "RSS the run may gain between its first and last interval" } },
	{ { NULL } },
};

static const struct rs_core_opt rs_core_exporter[] = {
	{ { "count", RS_OPT_INT, "1", "dma-bufs to export from this exporter", NULL, 1, 65536 } },
	{ { NULL } },
};

static const struct rs_core_opt rs_core_importer[] = {
	{ { "exporters", RS_OPT_LIST, NULL,
	    "exporter sections whose buffers this importer imports; default: all" },
	  RS_OPTF_OPTIONAL },
	{ { "traffic", RS_OPT_BOOL, "true",
	    "run the importer's traffic between revokes (if it has any)" } },
	{ { "traffic_interval", RS_OPT_TIME, "1ms",
	    "pause between rounds of traffic over all imports; 0 = none" } },
	{ { NULL } },
};

static const struct rs_core_opt rs_core_trigger[] = {
	{ { "exporters", RS_OPT_LIST, NULL,
	    "exporter sections this trigger acts on (one worker each); default: all" },
	  RS_OPTF_OPTIONAL },
	{ { "timing", RS_OPT_ENUM, "periodic",
	    "periodic: a cycle every interval; random: exponential gaps of mean interval; "
	    "burst: `burst` back-to-back cycles every interval", TIMING_CHOICES } },
	{ { "interval", RS_OPT_TIME, "100ms", "cycle period (see timing)" } },
	{ { "jitter", RS_OPT_TIME, "0", "uniform random offset in [-jitter, +jitter] per gap" } },
	{ { "burst", RS_OPT_INT, "10", "cycles per burst (timing = burst)", NULL, 1, 1000000 } },
	{ { "hold", RS_OPT_TIME, "0", "time between revoke and restore" } },
	{ { "cycles", RS_OPT_INT, "0", "stop after this many cycles per exporter; 0 = no limit",
	    NULL, 0, INT64_MAX } },
	{ { NULL } },
};

static const struct rs_core_opt rs_core_load[] = {
	{ { NULL } },
};

static const struct rs_core_opt rs_core_phase[] = {
	{ { "duration", RS_OPT_TIME, NULL,
	    "phase length; default (last phase only): the rest of the run" },
	  RS_OPTF_OPTIONAL | RS_OPTF_NOINHERIT },
	{ { "triggers", RS_OPT_LIST, NULL, "trigger sections active in this phase; default: all" },
	  RS_OPTF_OPTIONAL | RS_OPTF_NOINHERIT },
	{ { "loads", RS_OPT_LIST, NULL, "load sections running in this phase; default: all" },
	  RS_OPTF_OPTIONAL | RS_OPTF_NOINHERIT },
	{ { "traffic", RS_OPT_BOOL, "true", "importer traffic runs in this phase" },
	  RS_OPTF_NOINHERIT },
	{ { "timing", RS_OPT_ENUM, NULL, "overrides the triggers' timing in this phase", TIMING_CHOICES },
	  RS_OPTF_OPTIONAL | RS_OPTF_NOINHERIT },
	{ { "interval", RS_OPT_TIME, NULL, "overrides the triggers' interval in this phase" },
	  RS_OPTF_OPTIONAL | RS_OPTF_NOINHERIT },
	{ { "jitter", RS_OPT_TIME, NULL, "overrides the triggers' jitter in this phase" },
	  RS_OPTF_OPTIONAL | RS_OPTF_NOINHERIT },
	{ { "burst", RS_OPT_INT, NULL, "overrides the triggers' burst in this phase", NULL, 1,
	    1000000 }, RS_OPTF_OPTIONAL | RS_OPTF_NOINHERIT },
	{ { "hold", RS_OPT_TIME, NULL, "overrides the triggers' hold in this phase" },
	  RS_OPTF_OPTIONAL | RS_OPTF_NOINHERIT },
	{ { NULL } },
};

static const struct rs_core_opt *const rs_core_tables[RS_SEC_NR] = {
	[RS_SEC_EXPORTER] = rs_core_exporter,
	[RS_SEC_IMPORTER] = rs_core_importer,
	[RS_SEC_TRIGGER] = rs_core_trigger,
	[RS_SEC_LOAD] = rs_core_load,
	[RS_SEC_PHASE] = rs_core_phase,
	[RS_SEC_GLOBAL] = rs_core_global,
};

static const char *const rs_sec_kind_names[RS_SEC_NR] = {
	[RS_SEC_EXPORTER] = "exporter",
	[RS_SEC_IMPORTER] = "importer",
	[RS_SEC_TRIGGER] = "trigger",
	[RS_SEC_LOAD] = "load",
	[RS_SEC_PHASE] = "phase",
	[RS_SEC_GLOBAL] = "global",
};

const struct rs_core_opt *rs_core_opts(enum rs_sec_kind kind)
{
	return kind < RS_SEC_NR ? rs_core_tables[kind] : rs_core_load;
}

const char *rs_sec_kind_name(enum rs_sec_kind kind)
{
	return kind < RS_SEC_NR ? rs_sec_kind_names[kind] : "?";
}

const char *rs_origin_name(enum rs_origin o)
{
	static const char *const n[] = { "default", "global", "section", "cmdline", "computed" };

	return o <= RS_ORIGIN_COMPUTED ? n[o] : "?";
}

const char *rs_opt_type_name(enum rs_opt_type t)
{
	static const char *const n[] = { "str", "int", "size", "time", "bool", "enum", "list" };

	return t <= RS_OPT_LIST ? n[t] : "?";
}

const struct rs_core_opt *rs_core_find(enum rs_sec_kind kind, const char *key)
{
	const struct rs_core_opt *c;

	for (c = rs_core_opts(kind); c->opt.key; c++)
		if (!strcmp(c->opt.key, key))
			return c;
	return NULL;
}

size_t rs_list_split(const char *value, char ***words)
{
	char **w = NULL;
	size_t nr = 0, cap = 0;
	const char *p = value;

	while (*p) {
		const char *s, *e;

		while (isspace((unsigned char)*p))
			p++;
		s = p;
		while (*p && *p != ',')
			p++;
		e = p;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		rs_xgrow(&w, &cap, nr, sizeof(*w));
		w[nr++] = rs_xstrndup(s, (size_t)(e - s));
		if (*p == ',') {
			p++;
			if (!*p) {	/* trailing comma: an empty last word */
				rs_xgrow(&w, &cap, nr, sizeof(*w));
				w[nr++] = rs_xstrdup("");
			}
		}
	}
	*words = w;
	return nr;
}

void rs_list_free(char **w, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(w[i]);
	free(w);
}

bool rs_valid_name(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return n > 0 && n <= RS_MAX_NAME;
}

bool rs_valid_key(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_')
			return false;
	return n > 0 && n <= RS_MAX_NAME;
}

/* Is word one of the '|'-separated choices?  Returns its index or -1. */
static int rs_choice_index(const char *choices, const char *word)
{
	size_t wl = strlen(word);
	const char *p = choices;
	int i = 0;

	while (p && *p) {
		const char *e = strchr(p, '|');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == wl && !strncmp(p, word, n))
			return i;
		i++;
		p = e ? e + 1 : NULL;
	}
	return -1;
}

void rs_opt_range(const struct rs_opt *opt, int64_t *min, int64_t *max)
{
	if (opt->min || opt->max) {
		*min = opt->min;
		*max = opt->max;
	} else if (opt->type == RS_OPT_INT) {
		*min = INT64_MIN;
		*max = INT64_MAX;
	} else {
		*min = 0;
		*max = opt->type == RS_OPT_TIME ? (int64_t)RS_TIME_MAX : INT64_MAX;
	}
}

static void rs_fmt_bound(const struct rs_opt *opt, int64_t v, char *buf, size_t len)
{
	if (!v)
		snprintf(buf, len, "0");
	else if (v == INT64_MAX)
		snprintf(buf, len, "%s", "");	/* "0..": no end worth writing */
	else if (opt->type == RS_OPT_TIME)
		rs_fmt_time_exact((uint64_t)v, buf, len);
	else if (opt->type == RS_OPT_SIZE)
		rs_fmt_size((uint64_t)v, buf, len);
	else
		snprintf(buf, len, "%lld", (long long)v);
}

void rs_opt_range_text(const struct rs_opt *opt, char *buf, size_t len)
{
	char lo[32], hi[32];

	if (!opt->min && !opt->max) {
		snprintf(buf, len, "%s", "");
		return;
	}
	rs_fmt_bound(opt, opt->min, lo, sizeof(lo));
	rs_fmt_bound(opt, opt->max, hi, sizeof(hi));
	snprintf(buf, len, "%s..%s", lo, hi);
}

/* The parsed value within opt's range, else -ERANGE with why naming the range. */
static int rs_opt_check_range(const struct rs_opt *opt, const struct rs_kv *kv, char *why,
			      size_t len)
{
	char lo[32], hi[32];
	int64_t min, max;
	bool out;

	rs_opt_range(opt, &min, &max);
	if (opt->type == RS_OPT_INT)
		out = kv->v.i < min || kv->v.i > max;
	else
		out = kv->v.u < (uint64_t)min || kv->v.u > (uint64_t)max;
	if (!out)
		return 0;
	rs_fmt_bound(opt, min, lo, sizeof(lo));
	rs_fmt_bound(opt, max, hi, sizeof(hi));
	snprintf(why, len, "out of range: must be %s..%s", lo, hi);
	return -ERANGE;
}

int rs_opt_parse(const struct rs_opt *opt, const char *value, struct rs_kv *out, char *why,
		 size_t len)
{
	const char *w = NULL;
	char **words;
	size_t n, i;
	int err = 0;

	switch (opt->type) {
	case RS_OPT_STR:
		return 0;
	case RS_OPT_INT:
		err = rs_parse_int(value, &out->v.i, &w);
		break;
	case RS_OPT_SIZE:
		err = rs_parse_size(value, &out->v.u, &w);
		break;
	case RS_OPT_TIME:
		err = rs_parse_time_ns(value, &out->v.u, &w);
		break;
	case RS_OPT_BOOL:
		err = rs_parse_bool(value, &out->v.b, &w);
		break;
	case RS_OPT_ENUM:
		out->v.i = rs_choice_index(opt->choices, value);
		if (out->v.i < 0) {
			w = "not one of the choices";
			err = -EINVAL;
		}
		break;
	case RS_OPT_LIST:
		n = rs_list_split(value, &words);
		for (i = 0; i < n && !err; i++) {
			if (!*words[i]) {
				w = "empty list element";
				err = -EINVAL;
			}
		}
		rs_list_free(words, n);
		out->v.i = (int64_t)n;
		break;
	default:
		w = "unknown option type";
		err = -EINVAL;
	}
	if (err) {
		snprintf(why, len, "%s", w);
		return err;
	}
	if (opt->type == RS_OPT_INT || opt->type == RS_OPT_SIZE || opt->type == RS_OPT_TIME)
		return rs_opt_check_range(opt, out, why, len);
	return 0;
}

size_t rs_opt_table_check(enum rs_sec_kind kind, const char *type, const struct rs_opt *opts,
			  char ***msgs)
{
	const struct rs_opt *o, *p;
	char **m = NULL;
	size_t nr = 0, cap = 0, guard = 0;

#define PROBLEM(...) do {						\
		rs_xgrow(&m, &cap, nr, sizeof(*m));			\
		m[nr++] = rs_xasprintf(__VA_ARGS__);			\
	} while (0)

	for (o = opts; o->key; o++) {
		const struct rs_core_opt *c = rs_core_find(kind, o->key);
		struct rs_kv tmp = { 0 };
		char why[RS_WHY_MAX];

		if (++guard > 1000) {
			PROBLEM("%s %s: option table not terminated", rs_sec_kind_name(kind), type);
			break;
		}
		if (!rs_valid_key(o->key) || !strcmp(o->key, "include") || !strcmp(o->key, "type"))
			PROBLEM("%s %s: bad option key '%s'", rs_sec_kind_name(kind), type, o->key);
		if (o->type > RS_OPT_LIST)
			PROBLEM("%s %s: option '%s' has an unknown type", rs_sec_kind_name(kind),
				type, o->key);
		if (o->type == RS_OPT_ENUM && (!o->choices || !*o->choices))
			PROBLEM("%s %s: enum option '%s' has no choices", rs_sec_kind_name(kind),
				type, o->key);
		else if (o->def && o->type <= RS_OPT_LIST &&
			 rs_opt_parse(o, o->def, &tmp, why, sizeof(why)))
			PROBLEM("%s %s: default of '%s' ('%s') does not parse: %s",
				rs_sec_kind_name(kind), type, o->key, o->def, why);
		if ((o->min || o->max) && (o->min > o->max || (o->type != RS_OPT_INT &&
		    o->type != RS_OPT_SIZE && o->type != RS_OPT_TIME) ||
		    (o->type != RS_OPT_INT && o->min < 0)))
			PROBLEM("%s %s: option '%s' has a bad range %lld..%lld",
				rs_sec_kind_name(kind), type, o->key, (long long)o->min,
				(long long)o->max);
		if (!o->help || !*o->help)
			PROBLEM("%s %s: option '%s' has no help text", rs_sec_kind_name(kind), type,
				o->key);
		if (c && c->opt.type != o->type)
			PROBLEM("%s %s: option '%s' clashes with the core key of that name (%s, not %s)",
				rs_sec_kind_name(kind), type, o->key, rs_opt_type_name(c->opt.type),
				rs_opt_type_name(o->type));
		for (p = opts; p < o; p++)
			if (!strcmp(p->key, o->key))
				PROBLEM("%s %s: option '%s' declared twice", rs_sec_kind_name(kind),
					type, o->key);
	}
#undef PROBLEM
	*msgs = m;
	return nr;
}
