// SPDX-License-Identifier: GPL-2.0
/*
 * Recovering what dead runs left (rs_recover.h), and `revokestorm recover`.
 *
 * The core's own leftovers are acted on only when they are what we made: a tracefs
 * instance named instances/revokestorm-*, a process group whose leader still has the
 * recorded start time and command name.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rs_plugin.h"
#include "rs_recover.h"
#include "rs_run.h"
#include "rs_scenario.h"
#include "rs_util.h"

#define RS_PROCESS_STOP_MS	10000	/* SIGINT, then SIGKILL: perf writes its data first */

static int rs_recover_tracefs(const char *dir, char **reason)
{
	const char *base = strrchr(dir, '/');
	size_t n = base ? (size_t)(base - dir) : 0;
	char *p;
	int fd;

	if (!base || strncmp(base + 1, "revokestorm-", 12) || n < 10 ||
	    strncmp(dir + n - 10, "/instances", 10)) {
		*reason = rs_xasprintf("%s is not a revokestorm tracefs instance: left alone", dir);
		return -EINVAL;
	}
	if (access(dir, F_OK)) {
		*reason = rs_xstrdup("already gone");
		return -RS_ESKIP;
	}
	p = rs_xasprintf("%s/tracing_on", dir);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	free(p);
	if (fd >= 0) {
		(void)!write(fd, "0", 1);
		close(fd);
	}
	if (rmdir(dir) && errno != ENOENT) {
		int err = -errno;

		*reason = rs_xasprintf("rmdir %s: %s", dir, strerror(errno));
		return err;
	}
	*reason = rs_xasprintf("removed %s", dir);
	return 0;
}

static bool rs_comm_is(int pid, const char *comm)
{
	char path[64], *buf = NULL, *nl;
	size_t len;
	bool same;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (rs_read_file(path, &buf, &len, 256))
		return false;
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	same = !strcmp(buf, comm);
	free(buf);
	return same;
}

static int rs_recover_process(const char *id, char **reason)
{
	unsigned long long start;
	char comm[64] = "";
	int pgid, i;

	if (sscanf(id, "%d/%llu %63s", &pgid, &start, comm) < 2 || pgid <= 1 || !start) {
		*reason = rs_xasprintf("'%s' is not PGID/START COMM: left alone", id);
		return -EINVAL;
	}
	if (!rs_proc_alive(pgid, start) || (*comm && !rs_comm_is(pgid, comm))) {
		*reason = rs_xstrdup("already gone");
		return -RS_ESKIP;
	}
	kill(-pgid, SIGINT);
	for (i = 0; i < RS_PROCESS_STOP_MS / 50 && rs_proc_alive(pgid, start); i++)
		usleep(50 * 1000);
	if (!rs_proc_alive(pgid, start)) {
		*reason = rs_xasprintf("stopped process group %d (%s) with SIGINT", pgid, comm);
		return 0;
	}
	kill(-pgid, SIGKILL);
	for (i = 0; i < 40 && rs_proc_alive(pgid, start); i++)
		usleep(50 * 1000);
	if (rs_proc_alive(pgid, start)) {
		*reason = rs_xasprintf("process group %d (%s) survives SIGKILL (stuck in the kernel?)",
				       pgid, comm);
		return -EBUSY;
	}
	*reason = rs_xasprintf("killed process group %d (%s): SIGINT did not stop it", pgid, comm);
	return 0;
}

int rs_recover_entry(struct rs_ctx *ctx, const struct rs_state_entry *e, char **reason)
{
	const struct rs_exporter_ops *ops;
	int err;

	if (e->alive) {
		*reason = rs_xasprintf("held by pid %d, which is still alive (stuck?): left alone",
				       e->pid);
		return -EBUSY;
	}
	if (!strcmp(e->type, RS_STATE_TRACEFS))
		return rs_recover_tracefs(e->id, reason);
	if (!strcmp(e->type, RS_STATE_PROCESS))
		return rs_recover_process(e->id, reason);
	ops = rs_find_exporter(e->type);
	if (!ops || !ops->recover) {
		*reason = rs_xasprintf("exporter type '%s' %s", e->type,
				       ops ? "has no recover hook" : "is not built in");
		return -EOPNOTSUPP;
	}
	err = ops->recover(ctx, e->id);
	*reason = rs_xstrdup(err == 0 ? "restored" : err == -RS_ESKIP ? "nothing to do" :
			     strerror(-err));
	return err;
}

const char *rs_recover_word(int err)
{
	return !err ? "restored" : err == -RS_ESKIP ? "nothing-to-do" :
	       err == -EBUSY ? "left-alone" : "failed";
}

static void rs_recover_usage(FILE *f)
{
	fprintf(f, "usage: revokestorm recover [--state-file PATH]\n"
		"  put back in order what dead runs left in the state file (default: the\n"
		"  state_file default, %s); exit 0 when nothing is left, 1 when something is\n",
		rs_core_find(RS_SEC_GLOBAL, "state_file")->opt.def);
}

int rs_recover_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state-file", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = rs_core_find(RS_SEC_GLOBAL, "state_file")->opt.def;
	struct rs_state_entry *left;
	struct rs_state *st;
	size_t nr, i, bad = 0;
	int c, err, owner;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "F:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			path = optarg;
			break;
		case 'h':
			rs_recover_usage(stdout);
			return RS_EXIT_PASS;
		default:
			fprintf(stderr, "revokestorm recover: bad option '%s'\n", argv[optind - 1]);
			rs_recover_usage(stderr);
			return RS_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "revokestorm recover: unexpected argument '%s'\n", argv[optind]);
		return RS_EXIT_USAGE;
	}
	if (access(path, F_OK)) {
		printf("recover: %s: no state file: nothing left to recover\n", path);
		return RS_EXIT_PASS;
	}
	err = rs_state_open(path, "recover", &st, &left, &nr, &owner);
	if (err == -EBUSY) {
		fprintf(stderr, "revokestorm recover: %s is held by a running revokestorm (pid %d): "
			"it recovers its own devices when it ends\n", path, owner);
		return RS_EXIT_FAIL;
	}
	if (err) {
		fprintf(stderr, "revokestorm recover: %s: %s\n", path, strerror(-err));
		return RS_EXIT_FAIL;
	}
	for (i = 0; i < nr; i++) {
		char *reason = NULL;

		err = rs_recover_entry(NULL, &left[i], &reason);
		printf("recover: %s %s (%s) left by pid %d: %s\n", rs_recover_word(err),
		       left[i].id, left[i].type, left[i].pid, reason);
		if (err && err != -RS_ESKIP)
			bad++;
		else if (rs_state_forget(st, &left[i]))
			bad++;
		free(reason);
	}
	if (!nr)
		printf("recover: %s lists nothing: nothing left to recover\n", path);
	rs_state_entries_free(left, nr);
	rs_state_close(st);
	if (bad)
		printf("recover: %zu left in %s\n", bad, path);
	return bad ? RS_EXIT_FAIL : RS_EXIT_PASS;
}
