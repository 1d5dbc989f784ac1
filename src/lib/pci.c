// SPDX-License-Identifier: GPL-2.0
/* PCI helpers: capability walk over a config-space image, sysfs look-ups. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/pci_regs.h>

#include "rs_lib/pci.h"

#define SYSPCI	"/sys/bus/pci/devices"

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

int rs_pci_walk_caps(const uint8_t *cfg, size_t len, struct rs_pci_caps *caps)
{
	uint8_t seen[256 / 8] = { 0 };
	unsigned int pos, guard = 0;

	memset(caps, 0, sizeof(*caps));
	if (!cfg || len < PCI_STD_HEADER_SIZEOF)
		return -EINVAL;
	if (!(rd16(cfg + PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = cfg[PCI_CAPABILITY_LIST] & ~3u;
	while (pos) {
		uint8_t id;

		if (pos < PCI_STD_HEADER_SIZEOF || pos + 2 > len || pos > 0xfc ||
		    (seen[pos / 8] & (1u << (pos % 8))) || ++guard > 48) {
			caps->broken = true;
			break;
		}
		seen[pos / 8] |= 1u << (pos % 8);
		id = cfg[pos + PCI_CAP_LIST_ID];
		caps->nr_caps++;
		switch (id) {
		case PCI_CAP_ID_PM:
			if (!caps->pm && pos + PCI_PM_SIZEOF <= len) {
				caps->pm = pos;
				caps->pmc = rd16(cfg + pos + PCI_PM_PMC);
				caps->pm_d3hot_no_soft_reset =
					rd16(cfg + pos + PCI_PM_CTRL) & PCI_PM_CTRL_NO_SOFT_RESET;
			}
			break;
		case PCI_CAP_ID_EXP:
			if (!caps->exp && pos + PCI_EXP_DEVCTL + 2 <= len) {
				caps->exp = pos;
				caps->flr = rd32(cfg + pos + PCI_EXP_DEVCAP) & PCI_EXP_DEVCAP_FLR;
			}
			break;
		case PCI_CAP_ID_AF:
			if (!caps->af && pos + PCI_AF_STATUS + 1 <= len) {
				uint8_t cap = cfg[pos + PCI_AF_CAP];

				caps->af = pos;
				caps->af_flr = (cap & PCI_AF_CAP_TP) && (cap & PCI_AF_CAP_FLR);
			}
			break;
		}
		pos = cfg[pos + PCI_CAP_LIST_NEXT] & ~3u;
	}
	return 0;
}

int rs_pci_bdf_normalize(const char *in, char *out, size_t len)
{
	unsigned int dom = 0, bus, dev, fn;
	int n = 0;

	if (!in)
		return -EINVAL;
	/* the function is one digit after the only '.'; scanf's %x would take "0x" */
	n = (int)strlen(in);
	if (n < 3 || in[n - 2] != '.' || in[n - 1] < '0' || in[n - 1] > '7' ||
	    strspn(in, "0123456789abcdefABCDEF:.") != (size_t)n)
		return -EINVAL;
	n = 0;
	if (sscanf(in, "%x:%x:%x.%x%n", &dom, &bus, &dev, &fn, &n) != 4 || in[n]) {
		/* no domain: "bb:dd.f" */
		n = 0;
		dom = 0;
		if (sscanf(in, "%x:%x.%x%n", &bus, &dev, &fn, &n) != 3 || in[n])
			return -EINVAL;
	}
	if (dom > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return -EINVAL;
	if ((size_t)snprintf(out, len, "%04x:%02x:%02x.%x", dom, bus, dev, fn) >= len)
		return -ENAMETOOLONG;
	return 0;
}

bool rs_pci_exists(const char *bdf)
{
	char p[128];
	struct stat st;

	snprintf(p, sizeof(p), SYSPCI "/%s", bdf);
	return !stat(p, &st);
}

static int link_base(const char *path, char *buf, size_t len)
{
	char t[512];
	ssize_t n = readlink(path, t, sizeof(t) - 1);
	const char *b;

	if (n < 0)
		return -errno;
	t[n] = '\0';
	b = strrchr(t, '/');
	b = b ? b + 1 : t;
	if ((size_t)snprintf(buf, len, "%s", b) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int rs_pci_driver(const char *bdf, char *buf, size_t len)
{
	char p[128];
	int ret;

	if (!rs_pci_exists(bdf))
		return -ENODEV;
	snprintf(p, sizeof(p), SYSPCI "/%s/driver", bdf);
	ret = link_base(p, buf, len);
	return ret == -ENOENT ? -ENOENT : ret;
}

int rs_pci_attr(const char *bdf, const char *attr, char *buf, size_t len)
{
	char p[192];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), SYSPCI "/%s/%s", bdf, attr);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return 0;
}

int rs_pci_iommu_group(const char *bdf)
{
	char p[128], b[32];
	char *end;
	long g;
	int ret;

	snprintf(p, sizeof(p), SYSPCI "/%s/iommu_group", bdf);
	ret = link_base(p, b, sizeof(b));
	if (ret)
		return ret;
	g = strtol(b, &end, 10);
	if (*end || g < 0)
		return -EINVAL;
	return (int)g;
}

int rs_pci_vfio_cdev(const char *bdf, char *path, size_t len)
{
	char p[128];
	struct dirent *de;
	DIR *d;
	int ret = -ENOENT;

	snprintf(p, sizeof(p), SYSPCI "/%s/vfio-dev", bdf);
	d = opendir(p);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "vfio", 4) || !isdigit((unsigned char)de->d_name[4]))
			continue;
		ret = (size_t)snprintf(path, len, "/dev/vfio/devices/%s", de->d_name) >= len ?
		      -ENAMETOOLONG : 0;
		break;
	}
	closedir(d);
	return ret;
}

int rs_pci_bar(const char *bdf, unsigned int bar, uint64_t *start, uint64_t *size,
	       uint64_t *flags)
{
	char p[128], line[128];
	uint64_t s, e, f;
	unsigned int i = 0;
	FILE *fp;
	int ret = -ENOENT;

	snprintf(p, sizeof(p), SYSPCI "/%s/resource", bdf);
	fp = fopen(p, "re");
	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp)) {
		if (i++ != bar)
			continue;
		if (sscanf(line, "%" SCNx64 " %" SCNx64 " %" SCNx64, &s, &e, &f) != 3) {
			ret = -EINVAL;
			break;
		}
		*start = s;
		*size = e > s ? e - s + 1 : 0;
		*flags = f;
		ret = 0;
		break;
	}
	fclose(fp);
	return ret;
}

const char *rs_pci_bind_hint(const char *bdf)
{
	static __thread char h[256];

	snprintf(h, sizeof(h),
		 "echo vfio-pci > /sys/bus/pci/devices/%s/driver_override; "
		 "echo %s > /sys/bus/pci/drivers_probe", bdf, bdf);
	return h;
}
