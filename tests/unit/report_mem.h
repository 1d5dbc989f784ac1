/* SPDX-License-Identifier: GPL-2.0 */
/* Unit tests: a report built from trace text in memory. */
#ifndef RS_TEST_REPORT_MEM_H
#define RS_TEST_REPORT_MEM_H

#include <stdio.h>
#include <string.h>

#include "rs_report.h"

/* The report of text, read as the input "trace.txt", finished; its messages dropped. */
static inline struct rs_report *report_from_text(const char *text)
{
	struct rs_report *r = rs_report_new();
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	rs_report_set_errfile(r, NULL);
	rs_report_feed_stream(r, f, "trace.txt");
	fclose(f);
	rs_report_finish(r);
	return r;
}

#endif
