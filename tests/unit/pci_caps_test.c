// SPDX-License-Identifier: GPL-2.0
/*
 * The pure parts of the device libraries: capability walk over config-space images (what
 * decides which triggers a device can take), PCI name spelling, and the split of a
 * buffer into page-aligned dma ranges.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "rs_lib/pci.h"
#include "rs_lib/revoke.h"
#include "rs_lib/vfio.h"

static void put16(uint8_t *c, unsigned int off, uint16_t v)
{
	c[off] = (uint8_t)v;
	c[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *c, unsigned int off, uint32_t v)
{
	put16(c, off, (uint16_t)v);
	put16(c, off + 2, (uint16_t)(v >> 16));
}

/* Append a capability at pos, linked after the one at prev (0: the list head). */
static void add_cap(uint8_t *c, unsigned int prev, unsigned int pos, uint8_t id)
{
	if (!prev) {
		put16(c, PCI_STATUS, PCI_STATUS_CAP_LIST);
		c[PCI_CAPABILITY_LIST] = (uint8_t)pos;
	} else {
		c[prev + PCI_CAP_LIST_NEXT] = (uint8_t)pos;
	}
	c[pos + PCI_CAP_LIST_ID] = id;
	c[pos + PCI_CAP_LIST_NEXT] = 0;
}

TEST(no_capability_list)
{
	uint8_t c[256] = { 0 };
	struct rs_pci_caps caps;

	c[PCI_CAPABILITY_LIST] = 0x40;	/* ignored without PCI_STATUS_CAP_LIST */
	ASSERT_EQ(0, rs_pci_walk_caps(c, sizeof(c), &caps));
	EXPECT_EQ(0, caps.nr_caps);
	EXPECT_EQ(0, caps.pm);
	EXPECT_EQ(0, caps.exp);
	EXPECT_FALSE(caps.broken);
}

TEST(short_image)
{
	uint8_t c[32] = { 0 };
	struct rs_pci_caps caps;

	EXPECT_EQ(-EINVAL, rs_pci_walk_caps(c, sizeof(c), &caps));
	EXPECT_EQ(-EINVAL, rs_pci_walk_caps(NULL, 256, &caps));
}

/* Like QEMU's nvme behind a root port: PM, MSI-X, PCIe with FLR. */
TEST(pm_msix_pcie_flr)
{
	uint8_t c[256] = { 0 };
	struct rs_pci_caps caps;

	add_cap(c, 0, 0x40, PCI_CAP_ID_PM);
	put16(c, 0x40 + PCI_PM_PMC, 0x0003);
	put16(c, 0x40 + PCI_PM_CTRL, PCI_PM_CTRL_NO_SOFT_RESET);
	add_cap(c, 0x40, 0x50, PCI_CAP_ID_MSIX);
	add_cap(c, 0x50, 0x80, PCI_CAP_ID_EXP);
	put32(c, 0x80 + PCI_EXP_DEVCAP, PCI_EXP_DEVCAP_FLR | 0x1);
	ASSERT_EQ(0, rs_pci_walk_caps(c, sizeof(c), &caps));
	EXPECT_EQ(3, caps.nr_caps);
	EXPECT_EQ(0x40, caps.pm);
	EXPECT_EQ(0x0003, caps.pmc);
	EXPECT_TRUE(caps.pm_d3hot_no_soft_reset);
	EXPECT_EQ(0x80, caps.exp);
	EXPECT_TRUE(caps.flr);
	EXPECT_EQ(0, caps.af);
	EXPECT_FALSE(caps.af_flr);
	EXPECT_FALSE(caps.broken);
}

TEST(pcie_without_flr)
{
	uint8_t c[256] = { 0 };
	struct rs_pci_caps caps;

	add_cap(c, 0, 0x60, PCI_CAP_ID_EXP);
	put32(c, 0x60 + PCI_EXP_DEVCAP, 0x8000);	/* role-based error reporting only */
	ASSERT_EQ(0, rs_pci_walk_caps(c, sizeof(c), &caps));
	EXPECT_EQ(0x60, caps.exp);
	EXPECT_FALSE(caps.flr);
	EXPECT_EQ(0, caps.pm);
}

TEST(af_needs_tp_and_flr)
{
	uint8_t c[256] = { 0 };
	struct rs_pci_caps caps;

	add_cap(c, 0, 0x48, PCI_CAP_ID_AF);
	c[0x48 + PCI_AF_CAP] = PCI_AF_CAP_FLR;
	ASSERT_EQ(0, rs_pci_walk_caps(c, sizeof(c), &caps));
	EXPECT_EQ(0x48, caps.af);
	EXPECT_FALSE(caps.af_flr);

	c[0x48 + PCI_AF_CAP] = PCI_AF_CAP_FLR | PCI_AF_CAP_TP;
	ASSERT_EQ(0, rs_pci_walk_caps(c, sizeof(c), &caps));
	EXPECT_TRUE(caps.af_flr);
}

TEST(pointer_low_bits_ignored)
{
	uint8_t c[256] = { 0 };
	struct rs_pci_caps caps;

	add_cap(c, 0, 0x40, PCI_CAP_ID_PM);
	c[PCI_CAPABILITY_LIST] = 0x43;	/* bits 1:0 are reserved */
	ASSERT_EQ(0, rs_pci_walk_caps(c, sizeof(c), &caps));
	EXPECT_EQ(0x40, caps.pm);
}

TEST(loop_is_broken_not_endless)
{
	uint8_t c[256] = { 0 };
	struct rs_pci_caps caps;

	add_cap(c, 0, 0x40, PCI_CAP_ID_PM);
	add_cap(c, 0x40, 0x50, PCI_CAP_ID_MSI);
	c[0x50 + PCI_CAP_LIST_NEXT] = 0x40;	/* back to the first */
	ASSERT_EQ(0, rs_pci_walk_caps(c, sizeof(c), &caps));
	EXPECT_TRUE(caps.broken);
	EXPECT_EQ(2, caps.nr_caps);
	EXPECT_EQ(0x40, caps.pm);
}

TEST(pointer_into_header_is_broken)
{
	uint8_t c[256] = { 0 };
	struct rs_pci_caps caps;

	put16(c, PCI_STATUS, PCI_STATUS_CAP_LIST);
	c[PCI_CAPABILITY_LIST] = 0x10;
	ASSERT_EQ(0, rs_pci_walk_caps(c, sizeof(c), &caps));
	EXPECT_TRUE(caps.broken);
	EXPECT_EQ(0, caps.nr_caps);
}

TEST(truncated_image_stops_at_the_end)
{
	uint8_t c[128] = { 0 };
	struct rs_pci_caps caps;

	add_cap(c, 0, 0x40, PCI_CAP_ID_PM);
	c[0x40 + PCI_CAP_LIST_NEXT] = 0xc0;	/* beyond the 128 bytes we have */
	ASSERT_EQ(0, rs_pci_walk_caps(c, sizeof(c), &caps));
	EXPECT_EQ(0x40, caps.pm);
	EXPECT_TRUE(caps.broken);
}

TEST(first_of_a_kind_wins)
{
	uint8_t c[256] = { 0 };
	struct rs_pci_caps caps;

	add_cap(c, 0, 0x40, PCI_CAP_ID_PM);
	add_cap(c, 0x40, 0x60, PCI_CAP_ID_PM);
	ASSERT_EQ(0, rs_pci_walk_caps(c, sizeof(c), &caps));
	EXPECT_EQ(0x40, caps.pm);
	EXPECT_EQ(2, caps.nr_caps);
}

TEST(bdf_spellings)
{
	char b[RS_BDF_LEN];

	ASSERT_EQ(0, rs_pci_bdf_normalize("00:03.0", b, sizeof(b)));
	EXPECT_STREQ("0000:00:03.0", b);
	ASSERT_EQ(0, rs_pci_bdf_normalize("0000:01:00.0", b, sizeof(b)));
	EXPECT_STREQ("0000:01:00.0", b);
	ASSERT_EQ(0, rs_pci_bdf_normalize("0001:0A:1f.7", b, sizeof(b)));
	EXPECT_STREQ("0001:0a:1f.7", b);
	EXPECT_EQ(-EINVAL, rs_pci_bdf_normalize("00:20.0", b, sizeof(b)));	/* slot > 31 */
	EXPECT_EQ(-EINVAL, rs_pci_bdf_normalize("00:03.8", b, sizeof(b)));
	EXPECT_EQ(-EINVAL, rs_pci_bdf_normalize("00:03.0x", b, sizeof(b)));
	EXPECT_EQ(-EINVAL, rs_pci_bdf_normalize("vfio0", b, sizeof(b)));
	EXPECT_EQ(-EINVAL, rs_pci_bdf_normalize("", b, sizeof(b)));
	EXPECT_EQ(-EINVAL, rs_pci_bdf_normalize(NULL, b, sizeof(b)));
	EXPECT_EQ(-ENAMETOOLONG, rs_pci_bdf_normalize("00:03.0", b, 8));
}

TEST(split_ranges)
{
	struct rs_vfio_range r[4];

	ASSERT_EQ(0, rs_vfio_split_ranges(0, 4 << 20, 1, 4096, r));
	EXPECT_EQ(0, r[0].offset);
	EXPECT_EQ(4 << 20, r[0].length);

	/* 10 pages into 4: 3 3 2 2, contiguous, in order */
	ASSERT_EQ(0, rs_vfio_split_ranges(8192, 10 * 4096, 4, 4096, r));
	EXPECT_EQ(8192, r[0].offset);
	EXPECT_EQ(3 * 4096, r[0].length);
	EXPECT_EQ(8192 + 3 * 4096, r[1].offset);
	EXPECT_EQ(3 * 4096, r[1].length);
	EXPECT_EQ(2 * 4096, r[2].length);
	EXPECT_EQ(2 * 4096, r[3].length);
	EXPECT_EQ(8192 + 10 * 4096, r[3].offset + r[3].length);
}

TEST(split_ranges_rejects)
{
	struct rs_vfio_range r[4];

	EXPECT_EQ(-EINVAL, rs_vfio_split_ranges(0, 3 * 4096, 4, 4096, r));	/* too few pages */
	EXPECT_EQ(-EINVAL, rs_vfio_split_ranges(100, 4096, 1, 4096, r));	/* unaligned start */
	EXPECT_EQ(-EINVAL, rs_vfio_split_ranges(0, 4097, 1, 4096, r));	/* unaligned size */
	EXPECT_EQ(-EINVAL, rs_vfio_split_ranges(0, 0, 1, 4096, r));
	EXPECT_EQ(-EINVAL, rs_vfio_split_ranges(0, 4096, 0, 4096, r));
	EXPECT_EQ(-EINVAL, rs_vfio_split_ranges(0, 4096, 1, 3000, r));	/* not a power of 2 */
}

TEST(revoke_state)
{
	struct rs_revoke_ctl c = { 0 };

	EXPECT_EQ(RS_LIVE, rs_revoke_get(&c));
	rs_revoke_set(&c, RS_REVOKED);
	EXPECT_EQ(RS_REVOKED, rs_revoke_get(&c));
	EXPECT_EQ(1, atomic_load(&c.epoch));
	rs_revoke_set(&c, RS_LIVE);
	rs_revoke_set(&c, RS_PULSED);
	EXPECT_EQ(2, atomic_load(&c.epoch));
	EXPECT_STREQ("pulsed", rs_revoke_state_name(rs_revoke_get(&c)));
	/* an exporter without a revoke state: assume a held revoke */
	EXPECT_EQ(RS_REVOKED, rs_revoke_get(NULL));
	rs_revoke_set(NULL, RS_LIVE);
}

TEST_HARNESS_MAIN
