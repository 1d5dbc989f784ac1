/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verdict (src/controller/verdict.c): a pure function from what a run left to every
 * test point's final result, the exit code and the status word.  No I/O, no lock, no
 * clock: nothing but its arguments.  The supervisor takes a snapshot of the run into it,
 * under the run's locks, and applies what comes out (rs_finish()).
 */
#ifndef RS_VERDICT_H
#define RS_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rs_result.h"

#define RS_VREASON	256	/* = RS_REASON */

/*
 * Is reason a culprit's (src/controller/blame.c) whose evidence is the kernel's own
 * hung-importer report, not just the run's inference?  The storm matrix's culprit cells
 * pass only then.
 */
bool rs_blame_has_kernel_report(const char *reason);

enum rs_vkind {
	RS_VK_PAIR,		/* a trigger x exporter */
	RS_VK_IMPORTER,
	RS_VK_EXPORTER,
	RS_VK_PHASE,
	RS_VK_LOAD,
};

struct rs_vobj {
	enum rs_vkind kind;
	enum rs_result state;		/* in: as the run left it; out: the verdict */
	char reason[RS_VREASON];	/* in and out; "" for none */
	/* a pair */
	uint64_t cycles;		/* revoke cycles it completed */
	uint64_t started;		/* revoke calls it began */
	bool waited_turn;		/* waited for its turn on the exporter (exclusive) */
	bool active;			/* active in a phase that ran */
	/* an importer */
	bool opened;
	bool held;			/* the culprit or a victim of a hang: its state stays */
	size_t imports, imports_ok, imports_failed;
	char import_failure[RS_VREASON];	/* the first failed import, said in full */
	char import_reason[RS_VREASON];	/* the first import's reason (why it skipped) */
	uint64_t traffic_failures;	/* traffic that failed while nothing was revoked */
};

struct rs_verdict_in {
	struct rs_vobj *obj;
	size_t nr;
	size_t hangs;			/* hangs declared */
	size_t klog_failures;		/* kernel log reports that fail the run */
	bool oracle_fails;		/* the trace oracle found violations, or contradicts a live claim */
	enum rs_result leak_check;	/* RS_RES_NOTRUN: not judged */
	bool internal_error;
	const char *error;		/* why setup could not go on, or NULL */
	bool signal;			/* a signal stopped the run */
	bool stopped_early;		/* the run stopped before its end: signal, hang, error */
};

struct rs_verdict {
	int exit_code;			/* RS_EXIT_* */
	const char *status;		/* "pass", "fail", "hang", "skip", "interrupted", "error" */
};

/*
 * Final results in in->obj[] (state, reason) and the run's in *out:
 *  - what was never reached (NOTRUN) is skipped, saying why;
 *  - a pair that completed no revoke cycle is not ok: it fails, or skips when it was
 *    active in no phase that ran, the run stopped before it fired, or its first cycle
 *    was still running when the run ended (a trigger that said why it cannot act skips
 *    already);
 *  - an importer fails on a failed import or traffic failure, skips with nothing
 *    imported, passes otherwise; an open that failed, a hang, and what the hang
 *    attribution decided (culprit, victim) stay;
 *  - any failure, hang, failing kernel report, leak or trace oracle failure fails the run.
 */
void rs_verdict(struct rs_verdict_in *in, struct rs_verdict *out);

/* What a phase had to work with, as it ends. */
struct rs_vphase {
	uint64_t failures;		/* counted in the phase */
	size_t exporters;		/* in the scenario */
	size_t up;			/* of them, opened and exported everything */
	size_t failed;			/* of them, failed to (not skipped) */
	const char *down;		/* the first not up: "NAME: reason", or NULL */
};

/*
 * A phase's result: failures fail it; a phase whose exporters never came up exercised
 * nothing and is not ok: it fails when one of them failed to come up, else skips (the
 * environment lacks them), naming the first.  Else it passes.  why gets the reason.
 */
enum rs_result rs_phase_verdict(const struct rs_vphase *p, char *why, size_t len);

#endif /* RS_VERDICT_H */
