// SPDX-License-Identifier: GPL-2.0
/* Kernel log records (rs_kmsg.h). */
#include <stdio.h>
#include <string.h>

#include "rs_kmsg.h"

const char *rs_kmsg_path = "/dev/kmsg";

bool rs_kmsg_next(char *buf, size_t len, size_t *off, unsigned long long *ts_us, char **msg)
{
	while (*off < len) {
		char *line = buf + *off, *nl = memchr(line, '\n', len - *off), *semi;

		if (nl) {
			*nl = '\0';
			*off = (size_t)(nl - buf) + 1;
		} else {
			buf[len] = '\0';	/* the caller leaves room for it */
			*off = len;
		}
		if (*line == ' ')
			continue;	/* a continuation line: KEY=VALUE */
		semi = strchr(line, ';');
		if (!semi || sscanf(line, "%*u,%*u,%llu", ts_us) != 1)
			continue;
		*msg = semi + 1;
		return true;
	}
	return false;
}
