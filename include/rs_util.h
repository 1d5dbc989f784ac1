/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the core: allocation that never returns NULL, a growable
 * string, monotonic time, errno names and edit distance for "did you mean" hints.
 */
#ifndef RS_UTIL_H
#define RS_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RS_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define rs_container_of(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

/* Allocation: out of memory is fatal (message + abort), callers never check. */
void *rs_xmalloc(size_t n);
void *rs_xcalloc(size_t nmemb, size_t size);
void *rs_xrealloc(void *p, size_t n);
/* Grow *arr (element size sz) so index `need` fits; *cap is updated. */
void rs_xgrow(void *arr, size_t *cap, size_t need, size_t sz);
char *rs_xstrdup(const char *s);
char *rs_xstrndup(const char *s, size_t n);
char *rs_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *rs_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A growable NUL-terminated string. */
struct rs_buf_str {
	char *s;
	size_t len, cap;
};

void rs_str_add(struct rs_buf_str *b, const char *s);
void rs_str_addn(struct rs_buf_str *b, const char *s, size_t n);
void rs_str_addc(struct rs_buf_str *b, char c);
void rs_str_addf(struct rs_buf_str *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rs_str_free(struct rs_buf_str *b);
/* Returns the string (never NULL) and leaves b empty. */
char *rs_str_steal(struct rs_buf_str *b);

/* CLOCK_MONOTONIC and CLOCK_REALTIME in nanoseconds. */
/*
 * In a forked child before exec: unblock every signal, and give SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT and SIGPIPE their default action.  A run blocks SIGINT, SIGTERM and SIGHUP in all
 * its threads (the supervisor takes them) and ignores SIGPIPE, and a run started in the
 * background by a shell without job control (nohup, cron, a CI script's "&") inherits
 * SIGINT and SIGQUIT ignored; exec keeps both a mask and an ignored signal, so a program it
 * starts (perf, stress-ng) would ignore the signals that stop it.  It also gets back the
 * soft open-file limit the process started with (a run raises it: rs_fdbudget.h).
 */
void rs_child_signals(void);

/*
 * The perf binary: $PERF, a working `perf`, else Debian's newest versioned perf_X.Y (the
 * `perf` wrapper refuses to run on another kernel's version).  malloc'd, or NULL.
 */
char *rs_perf_path(void);

uint64_t rs_now_ns(void);
uint64_t rs_wall_ns(void);
/* "2026-11-25T02:33:02.123Z" (UTC, milliseconds) into buf (>= 32 bytes). */
void rs_fmt_iso8601(uint64_t wall_ns, char *buf, size_t len);

/* "ENODEV" for 19 (sign ignored); "E1234" if unknown.  Never NULL. */
const char *rs_errno_name(int err);

/* Optimal string alignment distance (edit distance counting transpositions). */
size_t rs_edit_distance(const char *a, const char *b);
/*
 * The best candidate for a misspelt word, or NULL if none is close enough.
 * cands is NULL-terminated or nr long (nr = SIZE_MAX: NULL-terminated).
 */
const char *rs_did_you_mean(const char *word, const char *const *cands, size_t nr);

/* Read a whole file (at most max bytes, 0 = no limit) into a NUL-terminated buffer. */
int rs_read_file(const char *path, char **buf, size_t *len, size_t max);
/* Write a file atomically (temporary + fsync + rename). */
int rs_write_file_atomic(const char *path, const char *data, size_t len);
/* mkdir -p */
int rs_mkdir_p(const char *path, unsigned int mode);

/* splitmix64: the core's seeded random stream. */
static inline uint64_t rs_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* FNV-1a, for deriving per-object seeds from names. */
uint64_t rs_hash_str(uint64_t h, const char *s);

#endif /* RS_UTIL_H */
