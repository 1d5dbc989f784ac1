// SPDX-License-Identifier: GPL-2.0
/*
 * `revokestorm repro` and `revokestorm minimize`.
 *
 * repro BUNDLE   replays a hang bundle's scenario (same seed, same schedule) N times and
 *                says how many runs hung, like syzkaller's reproducer reliability check.
 * repro REPORT   maps a kernel "INFO: task ... blocked for more than" report, or the patch
 *                set's "dma-buf: ... hung importer ..." warning, onto a starting scenario,
 *                or says why it cannot.
 * minimize SCN   drops sections and halves counts while the scenario still hangs.
 *
 * Every run is a child `revokestorm run` (this executable): a hung child may be stuck in
 * the kernel for good, so the parent only ever waits for it with a deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rs_registry.h"
#include "rs_repro.h"
#include "rs_run.h"
#include "rs_scenario.h"
#include "rs_util.h"

/* ------------------------------------------------------------ hung-task reports */

void rs_hung_report_free(struct rs_hung_report *r)
{
	size_t i;

	for (i = 0; i < r->nr_frames; i++)
		free(r->frames[i]);
	free(r->frames);
	memset(r, 0, sizeof(*r));
}

/* " vfio_pci_dma_buf_move+0x1d4/0x2c0 [vfio_pci_core]" -> "vfio_pci_dma_buf_move" */
static char *frame_name(const char *line)
{
	const char *s = line, *e;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!strncmp(s, "? ", 2))
		return NULL;	/* unreliable frame */
	e = s;
	while (*e && *e != '+' && *e != ' ' && *e != '\n')
		e++;
	if (*e != '+' || e == s)
		return NULL;
	return rs_xstrndup(s, e - s);
}

int rs_hung_report_parse(const char *text, struct rs_hung_report *r)
{
	const char *p = strstr(text, "INFO: task "), *line;
	size_t cap = 0;
	bool in_trace = false;

	memset(r, 0, sizeof(*r));
	if (!p || sscanf(p, "INFO: task %63[^:]:%d blocked for more than %d seconds",
			 r->task, &r->pid, &r->seconds) != 3)
		return -ENOENT;
	for (line = p; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *body = line, *nl = strchr(line, '\n');
		char *one, *name;

		/* Skip a printk timestamp and a "[ T123]" caller id. */
		while (*body == '[') {
			const char *close = strchr(body, ']');

			if (!close || (nl && close > nl))
				break;
			body = close + 1;
			while (*body == ' ')
				body++;
		}
		if (!in_trace) {
			if (!strncmp(body, "Call Trace:", 11))
				in_trace = true;
			continue;
		}
		if (!strncmp(body, "</TASK>", 7) || (body != line && !strncmp(body, "INFO: task ", 11)))
			break;
		one = rs_xstrndup(body, nl ? (size_t)(nl - body) : strlen(body));
		name = frame_name(one);
		free(one);
		if (!name)
			continue;
		rs_xgrow(&r->frames, &cap, r->nr_frames, sizeof(*r->frames));
		r->frames[r->nr_frames++] = name;
	}
	return 0;
}

static bool has_frame(const struct rs_hung_report *r, const char *prefix)
{
	size_t i, n = strlen(prefix);

	for (i = 0; i < r->nr_frames; i++)
		if (!strncmp(r->frames[i], prefix, n))
			return true;
	return false;
}

/*
 * The trigger whose revoke path (rs_trigger_ops.frames) has a frame of the report, or the
 * given frame when r is NULL; NULL if none.
 */
static const char *rs_trigger_of(const struct rs_hung_report *r, const char *frame)
{
	size_t i, n = rs_plugin_count(RS_KIND_TRIGGER);

	for (i = 0; i < n; i++) {
		const struct rs_plugin *p = rs_plugin_at(RS_KIND_TRIGGER, i);
		const struct rs_trigger_ops *ops = p->ops;
		const char *const *f;

		for (f = ops->frames; f && *f; f++)
			if (r ? has_frame(r, *f) : !strcmp(*f, frame))
				return p->type;
	}
	return NULL;
}

char *rs_hung_report_scenario(const struct rs_hung_report *r, const char **why)
{
	const char *trigger = NULL, *behaviour, *wait, *note = "";
	struct rs_buf_str b = { 0 };
	size_t i;

	if (has_frame(r, "uverbs_dmabuf_fd_destroy_uobj") || has_frame(r, "rdma_user_mmap_entry_remove")) {
		*why = "the RDMA uverbs (mlx5) exporter's revoke hung; revokestorm exports from VFIO only, "
		       "so this needs mlx5 hardware and a hand-written scenario (scenarios/rdma-mlx5.ini)";
		return NULL;
	}
	if (!has_frame(r, "vfio_pci_dma_buf_move") && !has_frame(r, "vfio_pci_dma_buf_release") &&
	    !has_frame(r, "dma_buf_mock_")) {
		*why = "no frame of the dma-buf revoke path (vfio_pci_dma_buf_move, vfio_pci_dma_buf_release, "
		       "the mock importer) in this report";
		return NULL;
	}
	trigger = rs_trigger_of(r, NULL);
	if (has_frame(r, "dma_resv_wait_timeout") || has_frame(r, "dma_fence_wait") ||
	    has_frame(r, "dma_fence_default_wait")) {
		behaviour = "fence";
		wait = "the BOOKKEEP fence wait: a fence on the buffer never signalled (in-flight DMA)";
	} else if (has_frame(r, "vfio_pci_dma_buf_release")) {
		behaviour = "stuck";
		wait = "closing a dma-buf while a revoke of its device was stuck (memory_lock held for write)";
		note = "# The closing task waits for memory_lock; the revoke that holds it waits for an\n"
		       "# importer.  The stuck importer below recreates that holder.\n";
	} else {
		behaviour = "stuck";
		wait = "the wait until every importer unmapped: an importer never unmapped";
	}
	/* the cheapest to start from: the revoke of one config write */
	if (!trigger && (trigger = rs_trigger_of(NULL, "vfio_basic_config_write")))
		note = "# No frame names the trigger; a config-write revoke is the cheapest to start from.\n";
	if (!trigger) {
		*why = "no trigger of this build revokes the way the report shows";
		return NULL;
	}
	rs_str_addf(&b, "# Generated by `revokestorm repro` from a hung-task report:\n"
			"#   INFO: task %s:%d blocked for more than %d seconds\n#   frames:",
		    r->task, r->pid, r->seconds);
	for (i = 0; i < r->nr_frames && i < 12; i++)
		rs_str_addf(&b, " %s", r->frames[i]);
	rs_str_addf(&b, "\n# It hung in %s, reached by the %s trigger.\n%s"
			"# A starting point: run it, then `revokestorm minimize` it.\n\n", wait, trigger, note);
	rs_str_add(&b, "[global]\nduration = 60s\n\n");
	rs_str_add(&b, "[exporter bar]\ntype = vfio\ndevice = ${RS_DEVICE0:-${RS_IVSHMEM0:-0000:01:00.0}}\nbar = 2\n\n");
	rs_str_addf(&b, "[importer culprit]\ntype = mock\nexporters = bar\nbehaviour = %s\n%s\n", behaviour,
		    !strcmp(behaviour, "fence") ? "delay = 120s\n" : "");
	rs_str_addf(&b, "[trigger t]\ntype = %s\nexporters = bar\n", trigger);
	*why = NULL;
	return rs_str_steal(&b);
}

/*
 * The patch set's warning (kernel-patches/0002), which names the importer a revoke is stuck
 * on (v2 appends "; importer CALLBACK, task COMM:PID waiting W ms for unmap"):
 *   dma-buf: EXP ino N: hung importer DEV (DRIVER) still holds M mapping(s) T ms after invalidate
 *   dma-buf: EXP ino N: hung importer DEV (DRIVER) still holds M mapping(s), never invalidated
 * v2's "hung importer not named: ..." lines name none: skipped.
 */
int rs_hung_importer_parse(const char *text, struct rs_hung_importer *h)
{
	const char *p = text;
	int n;

	memset(h, 0, sizeof(*h));
	while ((p = strstr(p, "dma-buf: "))) {
		if (sscanf(p, "dma-buf: %63s ino %llu: hung importer %63s (%63[^)]) still holds %u "
			   "mapping(s) %llu ms", h->exp_name, &h->ino, h->dev_name, h->driver,
			   &h->mappings, &h->ms) == 6)
			return 0;
		memset(h, 0, sizeof(*h));
		n = 0;
		if (sscanf(p, "dma-buf: %63s ino %llu: hung importer %63s (%63[^)]) still holds %u "
			   "mapping(s)%n", h->exp_name, &h->ino, h->dev_name, h->driver, &h->mappings,
			   &n) == 5 && n && !strncmp(p + n, ", never invalidated", 19)) {
			h->never_invalidated = true;
			return 0;
		}
		memset(h, 0, sizeof(*h));
		p += 9;
	}
	return -ENOENT;
}

char *rs_hung_importer_scenario(const struct rs_hung_importer *h, const char **why)
{
	struct rs_buf_str b = { 0 };
	char ms[48] = ", never invalidated";

	if (!strcmp(h->exp_name, "ib_uverbs")) {
		*why = "the RDMA uverbs exporter's revoke waited for this importer; revokestorm exports "
		       "from VFIO only, so this needs that RDMA hardware and a hand-written scenario "
		       "(scenarios/rdma-mlx5.ini)";
		return NULL;
	}
	if (strcmp(h->exp_name, "vfio_pci_core")) {
		*why = "revokestorm reproduces revokes of the vfio_pci_core exporter only";
		return NULL;
	}

	if (!h->never_invalidated)
		snprintf(ms, sizeof(ms), " %llu ms after invalidate", h->ms);
	rs_str_addf(&b, "# Generated by `revokestorm repro` from the patch set's warning:\n"
			"#   dma-buf: %s ino %llu: hung importer %s (%s) still holds %u mapping(s)%s\n"
			"# A revoke of %s waited for importer %s (driver %s) to unmap.  The mock\n"
			"# importer with behaviour \"stuck\" stands in for it; the warning does not name\n"
			"# the trigger, so pci-command, the cheapest revoke, starts it.  Run it, then\n"
			"# `revokestorm minimize` it; on the real hardware, replace the mock by the\n"
			"# importer of %s.\n\n",
		    h->exp_name, h->ino, h->dev_name, h->driver, h->mappings, ms, h->exp_name,
		    h->dev_name, h->driver, h->driver);
	rs_str_add(&b, "[global]\nduration = 60s\n\n");
	rs_str_add(&b, "[exporter bar]\ntype = vfio\n"
		   "device = ${RS_DEVICE0:-${RS_IVSHMEM0:-0000:01:00.0}}\nbar = 2\n\n");
	rs_str_add(&b, "[importer culprit]\ntype = mock\nexporters = bar\nbehaviour = stuck\n\n");
	rs_str_add(&b, "[trigger t]\ntype = pci-command\nexporters = bar\n");
	return rs_str_steal(&b);
}

/* ------------------------------------------------------------ child runs */

struct rs_runner {
	const char *exe;
	unsigned int timeout_s;		/* per run, after which the child is declared stuck */
	bool wedged;			/* a child could not be reaped: the kernel is stuck */
};

enum rs_child_result { RS_RUN_PASS, RS_RUN_HANG, RS_RUN_FAIL, RS_RUN_SKIP, RS_RUN_ERROR };

static const char *const rs_child_result_names[] = { "pass", "hang", "fail", "skip", "error" };

static bool is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

static enum rs_child_result run_once(struct rs_runner *rr, const char *scenario, const char *results)
{
	char *bundle = rs_xasprintf("%s/%s", results, RS_BUNDLE_DIR);
	unsigned int waited = 0;
	int status = 0;
	pid_t pid, w;

	pid = fork();
	if (pid < 0) {
		free(bundle);
		return RS_RUN_ERROR;
	}
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(rr->exe, rr->exe, "run", scenario, "--results", results, (char *)NULL);
		_exit(RS_EXIT_INTERNAL);
	}
	while ((w = waitpid(pid, &status, WNOHANG)) == 0) {
		if (waited++ >= rr->timeout_s * 10) {
			kill(pid, SIGKILL);
			usleep(2000 * 1000);
			if (waitpid(pid, &status, WNOHANG) == 0) {
				rr->wedged = true;
				free(bundle);
				return RS_RUN_HANG;
			}
			break;
		}
		usleep(100 * 1000);
	}
	if (is_dir(bundle)) {
		free(bundle);
		return RS_RUN_HANG;
	}
	free(bundle);
	if (!WIFEXITED(status))
		return RS_RUN_ERROR;
	switch (WEXITSTATUS(status)) {
	case RS_EXIT_PASS:
		return RS_RUN_PASS;
	case RS_EXIT_FAIL:
		return RS_RUN_FAIL;
	case RS_EXIT_SKIP:
		return RS_RUN_SKIP;
	default:
		return RS_RUN_ERROR;
	}
}

/* Run scenario up to runs times; stop at the first hang if stop_on_hang.  Returns hangs. */
static unsigned int run_many(struct rs_runner *rr, const char *scenario, const char *workdir,
			     unsigned int runs, bool stop_on_hang, bool verbose, unsigned int counts[5])
{
	unsigned int i, hangs = 0;

	for (i = 0; i < runs && !rr->wedged; i++) {
		char *res = rs_xasprintf("%s/run-%u", workdir, i + 1);
		enum rs_child_result r = run_once(rr, scenario, res);

		counts[r]++;
		if (verbose)
			fprintf(stderr, "repro: run %u/%u: %s (%s)\n", i + 1, runs, rs_child_result_names[r], res);
		free(res);
		if (r == RS_RUN_HANG)
			hangs++;
		if (r == RS_RUN_SKIP || r == RS_RUN_ERROR || (hangs && stop_on_hang))
			break;
	}
	return hangs;
}

static char *self_exe(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return rs_xstrdup("revokestorm");
	buf[n] = '\0';
	return rs_xstrdup(buf);
}

/* ------------------------------------------------------------ repro */

static void repro_usage(FILE *f)
{
	fprintf(f, "usage: revokestorm repro BUNDLE_DIR [--runs N] [--timeout S]\n"
		   "       revokestorm repro KERNEL_LOG.txt [-o SCENARIO.ini]\n"
		   "         (a hung-task report, or the patch set's hung-importer warning)\n");
}

char *rs_repro_text(const char *text, char *why, size_t len)
{
	const char *p = text, *w;
	struct rs_hung_importer hi;
	struct rs_hung_report r;
	bool refused = false;
	char *scn;

	/* a hung-task report names the trigger; the warning only the importer */
	for (; (p = strstr(p, "INFO: task ")); p += strlen("INFO: task ")) {
		if (rs_hung_report_parse(p, &r))
			continue;
		scn = rs_hung_report_scenario(&r, &w);
		if (!scn && !refused) {
			snprintf(why, len, "task %s:%d: cannot map this hang to a scenario: %s", r.task,
				 r.pid, w);
			refused = true;
		}
		rs_hung_report_free(&r);
		if (scn)
			return scn;
	}
	if (!rs_hung_importer_parse(text, &hi)) {
		scn = rs_hung_importer_scenario(&hi, &w);
		if (scn)
			return scn;
		if (!refused)
			snprintf(why, len, "hung importer %s of %s ino %llu: cannot map this hang to a "
				 "scenario: %s", hi.dev_name, hi.exp_name, hi.ino, w);
		return NULL;
	}
	if (!refused)
		snprintf(why, len, "no \"INFO: task ... blocked for more than N seconds\" report, no "
			 "\"dma-buf: ... hung importer\" warning and no hang bundle: nothing to "
			 "reproduce");
	return NULL;
}

static int repro_report(const char *path, const char *out)
{
	char *text, *scn, why[512];
	size_t len;
	int ret;

	ret = rs_read_file(path, &text, &len, 16 << 20);
	if (ret) {
		fprintf(stderr, "repro: %s: %s\n", path, strerror(-ret));
		return RS_EXIT_USAGE;
	}
	scn = rs_repro_text(text, why, sizeof(why));
	free(text);
	if (!scn) {
		fprintf(stderr, "repro: %s: %s\n", path, why);
		return RS_EXIT_USAGE;
	}
	if (out) {
		ret = rs_write_file_atomic(out, scn, strlen(scn));
		if (ret) {
			fprintf(stderr, "repro: cannot write %s: %s\n", out, strerror(-ret));
			free(scn);
			return RS_EXIT_USAGE;
		}
		fprintf(stderr, "repro: wrote %s; run it with: revokestorm run %s\n", out, out);
	} else {
		fputs(scn, stdout);
	}
	free(scn);
	return RS_EXIT_PASS;
}

static int parse_uint(const char *s, unsigned int *v)
{
	char *end;
	unsigned long x = strtoul(s, &end, 10);

	if (!*s || *end || x == 0 || x > 100000)
		return -EINVAL;
	*v = (unsigned int)x;
	return 0;
}

/* What repro and minimize take: [--runs N] [--timeout S] [-o OUT] PATH. */
struct rs_rm_args {
	unsigned int runs, timeout_s;
	const char *out, *path;
};

/* 0, 1 for --help, or -EINVAL for bad usage; a's defaults stay for what is not given. */
static int rs_rm_parse(int argc, char **argv, struct rs_rm_args *a)
{
	static const struct option lo[] = {
		{ "runs", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:t:o:h", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_uint(optarg, &a->runs))
				return -EINVAL;
			break;
		case 't':
			if (parse_uint(optarg, &a->timeout_s))
				return -EINVAL;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'h':
			return 1;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc - 1)
		return -EINVAL;
	a->path = argv[optind];
	return 0;
}

int rs_repro_main(int argc, char **argv)
{
	struct rs_rm_args a = { .runs = 10, .timeout_s = 600 };
	struct rs_runner rr = { 0 };
	unsigned int runs, counts[5] = { 0 }, hangs;
	const char *out;
	char *scn, *work;
	int c = rs_rm_parse(argc, argv, &a);

	if (c == 1) {
		repro_usage(stdout);
		return RS_EXIT_PASS;
	}
	if (c)
		goto bad;
	runs = a.runs;
	rr.timeout_s = a.timeout_s;
	out = a.out;
	if (!is_dir(a.path))
		return repro_report(a.path, out);

	scn = rs_xasprintf("%s/scenario.ini", a.path);
	if (access(scn, R_OK)) {
		fprintf(stderr, "repro: %s: not a hang bundle (no scenario.ini)\n", a.path);
		free(scn);
		return RS_EXIT_USAGE;
	}
	work = rs_xasprintf("%s/repro-%d", a.path, (int)getpid());
	rs_mkdir_p(work, 0755);
	rr.exe = self_exe();
	fprintf(stderr, "repro: replaying %s %u times (results under %s)\n", scn, runs, work);
	hangs = run_many(&rr, scn, work, runs, false, true, counts);
	printf("repro: hung in %u of %u runs (%u%%); pass %u, fail %u, skip %u, error %u\n", hangs,
	       counts[0] + counts[1] + counts[2] + counts[3] + counts[4],
	       runs ? hangs * 100 / runs : 0, counts[RS_RUN_PASS], counts[RS_RUN_FAIL], counts[RS_RUN_SKIP],
	       counts[RS_RUN_ERROR]);
	if (rr.wedged)
		printf("repro: a run stayed stuck in the kernel after SIGKILL; stopped (reboot to continue)\n");
	free(scn);
	free(work);
	free((char *)rr.exe);
	if (counts[RS_RUN_SKIP] && !hangs)
		return RS_EXIT_SKIP;
	return hangs ? RS_EXIT_FAIL : RS_EXIT_PASS;
bad:
	repro_usage(stderr);
	return RS_EXIT_USAGE;
}

/* ------------------------------------------------------------ minimize */

/* The dumped scenario as blocks, each "[header]\n...". Block 0 is what precedes a section. */
struct rs_blocks {
	char **text;
	bool *gone;
	size_t nr, cap;
};

static void blocks_split(const char *text, struct rs_blocks *bl)
{
	const char *p = text, *start = text;

	memset(bl, 0, sizeof(*bl));
	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *next = nl ? nl + 1 : p + strlen(p);

		if (*p == '[' && p != start) {
			rs_xgrow(&bl->text, &bl->cap, bl->nr, sizeof(*bl->text));
			bl->text[bl->nr++] = rs_xstrndup(start, p - start);
			start = p;
		}
		p = next;
	}
	rs_xgrow(&bl->text, &bl->cap, bl->nr, sizeof(*bl->text));
	bl->text[bl->nr++] = rs_xstrdup(start);
	bl->gone = rs_xcalloc(bl->nr, sizeof(*bl->gone));
}

static char *blocks_join(const struct rs_blocks *bl)
{
	struct rs_buf_str b = { 0 };
	size_t i;

	for (i = 0; i < bl->nr; i++)
		if (!bl->gone[i])
			rs_str_add(&b, bl->text[i]);
	return rs_str_steal(&b);
}

static bool loads_ok(const char *text)
{
	struct rs_scn_opts o = { .default_seed = 1 };
	struct rs_scenario *s = NULL;
	struct rs_diag d = { 0 };
	int ret = rs_scn_load_mem("candidate", text, strlen(text), &o, &s, &d);

	rs_diag_free(&d);
	if (s)
		rs_scn_free(s);
	return ret == 0;
}

struct rs_min {
	struct rs_runner rr;
	const char *workdir;
	unsigned int runs, tries;
};

static bool still_hangs(struct rs_min *m, const char *text)
{
	unsigned int counts[5] = { 0 };
	char *dir, *path;
	bool hung;

	if (!loads_ok(text))
		return false;
	dir = rs_xasprintf("%s/try-%u", m->workdir, ++m->tries);
	rs_mkdir_p(dir, 0755);
	path = rs_xasprintf("%s/scenario.ini", dir);
	if (rs_write_file_atomic(path, text, strlen(text))) {
		free(dir);
		free(path);
		return false;
	}
	hung = run_many(&m->rr, path, dir, m->runs, true, false, counts) > 0;
	fprintf(stderr, "minimize: try %u: %s\n", m->tries, hung ? "still hangs" : "no hang");
	free(dir);
	free(path);
	return hung;
}

/* Halve "key = N" (plain integers) in a block; returns a new block or NULL. */
static char *halve_key(const char *block, const char *key)
{
	size_t klen = strlen(key);
	const char *p = block;

	while (p && *p) {
		if (!strncmp(p, key, klen) && (p[klen] == ' ' || p[klen] == '=')) {
			const char *v = strchr(p, '=');
			unsigned long long n;
			char *end;

			if (!v)
				return NULL;
			v++;
			while (*v == ' ')
				v++;
			n = strtoull(v, &end, 10);
			if (end == v || (*end != '\n' && *end) || n < 2)
				return NULL;
			return rs_xasprintf("%.*s%llu%s", (int)(v - block), block, n / 2, end);
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static void minimize_usage(FILE *f)
{
	fprintf(f, "usage: revokestorm minimize SCENARIO [--runs N] [--timeout S] [-o OUT]\n");
}

int rs_minimize_main(int argc, char **argv)
{
	static const char *const halvable[] = { "count", "ranges", "threads", "workers", "queue_depth" };
	struct rs_rm_args a = { .runs = 3, .timeout_s = 600 };
	struct rs_min m = { 0 };
	struct rs_scn_opts o = { 0 };
	struct rs_scenario *scn = NULL;
	struct rs_diag d = { 0 };
	struct rs_blocks bl;
	const char *out = NULL;
	char *text = NULL, *work, *outp;
	size_t len, i, k, removed = 0;
	bool changed;
	FILE *mf;
	int c = rs_rm_parse(argc, argv, &a), ret;

	if (c == 1) {
		minimize_usage(stdout);
		return RS_EXIT_PASS;
	}
	if (c)
		goto bad;
	m.runs = a.runs;
	m.rr.timeout_s = a.timeout_s;
	out = a.out;
	if (rs_scn_load(a.path, &o, &scn, &d)) {
		rs_diag_print(&d, stderr);
		rs_diag_free(&d);
		return RS_EXIT_USAGE;
	}
	rs_diag_free(&d);
	mf = open_memstream(&text, &len);
	rs_scn_dump(scn, mf);
	fclose(mf);
	rs_scn_free(scn);

	work = rs_xasprintf("%s.minimize-%d", a.path, (int)getpid());
	rs_mkdir_p(work, 0755);
	m.workdir = work;
	m.rr.exe = self_exe();
	fprintf(stderr, "minimize: checking that %s hangs (up to %u runs each try; work in %s)\n",
		a.path, m.runs, work);
	if (!still_hangs(&m, text)) {
		fprintf(stderr, "minimize: %s does not hang in %u runs: nothing to minimize\n",
			a.path, m.runs);
		ret = m.rr.wedged ? RS_EXIT_FAIL : RS_EXIT_PASS;
		goto out;
	}
	blocks_split(text, &bl);
	/* Drop whole sections, last first (loads and importers before exporters). */
	do {
		changed = false;
		for (i = bl.nr; i-- > 1 && !m.rr.wedged;) {
			char *cand;

			if (bl.gone[i] || !strncmp(bl.text[i], "[global]", 8))
				continue;
			bl.gone[i] = true;
			cand = blocks_join(&bl);
			if (still_hangs(&m, cand)) {
				changed = true;
				removed++;
			} else {
				bl.gone[i] = false;
			}
			free(cand);
		}
	} while (changed && !m.rr.wedged);
	/* Halve counts while it still hangs. */
	for (i = 0; i < bl.nr && !m.rr.wedged; i++) {
		for (k = 0; k < RS_ARRAY_SIZE(halvable) && !bl.gone[i]; k++) {
			char *nb;

			while ((nb = halve_key(bl.text[i], halvable[k]))) {
				char *old = bl.text[i], *cand;

				bl.text[i] = nb;
				cand = blocks_join(&bl);
				if (still_hangs(&m, cand)) {
					free(old);
				} else {
					bl.text[i] = old;
					free(nb);
					free(cand);
					break;
				}
				free(cand);
			}
		}
	}
	free(text);
	text = blocks_join(&bl);
	outp = out ? rs_xstrdup(out) : rs_xasprintf("%s.min.ini", a.path);
	ret = rs_write_file_atomic(outp, text, strlen(text));
	if (ret)
		fprintf(stderr, "minimize: cannot write %s: %s\n", outp, strerror(-ret));
	else
		printf("minimize: %zu sections removed in %u tries; minimal hanging scenario: %s\n",
		       removed, m.tries, outp);
	free(outp);
	for (i = 0; i < bl.nr; i++)
		free(bl.text[i]);
	free(bl.text);
	free(bl.gone);
	ret = ret ? RS_EXIT_INTERNAL : RS_EXIT_FAIL;	/* it hangs: a failure was found */
out:
	free(text);
	free(work);
	free((char *)m.rr.exe);
	return ret;
bad:
	minimize_usage(stderr);
	return RS_EXIT_USAGE;
}
