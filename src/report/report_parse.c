// SPDX-License-Identifier: GPL-2.0
/*
 * One line of collected events -> struct rs_ev.  Three formats (rs_report.h), told apart
 * by their shape: perf trace starts with a millisecond time and writes
 * "group:event(field: value, ...)"; perf script and tracefs put "secs.usecs: " before
 * the event name, perf script with the group ("dma_buf:dma_buf_export:"), tracefs
 * without.  Fields are the TP_printk key=value pairs of docs/trace-events.md (and
 * "attachment:%p"); perf trace prints the raw fields instead ("attach: 0x...",
 * "val: ...", numeric trigger) and leaves out fields that are zero.
 *
 * No allocation: the event's strings point into the line.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "rs_util.h"

#define B(f)	(1ULL << (f))
#define BUF_F	(B(F_EXP_NAME) | B(F_SIZE) | B(F_INO))
#define ATT_F	(BUF_F | B(F_ATTACH) | B(F_IS_DYNAMIC) | B(F_DEV_NAME))

const struct rs_ev_info rs_ev_info[EV_NR] = {
	[EV_EXPORT]		= { "dma_buf_export", "dma_buf", BUF_F },
	[EV_PUT]		= { "dma_buf_put", "dma_buf", BUF_F },
	[EV_MMAP]		= { "dma_buf_mmap", "dma_buf", BUF_F },
	[EV_MMAP_INTERNAL]	= { "dma_buf_mmap_internal", "dma_buf", BUF_F },
	[EV_FD]			= { "dma_buf_fd", "dma_buf", BUF_F | B(F_FD) },
	[EV_GET]		= { "dma_buf_get", "dma_buf", BUF_F | B(F_FD) },
	[EV_DYN_ATTACH]		= { "dma_buf_dynamic_attach", "dma_buf", ATT_F },
	[EV_DETACH]		= { "dma_buf_detach", "dma_buf", ATT_F },
	[EV_INV_BEGIN]		= { "dma_buf_invalidate_begin", "dma_buf", BUF_F | B(F_NR_ATTACH) },
	[EV_INV_ATTACH]		= { "dma_buf_invalidate_attach", "dma_buf",
				    ATT_F | B(F_REVOCABLE) | B(F_PEER2PEER) | B(F_DURATION_NS) },
	[EV_INV_END]		= { "dma_buf_invalidate_end", "dma_buf",
				    BUF_F | B(F_NR_ATTACH) | B(F_DURATION_NS) },
	[EV_MAP]		= { "dma_buf_map_attachment", "dma_buf", ATT_F | B(F_RET) },
	[EV_UNMAP]		= { "dma_buf_unmap_attachment", "dma_buf", ATT_F | B(F_SINCE_INV_NS) },
	[EV_ATTACH_REJECTED]	= { "dma_buf_attach_rejected", "dma_buf",
				    BUF_F | B(F_IS_DYNAMIC) | B(F_REVOCABLE) | B(F_PEER2PEER) |
				    B(F_DEV_NAME) | B(F_ERR) },
	[EV_UNMAP_WAIT_HUNG]	= { "dma_buf_unmap_wait_hung", "dma_buf",
				    BUF_F | B(F_ATTACH) | B(F_DEV_NAME) | B(F_DRIVER) | B(F_MAPPED) |
				    B(F_SINCE_INV_MS) | B(F_WAITED_MS) },
	/* kernel-patches v2: a hung-importer report that could not name the importer */
	[EV_UNMAP_WAIT_STALLED]	= { "dma_buf_unmap_wait_stalled", "dma_buf",
				    BUF_F | B(F_REASON) | B(F_WAITED_MS) },
	[EV_MOVE_BEGIN]		= { "vfio_pci_dmabuf_move_begin", "vfio_pci",
				    B(F_DEV) | B(F_INO) | B(F_SIZE) | B(F_REVOKE) | B(F_TRIGGER) },
	[EV_FENCE_WAIT]		= { "vfio_pci_dmabuf_fence_wait", "vfio_pci",
				    B(F_DEV) | B(F_INO) | B(F_REVOKE) | B(F_DURATION_NS) | B(F_RET) },
	[EV_UNMAP_WAIT]		= { "vfio_pci_dmabuf_unmap_wait", "vfio_pci",
				    B(F_DEV) | B(F_INO) | B(F_DURATION_NS) },
	[EV_MOVE_END]		= { "vfio_pci_dmabuf_move_end", "vfio_pci",
				    B(F_DEV) | B(F_INO) | B(F_REVOKE) | B(F_TRIGGER) | B(F_DURATION_NS) },
	[EV_MOCK_ATTACH]	= { "dma_buf_mock_attach", "dma_buf_mock",
				    B(F_INO) | B(F_HANDLE) | B(F_BEHAVIOUR) | B(F_DEV_NAME) | B(F_RET) },
	[EV_MOCK_INVALIDATE]	= { "dma_buf_mock_invalidate", "dma_buf_mock",
				    B(F_INO) | B(F_HANDLE) | B(F_BEHAVIOUR) },
	[EV_MOCK_UNMAP]		= { "dma_buf_mock_unmap", "dma_buf_mock",
				    B(F_INO) | B(F_HANDLE) | B(F_BEHAVIOUR) | B(F_REASON) },
	[EV_MOCK_FENCE]		= { "dma_buf_mock_fence", "dma_buf_mock",
				    B(F_INO) | B(F_HANDLE) | B(F_DELAY_MS) },
};

/* enum vfio_pci_dmabuf_trigger order, for perf trace's raw numbers */
const char *const rs_triggers[8] = {
	"command_memory", "pm_d3hot", "flr", "af_flr", "reset", "hot_reset", "low_power", "close",
};

enum { T_STR, T_NUM, T_SNUM, T_HEX, T_BOOL };

static const struct {
	const char *key;
	unsigned char len, field, type;
} rs_keys[] = {
#define K(k, f, t) { k, sizeof(k) - 1, f, t }
	K("exp_name", F_EXP_NAME, T_STR),
	K("size", F_SIZE, T_NUM),
	K("ino", F_INO, T_NUM),
	K("attachment", F_ATTACH, T_HEX),
	K("attach", F_ATTACH, T_HEX),
	K("is_dynamic", F_IS_DYNAMIC, T_BOOL),
	K("dev_name", F_DEV_NAME, T_STR),
	K("nr_attach", F_NR_ATTACH, T_NUM),
	K("duration_ns", F_DURATION_NS, T_NUM),
	K("revocable", F_REVOCABLE, T_BOOL),
	K("peer2peer", F_PEER2PEER, T_BOOL),
	K("ret", F_RET, T_SNUM),
	K("since_invalidate_ns", F_SINCE_INV_NS, T_SNUM),
	K("err", F_ERR, T_SNUM),
	K("driver", F_DRIVER, T_STR),
	K("mapped", F_MAPPED, T_NUM),
	K("since_invalidate_ms", F_SINCE_INV_MS, T_NUM),
	K("waited_ms", F_WAITED_MS, T_NUM),
	K("dev", F_DEV, T_STR),
	K("revoke", F_REVOKE, T_BOOL),
	K("trigger", F_TRIGGER, T_STR),
	K("fd", F_FD, T_SNUM),
	K("handle", F_HANDLE, T_NUM),
	K("behaviour", F_BEHAVIOUR, T_STR),
	K("reason", F_REASON, T_STR),
	K("delay_ms", F_DELAY_MS, T_NUM),
	K("val", F_VAL, T_SNUM),
#undef K
};

static const char *const rs_field_names[F_NR] = {
	[F_EXP_NAME] = "exp_name", [F_SIZE] = "size", [F_INO] = "ino",
	[F_ATTACH] = "attachment", [F_IS_DYNAMIC] = "is_dynamic", [F_DEV_NAME] = "dev_name",
	[F_NR_ATTACH] = "nr_attach", [F_DURATION_NS] = "duration_ns",
	[F_REVOCABLE] = "revocable", [F_PEER2PEER] = "peer2peer", [F_RET] = "ret",
	[F_SINCE_INV_NS] = "since_invalidate_ns", [F_ERR] = "err", [F_DRIVER] = "driver",
	[F_MAPPED] = "mapped", [F_SINCE_INV_MS] = "since_invalidate_ms",
	[F_WAITED_MS] = "waited_ms", [F_DEV] = "dev", [F_REVOKE] = "revoke",
	[F_TRIGGER] = "trigger", [F_FD] = "fd", [F_HANDLE] = "handle",
	[F_BEHAVIOUR] = "behaviour", [F_REASON] = "reason", [F_DELAY_MS] = "delay_ms",
	[F_VAL] = "val",
};

static inline bool is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       (c >= 'A' && c <= 'Z');
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static enum rs_ev_type rs_ev_lookup(const char *s, size_t len)
{
	int t;

	/* every event of ours starts "dma_buf_" or "vfio_pci_dmabuf_" */
	if (len < 10 || (s[0] != 'd' && s[0] != 'v'))
		return EV_NONE;
	for (t = EV_NONE + 1; t < EV_NR; t++) {
		const char *n = rs_ev_info[t].name;

		/* not strncmp(): input may hold a NUL byte where the name ends */
		if (strlen(n) == len && !memcmp(n, s, len))
			return t;
	}
	return EV_NONE;
}

/*
 * "secs.frac" -> ns; frac of any length, exact to 9 digits.  False if it is not one, or
 * does not fit in 64 bits of nanoseconds: never wrapped into another time.
 */
static bool rs_parse_secs(const char *s, const char *e, uint64_t mult_digits, uint64_t *ns)
{
	const uint64_t mult = mult_digits == 9 ? 1000000000ULL : 1000000ULL;
	uint64_t secs = 0, frac = 0;
	unsigned int nd = 0;

	if (s >= e || !is_digit(*s))
		return false;
	while (s < e && is_digit(*s)) {
		if (secs > (UINT64_MAX - 9) / 10)
			return false;
		secs = secs * 10 + (uint64_t)(*s++ - '0');
	}
	if (s < e && *s == '.') {
		s++;
		while (s < e && is_digit(*s)) {
			if (nd < 9) {
				frac = frac * 10 + (uint64_t)(*s - '0');
				nd++;
			}
			s++;
		}
	}
	if (s != e)
		return false;
	while (nd < 9) {
		frac *= 10;
		nd++;
	}
	/* mult_digits: 9 for seconds, 6 for milliseconds */
	if (mult_digits != 9)
		frac /= 1000;
	if (secs > (UINT64_MAX - frac) / mult)
		return false;
	*ns = secs * mult + frac;
	return true;
}

/*
 * A field's number: decimal, or hex with 0x (T_HEX: hex always); T_SNUM may be negative
 * (down to -2^63, kept as two's complement).  0, -EINVAL if it is not a number, or
 * -ERANGE if it does not fit: never wrapped into another number.
 */
static int rs_parse_num(const char *s, size_t len, int type, uint64_t *out)
{
	const char *e = s + len;
	bool neg = false, hex = type == T_HEX;
	uint64_t v = 0;

	if (type == T_BOOL) {
		if (len == 4 && !memcmp(s, "true", 4)) {
			*out = 1;
			return 0;
		}
		if (len == 5 && !memcmp(s, "false", 5)) {
			*out = 0;
			return 0;
		}
	}
	if (s < e && *s == '-' && type == T_SNUM) {
		neg = true;
		s++;
	}
	if (e - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		hex = true;
		s += 2;
	}
	if (s == e)
		return -EINVAL;
	for (; s < e; s++) {
		char c = *s;
		unsigned int d, base = hex ? 16 : 10;

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (hex && c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (hex && c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else if (c == ' ' && type != T_HEX)	/* perf trace: "25566 (sh)" */
			break;
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if ((neg && v > (uint64_t)INT64_MAX + 1) || (type == T_SNUM && !neg && v > INT64_MAX))
		return -ERANGE;
	*out = neg ? 0 - v : v;	/* unsigned negation: -2^63 is no overflow */
	return 0;
}

/* Store one key/value; returns false (with *why) if the value is bad for the key. */
static bool rs_set_field(struct rs_ev *ev, const char *k, size_t klen, const char *v, size_t vlen,
			 const char **why)
{
	size_t i;
	int err;

	for (i = 0; i < RS_ARRAY_SIZE(rs_keys); i++) {
		if (rs_keys[i].len != klen || memcmp(rs_keys[i].key, k, klen))
			continue;
		ev->have |= B(rs_keys[i].field);
		ev->str[rs_keys[i].field].s = v;
		ev->str[rs_keys[i].field].len = vlen;
		if (rs_keys[i].type == T_STR)
			return true;
		err = rs_parse_num(v, vlen, rs_keys[i].type, &ev->num[rs_keys[i].field]);
		if (err) {
			snprintf(ev->why, sizeof(ev->why), "%s: %s: '%.*s'", rs_keys[i].key,
				 err == -ERANGE ? "out of range" : "not a number",
				 (int)(vlen > 40 ? 40 : vlen), v);
			*why = ev->why;
			return false;
		}
		return true;
	}
	return true;	/* a field we do not use */
}

/* key=value fields separated by spaces (TP_printk style; "attachment:%p" too). */
static bool rs_parse_kv(struct rs_ev *ev, const char *p, const char *e, const char **why)
{
	while (p < e) {
		const char *k, *v, *q;
		size_t klen;

		while (p < e && *p == ' ')
			p++;
		if (p >= e)
			break;
		k = p;
		while (p < e && is_ident(*p))
			p++;
		klen = (size_t)(p - k);
		if (!klen || p >= e || (*p != '=' && *p != ':')) {
			snprintf(ev->why, sizeof(ev->why), "expected key=value at '%.*s'",
				 (int)(e - k > 40 ? 40 : e - k), k);
			*why = ev->why;
			return false;
		}
		v = ++p;
		/* the value runs to the next " ident=" or " ident:" (values may hold spaces) */
		for (q = v; q < e; q++) {
			const char *r;

			if (*q != ' ')
				continue;
			for (r = q + 1; r < e && is_ident(*r); r++)
				;
			if (r > q + 1 && r < e && (*r == '=' || (*r == ':' && r + 1 < e && r[1] != ' ')))
				break;
		}
		if (!rs_set_field(ev, k, klen, v, (size_t)(q - v), why))
			return false;
		p = q;
	}
	return true;
}

/* perf trace's "field: value, field: value" (strings quoted). */
static bool rs_parse_colon(struct rs_ev *ev, const char *p, const char *e, const char **why)
{
	while (p < e) {
		const char *k, *v, *q;
		size_t klen, vlen;

		while (p < e && (*p == ' ' || *p == ','))
			p++;
		if (p >= e)
			break;
		k = p;
		while (p < e && is_ident(*p))
			p++;
		klen = (size_t)(p - k);
		if (!klen || p + 1 >= e || p[0] != ':' || p[1] != ' ') {
			snprintf(ev->why, sizeof(ev->why), "expected 'field: value' at '%.*s'",
				 (int)(e - k > 40 ? 40 : e - k), k);
			*why = ev->why;
			return false;
		}
		v = p + 2;
		if (v < e && *v == '"') {
			v++;
			q = memchr(v, '"', (size_t)(e - v));
			if (!q) {
				*why = "unterminated string";
				return false;
			}
			vlen = (size_t)(q - v);
			q++;
		} else {
			for (q = v; q < e; q++) {
				const char *r;

				if (*q != ',' || q + 1 >= e || q[1] != ' ')
					continue;
				for (r = q + 2; r < e && is_ident(*r); r++)
					;
				if (r > q + 2 && r + 1 < e && r[0] == ':' && r[1] == ' ')
					break;
			}
			vlen = (size_t)(q - v);
		}
		if (!rs_set_field(ev, k, klen, v, vlen, why))
			return false;
		p = q;
	}
	return true;
}

/* After the fields: the raw forms to the contract's, and the required fields there. */
static bool rs_finish_ev(struct rs_ev *ev, bool raw, const char **why)
{
	uint64_t need = rs_ev_info[ev->type].need, miss;
	int f;

	if (ev->have & B(F_VAL)) {
		if (ev->type == EV_MAP && !(ev->have & B(F_RET))) {
			ev->num[F_RET] = ev->num[F_VAL];
			ev->have |= B(F_RET);
		} else if (ev->type == EV_UNMAP && !(ev->have & B(F_SINCE_INV_NS))) {
			ev->num[F_SINCE_INV_NS] = ev->num[F_VAL];
			ev->have |= B(F_SINCE_INV_NS);
		}
	}
	/* perf trace's raw trigger is the enum's number */
	if ((ev->have & B(F_TRIGGER)) && ev->str[F_TRIGGER].len && is_digit(ev->str[F_TRIGGER].s[0])) {
		uint64_t t = 0;

		if (rs_parse_num(ev->str[F_TRIGGER].s, ev->str[F_TRIGGER].len, T_NUM, &t) && t < 8) {
			ev->str[F_TRIGGER].s = rs_triggers[t];
			ev->str[F_TRIGGER].len = strlen(rs_triggers[t]);
		}
	}
	if (raw) {
		/* perf trace leaves out zero fields: only names and ids are required */
		uint64_t zeroable = ~(B(F_EXP_NAME) | B(F_DEV_NAME) | B(F_DEV) | B(F_INO) |
				      B(F_ATTACH) | B(F_DRIVER));

		for (f = 0; f < F_NR; f++) {
			if ((need & zeroable & ~ev->have) & B(f)) {
				/* a zero trigger is the enum's first name */
				ev->num[f] = 0;
				ev->str[f].s = f == F_TRIGGER ? rs_triggers[0] : "0";
				ev->str[f].len = strlen(ev->str[f].s);
			}
		}
		ev->have |= need & zeroable;
	}
	miss = need & ~ev->have;
	if (!miss)
		return true;
	for (f = 0; f < F_NR; f++)
		if (miss & B(f))
			break;
	snprintf(ev->why, sizeof(ev->why), "%s: no field '%s' (truncated line?)",
		 rs_ev_info[ev->type].name, rs_field_names[f]);
	*why = ev->why;
	return false;
}

/* The last "[digits]" before the time: tracefs' and perf script's CPU column; -1 if none. */
static int rs_parse_cpu(const char *line, const char *ts)
{
	const char *p;

	for (p = ts; p > line; p--) {
		const char *q;
		int cpu = 0;

		if (p[-1] != ']')
			continue;
		for (q = p - 1; q > line && is_digit(q[-1]); q--)
			;
		if (q == p - 1 || q == line || q[-1] != '[' || p - 1 - q > 6)
			continue;
		for (; q < p - 1; q++)
			cpu = cpu * 10 + (*q - '0');
		return cpu;
	}
	return -1;
}

/* perf script / tracefs: "... secs.usecs: [group:]event: fields" */
static enum rs_report_format rs_parse_script(const char *line, const char *e, struct rs_ev *ev,
					     const char **why)
{
	const char *p = line, *ts, *name, *ne, *colon;
	enum rs_report_format fmt;

	for (;;) {
		p = memchr(p, ':', (size_t)(e - p));
		if (!p)
			return RS_FMT_UNKNOWN;
		/* ":" after digits.digits, preceded by a space, followed by a space */
		if (p + 1 < e && p[1] == ' ' && p > line && is_digit(p[-1])) {
			ts = p - 1;
			while (ts > line && (is_digit(ts[-1]) || ts[-1] == '.'))
				ts--;
			if ((ts == line || ts[-1] == ' ') && memchr(ts, '.', (size_t)(p - ts)))
				break;
		}
		p++;
	}
	if (!rs_parse_secs(ts, p, 9, &ev->ts_ns))
		return RS_FMT_UNKNOWN;
	ev->cpu = rs_parse_cpu(line, ts);
	p++;
	while (p < e && *p == ' ')
		p++;
	name = p;
	while (p < e && *p != ' ')
		p++;
	/* name "group:event:" (perf script) or "event:" (tracefs) */
	if (p == name || p[-1] != ':') {
		if (p == e && p > name && p[-1] != ':') {
			*why = "truncated line: no ':' after the event name";
			return RS_FMT_PERF_SCRIPT;
		}
		return RS_FMT_UNKNOWN;
	}
	ne = p - 1;
	colon = memchr(name, ':', (size_t)(ne - name));
	fmt = colon ? RS_FMT_PERF_SCRIPT : RS_FMT_TRACEFS;
	if (colon)
		name = colon + 1;
	ev->type = rs_ev_lookup(name, (size_t)(ne - name));
	if (ev->type == EV_NONE)
		return fmt;
	if (!rs_parse_kv(ev, p, e, why) || !rs_finish_ev(ev, false, why))
		ev->type = EV_NONE;
	return fmt;
}

/* perf trace: "  1234.567 [( 0.001 ms): ]comm/tid group:event(fields)" */
static enum rs_report_format rs_parse_ptrace(const char *line, const char *e, struct rs_ev *ev,
					     const char **why)
{
	const char *p = line, *ts, *name, *open, *close;

	while (p < e && *p == ' ')
		p++;
	ts = p;
	while (p < e && (is_digit(*p) || *p == '.'))
		p++;
	if (p == ts || p >= e || *p != ' ' || !memchr(ts, '.', (size_t)(p - ts)))
		return RS_FMT_UNKNOWN;
	if (!rs_parse_secs(ts, p, 6, &ev->ts_ns))
		return RS_FMT_UNKNOWN;
	/* the event: the first "ident:ident(" */
	for (open = p; (open = memchr(open, '(', (size_t)(e - open))); open++) {
		const char *c;

		if (open == p || !is_ident(open[-1]))
			continue;
		for (c = open - 1; c > p && (is_ident(*c) || *c == ':'); c--)
			;
		name = c + 1;
		if (memchr(name, ':', (size_t)(open - name)))
			break;
	}
	if (!open) {
		/* a perf trace line of something else (a syscall): "ms [(dur)]: comm/tid ..." */
		const char *slash = memchr(p, '/', (size_t)(e - p));

		return slash && slash + 1 < e && is_digit(slash[1]) ? RS_FMT_PERF_TRACE : RS_FMT_UNKNOWN;
	}
	name = memchr(name, ':', (size_t)(open - name)) + 1;
	ev->type = rs_ev_lookup(name, (size_t)(open - name));
	if (ev->type == EV_NONE)
		return RS_FMT_PERF_TRACE;
	close = e;
	while (close > open && close[-1] == ' ')
		close--;
	if (close == open + 1 || close[-1] != ')') {
		*why = "truncated line: no ')' after the fields";
		ev->type = EV_NONE;
		return RS_FMT_PERF_TRACE;
	}
	close--;
	open++;
	{
		/* "field: value" (default) or TP_printk "key=value" (--libtraceevent_print) */
		const char *k = open;
		bool raw;

		while (k < close && is_ident(*k))
			k++;
		raw = k < close && *k == ':' && k + 1 < close && k[1] == ' ';
		if (raw ? !rs_parse_colon(ev, open, close, why) : !rs_parse_kv(ev, open, close, why)) {
			ev->type = EV_NONE;
			return RS_FMT_PERF_TRACE;
		}
		if (!rs_finish_ev(ev, raw, why))
			ev->type = EV_NONE;
	}
	return RS_FMT_PERF_TRACE;
}

enum rs_report_format rs_parse_line(const char *line, size_t len, enum rs_report_format hint,
				    struct rs_ev *ev, const char **why)
{
	const char *e = line + len, *p = line;
	enum rs_report_format fmt;

	ev->type = EV_NONE;
	ev->have = 0;
	ev->cpu = -1;
	*why = NULL;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (p == e || *p == '#')
		return RS_FMT_UNKNOWN;
	if (hint == RS_FMT_PERF_TRACE) {
		fmt = rs_parse_ptrace(line, e, ev, why);
		if (fmt != RS_FMT_UNKNOWN)
			return fmt;
		return rs_parse_script(line, e, ev, why);
	}
	fmt = rs_parse_script(line, e, ev, why);
	if (fmt != RS_FMT_UNKNOWN)
		return fmt;
	return rs_parse_ptrace(line, e, ev, why);
}
