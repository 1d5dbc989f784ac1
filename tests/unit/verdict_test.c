// SPDX-License-Identifier: GPL-2.0
/*
 * The verdict as a pure function (rs_verdict.h): every test point's final result, the exit
 * code and the status word from what a run left, nothing else.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "rs_run.h"
#include "rs_verdict.h"

static struct rs_vobj pair(enum rs_result state, uint64_t cycles, bool active)
{
	struct rs_vobj o = { .kind = RS_VK_PAIR, .state = state, .cycles = cycles,
			     .active = active };

	return o;
}

static struct rs_verdict run(struct rs_vobj *obj, size_t nr, struct rs_verdict_in in)
{
	struct rs_verdict out = { 0 };

	in.obj = obj;
	in.nr = nr;
	rs_verdict(&in, &out);
	return out;
}

/* Issue 9, item 6: a pair that completed no revoke cycle is not ok. */
TEST(verdict_zero_cycles_not_ok)
{
	struct rs_vobj o[2] = { pair(RS_RES_PASS, 0, true), pair(RS_RES_PASS, 12, true) };
	struct rs_verdict v = run(o, 2, (struct rs_verdict_in){ 0 });

	EXPECT_EQ(RS_RES_FAIL, o[0].state);
	EXPECT_STREQ("completed no revoke cycle: nothing was revoked", o[0].reason);
	EXPECT_EQ(RS_RES_PASS, o[1].state);
	EXPECT_EQ(RS_EXIT_FAIL, v.exit_code);
	EXPECT_STREQ("fail", v.status);
}

/* ...but skips when it had no chance: active in no phase that ran, or the run stopped. */
TEST(verdict_zero_cycles_skip_with_reason)
{
	struct rs_vobj o[2] = { pair(RS_RES_PASS, 0, false), pair(RS_RES_PASS, 3, true) };
	struct rs_verdict v = run(o, 2, (struct rs_verdict_in){ 0 });

	EXPECT_EQ(RS_RES_SKIP, o[0].state);
	EXPECT_STREQ("active in no phase that ran", o[0].reason);
	EXPECT_EQ(RS_EXIT_PASS, v.exit_code);

	o[0] = pair(RS_RES_PASS, 0, true);
	v = run(o, 1, (struct rs_verdict_in){ .signal = true, .stopped_early = true });
	EXPECT_EQ(RS_RES_SKIP, o[0].state);
	EXPECT_STREQ("no revoke cycle before the run stopped (signal)", o[0].reason);
	EXPECT_STREQ("interrupted", v.status);
	EXPECT_EQ(RS_EXIT_PASS, v.exit_code);

	/* the trigger said why it cannot act: that reason stays */
	o[0] = pair(RS_RES_SKIP, 0, true);
	strcpy(o[0].reason, "0000:01:00.0 has no FLR");
	v = run(o, 1, (struct rs_verdict_in){ 0 });
	EXPECT_EQ(RS_RES_SKIP, o[0].state);
	EXPECT_STREQ("0000:01:00.0 has no FLR", o[0].reason);
	EXPECT_EQ(RS_EXIT_SKIP, v.exit_code);
	EXPECT_STREQ("skip", v.status);
}

/*
 * A pair whose first cycle began but had not ended when the run did (a close of a device
 * whose reset takes 7 s, in a 2 s matrix cell) revoked: not "nothing was revoked", but
 * nothing judged either: a skip saying so.
 */
TEST(verdict_turn_that_never_came_skips)
{
	struct rs_vobj o[2] = { pair(RS_RES_PASS, 0, true), pair(RS_RES_PASS, 1, true) };
	struct rs_verdict v;

	/* exclusive triggers take turns: this one waited for the exporter the whole run */
	o[0].waited_turn = true;
	v = run(o, 2, (struct rs_verdict_in){ 0 });
	EXPECT_EQ(RS_RES_SKIP, o[0].state);
	EXPECT_NE(NULL, strstr(o[0].reason, "its turn on the exporter never came"));
	EXPECT_EQ(RS_RES_PASS, o[1].state);
	EXPECT_EQ(RS_EXIT_PASS, v.exit_code);
	/* one that got its turns and still revoked nothing fails, as before */
	o[0] = pair(RS_RES_PASS, 0, true);
	run(o, 1, (struct rs_verdict_in){ 0 });
	EXPECT_EQ(RS_RES_FAIL, o[0].state);
}

TEST(verdict_cycle_cut_by_the_end_skips)
{
	struct rs_vobj o[1] = { pair(RS_RES_PASS, 0, true) };
	struct rs_verdict v;

	o[0].started = 1;
	v = run(o, 1, (struct rs_verdict_in){ 0 });
	EXPECT_EQ(RS_RES_SKIP, o[0].state);
	EXPECT_NE(NULL, strstr(o[0].reason, "first revoke cycle was still running when the run ended"));
	EXPECT_EQ(RS_EXIT_SKIP, v.exit_code);
}

TEST(verdict_not_reached_says_why)
{
	struct rs_vobj o[3] = {
		pair(RS_RES_NOTRUN, 0, true),
		{ .kind = RS_VK_IMPORTER, .state = RS_RES_NOTRUN },
		{ .kind = RS_VK_EXPORTER, .state = RS_RES_NOTRUN },
	};
	struct rs_verdict v = run(o, 3, (struct rs_verdict_in){ .error = "state file busy",
							       .stopped_early = true });

	EXPECT_EQ(RS_RES_SKIP, o[0].state);
	EXPECT_STREQ("not reached: state file busy", o[0].reason);
	EXPECT_EQ(RS_RES_SKIP, o[1].state);
	EXPECT_STREQ("not reached: state file busy", o[1].reason);
	EXPECT_EQ(RS_RES_SKIP, o[2].state);
	EXPECT_EQ(RS_EXIT_SKIP, v.exit_code);
	EXPECT_STREQ("skip", v.status);
}

TEST(verdict_importers)
{
	struct rs_vobj o = { .kind = RS_VK_IMPORTER, .state = RS_RES_NOTRUN, .opened = true,
			     .imports = 2, .imports_ok = 1, .imports_failed = 1 };
	struct rs_verdict v;

	strcpy(o.import_failure, "import of buffer 1 of e0: EOPNOTSUPP: refused");
	v = run(&o, 1, (struct rs_verdict_in){ 0 });
	EXPECT_EQ(RS_RES_FAIL, o.state);
	EXPECT_STREQ("import of buffer 1 of e0: EOPNOTSUPP: refused", o.reason);
	EXPECT_EQ(RS_EXIT_FAIL, v.exit_code);

	o = (struct rs_vobj){ .kind = RS_VK_IMPORTER, .opened = true, .imports = 1 };
	strcpy(o.import_reason, "cannot import udmabuf buffers");
	v = run(&o, 1, (struct rs_verdict_in){ 0 });
	EXPECT_EQ(RS_RES_SKIP, o.state);
	EXPECT_STREQ("cannot import udmabuf buffers", o.reason);

	o = (struct rs_vobj){ .kind = RS_VK_IMPORTER, .opened = true, .imports = 1,
			      .imports_ok = 1, .traffic_failures = 3 };
	v = run(&o, 1, (struct rs_verdict_in){ 0 });
	EXPECT_EQ(RS_RES_FAIL, o.state);

	o = (struct rs_vobj){ .kind = RS_VK_IMPORTER, .state = RS_RES_HANG, .opened = true };
	v = run(&o, 1, (struct rs_verdict_in){ .hangs = 1, .stopped_early = true });
	EXPECT_EQ(RS_RES_HANG, o.state);
	EXPECT_STREQ("hang", v.status);
}

/* What decides the exit code, strongest first. */
TEST(verdict_exit_codes)
{
	struct rs_vobj o = pair(RS_RES_PASS, 1, true);
	struct rs_verdict v;

	v = run(&o, 1, (struct rs_verdict_in){ .internal_error = true, .hangs = 1 });
	EXPECT_EQ(RS_EXIT_INTERNAL, v.exit_code);
	v = run(&o, 1, (struct rs_verdict_in){ .hangs = 1 });
	EXPECT_EQ(RS_EXIT_FAIL, v.exit_code);
	EXPECT_STREQ("hang", v.status);
	v = run(&o, 1, (struct rs_verdict_in){ .klog_failures = 1 });
	EXPECT_STREQ("fail", v.status);
	v = run(&o, 1, (struct rs_verdict_in){ .leak_check = RS_RES_FAIL });
	EXPECT_STREQ("fail", v.status);
	v = run(&o, 1, (struct rs_verdict_in){ .leak_check = RS_RES_SKIP });
	EXPECT_STREQ("pass", v.status);
	v = run(&o, 1, (struct rs_verdict_in){ .signal = true, .stopped_early = true });
	EXPECT_STREQ("interrupted", v.status);
	v = run(NULL, 0, (struct rs_verdict_in){ 0 });
	EXPECT_EQ(RS_EXIT_SKIP, v.exit_code);
	{
		struct rs_vobj ph = { .kind = RS_VK_PHASE, .state = RS_RES_FAIL };

		v = run(&ph, 1, (struct rs_verdict_in){ 0 });
		EXPECT_EQ(RS_EXIT_FAIL, v.exit_code);
	}
}

/*
 * The storm matrix's culprit cells pass only on the kernel's word: its own blame line always
 * says "hung importer", so that alone proved nothing (matrix.c searched the log for it).
 */
TEST(blame_with_the_kernel_report_is_evidence)
{
	EXPECT_TRUE(rs_blame_has_kernel_report("hung importer: mock stuck, on buffer 0 of e0 (ino 12); a revoke of e0 waited 5.0s for it; kernel: [  12.3] dma-buf: hung importer ino=12 pid=301 waited_ms=5000"));
	EXPECT_FALSE(rs_blame_has_kernel_report("hung importer: mock stuck, on buffer 0 of e0 (ino 12); a revoke of e0 waited 5.0s for it; no kernel report of it (a kernel without kernel-patches/' hung-importer report, or dma_buf.hung_importer_ms=0)"));
	EXPECT_FALSE(rs_blame_has_kernel_report("hung importer: x; kernel: "));
	EXPECT_FALSE(rs_blame_has_kernel_report("map failed; kernel: something"));
}

TEST_HARNESS_MAIN
