// SPDX-License-Identifier: GPL-2.0
/* Client of the kernel mock importer, debugfs dma_buf/mock_importer (docs/mock-importer.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rs_lib/hint.h"
#include "rs_lib/mock.h"

#if defined(__has_include)
#if __has_include(<dma-buf-mock.h>)
#include <dma-buf-mock.h>
#define RS_HAVE_DMA_BUF_MOCK 1
#endif
#endif

#define NO_MOCK "kernel lacks the mock importer of kernel-patches/ (CONFIG_DMA_BUF_MOCK_IMPORTER)"
#ifdef RS_HAVE_DMA_BUF_MOCK
#define MOCK_PATH "/sys/kernel/debug/" DMA_BUF_MOCK_DEBUGFS_FILE
#else
#define MOCK_PATH "/sys/kernel/debug/dma_buf/mock_importer"
#endif

bool rs_mock_present(void)
{
	return access(MOCK_PATH, F_OK) == 0;
}

#ifdef RS_HAVE_DMA_BUF_MOCK

_Static_assert((int)RS_MOCK_SYNC == DMA_BUF_MOCK_SYNC &&
	       (int)RS_MOCK_DEFERRED == DMA_BUF_MOCK_DEFERRED &&
	       (int)RS_MOCK_STUCK == DMA_BUF_MOCK_STUCK &&
	       (int)RS_MOCK_PINNED == DMA_BUF_MOCK_PINNED &&
	       (int)RS_MOCK_FENCE == DMA_BUF_MOCK_FENCE, "mock behaviours match the kernel's");
_Static_assert(RS_MOCK_MAX_DELAY_MS == DMA_BUF_MOCK_MAX_DELAY_MS, "the kernel's delay bound");

bool rs_mock_built(void)
{
	return true;
}

int rs_mock_open(char *why)
{
	int fd = open(MOCK_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		if (access("/sys/kernel/debug/dma_buf", F_OK))
			return rs_why(why, -EOPNOTSUPP, "no /sys/kernel/debug/dma_buf: mount debugfs "
				      "at /sys/kernel/debug to use the mock importer");
		return rs_why(why, -EOPNOTSUPP, NO_MOCK ": no %s", MOCK_PATH);
	}
	if (fd < 0 && (errno == EPERM || errno == EACCES))
		return rs_why(why, -errno, "open %s: %s (the mock importer needs root: "
			      "CAP_SYS_ADMIN)", MOCK_PATH, strerror(errno));
	if (fd < 0)
		return rs_why(why, -errno, "open %s: %s%s", MOCK_PATH, strerror(errno),
			      rs_errno_hint(RS_HINT_OPEN, errno));
	return fd;
}

int rs_mock_attach(int mfd, int dmabuf_fd, enum rs_mock_behaviour b, uint32_t delay_ms,
		   bool map, const char *dev_name, uint32_t *handle, char *why)
{
	struct dma_buf_mock_attach a = {
		.dmabuf_fd = dmabuf_fd,
		.behaviour = (uint32_t)b,
		.delay_ms = delay_ms,
		.flags = map ? DMA_BUF_MOCK_F_MAP : 0,
	};
	int ret;

	if (delay_ms > DMA_BUF_MOCK_MAX_DELAY_MS)
		return rs_why(why, -EINVAL, "mock importer delay %u ms exceeds the driver's bound "
			      "of %u ms", delay_ms, DMA_BUF_MOCK_MAX_DELAY_MS);
	if (dev_name && strlen(dev_name) >= sizeof(a.dev_name))
		return rs_why(why, -ENAMETOOLONG, "mock importer device name '%s' too long",
			      dev_name);
	if (dev_name)
		snprintf(a.dev_name, sizeof(a.dev_name), "%s", dev_name);
	ret = rs_ioctl(mfd, DMA_BUF_MOCK_IOCTL_ATTACH, &a);
	if (ret < 0)
		return rs_why(why, ret, "mock importer ATTACH%s of fd %d as %s: %s%s",
			      map ? "+MAP" : "", dmabuf_fd,
			      dev_name && *dev_name ? dev_name : "the mock's own device",
			      strerror(-ret), rs_errno_hint(map && ret == -EINVAL ?
							    RS_HINT_MOCK_MAP : RS_HINT_MOCK_ATTACH,
							    ret));
	*handle = a.handle;
	return 0;
}

static int handle_cmd(int mfd, unsigned long req, const char *what, uint32_t handle, char *why)
{
	struct dma_buf_mock_handle h = { .handle = handle };
	int ret = rs_ioctl(mfd, req, &h);

	if (ret < 0)
		return rs_why(why, ret, "mock importer %s of handle %u: %s%s", what, handle,
			      strerror(-ret), req == DMA_BUF_MOCK_IOCTL_MAP ?
			      rs_errno_hint(RS_HINT_MOCK_MAP, ret) : "");
	return 0;
}

int rs_mock_map(int mfd, uint32_t handle, char *why)
{
	return handle_cmd(mfd, DMA_BUF_MOCK_IOCTL_MAP, "MAP", handle, why);
}

int rs_mock_unmap(int mfd, uint32_t handle, char *why)
{
	return handle_cmd(mfd, DMA_BUF_MOCK_IOCTL_UNMAP, "UNMAP", handle, why);
}

int rs_mock_release(int mfd, uint32_t handle, char *why)
{
	return handle_cmd(mfd, DMA_BUF_MOCK_IOCTL_RELEASE, "RELEASE", handle, why);
}

int rs_mock_status(int mfd, uint32_t handle, struct rs_mock_status *st, char *why)
{
	struct dma_buf_mock_status s = { .handle = handle };
	int ret = rs_ioctl(mfd, DMA_BUF_MOCK_IOCTL_STATUS, &s);

	if (ret < 0)
		return rs_why(why, ret, "mock importer STATUS of handle %u: %s", handle,
			      strerror(-ret));
	st->behaviour = s.behaviour;
	st->mapped = s.mapped;
	st->revocable = s.revocable;
	st->invalidations = s.invalidations;
	st->unmaps = s.unmaps;
	st->maps = s.maps;
	st->map_invalidations = s.map_invalidations;
	st->last_map_err = s.last_map_err;
	return 0;
}
#else
bool rs_mock_built(void)
{
	return false;
}

int rs_mock_open(char *why)
{
	return rs_why(why, -EOPNOTSUPP, NO_MOCK ": built without <dma-buf-mock.h>, which the "
		      "patched lab kernel's build provides (vm/build-kernel.sh, headers/test/)");
}

int rs_mock_attach(int mfd, int dmabuf_fd, enum rs_mock_behaviour b, uint32_t delay_ms,
		   bool map, const char *dev_name, uint32_t *handle, char *why)
{
	return rs_why(why, -EOPNOTSUPP, NO_MOCK);
}

int rs_mock_map(int mfd, uint32_t handle, char *why)
{
	return rs_why(why, -EOPNOTSUPP, NO_MOCK);
}

int rs_mock_unmap(int mfd, uint32_t handle, char *why)
{
	return rs_why(why, -EOPNOTSUPP, NO_MOCK);
}

int rs_mock_release(int mfd, uint32_t handle, char *why)
{
	return rs_why(why, -EOPNOTSUPP, NO_MOCK);
}

int rs_mock_status(int mfd, uint32_t handle, struct rs_mock_status *st, char *why)
{
	return rs_why(why, -EOPNOTSUPP, NO_MOCK);
}
#endif
