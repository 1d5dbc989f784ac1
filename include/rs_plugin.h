/* SPDX-License-Identifier: GPL-2.0 */
/*
 * revokestorm plugin interface: exporters, importers, triggers and loads.
 *
 * Each plugin is one file under src/{exporters,importers,triggers,loads}/ with one ops
 * table, registered by RS_REGISTER_*() at start-up.  The core (scenario, controller,
 * results) finds plugins by the "type" key of a scenario section and never names one.
 *
 * Conventions:
 *  - Every callback returns 0 or a negative errno.  -RS_ESKIP means "this environment or
 *    device cannot do that" and must come with a reason set by rs_skip().
 *  - Callbacks report problems with rs_err()/rs_skip() on the object they were given,
 *    naming the device or file, so the core can print and record them.
 *  - Callbacks may be called from worker threads, one worker per object at a time.
 */
#ifndef RS_PLUGIN_H
#define RS_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_ESKIP	1000	/* -RS_ESKIP: not possible here; see the object's reason */
/*
 * -RS_EREFUSED (import only): the exporter refused the import, as it must refuse this
 * importer (VFIO and a non-revocable importer); a passed check, not an import.
 */
#define RS_EREFUSED	1001

struct rs_ctx;
struct rs_section;

/* ------------------------------------------------------------------ options */

enum rs_opt_type {
	RS_OPT_STR,
	RS_OPT_INT,	/* signed 64-bit */
	RS_OPT_SIZE,	/* bytes; accepts K/KiB/M/MiB/G/GiB suffixes */
	RS_OPT_TIME,	/* nanoseconds; needs a unit (ns/us/ms/s/m/h), but 0 may stand alone */
	RS_OPT_BOOL,
	RS_OPT_ENUM,	/* one of the '|'-separated words in .choices */
	RS_OPT_LIST,	/* comma-separated words (e.g. section names) */
};

/* The range of a TIME option that gives none: a run, a phase or a wait of up to a year. */
#define RS_TIME_MAX	(366ULL * 24 * 3600 * 1000000000ULL)

struct rs_opt {
	const char *key;
	enum rs_opt_type type;
	const char *def;	/* default as scenario text; NULL = required */
	const char *help;
	const char *choices;	/* RS_OPT_ENUM only */
	/*
	 * INT, SIZE (bytes), TIME (ns): the values allowed, min..max; a value outside is an
	 * error naming file:line.  Both 0: the type's range (INT: any; SIZE: any; TIME:
	 * 0..RS_TIME_MAX).  Give the range where the code relies on one.
	 */
	int64_t min, max;
};

/*
 * Typed access to a section's resolved values.  Keys must be declared in the plugin's
 * opts table (the core rejects undeclared keys at parse time, naming file:line), and read
 * with the accessor of their type; values are within the option's range.
 */
const char *rs_sec_str(const struct rs_section *s, const char *key);
int64_t rs_sec_int(const struct rs_section *s, const char *key);
uint64_t rs_sec_size(const struct rs_section *s, const char *key);
uint64_t rs_sec_time_ns(const struct rs_section *s, const char *key);
bool rs_sec_bool(const struct rs_section *s, const char *key);
/* An ENUM's value as its index in the choices ("a|b|c": b is 1), to switch on. */
int rs_sec_enum(const struct rs_section *s, const char *key);
const char *rs_sec_name(const struct rs_section *s);	/* the [section] name */
/* "file:line" where key was set (or where the section starts), for messages. */
const char *rs_sec_where(const struct rs_section *s, const char *key);

/* ------------------------------------------------------------------ common */

struct rs_obj {
	const char *name;	/* section name */
	const struct rs_section *sec;
	struct rs_ctx *ctx;
	void *priv;		/* the plugin's own state */
	char reason[256];	/* set by rs_skip()/rs_err(): why the last call failed */
};

/* Record why the last call could not be done; returns -RS_ESKIP or -err for chaining. */
int rs_refused(struct rs_obj *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int rs_skip(struct rs_obj *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int rs_err(struct rs_obj *o, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Diagnostics to the run log (stderr status stream and results). */
void rs_log(struct rs_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Seeded per-object random numbers (reproducible from the scenario seed). */
uint64_t rs_rand(struct rs_obj *o);
/* True once the run is stopping (SIGINT/SIGTERM, duration over, hang): loops must exit. */
bool rs_stopping(const struct rs_ctx *ctx);
/*
 * Add delta to the object's counter name (created at 0 on first use, in that order):
 * results.json lists an importer's counters under "counters", its KTAP point a line of
 * them, `revokestorm report` the same.  name must outlive the run (a string literal),
 * lower case, digits and '_'.  Thread-safe and lock-free once the name exists; at most
 * RS_MAX_COUNTERS names per object (more are dropped, said once in the log).
 */
#define RS_MAX_COUNTERS	24
void rs_count(struct rs_obj *o, const char *name, uint64_t delta);
/* The same counter kept as the largest value seen. */
void rs_count_max(struct rs_obj *o, const char *name, uint64_t v);

/* ------------------------------------------------------------------ exporters */

/* One dma-buf. */
struct rs_buf {
	int fd;			/* the dma-buf fd, -1 once released */
	uint64_t size;
	unsigned int index;	/* 0..count-1 within its exporter */
	unsigned long ino;	/* the dma-buf inode: matches the trace events' ino */
	struct rs_exporter *ex;
	void *priv;
};

struct rs_exporter {
	struct rs_obj o;
	const struct rs_exporter_ops *ops;
	struct rs_buf *bufs;
	unsigned int nr_bufs;
};

struct rs_exporter_ops {
	const char *type;	/* scenario "type = ..." of an [exporter ...] section */
	const char *help;
	const struct rs_opt *opts;	/* terminated by { .key = NULL } */
	bool revocable;		/* false: udmabuf, dma-heap (controls) */
	/* a revoke returns only once every importer has unmapped (VFIO: the unmap wait) */
	bool revoke_waits_unmap;
	/* refuses importers that cannot be revoked (VFIO: no invalidate_mappings, -EOPNOTSUPP) */
	bool requires_revocable;
	/* a revoke returns only once every fence of the buffer's reservation signalled (VFIO) */
	bool revoke_waits_fences;
	/* Open the device or allocator; check it may be used (bound to vfio-pci, ...). */
	int (*open)(struct rs_exporter *ex);
	/* Create the dma-buf buf->index; fill fd, size, ino. */
	int (*export)(struct rs_exporter *ex, struct rs_buf *buf);
	void (*release)(struct rs_exporter *ex, struct rs_buf *buf);
	/*
	 * What triggers act on.  kind names an interface a trigger needs, e.g. "vfio"
	 * returns a struct rs_vfio_dev *; NULL if this exporter has no such thing.
	 */
	void *(*handle)(struct rs_exporter *ex, const char *kind);
	void (*close)(struct rs_exporter *ex);
	/*
	 * The device this exporter holds, as recorded in the state file while it is open
	 * (e.g. "vfio:0000:00:03.0"), and how to put such a device back in order after a
	 * run that was killed with it revoked or powered down.  Both may be NULL.
	 */
	const char *(*state_id)(struct rs_exporter *ex);
	int (*recover)(struct rs_ctx *ctx, const char *state_id);
};

/* ------------------------------------------------------------------ importers */

/* What an importer variant promises in the storm matrix (`revokestorm matrix`). */
enum rs_expect {
	RS_EXPECT_CLEAN,	/* nothing in the run may fail */
	RS_EXPECT_CULPRIT,	/* may hang revokes on purpose; a hang must then be blamed on it */
};

/* A preset of an importer type: the storm matrix runs each against every trigger. */
struct rs_variant {
	const char *name;	/* the cell shows TYPE.NAME */
	const char *opts;	/* the importer section's lines, '\n'-separated */
	enum rs_expect expect;
};

/* One import of one buffer. */
struct rs_import {
	struct rs_buf *buf;
	bool live;		/* mapped and usable as far as the importer knows */
	void *priv;
};

struct rs_importer {
	struct rs_obj o;
	const struct rs_importer_ops *ops;
};

/*
 * What an import holds that can keep a revoke of its buffer from returning, e.g.
 * "unsignalled fence sw_sync:rs-f0-0 #3 (signal: never)"; fmt NULL clears it.  When a
 * revoke of the buffer's exporter hangs, the hang names it (log, KTAP reason,
 * results.json "blocked_by").  Thread-safe.
 */
void rs_import_blocker(struct rs_import *imp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * A live check saw the kernel break the revoke protocol on buf.  Besides failing the
 * check (rs_err()), the plugin states it as a claim about the kernel: at the end of the
 * run the trace oracle must find the same thing in the kernel's events, or the two
 * disagree and the run says so (docs/reading-a-report.md).  what says it in words.
 */
enum rs_claim_kind {
	RS_CLAIM_MAP_WHILE_REVOKED,	/* a map of buf succeeded while it was revoked */
	RS_CLAIM_MAPPED_AFTER_REVOKE,	/* a revoke returned with a mapping of buf made before it */
	RS_CLAIM_NR,
};
void rs_claim(struct rs_obj *o, enum rs_claim_kind kind, const struct rs_buf *buf,
	      const char *what);

/* CLOCK_MONOTONIC ns at which the last revoke call on ex started (0: none yet). */
uint64_t rs_revoke_started(const struct rs_exporter *ex);
/* CLOCK_MONOTONIC ns at which the last revoke call on ex returned (0: none yet). */
uint64_t rs_revoke_returned(const struct rs_exporter *ex);

struct rs_importer_ops {
	const char *type;
	const char *help;
	const struct rs_opt *opts;
	int (*open)(struct rs_importer *im);
	/* Import and map buf; -EOPNOTSUPP etc. are results, recorded by errno. */
	int (*import)(struct rs_importer *im, struct rs_import *imp);
	/*
	 * After a revoke: check the importer sees it (e.g. a new map fails with ENODEV).
	 * Returns 0 when the observed behaviour is the expected one, else -errno observed.
	 */
	int (*revoked)(struct rs_importer *im, struct rs_import *imp);
	/* After a restore: make the import usable again (iommufd: unmap + map again). */
	int (*restored)(struct rs_importer *im, struct rs_import *imp);
	/* One unit of traffic through the mapping (may be NULL); bytes moved or -errno. */
	int64_t (*traffic)(struct rs_importer *im, struct rs_import *imp);
	void (*release)(struct rs_importer *im, struct rs_import *imp);
	void (*close)(struct rs_importer *im);
	/* Presets for the storm matrix, ended by { .name = NULL }; NULL: the type as it is. */
	const struct rs_variant *variants;
	/*
	 * Descriptors one import keeps open in this process (the descriptor budget,
	 * rs_fdbudget.h); 0 when imports are handles, MRs or IOAS mappings.
	 */
	unsigned int fds_per_import;
};

/* ------------------------------------------------------------------ triggers */

struct rs_trigger {
	struct rs_obj o;
	const struct rs_trigger_ops *ops;
};

struct rs_trigger_ops {
	const char *type;
	const char *help;
	const struct rs_opt *opts;
	const char *needs;	/* exporter handle kind, e.g. "vfio", "iommufd-mock" */
	/* Can this trigger act on this exporter's device?  -RS_ESKIP with the reason if not. */
	int (*probe)(struct rs_trigger *t, struct rs_exporter *ex, void *handle);
	int (*revoke)(struct rs_trigger *t, struct rs_exporter *ex, void *handle);
	int (*restore)(struct rs_trigger *t, struct rs_exporter *ex, void *handle);
	bool permanent;		/* e.g. device close: restore means re-open and re-export */
	/*
	 * Kernel functions on this trigger's revoke path, as a hung task's stack shows them:
	 * `revokestorm repro` maps a hung-task report to the trigger with them.  NULL-ended;
	 * NULL if none is its own.
	 */
	const char *const *frames;
};

/* ------------------------------------------------------------------ loads */

struct rs_load {
	struct rs_obj o;
	const struct rs_load_ops *ops;
};

struct rs_load_ops {
	const char *type;
	const char *help;
	const struct rs_opt *opts;
	int (*start)(struct rs_load *l);
	/* Stop, kill and reap everything; idempotent; called on every exit path. */
	void (*stop)(struct rs_load *l);
};

/* ------------------------------------------------------------------ registry */

void rs_register_exporter(const struct rs_exporter_ops *ops);
void rs_register_importer(const struct rs_importer_ops *ops);
void rs_register_trigger(const struct rs_trigger_ops *ops);
void rs_register_load(const struct rs_load_ops *ops);

const struct rs_exporter_ops *rs_find_exporter(const char *type);
const struct rs_importer_ops *rs_find_importer(const char *type);
const struct rs_trigger_ops *rs_find_trigger(const char *type);
const struct rs_load_ops *rs_find_load(const char *type);

#define RS_REGISTER(kind, ops)							\
	static void __attribute__((constructor)) rs_register_##ops(void)	\
	{									\
		rs_register_##kind(&(ops));					\
	}

#endif /* RS_PLUGIN_H */
