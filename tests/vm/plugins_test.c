// SPDX-License-Identifier: GPL-2.0
/*
 * Every plugin reachable in the lab VM, driven through its ops against the real kernel
 * (no controller): VFIO exporters on the ivshmem/edu/nvme devices with each trigger
 * and the iommufd importer checking revokes, the iommufd mock exporter, the udmabuf and
 * dma-heap controls, PRIME import into vgem, the rxe boundary of the rdma importer,
 * the mock importer (or its absence), and the loads.  Outside the VM (no RS_VM) the
 * device tests skip.  Run: vm/run-vm.sh -- build/tests/vm/plugins_test
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "rs_lib/rdma.h"
#include "rs_lib/vfio.h"
#include "rs_plugin.h"
#include "rs_scenario.h"

/* ------------------------------------------------------------------ scaffolding */

static struct rs_scenario *scn_load(struct __test_metadata *_metadata, const char *text)
{
	struct rs_scn_opts opts = { .default_seed = 1 };
	struct rs_scenario *scn = NULL;
	struct rs_diag d = { 0 };
	int ret = rs_scn_load_mem("plugins_test.ini", text, strlen(text), &opts, &scn, &d);

	if (ret)
		rs_diag_print(&d, stderr);
	rs_diag_free(&d);
	if (ret)
		return NULL;
	return scn;
}

static struct rs_exporter *mk_ex(struct rs_scenario *scn, const char *name, unsigned int count)
{
	struct rs_section *s = rs_scn_find(scn, RS_SEC_EXPORTER, name);
	struct rs_exporter *ex = calloc(1, sizeof(*ex));
	unsigned int i;

	ex->o.name = s->name;
	ex->o.sec = s;
	ex->ops = s->plugin->ops;
	ex->nr_bufs = count;
	ex->bufs = calloc(count, sizeof(*ex->bufs));
	for (i = 0; i < count; i++) {
		ex->bufs[i].fd = -1;
		ex->bufs[i].index = i;
		ex->bufs[i].ex = ex;
	}
	return ex;
}

static struct rs_importer *mk_im(struct rs_scenario *scn, const char *name)
{
	struct rs_section *s = rs_scn_find(scn, RS_SEC_IMPORTER, name);
	struct rs_importer *im = calloc(1, sizeof(*im));

	im->o.name = s->name;
	im->o.sec = s;
	im->ops = s->plugin->ops;
	return im;
}

static struct rs_trigger *mk_tr(struct rs_scenario *scn, const char *name)
{
	struct rs_section *s = rs_scn_find(scn, RS_SEC_TRIGGER, name);
	struct rs_trigger *t = calloc(1, sizeof(*t));

	t->o.name = s->name;
	t->o.sec = s;
	t->ops = s->plugin->ops;
	return t;
}

static struct rs_load *mk_load(struct rs_scenario *scn, const char *name)
{
	struct rs_section *s = rs_scn_find(scn, RS_SEC_LOAD, name);
	struct rs_load *l = calloc(1, sizeof(*l));

	l->o.name = s->name;
	l->o.sec = s;
	l->ops = s->plugin->ops;
	return l;
}

static const char *need_env(const char *name)
{
	const char *v = getenv(name);

	return getenv("RS_VM") && v && *v ? v : NULL;
}

#define NEED_VM(var, name)							\
	const char *var = need_env(name);					\
	do {									\
		if (!var)							\
			SKIP(return, "not in the lab VM (no RS_VM / %s)", name); \
	} while (0)

/* Open, export all, open the importer and import all. */
#define SETUP(ex, im, imps)							\
	do {									\
		unsigned int _i;						\
		ASSERT_EQ(0, ex->ops->open(ex)) TH_LOG("%s", ex->o.reason);	\
		for (_i = 0; _i < ex->nr_bufs; _i++) {				\
			ASSERT_EQ(0, ex->ops->export(ex, &ex->bufs[_i]))	\
				TH_LOG("%s", ex->o.reason);			\
			ASSERT_LE(0, ex->bufs[_i].fd);				\
			ASSERT_NE(0, ex->bufs[_i].ino);				\
		}								\
		ASSERT_EQ(0, im->ops->open(im)) TH_LOG("%s", im->o.reason);	\
		for (_i = 0; _i < ex->nr_bufs; _i++) {				\
			imps[_i].buf = &ex->bufs[_i];				\
			ASSERT_EQ(0, im->ops->import(im, &imps[_i]))		\
				TH_LOG("%s", im->o.reason);			\
			ASSERT_TRUE(imps[_i].live);				\
		}								\
	} while (0)

#define TEARDOWN(ex, im, imps)							\
	do {									\
		unsigned int _i;						\
		for (_i = 0; _i < ex->nr_bufs; _i++)				\
			im->ops->release(im, &imps[_i]);			\
		im->ops->close(im);						\
		for (_i = 0; _i < ex->nr_bufs; _i++)				\
			ex->ops->release(ex, &ex->bufs[_i]);			\
		ex->ops->close(ex);						\
	} while (0)

/* One full trigger cycle, checked through the importer, `n` times. */
static void cycle(struct __test_metadata *_metadata, struct rs_trigger *t,
		  struct rs_exporter *ex, struct rs_importer *im, struct rs_import *imps, int n)
{
	void *h = ex->ops->handle(ex, t->ops->needs);
	unsigned int i;
	int k;

	ASSERT_NE(NULL, h);
	for (k = 0; k < n; k++) {
		ASSERT_EQ(0, t->ops->revoke(t, ex, h)) TH_LOG("%s", t->o.reason);
		for (i = 0; i < ex->nr_bufs; i++)
			ASSERT_EQ(0, im->ops->revoked(im, &imps[i])) TH_LOG("%s", im->o.reason);
		ASSERT_EQ(0, t->ops->restore(t, ex, h)) TH_LOG("%s", t->o.reason);
		for (i = 0; i < ex->nr_bufs && !t->ops->permanent; i++) {
			ASSERT_EQ(0, im->ops->restored(im, &imps[i])) TH_LOG("%s", im->o.reason);
			ASSERT_TRUE(imps[i].live);
		}
		/* a permanent revoke (close): what the core does, every buffer anew */
		for (i = 0; i < ex->nr_bufs && t->ops->permanent; i++) {
			unsigned long ino = ex->bufs[i].ino;

			im->ops->release(im, &imps[i]);
			ex->ops->release(ex, &ex->bufs[i]);
			ASSERT_EQ(0, ex->ops->export(ex, &ex->bufs[i])) TH_LOG("%s", ex->o.reason);
			EXPECT_NE(ino, ex->bufs[i].ino);
			ASSERT_EQ(0, im->ops->import(im, &imps[i])) TH_LOG("%s", im->o.reason);
			ASSERT_TRUE(imps[i].live);
		}
	}
}

/* A scenario with one vfio exporter, an iommufd importer and one trigger of type. */
static char *vfio_scn(const char *dev, const char *trigger, const char *extra)
{
	char *s;

	if (asprintf(&s, "[exporter e]\ntype = vfio\ndevice = %s\n%s\n"
		     "[importer i]\ntype = iommufd\n\n[trigger t]\ntype = %s\n",
		     dev, extra ? extra : "", trigger) < 0)
		abort();
	return s;
}

/* A trigger cycle on dev through vfio + iommufd, or the exact skip reason expected. */
static void trigger_case(struct __test_metadata *_metadata, const char *dev, const char *type,
			 const char *extra, const char *skip_reason)
{
	char *text = vfio_scn(dev, type, extra);
	struct rs_scenario *scn = scn_load(_metadata, text);
	struct rs_exporter *ex;
	struct rs_importer *im;
	struct rs_trigger *t;
	struct rs_import imps[2] = { 0 };
	int ret;

	free(text);
	ASSERT_NE(NULL, scn);
	ex = mk_ex(scn, "e", 2);
	im = mk_im(scn, "i");
	t = mk_tr(scn, "t");
	SETUP(ex, im, imps);
	ret = t->ops->probe(t, ex, ex->ops->handle(ex, t->ops->needs));
	if (skip_reason) {
		EXPECT_EQ(-RS_ESKIP, ret);
		EXPECT_NE(NULL, strstr(t->o.reason, skip_reason)) TH_LOG("reason: %s", t->o.reason);
	} else {
		ASSERT_EQ(0, ret) TH_LOG("%s", t->o.reason);
		cycle(_metadata, t, ex, im, imps, 3);
		/* and the BAR is readable again through the importer's traffic path */
		EXPECT_LT(0, im->ops->traffic(im, &imps[0])) TH_LOG("%s", im->o.reason);
	}
	TEARDOWN(ex, im, imps);
	rs_scn_free(scn);
}

/* ------------------------------------------------------------------ vfio + iommufd */

TEST(vfio_cdev_pci_command_iommufd)
{
	NEED_VM(dev, "RS_IVSHMEM0");
	char *text = vfio_scn(dev, "pci-command", NULL);
	struct rs_scenario *scn = scn_load(_metadata, text);
	struct rs_exporter *ex;
	struct rs_importer *im;
	struct rs_trigger *t;
	struct rs_import imps[2] = { 0 };
	struct rs_vfio_dev *d;

	free(text);
	ASSERT_NE(NULL, scn);
	ex = mk_ex(scn, "e", 2);
	im = mk_im(scn, "i");
	t = mk_tr(scn, "t");
	SETUP(ex, im, imps);
	d = ex->ops->handle(ex, "vfio");
	ASSERT_NE(NULL, d);
	EXPECT_EQ(RS_VFIO_CDEV, d->mode);
	EXPECT_EQ(2, d->export_bar);	/* ivshmem: BAR2 is the RAM */
	EXPECT_STREQ(dev, ex->ops->handle(ex, "pci-name"));
	EXPECT_STREQ("vfio:0000:01:00.0", ex->ops->state_id(ex));
	EXPECT_EQ(d->export_size, ex->bufs[0].size);
	EXPECT_NE(ex->bufs[0].ino, ex->bufs[1].ino);

	EXPECT_LT(0, im->ops->traffic(im, &imps[0])) TH_LOG("%s", im->o.reason);
	ASSERT_EQ(0, t->ops->probe(t, ex, d)) TH_LOG("%s", t->o.reason);
	ASSERT_EQ(0, t->ops->revoke(t, ex, d)) TH_LOG("%s", t->o.reason);
	/* the BAR is off: traffic fails with EIO; a new MAP_FILE with ENODEV */
	EXPECT_EQ(-EIO, im->ops->traffic(im, &imps[0]));
	EXPECT_NE(NULL, strstr(im->o.reason, "revoked")) TH_LOG("%s", im->o.reason);
	EXPECT_EQ(0, im->ops->revoked(im, &imps[0])) TH_LOG("%s", im->o.reason);
	EXPECT_EQ(0, im->ops->revoked(im, &imps[1])) TH_LOG("%s", im->o.reason);
	ASSERT_EQ(0, t->ops->restore(t, ex, d)) TH_LOG("%s", t->o.reason);
	EXPECT_EQ(0, im->ops->restored(im, &imps[0])) TH_LOG("%s", im->o.reason);
	EXPECT_EQ(0, im->ops->restored(im, &imps[1])) TH_LOG("%s", im->o.reason);
	EXPECT_LT(0, im->ops->traffic(im, &imps[1])) TH_LOG("%s", im->o.reason);
	/* a revoked check when nothing is revoked is reported, not passed */
	EXPECT_EQ(-EPROTO, im->ops->revoked(im, &imps[0]));
	cycle(_metadata, t, ex, im, imps, 20);
	TEARDOWN(ex, im, imps);
	rs_scn_free(scn);
}

TEST(vfio_born_revoked_export_then_recover)
{
	NEED_VM(dev, "RS_IVSHMEM1");
	char did[160], why[RS_WHY_LEN];
	struct rs_vfio_dev d;

	rs_vfio_init(&d);
	ASSERT_EQ(0, rs_vfio_open(&d, dev, RS_VFIO_AUTO, why)) TH_LOG("%s", why);
	ASSERT_EQ(0, rs_vfio_cfg_update16(&d, PCI_COMMAND, PCI_COMMAND_MEMORY, 0, NULL, NULL, why));
	rs_vfio_destroy(&d);
	/* what the exporter's recover does after a killed run */
	ASSERT_EQ(0, rs_vfio_recover(dev, did, sizeof(did), why)) TH_LOG("%s", why);
	TH_LOG("recover: %s", did);
}

/*
 * Issue 9, item 4: what recovery does never depends on the room left for saying it: with
 * no message space at all, a device left with PCI_COMMAND.MEMORY clear is still restored.
 */
TEST(state_file_recover_needs_no_message_space)
{
	NEED_VM(dev, "RS_IVSHMEM1");
	char did[1] = { 'x' }, why[RS_WHY_LEN];
	struct rs_vfio_dev d;
	uint16_t cmd = 0;

	rs_vfio_init(&d);
	ASSERT_EQ(0, rs_vfio_open(&d, dev, RS_VFIO_AUTO, why)) TH_LOG("%s", why);
	ASSERT_EQ(0, rs_vfio_cfg_update16(&d, PCI_COMMAND, PCI_COMMAND_MEMORY, 0, NULL, NULL, why));
	rs_vfio_destroy(&d);
	ASSERT_EQ(0, rs_vfio_recover(dev, did, 0, why)) TH_LOG("%s", why);
	EXPECT_EQ('x', did[0]);		/* no room: nothing written */
	rs_vfio_init(&d);
	ASSERT_EQ(0, rs_vfio_open(&d, dev, RS_VFIO_AUTO, why)) TH_LOG("%s", why);
	ASSERT_EQ(0, rs_vfio_cfg_read16(&d, PCI_COMMAND, &cmd));
	EXPECT_TRUE(cmd & PCI_COMMAND_MEMORY);
	rs_vfio_destroy(&d);
}

TEST(trigger_low_power)
{
	NEED_VM(dev, "RS_IVSHMEM1");
	trigger_case(_metadata, dev, "low-power", NULL, NULL);
}

TEST(trigger_reset_bus)
{
	NEED_VM(dev, "RS_IVSHMEM0");
	trigger_case(_metadata, dev, "reset", NULL, NULL);
}

TEST(trigger_reset_none_on_root_bus)
{
	NEED_VM(dev, "RS_IVSHMEM1");
	trigger_case(_metadata, dev, "reset", NULL, "has no reset method");
}

TEST(trigger_hot_reset)
{
	NEED_VM(dev, "RS_IVSHMEM0");
	trigger_case(_metadata, dev, "hot-reset", NULL, NULL);
}

TEST(trigger_hot_reset_none_on_root_bus)
{
	NEED_VM(dev, "RS_IVSHMEM1");
	trigger_case(_metadata, dev, "hot-reset", NULL, "bus");
}

TEST(trigger_pm_d3hot_no_pm_cap)
{
	NEED_VM(dev, "RS_IVSHMEM1");
	trigger_case(_metadata, dev, "pm-d3hot", NULL, "has no PCI PM capability");
}

TEST(trigger_flr_no_pcie)
{
	NEED_VM(dev, "RS_EDU");
	trigger_case(_metadata, dev, "flr", NULL, "has no PCI Express capability");
}

TEST(trigger_af_flr_none)
{
	NEED_VM(dev, "RS_EDU");
	trigger_case(_metadata, dev, "af-flr", NULL, "Advanced Features");
}

TEST(trigger_pm_d3hot_nvme)
{
	NEED_VM(dev, "RS_NVME");
	trigger_case(_metadata, dev, "pm-d3hot", NULL, NULL);
}

TEST(trigger_flr_nvme)
{
	NEED_VM(dev, "RS_NVME");
	trigger_case(_metadata, dev, "flr", NULL, NULL);
}

TEST(trigger_close_reexport)
{
	NEED_VM(dev, "RS_IVSHMEM1");
	trigger_case(_metadata, dev, "close", NULL, NULL);
}

TEST(vfio_group_pci_command)
{
	NEED_VM(dev, "RS_EDU");
	trigger_case(_metadata, dev, "pci-command", "access = group", NULL);
}

TEST(vfio_multi_range_iommufd_refuses)
{
	NEED_VM(dev, "RS_IVSHMEM1");
	char *text = vfio_scn(dev, "pci-command", "ranges = 4\nsize = 64KiB");
	struct rs_scenario *scn = scn_load(_metadata, text);
	struct rs_import imp = { 0 };
	struct rs_exporter *ex;
	struct rs_importer *im;

	free(text);
	ASSERT_NE(NULL, scn);
	ex = mk_ex(scn, "e", 1);
	im = mk_im(scn, "i");
	ASSERT_EQ(0, ex->ops->open(ex)) TH_LOG("%s", ex->o.reason);
	ASSERT_EQ(0, ex->ops->export(ex, &ex->bufs[0])) TH_LOG("%s", ex->o.reason);
	EXPECT_EQ(65536, ex->bufs[0].size);
	ASSERT_EQ(0, im->ops->open(im)) TH_LOG("%s", im->o.reason);
	imp.buf = &ex->bufs[0];
	EXPECT_EQ(-EOPNOTSUPP, im->ops->import(im, &imp));
	EXPECT_NE(NULL, strstr(im->o.reason, "single-range")) TH_LOG("%s", im->o.reason);
	im->ops->release(im, &imp);
	im->ops->close(im);
	ex->ops->release(ex, &ex->bufs[0]);
	ex->ops->close(ex);
	rs_scn_free(scn);
}

TEST(vfio_not_bound)
{
	NEED_VM(dev, "RS_VM");
	const char *text = "[exporter e]\ntype = vfio\ndevice = 0000:00:08.0\n";
	struct rs_scenario *scn = scn_load(_metadata, text);
	struct rs_exporter *ex;

	ASSERT_NE(NULL, scn);
	ex = mk_ex(scn, "e", 1);
	EXPECT_NE(0, ex->ops->open(ex));
	EXPECT_NE(NULL, strstr(ex->o.reason, "not vfio-pci: bind it with"))
		TH_LOG("%s", ex->o.reason);
	rs_scn_free(scn);
}

/* ------------------------------------------------------------------ iommufd mock */

TEST(iommufd_mock_revoke)
{
	NEED_VM(vm, "RS_VM");
	const char *text = "[exporter e]\ntype = iommufd-mock\nsize = 16KiB\n"
			   "[importer i]\ntype = iommufd\nmock_domains = 2\nvia = none\n"
			   "[trigger t]\ntype = mock-revoke\n";
	struct rs_scenario *scn = scn_load(_metadata, text);
	struct rs_import imps[2] = { 0 };
	struct rs_exporter *ex;
	struct rs_importer *im;
	struct rs_trigger *t;

	ASSERT_NE(NULL, scn);
	ex = mk_ex(scn, "e", 2);
	im = mk_im(scn, "i");
	t = mk_tr(scn, "t");
	SETUP(ex, im, imps);
	EXPECT_EQ(-RS_ESKIP, im->ops->traffic(im, &imps[0]));
	ASSERT_EQ(0, t->ops->probe(t, ex, ex->ops->handle(ex, "iommufd-mock")));
	cycle(_metadata, t, ex, im, imps, 10);
	TEARDOWN(ex, im, imps);
	rs_scn_free(scn);
}

TEST(iommufd_access_rw_refuses_dmabuf)
{
	NEED_VM(vm, "RS_VM");
	const char *text = "[exporter e]\ntype = iommufd-mock\n"
			   "[importer i]\ntype = iommufd\nvia = access\n";
	struct rs_scenario *scn = scn_load(_metadata, text);
	struct rs_import imps[1] = { 0 };
	struct rs_exporter *ex;
	struct rs_importer *im;

	ASSERT_NE(NULL, scn);
	ex = mk_ex(scn, "e", 1);
	im = mk_im(scn, "i");
	SETUP(ex, im, imps);
	/* documented kernel behaviour: in-kernel accesses refuse dma-buf pages */
	EXPECT_EQ(-EINVAL, im->ops->traffic(im, &imps[0])) TH_LOG("%s", im->o.reason);
	TEARDOWN(ex, im, imps);
	rs_scn_free(scn);
}

/* ------------------------------------------------------------------ controls, gpu */

static void control_case(struct __test_metadata *_metadata, const char *extype)
{
	char *text;
	struct rs_scenario *scn;
	struct rs_import imps[2] = { 0 }, imp = { 0 };
	struct rs_exporter *ex;
	struct rs_importer *im, *io;

	if (asprintf(&text, "[exporter e]\ntype = %s\nsize = 64KiB\n"
		     "[importer g]\ntype = gpu\nnode = vgem\n"
		     "[importer i]\ntype = iommufd\n", extype) < 0)
		abort();
	scn = scn_load(_metadata, text);
	free(text);
	ASSERT_NE(NULL, scn);
	ex = mk_ex(scn, "e", 2);
	im = mk_im(scn, "g");
	io = mk_im(scn, "i");
	EXPECT_FALSE(((const struct rs_exporter_ops *)ex->ops)->revocable);
	SETUP(ex, im, imps);
	EXPECT_EQ(0, im->ops->revoked(im, &imps[0])) TH_LOG("%s", im->o.reason);
	EXPECT_EQ(0, im->ops->traffic(im, &imps[1])) TH_LOG("%s", im->o.reason);
	EXPECT_EQ(0, im->ops->restored(im, &imps[1])) TH_LOG("%s", im->o.reason);
	/* iommufd imports only VFIO and mock dma-bufs */
	ASSERT_EQ(0, io->ops->open(io)) TH_LOG("%s", io->o.reason);
	imp.buf = &ex->bufs[0];
	EXPECT_EQ(-EOPNOTSUPP, io->ops->import(io, &imp)) TH_LOG("%s", io->o.reason);
	io->ops->release(io, &imp);
	io->ops->close(io);
	TEARDOWN(ex, im, imps);
	rs_scn_free(scn);
}

/* Issue 9, item 8: an import that fails leaves no state behind (it is never released). */
TEST(leaks_iommufd_failed_import)
{
	NEED_VM(vm, "RS_VM");
	const char *text = "[exporter e]\ntype = udmabuf\nsize = 64KiB\n"
			   "[importer i]\ntype = iommufd\n";
	struct rs_scenario *scn = scn_load(_metadata, text);
	struct rs_import imp = { 0 };
	struct rs_exporter *ex;
	struct rs_importer *io;

	ASSERT_NE(NULL, scn);
	ex = mk_ex(scn, "e", 1);
	io = mk_im(scn, "i");
	ASSERT_EQ(0, ex->ops->open(ex)) TH_LOG("%s", ex->o.reason);
	ASSERT_EQ(0, ex->ops->export(ex, &ex->bufs[0])) TH_LOG("%s", ex->o.reason);
	ASSERT_EQ(0, io->ops->open(io)) TH_LOG("%s", io->o.reason);
	imp.buf = &ex->bufs[0];
	EXPECT_EQ(-EOPNOTSUPP, io->ops->import(io, &imp)) TH_LOG("%s", io->o.reason);
	EXPECT_EQ(NULL, imp.priv);
	io->ops->release(io, &imp);	/* the test's own cleanup, in case */
	io->ops->close(io);
	ex->ops->release(ex, &ex->bufs[0]);
	ex->ops->close(ex);
	rs_scn_free(scn);
}

TEST(udmabuf_into_vgem)
{
	NEED_VM(vm, "RS_VM");
	control_case(_metadata, "udmabuf");
}

TEST(dma_heap_into_vgem)
{
	NEED_VM(vm, "RS_VM");
	control_case(_metadata, "dma-heap");
}

TEST(gpu_vgem_refuses_vfio)
{
	NEED_VM(dev, "RS_IVSHMEM1");
	char *text;
	struct rs_scenario *scn;
	struct rs_import imp = { 0 };
	struct rs_exporter *ex;
	struct rs_importer *im;

	if (asprintf(&text, "[exporter e]\ntype = vfio\ndevice = %s\nsize = 64KiB\n"
		     "[importer g]\ntype = gpu\nnode = vgem\n", dev) < 0)
		abort();
	scn = scn_load(_metadata, text);
	free(text);
	ASSERT_NE(NULL, scn);
	ex = mk_ex(scn, "e", 1);
	im = mk_im(scn, "g");
	ASSERT_EQ(0, ex->ops->open(ex)) TH_LOG("%s", ex->o.reason);
	ASSERT_EQ(0, ex->ops->export(ex, &ex->bufs[0])) TH_LOG("%s", ex->o.reason);
	ASSERT_EQ(0, im->ops->open(im)) TH_LOG("%s", im->o.reason);
	imp.buf = &ex->bufs[0];
	/* vgem attaches statically: VFIO refuses non-peer2peer importers, as it must */
	EXPECT_EQ(-RS_EREFUSED, im->ops->import(im, &imp)) TH_LOG("%s", im->o.reason);
	EXPECT_NE(NULL, strstr(im->o.reason, "EOPNOTSUPP")) TH_LOG("%s", im->o.reason);
	im->ops->release(im, &imp);
	im->ops->close(im);
	ex->ops->release(ex, &ex->bufs[0]);
	ex->ops->close(ex);
	rs_scn_free(scn);
}

/* ------------------------------------------------------------------ rdma, mock */

static bool first_netdev(char *buf, size_t len)
{
	struct dirent *de;
	DIR *d = opendir("/sys/class/net");
	bool found = false;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && strcmp(de->d_name, "lo")) {
			snprintf(buf, len, "%s", de->d_name);
			found = true;
			break;
		}
	if (d)
		closedir(d);
	return found;
}

TEST(rdma_rxe_cannot_import)
{
	NEED_VM(vm, "RS_VM");
	char netdev[256], *text;
	struct rs_scenario *scn;
	struct rs_import imp = { 0 };
	struct rs_exporter *ex;
	struct rs_importer *im;
	int ret;

	if (!first_netdev(netdev, sizeof(netdev)))
		SKIP(return, "no netdev in the guest");
	if (asprintf(&text, "[exporter e]\ntype = udmabuf\nsize = 64KiB\n"
		     "[importer r]\ntype = rdma\ndevice = rsrxe0\nnetdev = %s\n", netdev) < 0)
		abort();
	scn = scn_load(_metadata, text);
	free(text);
	ASSERT_NE(NULL, scn);
	ex = mk_ex(scn, "e", 1);
	im = mk_im(scn, "r");
	ASSERT_EQ(0, ex->ops->open(ex)) TH_LOG("%s", ex->o.reason);
	ASSERT_EQ(0, ex->ops->export(ex, &ex->bufs[0])) TH_LOG("%s", ex->o.reason);
	ret = im->ops->open(im);
	ASSERT_EQ(0, ret) TH_LOG("%s", im->o.reason);
	ASSERT_EQ(0, access("/sys/class/infiniband/rsrxe0", F_OK));
	imp.buf = &ex->bufs[0];
	EXPECT_EQ(-EOPNOTSUPP, im->ops->import(im, &imp));
	EXPECT_NE(NULL, strstr(im->o.reason, "provider rxe cannot import dma-buf"))
		TH_LOG("%s", im->o.reason);
	im->ops->release(im, &imp);
	im->ops->close(im);
	/* the link we created is gone again */
	EXPECT_NE(0, access("/sys/class/infiniband/rsrxe0", F_OK));
	ex->ops->release(ex, &ex->bufs[0]);
	ex->ops->close(ex);
	rs_scn_free(scn);
}

/* The verbs path the rdma importer's traffic takes, with a plain MR in place of the dma-buf. */
TEST(rdma_rxe_loopback_write)
{
	NEED_VM(vm, "RS_VM");
	char netdev[256], why[RS_WHY_LEN];
	struct ibv_mr *dst;
	struct rs_rdma r;
	void *mem;
	int ret;

	/* over lo: the GID is ::ffff:127.0.0.1, nothing leaves the guest */
	snprintf(netdev, sizeof(netdev), "lo");
	ASSERT_EQ(0, rs_rdma_link_add("rsrxe1", "rxe", netdev, why)) TH_LOG("%s", why);
	ASSERT_EQ(0, rs_rdma_open(&r, "rsrxe1", why)) TH_LOG("%s", why);
	EXPECT_STREQ("rxe", r.provider);
	mem = calloc(1, 65536);
	dst = ibv_reg_mr(r.pd, mem, 65536, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
	ASSERT_NE(NULL, dst);
	ret = rs_rdma_loopback(&r, 4096, why);
	if (ret == -ENETDOWN || ret == -ENOENT) {
		TH_LOG("%s", why);
	} else {
		ASSERT_EQ(0, ret) TH_LOG("%s", why);
		/* rxe's RDMA WRITE takes the remote address as a virtual address */
		ASSERT_EQ(0, rs_rdma_write(&r, dst, (uintptr_t)mem + 512, 4096, 2000, why))
			TH_LOG("%s", why);
		EXPECT_EQ(0x5a, ((unsigned char *)mem)[512]);
		EXPECT_EQ(0x5a, ((unsigned char *)mem)[512 + 4095]);
		EXPECT_EQ(0, ((unsigned char *)mem)[511]);
	}
	ibv_dereg_mr(dst);
	rs_rdma_close(&r);
	EXPECT_EQ(0, rs_rdma_link_del("rsrxe1", why)) TH_LOG("%s", why);
	free(mem);
	if (ret)
		SKIP(return, "loopback QP: %s", why);
}

TEST(mock_importer)
{
	NEED_VM(dev, "RS_IVSHMEM1");
	char *text;
	struct rs_scenario *scn;
	struct rs_import imps[2] = { 0 };
	struct rs_exporter *ex;
	struct rs_importer *im;
	struct rs_trigger *t;
	int ret;

	text = vfio_scn(dev, "pci-command", "size = 64KiB");
	text = realloc(text, strlen(text) + 64);
	strcat(text, "[importer m]\ntype = mock\nbehaviour = sync\n");
	scn = scn_load(_metadata, text);
	free(text);
	ASSERT_NE(NULL, scn);
	ex = mk_ex(scn, "e", 2);
	im = mk_im(scn, "m");
	t = mk_tr(scn, "t");
	ret = im->ops->open(im);
	if (ret == -RS_ESKIP) {
		EXPECT_NE(NULL, strstr(im->o.reason, "CONFIG_DMA_BUF_MOCK_IMPORTER"))
			TH_LOG("%s", im->o.reason);
		SKIP(return, "%s", im->o.reason);
	}
	im->ops->close(im);
	SETUP(ex, im, imps);
	cycle(_metadata, t, ex, im, imps, 5);
	EXPECT_LT(0, im->ops->traffic(im, &imps[0])) TH_LOG("%s", im->o.reason);
	TEARDOWN(ex, im, imps);
	rs_scn_free(scn);
}

/* ------------------------------------------------------------------ loads */

TEST(load_stress_ng)
{
	const char *text = "[exporter e]\ntype = udmabuf\n"
			   "[load s]\ntype = stress-ng\nargs = --cpu 1 --vm 1 --vm-bytes 16M\n"
			   "[load bad]\ntype = stress-ng\nargs = --no-such-stressor 1\n"
			   "start_check = 20s\n"
			   "[load none]\ntype = stress-ng\nbin = no-such-stress-ng\n";
	struct rs_scenario *scn = scn_load(_metadata, text);
	struct rs_load *l, *bad, *none;

	ASSERT_NE(NULL, scn);
	none = mk_load(scn, "none");
	EXPECT_EQ(-RS_ESKIP, none->ops->start(none));
	EXPECT_STREQ("stress-ng not installed: apt-get install stress-ng", none->o.reason);
	none->ops->stop(none);
	l = mk_load(scn, "s");
	if (l->ops->start(l) == -RS_ESKIP)
		SKIP(return, "%s", l->o.reason);
	sleep(1);
	l->ops->stop(l);
	l->ops->stop(l);	/* idempotent */
	/* nothing of the group is left, and nothing is left to reap */
	EXPECT_EQ(-1, waitpid(-1, NULL, WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	bad = mk_load(scn, "bad");
	EXPECT_EQ(-EINVAL, bad->ops->start(bad));
	EXPECT_NE(NULL, strstr(bad->o.reason, "exited at start")) TH_LOG("%s", bad->o.reason);
	bad->ops->stop(bad);
	rs_scn_free(scn);
}

TEST(load_cpu_and_io_uring)
{
	const char *text = "[exporter e]\ntype = udmabuf\n"
			   "[load c]\ntype = cpu\nthreads = 2\n"
			   "[load u]\ntype = io-uring\nsize = 8MiB\nblock = 4KiB\nqd = 4\n";
	struct rs_scenario *scn = scn_load(_metadata, text);
	struct rs_load *c, *u;
	int ret;

	ASSERT_NE(NULL, scn);
	c = mk_load(scn, "c");
	u = mk_load(scn, "u");
	ASSERT_EQ(0, c->ops->start(c)) TH_LOG("%s", c->o.reason);
	ret = u->ops->start(u);
	if (ret != -RS_ESKIP)
		ASSERT_EQ(0, ret) TH_LOG("%s", u->o.reason);
	usleep(300000);
	c->ops->stop(c);
	u->ops->stop(u);
	c->ops->stop(c);
	u->ops->stop(u);
	rs_scn_free(scn);
}

TEST_HARNESS_MAIN
