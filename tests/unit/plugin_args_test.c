// SPDX-License-Identifier: GPL-2.0
/*
 * errno -> reason hints of the device libraries and the stress-ng command line the
 * stress-ng load builds from scenario text.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "rs_lib/argv.h"
#include "rs_lib/hint.h"
#include "rs_lib/rdma.h"

TEST(hints)
{
	EXPECT_NE(NULL, strstr(rs_errno_hint(RS_HINT_IOMMUFD_MAP, ENODEV), "revoked"));
	EXPECT_NE(NULL, strstr(rs_errno_hint(RS_HINT_IOMMUFD_MAP, -ENODEV), "revoked"));
	EXPECT_NE(NULL, strstr(rs_errno_hint(RS_HINT_IOMMUFD_MAP, EOPNOTSUPP), "single-range"));
	EXPECT_NE(NULL, strstr(rs_errno_hint(RS_HINT_VFIO_EXPORT, EOPNOTSUPP), "vfio-pci"));
	EXPECT_NE(NULL, strstr(rs_errno_hint(RS_HINT_VFIO_EXPORT, ENOTTY), "DMA_BUF"));
	EXPECT_NE(NULL, strstr(rs_errno_hint(RS_HINT_MOCK_ATTACH, EOPNOTSUPP), "refuses"));
	EXPECT_NE(NULL, strstr(rs_errno_hint(RS_HINT_HOT_RESET, ENODEV), "bus"));
	EXPECT_NE(NULL, strstr(rs_errno_hint(RS_HINT_DRM_IMPORT, ENODEV), "blob"));
	EXPECT_NE(NULL, strstr(rs_errno_hint(RS_HINT_TEST_CMD, ENOTTY), "IOMMUFD_TEST"));
	/* iommufd_device_bind(): EPERM is MSI isolation, EBUSY another DMA owner */
	EXPECT_NE(NULL, strstr(rs_errno_hint(RS_HINT_VFIO_BIND, EPERM), "allow_unsafe_interrupts"));
	EXPECT_NE(NULL, strstr(rs_errno_hint(RS_HINT_VFIO_BIND, EBUSY), "owned elsewhere"));
	EXPECT_NE(NULL, strstr(rs_errno_hint(RS_HINT_VFIO_GROUP, EPERM), "CAP_SYS_RAWIO"));
	/* nothing to add: empty, never NULL */
	EXPECT_STREQ("", rs_errno_hint(RS_HINT_IOMMUFD_MAP, EAGAIN));
	EXPECT_STREQ("", rs_errno_hint(RS_HINT_NR, ENODEV));
	EXPECT_STREQ("", rs_errno_hint(RS_HINT_VFIO_EXPORT, 0));
}

TEST(rdma_driver_names)
{
	EXPECT_STREQ("rxe", rs_rdma_driver_name(RDMA_DRIVER_RXE));
	EXPECT_STREQ("siw", rs_rdma_driver_name(RDMA_DRIVER_SIW));
	EXPECT_STREQ("mlx5", rs_rdma_driver_name(RDMA_DRIVER_MLX5));
	EXPECT_STREQ("irdma", rs_rdma_driver_name(RDMA_DRIVER_IRDMA));
	EXPECT_STREQ("unknown", rs_rdma_driver_name(9999));
}

TEST(split_words)
{
	char **v;

	ASSERT_EQ(4, rs_argv_split("  --vm 2\t--vm-bytes   128M ", &v, NULL));
	EXPECT_STREQ("--vm", v[0]);
	EXPECT_STREQ("2", v[1]);
	EXPECT_STREQ("--vm-bytes", v[2]);
	EXPECT_STREQ("128M", v[3]);
	EXPECT_EQ(NULL, v[4]);
	rs_argv_free(v);

	ASSERT_EQ(3, rs_argv_split("a 'b c' \"d \\\"e\\\"\"", &v, NULL));
	EXPECT_STREQ("b c", v[1]);
	EXPECT_STREQ("d \"e\"", v[2]);
	rs_argv_free(v);

	ASSERT_EQ(2, rs_argv_split("x\\ y ''", &v, NULL));
	EXPECT_STREQ("x y", v[0]);
	EXPECT_STREQ("", v[1]);
	rs_argv_free(v);

	ASSERT_EQ(1, rs_argv_split("$HOME;rm", &v, NULL));	/* no expansion, no operators */
	EXPECT_STREQ("$HOME;rm", v[0]);
	rs_argv_free(v);

	ASSERT_EQ(0, rs_argv_split("   ", &v, NULL));
	EXPECT_EQ(NULL, v[0]);
	rs_argv_free(v);
	ASSERT_EQ(0, rs_argv_split(NULL, &v, NULL));
	rs_argv_free(v);
}

TEST(split_unterminated)
{
	char why[RS_WHY_LEN] = "", **v = (char **)1;

	EXPECT_EQ(-EINVAL, rs_argv_split("--vm 'oops", &v, why));
	EXPECT_EQ(NULL, v);
	EXPECT_NE(NULL, strstr(why, "unterminated"));
}

TEST(stressng_adds_timeout)
{
	char **v;
	int n = rs_stressng_argv("/usr/bin/stress-ng", "--cpu 2 --vm 1", 90ULL * 1000000000ULL,
				 &v, NULL);

	ASSERT_EQ(7, n);
	EXPECT_STREQ("/usr/bin/stress-ng", v[0]);
	EXPECT_STREQ("--cpu", v[1]);
	EXPECT_STREQ("1", v[4]);
	EXPECT_STREQ("--timeout", v[5]);
	EXPECT_STREQ("90s", v[6]);
	EXPECT_EQ(NULL, v[7]);
	rs_argv_free(v);

	/* rounded up: never 0s, which stress-ng reads as "run forever" */
	n = rs_stressng_argv("stress-ng", "--cpu 1", 1500000000ULL, &v, NULL);
	ASSERT_EQ(5, n);
	EXPECT_STREQ("2s", v[4]);
	rs_argv_free(v);
}

TEST(stressng_keeps_user_timeout)
{
	char **v;
	int n;

	n = rs_stressng_argv("stress-ng", "--cpu 1 -t 5s", 3600ULL * 1000000000ULL, &v, NULL);
	ASSERT_EQ(5, n);
	EXPECT_STREQ("5s", v[4]);
	rs_argv_free(v);
	n = rs_stressng_argv("stress-ng", "--timeout=10 --cpu 1", 1000000000ULL, &v, NULL);
	ASSERT_EQ(4, n);
	rs_argv_free(v);
	n = rs_stressng_argv("stress-ng", "--cpu 1", 0, &v, NULL);	/* no bound asked */
	ASSERT_EQ(3, n);
	rs_argv_free(v);
}

TEST(stressng_rejects)
{
	char why[RS_WHY_LEN] = "", **v;

	EXPECT_EQ(-EINVAL, rs_stressng_argv("stress-ng", "", 0, &v, why));
	EXPECT_NE(NULL, strstr(why, "no stressors"));
	EXPECT_EQ(-EINVAL, rs_stressng_argv("stress-ng", "vm 2", 0, &v, why));
	EXPECT_NE(NULL, strstr(why, "must start with an option"));
	EXPECT_EQ(-EINVAL, rs_stressng_argv("stress-ng", "--vm \"2", 0, &v, why));
}

TEST_HARNESS_MAIN
