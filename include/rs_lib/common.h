/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the device libraries (src/lib/): a fixed-size "why" buffer that a failing
 * call fills with a sentence naming the device or file, which the plugin then hands to
 * rs_err()/rs_skip() unchanged.  Library calls return 0 (or an fd) or -errno.
 */
#ifndef RS_LIB_COMMON_H
#define RS_LIB_COMMON_H

#include <stddef.h>

#define RS_WHY_LEN	256

/* Fill why (RS_WHY_LEN bytes, may be NULL) and return err (a negative errno). */
int rs_why(char *why, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ioctl() retried on EINTR; returns the ioctl's value or -errno. */
int rs_ioctl(int fd, unsigned long req, void *arg);

/* Close *fd if >= 0 and set it to -1. */
void rs_close_fd(int *fd);

/* The inode number of an open file (the dma-buf inode of the trace events), 0 on error. */
unsigned long rs_fd_ino(int fd);

#endif /* RS_LIB_COMMON_H */
