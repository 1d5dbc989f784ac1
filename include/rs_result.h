/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The result of a test point (a pair, an importer, a phase, a check), as KTAP and
 * results.json print it.
 */
#ifndef RS_RESULT_H
#define RS_RESULT_H

enum rs_result {
	RS_RES_NOTRUN,
	RS_RES_PASS,
	RS_RES_FAIL,
	RS_RES_SKIP,
	RS_RES_HANG,
};

const char *rs_result_name(enum rs_result r);	/* "pass", "fail", ... */

#endif /* RS_RESULT_H */
