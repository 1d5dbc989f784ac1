/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test doubles for plugins, registered only in the unit test binaries that include this
 * file.  They exercise the core's logic (scenario keys, controller, hang handling); they
 * simulate nothing of the kernel and their numbers are never results of the tool.
 *
 *   exporter t-exp   revocable; buffers are memfds; state_id "t:<name>"; recover recorded
 *   exporter t-ctl   not revocable (a control)
 *   exporter t-req   has a required key
 *   importer t-imp   traffic fails with ENODEV while its exporter is revoked (or blocks,
 *                    like traffic behind a stuck revoke); counts its imports (rs_count)
 *                    and can name a blocker (rs_import_blocker)
 *   trigger  t-trig  needs "t"; can block in revoke (block = true) until an importer closes
 *   trigger  t-perm  permanent: restore means export and import again
 *   load     t-load  counts starts and stops
 */
#ifndef RS_TEST_PLUGINS_H
#define RS_TEST_PLUGINS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rs_plugin.h"

struct t_exp_state {
	atomic_bool revoked;
	atomic_int revokes, restores, exports;
};

static atomic_int t_recover_calls, t_load_starts, t_load_stops, t_imports, t_releases;
static atomic_int t_revoked_hooks, t_restored_hooks, t_closes, t_unopened_imports;
static atomic_int t_exp_opens;
static char t_recovered[8][64];
static int t_block_pipe[2] = { -1, -1 };

static void t_block_init(void)
{
	if (t_block_pipe[0] < 0 && pipe(t_block_pipe))
		abort();
}

/* ---------------------------------------------------------------- exporters */

static const struct rs_opt t_exp_opts[] = {
	{ "size", RS_OPT_SIZE, "4K", "buffer size" },
	{ "skip_open", RS_OPT_BOOL, "false", "open says -RS_ESKIP" },
	{ "fail_open", RS_OPT_BOOL, "false", "open fails with ENXIO" },
	{ "device", RS_OPT_STR, "t0", "a name for the state file" },
	{ "fill_fds", RS_OPT_BOOL, "false", "close leaves no descriptor free (reserve tests)" },
	{ "mode", RS_OPT_ENUM, "a", "an enum, for parser tests", "a|b|c" },
	{ "names", RS_OPT_LIST, "x,y", "a list, for parser tests" },
	{ "pause", RS_OPT_TIME, "1ms", "a time, for parser tests" },
	{ "level", RS_OPT_INT, "3", "an int, for parser tests" },
	{ .key = NULL },
};

static int t_exp_open(struct rs_exporter *ex)
{
	t_exp_opens++;
	if (rs_sec_bool(ex->o.sec, "skip_open"))
		return rs_skip(&ex->o, "%s: no such test device", rs_sec_str(ex->o.sec, "device"));
	if (rs_sec_bool(ex->o.sec, "fail_open"))
		return rs_err(&ex->o, ENXIO, "%s: cannot open", rs_sec_str(ex->o.sec, "device"));
	ex->o.priv = calloc(1, sizeof(struct t_exp_state));
	return 0;
}

static int t_exp_export(struct rs_exporter *ex, struct rs_buf *buf)
{
	struct t_exp_state *s = ex->o.priv;

	buf->fd = memfd_create("t-exp", MFD_CLOEXEC);
	if (buf->fd < 0)
		return rs_err(&ex->o, errno, "memfd_create");
	buf->size = rs_sec_size(ex->o.sec, "size");
	buf->ino = 1000 + buf->index;
	s->exports++;
	return 0;
}

static void t_exp_release(struct rs_exporter *ex, struct rs_buf *buf)
{
	close(buf->fd);
	buf->fd = -1;
}

static void *t_exp_handle(struct rs_exporter *ex, const char *kind)
{
	return !strcmp(kind, "t") ? ex : NULL;
}

static void t_exp_close(struct rs_exporter *ex)
{
	/* the process runs out of descriptors just before the run writes its results */
	if (rs_sec_bool(ex->o.sec, "fill_fds"))
		while (open("/dev/null", O_RDONLY | O_CLOEXEC) >= 0)
			;
	free(ex->o.priv);
	ex->o.priv = NULL;
}

static const char *t_exp_state_id(struct rs_exporter *ex)
{
	static __thread char id[96];

	snprintf(id, sizeof(id), "t:%s", rs_sec_str(ex->o.sec, "device"));
	return id;
}

static int t_exp_recover(struct rs_ctx *ctx, const char *state_id)
{
	int i = t_recover_calls++;

	if (i < 8)
		snprintf(t_recovered[i], sizeof(t_recovered[i]), "%s", state_id);
	return strstr(state_id, "broken") ? -EIO : 0;
}

static const struct rs_exporter_ops t_exp_ops = {
	.type = "t-exp",
	.help = "test exporter (memfd buffers)",
	.opts = t_exp_opts,
	.revocable = true,
	.open = t_exp_open,
	.export = t_exp_export,
	.release = t_exp_release,
	.handle = t_exp_handle,
	.close = t_exp_close,
	.state_id = t_exp_state_id,
	.recover = t_exp_recover,
};
RS_REGISTER(exporter, t_exp_ops)

static const struct rs_exporter_ops t_ctl_ops = {
	.type = "t-ctl",
	.help = "test control exporter (not revocable)",
	.revocable = false,
	.open = t_exp_open,
	.export = t_exp_export,
	.release = t_exp_release,
	.close = t_exp_close,
	.opts = t_exp_opts,
};
RS_REGISTER(exporter, t_ctl_ops)

static const struct rs_opt t_req_opts[] = {
	{ "device", RS_OPT_STR, NULL, "a required key" },
	{ .key = NULL },
};

static const struct rs_exporter_ops t_req_ops = {
	.type = "t-req",
	.help = "test exporter with a required key",
	.opts = t_req_opts,
	.revocable = true,
	.open = t_exp_open,
	.export = t_exp_export,
};
RS_REGISTER(exporter, t_req_ops)

/* ---------------------------------------------------------------- importers */

static const struct rs_opt t_imp_opts[] = {
	{ "fail_revoked", RS_OPT_BOOL, "false", "the revoked hook reports EEXIST" },
	{ "fail_import", RS_OPT_BOOL, "false", "import fails with EOPNOTSUPP" },
	{ "skip_import", RS_OPT_BOOL, "false", "import says -RS_ESKIP" },
	{ "skip_open", RS_OPT_BOOL, "false", "open says -RS_ESKIP (nothing may be imported then)" },
	{ "unblock", RS_OPT_BOOL, "false", "closing this importer unblocks blocked triggers" },
	{ "traffic_lies", RS_OPT_BOOL, "false", "traffic fails with EIO even when not revoked" },
	{ "leak_fd", RS_OPT_BOOL, "false", "the restored hook leaks an fd (leak check tests)" },
	{ "blocker", RS_OPT_BOOL, "false", "each import names a blocker (hang attribution tests)" },
	{ "refused", RS_OPT_BOOL, "false", "import is refused as the exporter must (-RS_EREFUSED)" },
	{ "traffic_blocks", RS_OPT_BOOL, "false",
	  "traffic blocks while revoked until an importer with unblock closes (a victim)" },
	{ .key = NULL },
};

static int t_imp_open(struct rs_importer *im)
{
	if (rs_sec_bool(im->o.sec, "skip_open"))
		return rs_skip(&im->o, "no test importer device");
	return 0;
}

static int t_imp_import(struct rs_importer *im, struct rs_import *imp)
{
	if (rs_sec_bool(im->o.sec, "skip_open"))
		t_unopened_imports++;	/* a real importer would crash here: it has no state */
	t_imports++;
	rs_count(&im->o, "t_imports", 1);
	rs_count_max(&im->o, "t_max_index", imp->buf->index);
	if (rs_sec_bool(im->o.sec, "blocker"))
		rs_import_blocker(imp, "test fence %u", imp->buf->index);
	if (rs_sec_bool(im->o.sec, "refused"))
		return rs_refused(&im->o, "test exporter refuses test importers, as it must");
	if (rs_sec_bool(im->o.sec, "skip_import"))
		return rs_skip(&im->o, "test importer cannot import %s", imp->buf->ex->o.name);
	if (rs_sec_bool(im->o.sec, "fail_import"))
		return rs_err(&im->o, EOPNOTSUPP, "test importer refuses");
	return 0;
}

static int t_imp_revoked(struct rs_importer *im, struct rs_import *imp)
{
	t_revoked_hooks++;
	if (rs_sec_bool(im->o.sec, "fail_revoked"))
		return rs_err(&im->o, EEXIST, "a new map succeeded while revoked");
	return 0;
}

static int t_imp_restored(struct rs_importer *im, struct rs_import *imp)
{
	t_restored_hooks++;
	if (rs_sec_bool(im->o.sec, "leak_fd"))
		(void)!open("/dev/null", O_RDONLY | O_CLOEXEC);
	return 0;
}

static int64_t t_imp_traffic(struct rs_importer *im, struct rs_import *imp)
{
	struct t_exp_state *s = imp->buf->ex->o.priv;

	if (rs_sec_bool(im->o.sec, "traffic_lies"))
		return -EIO;
	if (s && s->revoked && rs_sec_bool(im->o.sec, "traffic_blocks")) {
		char c;

		t_block_init();
		(void)!read(t_block_pipe[0], &c, 1);
		return -ENODEV;
	}
	if (s && s->revoked)
		return -ENODEV;
	return 64;
}

static void t_imp_release(struct rs_importer *im, struct rs_import *imp)
{
	t_releases++;
}

static void t_imp_close(struct rs_importer *im)
{
	t_closes++;
	if (rs_sec_bool(im->o.sec, "unblock") && t_block_pipe[1] >= 0)
		(void)!write(t_block_pipe[1], "xxxxxxxx", 8);
}

static const struct rs_importer_ops t_imp_ops = {
	.type = "t-imp",
	.help = "test importer",
	.opts = t_imp_opts,
	.open = t_imp_open,
	.import = t_imp_import,
	.revoked = t_imp_revoked,
	.restored = t_imp_restored,
	.traffic = t_imp_traffic,
	.release = t_imp_release,
	.close = t_imp_close,
};
RS_REGISTER(importer, t_imp_ops)

/* ---------------------------------------------------------------- triggers */

static const struct rs_opt t_trig_opts[] = {
	{ "block", RS_OPT_BOOL, "false", "revoke blocks until an importer with unblock closes" },
	{ "skip_probe", RS_OPT_BOOL, "false", "probe says -RS_ESKIP" },
	{ "fail_revoke", RS_OPT_BOOL, "false", "revoke fails with EBUSY" },
	{ "skip_after", RS_OPT_INT, "-1", "revoke says -RS_ESKIP after this many revokes (-1: never)",
	  .min = -1, .max = 1000 },
	{ .key = NULL },
};

static int t_trig_probe(struct rs_trigger *t, struct rs_exporter *ex, void *h)
{
	if (rs_sec_bool(t->o.sec, "skip_probe"))
		return rs_skip(&t->o, "%s: device has no test reset", ex->o.name);
	return 0;
}

static int t_trig_revoke(struct rs_trigger *t, struct rs_exporter *ex, void *h)
{
	struct t_exp_state *s = ex->o.priv;

	if (rs_sec_bool(t->o.sec, "fail_revoke"))
		return rs_err(&t->o, EBUSY, "%s: busy", ex->o.name);
	if (rs_sec_int(t->o.sec, "skip_after") >= 0 &&
	    s->revokes >= rs_sec_int(t->o.sec, "skip_after"))
		return rs_skip(&t->o, "%s: the test bus cannot be reset here", ex->o.name);
	s->revoked = true;
	s->revokes++;
	if (rs_sec_bool(t->o.sec, "block")) {
		char c;

		t_block_init();
		(void)!read(t_block_pipe[0], &c, 1);
	}
	return 0;
}

static int t_trig_restore(struct rs_trigger *t, struct rs_exporter *ex, void *h)
{
	struct t_exp_state *s = ex->o.priv;

	s->revoked = false;
	s->restores++;
	return 0;
}

static const struct rs_trigger_ops t_trig_ops = {
	.type = "t-trig",
	.help = "test trigger",
	.opts = t_trig_opts,
	.needs = "t",
	.probe = t_trig_probe,
	.revoke = t_trig_revoke,
	.restore = t_trig_restore,
};
RS_REGISTER(trigger, t_trig_ops)

static const struct rs_trigger_ops t_perm_ops = {
	.type = "t-perm",
	.help = "test permanent trigger",
	.needs = "t",
	.revoke = t_trig_revoke,
	.restore = t_trig_restore,
	.permanent = true,
	.opts = t_trig_opts,
};
RS_REGISTER(trigger, t_perm_ops)

/* ---------------------------------------------------------------- loads */

static const struct rs_opt t_load_opts[] = {
	{ "fail_start", RS_OPT_BOOL, "false", "start fails with ENOENT" },
	{ "check_signals", RS_OPT_BOOL, "false",
	  "count the threads that do not block SIGINT, SIGTERM, SIGHUP, then raise SIGINT" },
	{ .key = NULL },
};

static atomic_int t_sig_threads, t_sig_unblocked;

/* Every thread of this process: does its SigBlk have SIGHUP, SIGINT and SIGTERM? */
static void t_check_signals(void)
{
	const unsigned long long want = (1ULL << (SIGHUP - 1)) | (1ULL << (SIGINT - 1)) |
					(1ULL << (SIGTERM - 1));
	struct dirent *de;
	DIR *d = opendir("/proc/self/task");

	while (d && (de = readdir(d))) {
		char path[300], line[256];
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", de->d_name);
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f)) {
			unsigned long long blk;

			if (sscanf(line, "SigBlk: %llx", &blk) != 1)
				continue;
			t_sig_threads++;
			if ((blk & want) != want)
				t_sig_unblocked++;
		}
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
}

static int t_load_start(struct rs_load *l)
{
	if (rs_sec_bool(l->o.sec, "fail_start"))
		return rs_err(&l->o, ENOENT, "no such load tool");
	t_load_starts++;
	if (rs_sec_bool(l->o.sec, "check_signals")) {
		t_check_signals();
		kill(getpid(), SIGINT);	/* process-directed: only the supervisor may take it */
	}
	return 0;
}

static void t_load_stop(struct rs_load *l)
{
	t_load_stops++;
}

static const struct rs_load_ops t_load_ops = {
	.type = "t-load",
	.help = "test load",
	.opts = t_load_opts,
	.start = t_load_start,
	.stop = t_load_stop,
};
RS_REGISTER(load, t_load_ops)

#endif /* RS_TEST_PLUGINS_H */
