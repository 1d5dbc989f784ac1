// SPDX-License-Identifier: GPL-2.0
/* iommufd IOAS, MAP_FILE/UNMAP and the IOMMUFD_TEST selftest commands. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include "rs_lib/hint.h"
#include "rs_lib/iommufd.h"

#if defined(__has_include)
#if __has_include("iommufd_test.h")
#include "iommufd_test.h"
#define RS_HAVE_IOMMUFD_TEST 1
#endif
#endif

#define NO_TEST_H "revokestorm was built without the kernel's iommufd_test.h " \
		  "(pass KSRC=/path/to/linux to make)"

bool rs_fd_is_dmabuf(int fd)
{
	char p[64], link[64];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	return !strncmp(link, "/dmabuf:", 8);
}

int rs_iommufd_open(struct rs_iommufd *f, char *why)
{
	struct iommu_ioas_alloc aa = { .size = sizeof(aa) };
	int ret;

	memset(f, 0, sizeof(*f));
	f->access_fd = -1;
	f->fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (f->fd < 0)
		return rs_why(why, -errno, "open /dev/iommu: %s%s", strerror(errno),
			      rs_errno_hint(RS_HINT_IOMMUFD_OPEN, errno));
	ret = rs_ioctl(f->fd, IOMMU_IOAS_ALLOC, &aa);
	if (ret < 0) {
		rs_close_fd(&f->fd);
		return rs_why(why, ret, "IOMMU_IOAS_ALLOC: %s", strerror(-ret));
	}
	f->ioas_id = aa.out_ioas_id;
	return 0;
}

void rs_iommufd_close(struct rs_iommufd *f)
{
	rs_close_fd(&f->access_fd);
	rs_close_fd(&f->fd);
	f->nr_mock = 0;
}

int rs_iommufd_map_file(struct rs_iommufd *f, int fd, uint64_t start, uint64_t length,
			uint64_t *iova, bool fixed, char *why)
{
	struct iommu_ioas_map_file mf = {
		.size = sizeof(mf),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE |
			 (fixed ? IOMMU_IOAS_MAP_FIXED_IOVA : 0),
		.ioas_id = f->ioas_id,
		.fd = fd,
		.start = start,
		.length = length,
		.iova = fixed ? *iova : 0,
	};
	int ret = rs_ioctl(f->fd, IOMMU_IOAS_MAP_FILE, &mf);

	if (ret < 0)
		return rs_why(why, ret, "IOMMU_IOAS_MAP_FILE of fd %d [%llu, +%llu): %s%s", fd,
			      (unsigned long long)start, (unsigned long long)length,
			      strerror(-ret), rs_errno_hint(RS_HINT_IOMMUFD_MAP, ret));
	*iova = mf.iova;
	return 0;
}

int rs_iommufd_map_user(struct rs_iommufd *f, void *va, uint64_t length, uint64_t iova,
			char *why)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE |
			 IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = f->ioas_id,
		.user_va = (uintptr_t)va,
		.length = length,
		.iova = iova,
	};
	int ret = rs_ioctl(f->fd, IOMMU_IOAS_MAP, &m);

	if (ret < 0)
		return rs_why(why, ret, "IOMMU_IOAS_MAP of %llu bytes of our memory at iova 0x%llx: "
			      "%s", (unsigned long long)length, (unsigned long long)iova,
			      strerror(-ret));
	return 0;
}

int rs_iommufd_unmap(struct rs_iommufd *f, uint64_t iova, uint64_t length, char *why)
{
	struct iommu_ioas_unmap um = {
		.size = sizeof(um),
		.ioas_id = f->ioas_id,
		.iova = iova,
		.length = length,
	};
	int ret = rs_ioctl(f->fd, IOMMU_IOAS_UNMAP, &um);

	if (ret < 0)
		return rs_why(why, ret, "IOMMU_IOAS_UNMAP iova 0x%llx +%llu: %s",
			      (unsigned long long)iova, (unsigned long long)length,
			      strerror(-ret));
	return 0;
}

#ifdef RS_HAVE_IOMMUFD_TEST
bool rs_iommufd_test_built(void)
{
	return true;
}

static int test_cmd(struct rs_iommufd *f, struct iommu_test_cmd *cmd, const char *what,
		    char *why)
{
	int ret;

	cmd->size = sizeof(*cmd);
	ret = rs_ioctl(f->fd, IOMMU_TEST_CMD, cmd);
	if (ret == -ENOTTY)
		return rs_why(why, -EOPNOTSUPP, "kernel without CONFIG_IOMMUFD_TEST "
			      "(IOMMU_TEST_CMD %s: ENOTTY)", what);
	if (ret < 0)
		return rs_why(why, ret, "IOMMU_TEST_CMD %s: %s", what, strerror(-ret));
	return ret;
}

int rs_iommufd_mock_domain(struct rs_iommufd *f, char *why)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_MOCK_DOMAIN, .id = f->ioas_id };
	int ret;

	if (f->nr_mock >= RS_IOMMUFD_MAX_MOCK)
		return rs_why(why, -ENOSPC, "at most %d mock domains", RS_IOMMUFD_MAX_MOCK);
	ret = test_cmd(f, &cmd, "MOCK_DOMAIN", why);
	if (ret < 0)
		return ret;
	f->mock_stdev[f->nr_mock] = cmd.mock_domain.out_stdev_id;
	f->mock_hwpt[f->nr_mock] = cmd.mock_domain.out_hwpt_id;
	f->nr_mock++;
	return 0;
}

int rs_iommufd_mock_dmabuf(struct rs_iommufd *f, uint64_t length, char *why)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_DMABUF_GET,
		.dmabuf_get = { .length = (uint32_t)length, .open_flags = O_RDWR | O_CLOEXEC },
	};

	int ret;

	if (length > UINT32_MAX)
		return rs_why(why, -EINVAL, "mock dma-buf of %llu bytes: at most 512 pages",
			      (unsigned long long)length);
	ret = test_cmd(f, &cmd, "DMABUF_GET", why);
	if (ret == 0 && !rs_fd_is_dmabuf(0))
		return rs_why(why, -EOPNOTSUPP, RS_IOMMUFD_DMABUF_GET_LOST);
	return ret;
}

int rs_iommufd_mock_revoke(struct rs_iommufd *f, int dmabuf_fd, bool revoked, char *why)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_DMABUF_REVOKE,
		.dmabuf_revoke = { .dmabuf_fd = dmabuf_fd, .revoked = revoked },
	};
	int ret = test_cmd(f, &cmd, revoked ? "DMABUF_REVOKE(1)" : "DMABUF_REVOKE(0)", why);

	return ret < 0 ? ret : 0;
}

int rs_iommufd_access_create(struct rs_iommufd *f, char *why)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_CREATE_ACCESS,
		.id = f->ioas_id,
		.create_access = { .flags = MOCK_FLAGS_ACCESS_WRITE },
	};
	int ret = test_cmd(f, &cmd, "CREATE_ACCESS", why);

	if (ret < 0)
		return ret;
	f->access_fd = (int)cmd.create_access.out_access_fd;
	return 0;
}

int rs_iommufd_access_rw(struct rs_iommufd *f, uint64_t iova, void *buf, uint64_t len,
			 bool write, char *why)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_ACCESS_RW,
		.id = (uint32_t)f->access_fd,
		.access_rw = {
			.iova = iova,
			.length = len,
			.uptr = (uintptr_t)buf,
			.flags = write ? MOCK_ACCESS_RW_WRITE : 0,
		},
	};
	int ret;

	if (f->access_fd < 0)
		return rs_why(why, -EBADF, "no access object");
	ret = test_cmd(f, &cmd, write ? "ACCESS_RW(write)" : "ACCESS_RW(read)", why);
	return ret < 0 ? ret : 0;
}
#else
bool rs_iommufd_test_built(void)
{
	return false;
}

int rs_iommufd_mock_domain(struct rs_iommufd *f, char *why)
{
	return rs_why(why, -EOPNOTSUPP, NO_TEST_H);
}

int rs_iommufd_mock_dmabuf(struct rs_iommufd *f, uint64_t length, char *why)
{
	return rs_why(why, -EOPNOTSUPP, NO_TEST_H);
}

int rs_iommufd_mock_revoke(struct rs_iommufd *f, int dmabuf_fd, bool revoked, char *why)
{
	return rs_why(why, -EOPNOTSUPP, NO_TEST_H);
}

int rs_iommufd_access_create(struct rs_iommufd *f, char *why)
{
	return rs_why(why, -EOPNOTSUPP, NO_TEST_H);
}

int rs_iommufd_access_rw(struct rs_iommufd *f, uint64_t iova, void *buf, uint64_t len,
			 bool write, char *why)
{
	return rs_why(why, -EOPNOTSUPP, NO_TEST_H);
}
#endif
