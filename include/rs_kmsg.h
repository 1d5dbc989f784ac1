/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel log's records as /dev/kmsg gives them (Documentation/ABI/testing/dev-kmsg):
 *   PRI,SEQ,TS_USEC,FLAGS[,...];MESSAGE
 *    KEY=VALUE		(continuation lines)
 * One parser for the log watcher and the hang bundle.
 */
#ifndef RS_KMSG_H
#define RS_KMSG_H

#include <stdbool.h>
#include <stddef.h>

/* Where the kernel log is read (/dev/kmsg); tests point it at a FIFO or a file. */
extern const char *rs_kmsg_path;

/*
 * The next record of buf[*off, len): /dev/kmsg gives one per read, a pipe or a file may
 * give several.  Sets *ts_us and *msg (NUL-terminated in buf; continuation lines skipped)
 * and moves *off past it.  False when no record is left; malformed lines are skipped.
 */
bool rs_kmsg_next(char *buf, size_t len, size_t *off, unsigned long long *ts_us, char **msg);

#endif /* RS_KMSG_H */
