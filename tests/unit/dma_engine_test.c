// SPDX-License-Identifier: GPL-2.0
/*
 * The DMA engines' table (src/lib/dma_engine.c, src/engines/): the names the dma
 * importer's `engine` option offers are the engines built in, in order; every engine
 * claims its own PCI IDs and no other's; and picking an engine refuses a device no engine
 * drives, a name that is no engine, and an engine named for another's device, before the
 * device is touched.
 */
#include <errno.h>
#include <string.h>

#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "rs_lib/dma_engine.h"

static const struct {
	const char *name;
	uint16_t vendor, device;
} ids[] = {
	{ "edu", 0x1234, 0x11e8 },
	{ "ioat", 0x8086, 0x2021 },
	{ "dsa", 0x8086, 0x0b25 },
	{ "dsa", 0x8086, 0x11fb },
	{ "dsa", 0x8086, 0x1212 },
};

#define NR_IDS	(sizeof(ids) / sizeof(ids[0]))

static void fake_dev(struct rs_vfio_dev *d, uint16_t vendor, uint16_t device)
{
	rs_vfio_init(d);
	snprintf(d->bdf, sizeof(d->bdf), "0000:00:05.0");
	d->cfg[PCI_VENDOR_ID] = (uint8_t)vendor;
	d->cfg[PCI_VENDOR_ID + 1] = (uint8_t)(vendor >> 8);
	d->cfg[PCI_DEVICE_ID] = (uint8_t)device;
	d->cfg[PCI_DEVICE_ID + 1] = (uint8_t)(device >> 8);
}

TEST(names_are_the_table)
{
	const struct rs_dma_engine_ops *const *e;
	char names[64] = "";
	unsigned int nr, i;

	e = rs_dma_engines(&nr);
	ASSERT_EQ(3, nr);
	for (i = 0; i < nr; i++) {
		ASSERT_NE(NULL, e[i]->name);
		ASSERT_NE(NULL, e[i]->match);
		ASSERT_NE(NULL, e[i]->init);
		ASSERT_NE(NULL, e[i]->copy);
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i ? "|" : "", e[i]->name);
	}
	EXPECT_STREQ(RS_DMA_ENGINE_NAMES, names);
	EXPECT_STREQ(RS_DMA_ENGINE_NAMES, rs_dma_engine_names());
}

TEST(each_engine_claims_its_ids_only)
{
	const struct rs_dma_engine_ops *const *e;
	unsigned int nr, i, k;

	e = rs_dma_engines(&nr);
	for (k = 0; k < NR_IDS; k++)
		for (i = 0; i < nr; i++)
			EXPECT_EQ(!strcmp(ids[k].name, e[i]->name),
				  e[i]->match(ids[k].vendor, ids[k].device)) {
				TH_LOG("%s and %04x:%04x", e[i]->name, ids[k].vendor, ids[k].device);
			}
	for (i = 0; i < nr; i++) {
		EXPECT_FALSE(e[i]->match(0x1af4, 0x1110));	/* ivshmem */
		EXPECT_FALSE(e[i]->match(0xffff, 0xffff));	/* nothing there */
	}
}

TEST(open_refuses_before_touching_the_device)
{
	static char mem[RS_DMA_ENGINE_MEM];
	struct rs_dma_engine e;
	struct rs_vfio_dev d;
	char why[RS_WHY_LEN];

	fake_dev(&d, 0x1af4, 0x1110);
	EXPECT_EQ(-ENODEV, rs_dma_engine_open(&e, &d, "auto", mem, 0x100000, why));
	EXPECT_NE(NULL, strstr(why, "1af4:1110"));
	EXPECT_NE(NULL, strstr(why, RS_DMA_ENGINE_NAMES));
	EXPECT_EQ(NULL, e.ops);
	EXPECT_EQ(-ENODEV, rs_dma_engine_open(&e, &d, NULL, mem, 0x100000, why));

	EXPECT_EQ(-EINVAL, rs_dma_engine_open(&e, &d, "nosuch", mem, 0x100000, why));
	EXPECT_NE(NULL, strstr(why, "no DMA engine 'nosuch'"));

	fake_dev(&d, 0x8086, 0x2021);
	EXPECT_EQ(-ENODEV, rs_dma_engine_open(&e, &d, "edu", mem, 0x100000, why));
	EXPECT_NE(NULL, strstr(why, "is no device of DMA engine edu"));
	EXPECT_EQ(NULL, e.ops);
}

TEST_HARNESS_MAIN
