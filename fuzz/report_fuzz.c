// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: `revokestorm report`'s trace parser and protocol checker on
 * arbitrary bytes (perf script, perf trace and tracefs text are all detected per line).
 * Every output format is written for each input, so the model the parser builds is
 * walked in full; the exit code must be one the report documents.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rs_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rs_report *r;
	FILE *in, *out;
	int code;

	if (!size)		/* fmemopen() wants at least a byte */
		return 0;
	r = rs_report_new();
	in = fmemopen((void *)data, size, "r");
	out = fopen("/dev/null", "w");
	if (!in || !out)
		abort();
	rs_report_set_errfile(r, NULL);
	rs_report_feed_stream(r, in, "fuzz");
	rs_report_finish(r);
	rs_report_write_text(r, out);
	rs_report_write_json(r, out);
	rs_report_write_html(r, out);
	code = rs_report_exit_code(r);
	if ((code < 0 || code > 2) && code != 4)	/* 4: events lost, nothing found */
		abort();
	fclose(in);
	fclose(out);
	rs_report_free(r);
	return 0;
}
