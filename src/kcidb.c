// SPDX-License-Identifier: GPL-2.0
/*
 * kcidb.json: the run's KTAP points as a KCIDB (kernelci.org common database) I/O
 * document, schema v4, ready for `kcidb-submit`: one checkout and one build for the
 * running kernel, one test per KTAP point.  Everything in it is also in results.json;
 * this is the shape CI dashboards read.
 *
 * KCIDB wants ids that are stable for the same object: the checkout and build ids hash
 * the kernel's identity (/proc/version), the tests' ids add the run's start time and
 * the point's number.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "rs_ctl.h"
#include "rs_json.h"
#include "rs_util.h"

#define RS_KCIDB_ORIGIN	"revokestorm"
#define RS_KCIDB_FILE	"kcidb.json"

static const char *rs_kcidb_status(enum rs_result r)
{
	switch (r) {
	case RS_RES_PASS:
		return "PASS";
	case RS_RES_FAIL:
	case RS_RES_HANG:
		return "FAIL";
	case RS_RES_SKIP:
	case RS_RES_NOTRUN:
		break;
	}
	return "SKIP";
}

static void rs_kcidb_body(struct rs_json *j, struct rs_ctx *ctx)
{
	char *version = rs_read_line("/proc/version");
	char checkout[64], build[128], id[128], path[256];
	struct utsname u;
	uint64_t kh;
	size_t i;

	if (uname(&u))
		memset(&u, 0, sizeof(u));
	kh = rs_hash_str(0, version ? version : u.release);
	snprintf(checkout, sizeof(checkout), RS_KCIDB_ORIGIN ":%016llx", (unsigned long long)kh);
	snprintf(build, sizeof(build), RS_KCIDB_ORIGIN ":%016llx-%s", (unsigned long long)kh,
		 u.machine);

	rs_json_obj_begin(j, NULL);
	rs_json_obj_begin(j, "version");
	rs_json_int(j, "major", 4);
	rs_json_int(j, "minor", 3);
	rs_json_obj_end(j);

	rs_json_arr_begin(j, "checkouts");
	rs_json_obj_begin(j, NULL);
	rs_json_str(j, "id", checkout);
	rs_json_str(j, "origin", RS_KCIDB_ORIGIN);
	rs_json_bool(j, "valid", true);
	rs_json_obj_begin(j, "misc");
	rs_json_str(j, "kernel_release", u.release);
	if (version)
		rs_json_str(j, "proc_version", version);
	rs_json_obj_end(j);
	rs_json_obj_end(j);
	rs_json_arr_end(j);

	rs_json_arr_begin(j, "builds");
	rs_json_obj_begin(j, NULL);
	rs_json_str(j, "id", build);
	rs_json_str(j, "checkout_id", checkout);
	rs_json_str(j, "origin", RS_KCIDB_ORIGIN);
	rs_json_str(j, "architecture", u.machine);
	rs_json_bool(j, "valid", true);
	rs_json_obj_end(j);
	rs_json_arr_end(j);

	rs_json_arr_begin(j, "tests");
	pthread_mutex_lock(&ctx->log_lock);
	for (i = 0; i < ctx->nr_points; i++) {
		const struct rs_point *pt = &ctx->points[i];

		snprintf(id, sizeof(id), RS_KCIDB_ORIGIN ":%s-%llu-%zu", ctx->scn->name,
			 (unsigned long long)(ctx->wall0 / 1000000ULL), i + 1);
		snprintf(path, sizeof(path), "revokestorm.%s.%s", ctx->scn->name, pt->name);
		for (char *c = path; *c; c++)	/* KCIDB paths are dot-separated words */
			if (*c == ' ' || *c == '/')
				*c = '_';
		rs_json_obj_begin(j, NULL);
		rs_json_str(j, "id", id);
		rs_json_str(j, "build_id", build);
		rs_json_str(j, "origin", RS_KCIDB_ORIGIN);
		rs_json_str(j, "path", path);
		rs_json_str(j, "status", rs_kcidb_status(pt->result));
		rs_json_bool(j, "waived", false);
		rs_json_time(j, "start_time", ctx->wall0);
		rs_json_double(j, "duration", (double)(ctx->wall_end - ctx->wall0) / 1e9);
		rs_json_obj_begin(j, "environment");
		rs_json_str(j, "comment", u.nodename);
		rs_json_obj_end(j);
		rs_json_obj_begin(j, "misc");
		rs_json_str(j, "result", rs_result_name(pt->result));
		if (pt->reason)
			rs_json_str(j, "reason", pt->reason);
		rs_json_uint(j, "seed", ctx->seed);
		rs_json_str(j, "results_dir", ctx->results_dir);
		rs_json_obj_end(j);
		rs_json_obj_end(j);
	}
	pthread_mutex_unlock(&ctx->log_lock);
	rs_json_arr_end(j);
	rs_json_obj_end(j);
	free(version);
}

int rs_kcidb_write(struct rs_ctx *ctx)
{
	char path[PATH_MAX + 16], *text = NULL;
	size_t len = 0;
	struct rs_json *j;
	FILE *f;
	int err;

	f = open_memstream(&text, &len);
	if (!f)
		return -errno;
	j = rs_json_new(f, true);
	rs_kcidb_body(j, ctx);
	err = rs_json_end(j);
	fputc('\n', f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s", ctx->results_dir, RS_KCIDB_FILE);
	if (!err)
		err = rs_write_file_atomic(path, text, len);
	if (err)
		fprintf(ctx->status, "revokestorm: cannot write %s: %s\n", path, strerror(-err));
	free(text);
	return err;
}
