// SPDX-License-Identifier: GPL-2.0
/*
 * A scenario's messages: errors and warnings, each "file:line: text", the first
 * RS_MAX_ERRORS kept.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rs_scenario.h"
#include "rs_util.h"

#define RS_MAX_ERRORS		50

void rs_diag_add(struct rs_diag *d, bool error, const char *fmt, ...)
{
	va_list ap;
	char *m, *w;

	if (error)
		d->nr_errors++;
	if (d->nr >= RS_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	m = rs_xvasprintf(fmt, ap);
	va_end(ap);
	if (!error) {
		w = rs_xasprintf("warning: %s", m);
		free(m);
		m = w;
	}
	rs_xgrow(&d->msg, &d->cap, d->nr, sizeof(*d->msg));
	d->msg[d->nr++] = m;
}

void rs_diag_print(const struct rs_diag *d, FILE *f)
{
	size_t i;

	for (i = 0; i < d->nr; i++)
		fprintf(f, "%s\n", d->msg[i]);
	if (d->nr_errors > RS_MAX_ERRORS)
		fprintf(f, "(%zu more errors not shown)\n", d->nr_errors - RS_MAX_ERRORS);
}

void rs_diag_free(struct rs_diag *d)
{
	size_t i;

	for (i = 0; i < d->nr; i++)
		free(d->msg[i]);
	free(d->msg);
	memset(d, 0, sizeof(*d));
}

const char *rs_diag_find(const struct rs_diag *d, const char *needle)
{
	size_t i;

	for (i = 0; i < d->nr; i++)
		if (strstr(d->msg[i], needle))
			return d->msg[i];
	return NULL;
}
