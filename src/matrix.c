// SPDX-License-Identifier: GPL-2.0
/*
 * `revokestorm matrix`: the storm matrix.  Every trigger type x every importer variant
 * (the presets each importer plugin declares, e.g. a mock importer that never unmaps) x
 * {1, 64} buffers x {periodic, burst}, each cell a scenario of its own built on a base
 * file that names the exporters, run as a child `revokestorm run`, and judged against
 * what the variant promises:
 *
 *   clean    nothing may be `not ok`: every trigger x exporter pair, every importer,
 *            the kernel log, the trace oracle and its agreement with the live checks;
 *   culprit  the variant may hang revokes on purpose: if the run ends in a hang, the
 *            only `not ok` may be this importer's own point, naming the kernel's hung
 *            importer evidence, with the victims reported as blocked behind it.
 *
 * A `not ok` that a known kernel finding explains is expected when --known lists it.
 * The quick matrix (the default) runs each trigger x variant once, alternating the
 * buffer count and the timing so that every trigger and every variant meets both of
 * each; --full runs every combination.  Output: KTAP, one point per cell, and the
 * cells' scenarios, KTAP and results under --out.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rs_cli.h"
#include "rs_registry.h"
#include "rs_run.h"
#include "rs_util.h"
#include "rs_verdict.h"

struct rs_mx_variant {
	const char *type;		/* importer type */
	const struct rs_variant *v;	/* NULL: the type with its defaults */
	char name[96];			/* TYPE or TYPE.VARIANT */
	char *skip;			/* an earlier cell showed this environment cannot */
};

struct rs_mx_known {
	regex_t cell, point;
	char *why;
};

struct rs_mx {
	const char *base;
	const char *out;
	unsigned int seconds;
	bool full, cover, list, counting;
	regex_t only;
	bool have_only;
	struct rs_mx_variant *vars;
	size_t nr_vars;
	struct rs_mx_known *known;
	size_t nr_known;
	const char **sets;
	size_t nr_sets;
	unsigned int next, pass, fail, skip;
};

struct rs_mx_point {
	bool ok, skip, timeout;
	char name[128];
	char why[512];
};

struct rs_mx_result {
	int exit_code;		/* the child's; -1 killed by the matrix's timeout */
	struct rs_mx_point *pts;
	size_t nr_pts;
	char status[32];	/* "# STATUS: seed ..." of the child's KTAP */
	char *log;		/* the child's KTAP diagnostics, for the verdict's evidence */
};

/* ------------------------------------------------------------ cells */

static void rs_mx_variants(struct rs_mx *mx)
{
	size_t i, n = rs_plugin_count(RS_KIND_IMPORTER), cap = 0;

	for (i = 0; i < n; i++) {
		const struct rs_plugin *pl = rs_plugin_at(RS_KIND_IMPORTER, i);
		const struct rs_importer_ops *ops = pl->ops;
		const struct rs_variant *v = ops->variants;

		do {
			struct rs_mx_variant *x;

			rs_xgrow(&mx->vars, &cap, mx->nr_vars, sizeof(*mx->vars));
			x = &mx->vars[mx->nr_vars++];
			memset(x, 0, sizeof(*x));
			x->type = ops->type;
			x->v = v && v->name ? v : NULL;
			snprintf(x->name, sizeof(x->name), "%s%s%s", ops->type, x->v ? "." : "",
				 x->v ? x->v->name : "");
		} while (v && (++v)->name);
	}
}

/* The scenario of one cell: the base file, then one importer and one trigger. */
static char *rs_mx_scenario(const struct rs_mx *mx, const char *trigger,
			    const struct rs_mx_variant *var, unsigned int count, bool burst)
{
	struct rs_buf_str b = { 0 };
	char *base = realpath(mx->base, NULL);
	const char *o;

	rs_str_addf(&b, "# revokestorm matrix cell: trigger %s, importer %s, %u buffer%s, %s\n",
		    trigger, var->name, count, count == 1 ? "" : "s", burst ? "burst" : "periodic");
	rs_str_addf(&b, "include = %s\n\n[global]\nduration = %us\ncount = %u\n", base ? base : mx->base,
		    mx->seconds, count);
	if (var->v && var->v->expect == RS_EXPECT_CULPRIT)
		rs_str_add(&b, "hang_timeout = 3s\ncleanup_timeout = 10s\n");
	rs_str_addf(&b, "\n[importer im]\ntype = %s\n", var->type);
	for (o = var->v ? var->v->opts : NULL; o && *o;) {
		const char *nl = strchr(o, '\n');
		size_t len = nl ? (size_t)(nl - o) : strlen(o);

		rs_str_addf(&b, "%.*s\n", (int)len, o);
		o += len + (nl ? 1 : 0);
	}
	rs_str_addf(&b, "\n[trigger t]\ntype = %s\n", trigger);
	if (burst)
		rs_str_add(&b, "timing = burst\nburst = 16\ninterval = 400ms\n");
	else
		rs_str_add(&b, "interval = 50ms\n");
	free(base);
	return rs_str_steal(&b);
}

/* ------------------------------------------------------------ running one */

/* Parse the child's KTAP: its points, its diagnostics, its status line. */
static void rs_mx_parse(struct rs_mx_result *r, const char *ktap)
{
	struct rs_buf_str log = { 0 };
	const char *l = ktap;
	size_t cap = 0;

	while (l && *l) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		char line[1024];
		unsigned int id;
		int off = 0;

		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), l);
		l += len + (nl ? 1 : 0);
		if (line[0] == '#') {
			char word[32];

			rs_str_addf(&log, "%s\n", line);
			if (sscanf(line, "# %31[a-z]: seed", word) == 1)
				snprintf(r->status, sizeof(r->status), "%s", word);
			continue;
		}
		if (sscanf(line, "ok %u %n", &id, &off) == 1 || sscanf(line, "not ok %u %n", &id, &off) == 1) {
			struct rs_mx_point *p;
			char *hash;

			rs_xgrow(&r->pts, &cap, r->nr_pts, sizeof(*r->pts));
			p = &r->pts[r->nr_pts++];
			memset(p, 0, sizeof(*p));
			p->ok = line[0] == 'o';
			snprintf(p->name, sizeof(p->name), "%s", line + off);
			hash = strstr(p->name, " # ");
			if (hash) {
				*hash = '\0';
				hash += 3;
				p->skip = !strncmp(hash, "SKIP", 4);
				p->timeout = !strncmp(hash, "TIMEOUT", 7);
				snprintf(p->why, sizeof(p->why), "%s", hash);
			}
		}
	}
	r->log = rs_str_steal(&log);
}

/*
 * How long a cell's run may go on writing its trace text after its limit: the recording
 * ends with the run, but its conversion to trace.txt (src/trace_text.c) takes as long as
 * the events take to format, which under TCG and a loaded machine is far longer than the
 * run.  A run past its limit is killed once trace.txt has not grown for this long.
 */
#define RS_MX_TEXT_STALL_NS	(30 * 1000000000ULL)

bool rs_matrix_overdue(uint64_t now, uint64_t start, uint64_t limit_ns, long long text_size,
		       uint64_t text_grew)
{
	if (now - start <= limit_ns)
		return false;
	return text_size < 0 || now - text_grew > RS_MX_TEXT_STALL_NS;
}

/* The size of the cell run's trace.txt, -1 while there is none. */
static long long rs_mx_text_size(const char *tpath)
{
	struct stat st;

	return stat(tpath, &st) ? -1 : (long long)st.st_size;
}

static int rs_mx_run_child(const char *ini, const char *dir, uint64_t limit_ns, char **ktap)
{
	char *kpath = rs_xasprintf("%s/ktap.txt", dir), *lpath = rs_xasprintf("%s/run.log", dir);
	char *rdir = rs_xasprintf("%s/results", dir);
	char *tpath = rs_xasprintf("%s/trace.txt", rdir);
	uint64_t t0 = rs_now_ns(), grew = 0;
	long long tsize = -1, sz;
	int status = 0, code;
	size_t len;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		code = -errno;
		goto out;
	}
	if (!pid) {
		int k = open(kpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int lg = open(lpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		setpgid(0, 0);
		if (k < 0 || lg < 0 || dup2(k, 1) < 0 || dup2(lg, 2) < 0)
			_exit(RS_EXIT_INTERNAL);
		execl("/proc/self/exe", "revokestorm", "run", ini, "--results", rdir, "--quiet",
		      (char *)NULL);
		_exit(RS_EXIT_INTERNAL);
	}
	setpgid(pid, pid);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			status = 0;
			break;
		}
		sz = rs_mx_text_size(tpath);
		if (sz != tsize) {
			tsize = sz;
			grew = rs_now_ns();
		}
		if (rs_matrix_overdue(rs_now_ns(), t0, limit_ns, tsize, grew)) {
			kill(-pid, SIGTERM);
			usleep(5 * 1000 * 1000);
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			code = -ETIMEDOUT;
			goto out;
		}
		usleep(50 * 1000);
	}
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
	if (rs_read_file(kpath, ktap, &len, 16 << 20))
		*ktap = rs_xstrdup("");
	free(kpath);
	free(lpath);
	free(rdir);
	free(tpath);
	return code;
}

/* ------------------------------------------------------------ judging */

static const struct rs_mx_known *rs_mx_known_for(const struct rs_mx *mx, const char *cell,
						 const char *point)
{
	size_t i;

	for (i = 0; i < mx->nr_known; i++)
		if (!regexec(&mx->known[i].cell, cell, 0, NULL, 0) &&
		    !regexec(&mx->known[i].point, point, 0, NULL, 0))
			return &mx->known[i];
	return NULL;
}

/* Did the trigger act on no exporter?  Then every exporter's reason into why (else untouched). */
static bool rs_mx_all_pairs_skipped(const struct rs_mx_result *r, char *why, size_t whylen)
{
	size_t i, pairs = 0, skipped = 0;
	char all[1024] = "";

	for (i = 0; i < r->nr_pts; i++) {
		const struct rs_mx_point *p = &r->pts[i];

		if (strncmp(p->name, "t.", 2))
			continue;
		pairs++;
		if (p->skip) {
			size_t n = strlen(all);

			/* every exporter's reason: "t.ivshmem: ...; t.nvme: ..." */
			snprintf(all + n, sizeof(all) - n, "%s%s: %s", skipped ? "; " : "", p->name,
				 p->why + 5);
			skipped++;
		}
	}
	if (!pairs || pairs != skipped)
		return false;
	snprintf(why, whylen, "%s", all);
	return true;
}

/*
 * The reason of the first skipped point whose name starts with prefix, or NULL: a cell's
 * importer that could not import, and an environment skip remembered for later cells.
 */
static const char *rs_mx_env_skip(const struct rs_mx_result *r, const char *prefix)
{
	size_t i;

	for (i = 0; i < r->nr_pts; i++)
		if (r->pts[i].skip && !strncmp(r->pts[i].name, prefix, strlen(prefix)))
			return r->pts[i].why + 5;
	return NULL;
}

/*
 * Is the failed point name blamed for a hang on the kernel's word?  Its reason is the
 * diagnostic line "# NAME: hung importer: ..." before its "not ok" (ktap.c, blame.c).
 */
static bool rs_mx_blamed_by_kernel(const struct rs_mx_result *r, const char *name)
{
	size_t n = strlen(name);
	const char *l;

	for (l = r->log; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, "# ", 2) && !strncmp(l + 2, name, n) && !strncmp(l + 2 + n, ": ", 2)) {
			const char *s = l + 4 + n, *e = strchr(s, '\n');
			char reason[1024];

			snprintf(reason, sizeof(reason), "%.*s", (int)(e ? (size_t)(e - s) : strlen(s)), s);
			if (rs_blame_has_kernel_report(reason))
				return true;
		}
	}
	return false;
}

/*
 * The verdict of a cell against its variant's promise.  Returns 1 pass, 0 skip (why says
 * what the environment could not do), -1 fail (why names the offending point).
 */
static int rs_mx_judge(const struct rs_mx *mx, const char *cell, const struct rs_mx_variant *var,
		       const struct rs_mx_result *r, char *why, size_t whylen, char *note,
		       size_t notelen)
{
	bool culprit_ok = var->v && var->v->expect == RS_EXPECT_CULPRIT, hang = false;
	const char *imp;
	size_t i, ran = 0, known = 0;

	note[0] = '\0';
	if (r->exit_code < 0) {
		snprintf(why, whylen, "the run did not finish within its time limit (killed)");
		return -1;
	}
	if (r->exit_code == RS_EXIT_USAGE || r->exit_code == RS_EXIT_INTERNAL ||
	    r->exit_code > RS_EXIT_SKIP) {
		snprintf(why, whylen, "the run exited %d (%s): see its run.log", r->exit_code,
			 r->exit_code == RS_EXIT_USAGE ? "the generated scenario was refused" :
			 "internal error or crash");
		return -1;
	}
	if (!r->nr_pts) {
		snprintf(why, whylen, "the run printed no KTAP test point (exit %d)", r->exit_code);
		return -1;
	}
	hang = !strcmp(r->status, "hang");
	for (i = 0; i < r->nr_pts; i++) {
		const struct rs_mx_point *p = &r->pts[i];
		const struct rs_mx_known *k;
		char own[128];

		if (p->ok) {
			ran += !p->skip;
			continue;
		}
		k = rs_mx_known_for(mx, cell, p->name);
		if (k) {
			known++;
			snprintf(note, notelen, "known: %s (%s)", p->name, k->why);
			continue;
		}
		snprintf(own, sizeof(own), "importer.im");
		if (culprit_ok && hang && !strcmp(p->name, own)) {
			if (!rs_mx_blamed_by_kernel(r, p->name)) {
				snprintf(why, whylen, "%s is blamed for the hang, but without the kernel's hung-importer evidence",
					 p->name);
				return -1;
			}
			snprintf(note, notelen, "hang blamed on %s, as this variant must be", own);
			continue;
		}
		snprintf(why, whylen, "not ok %s%s%s", p->name, p->why[0] ? " # " : "", p->why);
		return -1;
	}
	if (culprit_ok && hang && !note[0]) {
		snprintf(why, whylen, "the run hung but did not blame importer.im");
		return -1;
	}
	if (hang)
		return 1;
	/*
	 * What the cell is about, its trigger and its importer variant, must both have run:
	 * a cell whose trigger acted on no exporter, or whose importer could not import, passed
	 * nothing and is skipped with the run's reason (the other points' ok says nothing).
	 */
	if (rs_mx_all_pairs_skipped(r, why, whylen))
		return 0;
	imp = rs_mx_env_skip(r, "importer.im");
	if (imp) {
		snprintf(why, whylen, "importer.im: %s", imp);
		return 0;
	}
	if (!ran && !known) {
		for (i = 0; i < r->nr_pts; i++)
			if (r->pts[i].skip && strncmp(r->pts[i].name, "phase.", 6)) {
				snprintf(why, whylen, "%s: %s", r->pts[i].name, r->pts[i].why + 5);
				break;
			}
		if (i == r->nr_pts)
			snprintf(why, whylen, "nothing ran");
		return 0;
	}
	return 1;
}

int rs_matrix_judge_ktap(const char *ktap, int exit_code, bool culprit, char *why, size_t whylen,
			 char *note, size_t notelen)
{
	struct rs_variant v = { .expect = culprit ? RS_EXPECT_CULPRIT : RS_EXPECT_CLEAN };
	struct rs_mx_variant var = { .v = &v };
	struct rs_mx_result r = { .exit_code = exit_code };
	struct rs_mx mx = { 0 };
	int ret;

	rs_mx_parse(&r, ktap);
	ret = rs_mx_judge(&mx, "cell", &var, &r, why, whylen, note, notelen);
	free(r.pts);
	free(r.log);
	return ret;
}

static void rs_mx_cell(struct rs_mx *mx, const char *trigger, char **trigger_skip,
		       struct rs_mx_variant *var, unsigned int count, bool burst)
{
	char cell[256], why[1024] = "", note[512] = "", *dir, *ini, *text, *ktap = NULL;
	struct rs_mx_result r = { 0 };
	uint64_t limit;
	int v;

	snprintf(cell, sizeof(cell), "%s/%s/%u/%s", trigger, var->name, count,
		 burst ? "burst" : "periodic");
	if (mx->have_only && regexec(&mx->only, cell, 0, NULL, 0))
		return;
	mx->next++;
	if (mx->counting)
		return;
	if (mx->list) {
		printf("%s\t%s\n", cell, var->v && var->v->expect == RS_EXPECT_CULPRIT ?
		       "culprit: may hang revokes and must then be blamed" : "clean: nothing may fail");
		return;
	}
	if (var->skip || *trigger_skip) {
		printf("ok %u %s # SKIP %s\n", mx->next, cell, var->skip ? var->skip : *trigger_skip);
		fflush(stdout);
		mx->skip++;
		return;
	}
	dir = rs_xasprintf("%s/%s-%s-%u-%s", mx->out, trigger, var->name, count,
			   burst ? "burst" : "periodic");
	ini = rs_xasprintf("%s/cell.ini", dir);
	text = rs_mx_scenario(mx, trigger, var, count, burst);
	if (rs_mkdir_p(dir, 0755) || rs_write_file_atomic(ini, text, strlen(text))) {
		printf("not ok %u %s # cannot write %s: %s\n", mx->next, cell, ini, strerror(errno));
		mx->fail++;
		goto out;
	}
	/*
	 * the run's own limits, and a margin for setup and for a stuck thread's exit; then
	 * as long as the run is still writing its trace text (rs_mx_run_child())
	 */
	limit = ((uint64_t)mx->seconds + 3 + 10 + 60) * 1000000000ULL;
	r.exit_code = rs_mx_run_child(ini, dir, limit, &ktap);
	if (r.exit_code == -ETIMEDOUT)
		r.exit_code = -1;
	rs_mx_parse(&r, ktap);
	v = rs_mx_judge(mx, cell, var, &r, why, sizeof(why), note, sizeof(note));
	if (v > 0) {
		printf("ok %u %s%s%s\n", mx->next, cell, note[0] ? " # " : "", note);
		mx->pass++;
	} else if (!v) {
		const char *s = rs_mx_env_skip(&r, "importer.im");
		char tw[1024];

		if (s && !var->skip)
			var->skip = rs_xasprintf("importer %s: %s", var->name, s);
		if (rs_mx_all_pairs_skipped(&r, tw, sizeof(tw)) && !*trigger_skip)
			*trigger_skip = rs_xasprintf("trigger %s: %s", trigger, tw);
		printf("ok %u %s # SKIP %s\n", mx->next, cell, why);
		mx->skip++;
	} else {
		printf("# %s: %s (results: %s)\n", cell, why, dir);
		printf("not ok %u %s\n", mx->next, cell);
		mx->fail++;
	}
	fflush(stdout);
out:
	free(r.pts);
	free(r.log);
	free(ktap);
	free(text);
	free(ini);
	free(dir);
}

/* Every cell in order: trigger types, then importer variants (the registry's order). */
static void rs_mx_cells(struct rs_mx *mx, size_t nt, char **tskip)
{
	size_t i, j;

	for (i = 0; i < nt; i++) {
		const struct rs_plugin *t = rs_plugin_at(RS_KIND_TRIGGER, i);

		for (j = 0; j < mx->nr_vars; j++) {
			unsigned int k;

			if (mx->full) {
				for (k = 0; k < 4; k++)
					rs_mx_cell(mx, t->type, &tskip[i], &mx->vars[j], k & 1 ? 64 : 1,
						   k & 2);
				continue;
			}
			/*
			 * --cover: every trigger once and every variant once (a diagonal of the
			 * matrix), make check-matrix; the quick matrix runs them all
			 */
			if (mx->cover && i % mx->nr_vars != j && !(j >= nt && j % nt == i))
				continue;
			/* each trigger and each variant meets both counts and both timings */
			if (mx->cover)	/* on the diagonal i + j is even: go by the cell's row */
				rs_mx_cell(mx, t->type, &tskip[i], &mx->vars[j], i & 1 ? 64 : 1,
					   ((i >> 1) & 1) != 0);
			else
				rs_mx_cell(mx, t->type, &tskip[i], &mx->vars[j], (i + j) & 1 ? 64 : 1,
					   ((i + j / 2) & 1) != 0);
		}
	}
}

/* ------------------------------------------------------------ command line */

static int rs_mx_load_known(struct rs_mx *mx, const char *path)
{
	char *text, *line, *save = NULL;
	unsigned int lineno = 0;
	size_t len, cap = 0;
	int ret = rs_read_file(path, &text, &len, 1 << 20);

	if (ret) {
		fprintf(stderr, "revokestorm matrix: --known %s: %s\n", path, strerror(-ret));
		return RS_EXIT_USAGE;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char cell[256], point[256], why[512];
		struct rs_mx_known *k;

		lineno++;
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		if (sscanf(line, "%255s %255s %511[^\n]", cell, point, why) != 3) {
			fprintf(stderr, "revokestorm matrix: %s:%u: want 'CELL_REGEX POINT_REGEX WHY'\n",
				path, lineno);
			free(text);
			return RS_EXIT_USAGE;
		}
		rs_xgrow(&mx->known, &cap, mx->nr_known, sizeof(*mx->known));
		k = &mx->known[mx->nr_known];
		if (regcomp(&k->cell, cell, REG_EXTENDED | REG_NOSUB)) {
			fprintf(stderr, "revokestorm matrix: %s:%u: bad regex '%s'\n", path, lineno, cell);
			free(text);
			return RS_EXIT_USAGE;
		}
		if (regcomp(&k->point, point, REG_EXTENDED | REG_NOSUB)) {
			regfree(&k->cell);
			fprintf(stderr, "revokestorm matrix: %s:%u: bad regex '%s'\n", path, lineno, point);
			free(text);
			return RS_EXIT_USAGE;
		}
		k->why = rs_xstrdup(why);
		mx->nr_known++;
	}
	free(text);
	return 0;
}

static void rs_mx_usage(FILE *f)
{
	fprintf(f,
		"usage: revokestorm matrix BASE [--full|--cover] [--only REGEX] [--seconds N] [--out DIR]\n"
		"                          [--known FILE] [--list]\n"
		"  BASE         a scenario file naming the exporters (e.g. scenarios/matrix-lab.inc)\n"
		"  --full       every trigger x importer variant x {1,64} buffers x {periodic,burst};\n"
		"               default: each trigger x variant once, counts and timings alternated\n"
		"  --cover      each trigger once and each variant once (a diagonal; make check-matrix)\n"
		"  --only RE    only the cells whose name (TRIGGER/VARIANT/COUNT/TIMING) matches\n"
		"  --seconds N  each cell's duration (default 2)\n"
		"  --out DIR    cells' scenarios, KTAP and results (default results/matrix-TIME)\n"
		"  --known FILE lines 'CELL_REGEX POINT_REGEX WHY': not ok points a known kernel\n"
		"               finding explains\n"
		"  --list       print the cells and what each variant promises, run nothing\n"
		"exit: 0 every cell as its variant promises, 1 a cell failed, 2 bad usage\n");
}

int rs_matrix_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "full", no_argument, NULL, 'f' },
		{ "cover", no_argument, NULL, 'c' },
		{ "only", required_argument, NULL, 'o' },
		{ "seconds", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'O' },
		{ "known", required_argument, NULL, 'k' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rs_mx mx = { .seconds = 2 };
	char *out = NULL, stamp[32], **tskip;
	size_t i, nt;
	int c, ret;
	time_t now = time(NULL);
	struct tm tm;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			mx.full = true;
			break;
		case 'c':
			mx.cover = true;
			break;
		case 'o':
			if (regcomp(&mx.only, optarg, REG_EXTENDED | REG_NOSUB)) {
				fprintf(stderr, "revokestorm matrix: --only '%s' is not a valid extended regular expression\n",
					optarg);
				return RS_EXIT_USAGE;
			}
			mx.have_only = true;
			break;
		case 's': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || !v || v > 3600) {
				fprintf(stderr, "revokestorm matrix: --seconds takes 1..3600, not '%s'\n", optarg);
				return RS_EXIT_USAGE;
			}
			mx.seconds = (unsigned int)v;
			break;
		}
		case 'O':
			mx.out = optarg;
			break;
		case 'k':
			if (rs_mx_load_known(&mx, optarg))
				return RS_EXIT_USAGE;
			break;
		case 'l':
			mx.list = true;
			break;
		case 'h':
			rs_mx_usage(stdout);
			return RS_EXIT_PASS;
		default:
			rs_mx_usage(stderr);
			return RS_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		rs_mx_usage(stderr);
		return RS_EXIT_USAGE;
	}
	if (mx.full && mx.cover) {
		fprintf(stderr, "revokestorm matrix: --full and --cover exclude each other\n");
		return RS_EXIT_USAGE;
	}
	mx.base = argv[optind];
	if (access(mx.base, R_OK)) {
		fprintf(stderr, "revokestorm matrix: cannot read the base scenario %s: %s\n", mx.base,
			strerror(errno));
		return RS_EXIT_USAGE;
	}
	if (!mx.out) {
		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
		out = rs_xasprintf("%s/matrix-%s", getenv("RS_OUT") ? getenv("RS_OUT") : "results",
				   stamp);
		mx.out = out;
	}
	rs_mx_variants(&mx);
	nt = rs_plugin_count(RS_KIND_TRIGGER);
	tskip = rs_xcalloc(nt + 1, sizeof(*tskip));
	for (mx.counting = !mx.list; ; mx.counting = false) {
		rs_mx_cells(&mx, nt, tskip);
		if (!mx.counting)
			break;
		printf("KTAP version 1\n# revokestorm matrix: base %s, %s, %us per cell; cells in %s\n1..%u\n",
		       mx.base, mx.full ? "full" : mx.cover ? "cover" : "quick", mx.seconds, mx.out, mx.next);
		fflush(stdout);
		mx.next = 0;
	}
	if (!mx.list)
		printf("# matrix: %u cells: %u as promised, %u failed, %u skipped\n", mx.next, mx.pass,
		       mx.fail, mx.skip);
	ret = mx.fail ? RS_EXIT_FAIL : RS_EXIT_PASS;
	for (i = 0; i < nt; i++)
		free(tskip[i]);
	free(tskip);
	for (i = 0; i < mx.nr_vars; i++)
		free(mx.vars[i].skip);
	free(mx.vars);
	for (i = 0; i < mx.nr_known; i++) {
		regfree(&mx.known[i].cell);
		regfree(&mx.known[i].point);
		free(mx.known[i].why);
	}
	free(mx.known);
	if (mx.have_only)
		regfree(&mx.only);
	free(out);
	return ret;
}
