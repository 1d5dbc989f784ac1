/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ring-buffer sub-buffers as the kernel writes them (kernel/trace/ring_buffer.c), for the
 * tracer's unit tests: a header (u64 time stamp, u64 commit = data bytes | flags), then
 * events of a 32-bit header (type_len: 5 low bits, length / 4; time_delta: 27 high bits)
 * and their data.  RB_MISSED_EVENTS marks a sub-buffer that follows dropped events,
 * RB_MISSED_STORED that their count is stored after the data.  x86-64 only (8-byte long,
 * little-endian), as the lab.
 *
 * With a fake tracefs: the header_page and format files the kernel would show for the
 * events used here, so that libtraceevent parses them as it does the real ones.
 */
#ifndef KBUF_PAGES_H
#define KBUF_PAGES_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define KP_SIZE		4096
#define KP_HDR		16
#define KP_MISSED	(1ULL << 31)
#define KP_STORED	(1ULL << 30)

struct kp_page {
	uint8_t b[KP_SIZE];
	size_t used;		/* data bytes */
	uint64_t last_ts;
};

static inline void kp_init(struct kp_page *p, uint64_t ts)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->b, &ts, 8);
	p->last_ts = ts;
}

/* Append one event of len data bytes (a multiple of 4, at most 112) at time ts. */
static inline int kp_add(struct kp_page *p, uint64_t ts, const void *data, size_t len)
{
	uint32_t hdr = (uint32_t)(len / 4) | (uint32_t)((ts - p->last_ts) << 5);

	if (len % 4 || len / 4 > 28 || !len || ts - p->last_ts >= (1u << 27) ||
	    KP_HDR + p->used + 4 + len + 8 > KP_SIZE)
		return -1;
	memcpy(p->b + KP_HDR + p->used, &hdr, 4);
	memcpy(p->b + KP_HDR + p->used + 4, data, len);
	p->used += 4 + len;
	p->last_ts = ts;
	return 0;
}

/* Finish the header; missed: 0 none, > 0 a stored count, < 0 dropped but not counted. */
static inline void kp_finish(struct kp_page *p, long long missed)
{
	uint64_t commit = p->used;

	if (missed) {
		commit |= KP_MISSED;
		if (missed > 0) {
			uint64_t n = (uint64_t)missed;

			memcpy(p->b + KP_HDR + p->used, &n, 8);
			commit |= KP_STORED;
		}
	}
	memcpy(p->b + 8, &commit, 8);
}

/* The kernel's events/header_page (x86-64, 4 KiB sub-buffers). */
static const char kp_header_page[] =
	"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
	"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
	"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n";

#define KP_COMMON \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"

/* dma_buf:dma_buf_export of Linux 7.2 (include/trace/events/dma_buf.h), id 500. */
#define KP_EXPORT_ID	500
static const char kp_export_format[] =
	"name: dma_buf_export\nID: 500\nformat:\n" KP_COMMON
	"\tfield:__data_loc char[] exp_name;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:size_t size;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:ino_t ino;\toffset:24;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"exp_name=%s size=%zu ino=%lu\", __get_str(exp_name), REC->size, REC->ino\n";

/* One dma_buf_export event's data (40 bytes: common, fields, "vfio\0" padded). */
static inline size_t kp_export(uint8_t *d, int pid, uint64_t size, uint64_t ino)
{
	uint16_t type = KP_EXPORT_ID;
	uint32_t loc = 32 | (5u << 16);		/* __data_loc: offset, length */
	int32_t p = pid;

	memset(d, 0, 40);
	memcpy(d, &type, 2);
	memcpy(d + 4, &p, 4);
	memcpy(d + 8, &loc, 4);
	memcpy(d + 16, &size, 8);
	memcpy(d + 24, &ino, 8);
	memcpy(d + 32, "vfio", 5);
	return 40;
}

#endif /* KBUF_PAGES_H */
