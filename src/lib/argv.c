// SPDX-License-Identifier: GPL-2.0
/* Shell-like word splitting and the stress-ng command line. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_lib/argv.h"

static void push(char ***v, int *n, int *cap, char *w)
{
	if (*n + 2 > *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*v = realloc(*v, (size_t)*cap * sizeof(**v));
		if (!*v)
			abort();
	}
	(*v)[(*n)++] = w;
	(*v)[*n] = NULL;
}

int rs_argv_split(const char *s, char ***argv, char *why)
{
	size_t len = s ? strlen(s) : 0;
	char **v = NULL, *w;
	int n = 0, cap = 0;
	size_t wl;

	push(&v, &n, &cap, NULL);
	n = 0;
	while (s && *s) {
		char q = 0;

		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		w = malloc(len + 1);
		if (!w)
			abort();
		wl = 0;
		for (; *s; s++) {
			if (q) {
				if (*s == q)
					q = 0;
				else if (q == '"' && *s == '\\' && (s[1] == '"' || s[1] == '\\'))
					w[wl++] = *++s;
				else
					w[wl++] = *s;
				continue;
			}
			if (*s == ' ' || *s == '\t' || *s == '\n')
				break;
			if (*s == '\'' || *s == '"')
				q = *s;
			else if (*s == '\\' && s[1])
				w[wl++] = *++s;
			else
				w[wl++] = *s;
		}
		if (q) {
			free(w);
			rs_argv_free(v);
			*argv = NULL;
			return rs_why(why, -EINVAL, "unterminated %c quote", q);
		}
		w[wl] = '\0';
		push(&v, &n, &cap, w);
	}
	*argv = v;
	return n;
}

void rs_argv_free(char **argv)
{
	char **p;

	if (!argv)
		return;
	for (p = argv; *p; p++)
		free(*p);
	free(argv);
}

int rs_stressng_argv(const char *bin, const char *args, uint64_t timeout_ns, char ***argv,
		     char *why)
{
	char **words, **v = NULL;
	int n, i, cnt = 0, cap = 0;
	bool has_timeout = false;

	n = rs_argv_split(args, &words, why);
	if (n < 0)
		return n;
	if (n == 0) {
		rs_argv_free(words);
		return rs_why(why, -EINVAL, "no stressors: give stress-ng options, e.g. "
			      "\"--vm 2 --vm-bytes 256M\"");
	}
	if (words[0][0] != '-') {
		rs_why(why, -EINVAL, "stress-ng arguments must start with an option (\"--%s ...\"), "
		       "not \"%s\"", words[0], words[0]);
		rs_argv_free(words);
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(words[i], "-t") || !strcmp(words[i], "--timeout") ||
		    !strncmp(words[i], "--timeout=", 10))
			has_timeout = true;
	push(&v, &cnt, &cap, strdup(bin));
	for (i = 0; i < n; i++)
		push(&v, &cnt, &cap, words[i]);
	free(words);	/* the strings moved into v */
	if (!has_timeout && timeout_ns) {
		char t[32];

		snprintf(t, sizeof(t), "%llus",
			 (unsigned long long)((timeout_ns + 999999999ULL) / 1000000000ULL));
		push(&v, &cnt, &cap, strdup("--timeout"));
		push(&v, &cnt, &cap, strdup(t));
	}
	*argv = v;
	return cnt;
}
