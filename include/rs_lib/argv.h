/* SPDX-License-Identifier: GPL-2.0 */
/* Command lines from scenario text: shell-like word splitting and the stress-ng argv. */
#ifndef RS_LIB_ARGV_H
#define RS_LIB_ARGV_H

#include <stdint.h>

#include "rs_lib/common.h"

/*
 * Split s into words: blanks separate, '...' and "..." quote, backslash escapes (not
 * inside '').  No expansion of any kind.  Returns the word count and a NULL-terminated
 * *argv (free with rs_argv_free), or -EINVAL with why for an unterminated quote.
 */
int rs_argv_split(const char *s, char ***argv, char *why);
void rs_argv_free(char **argv);

/*
 * argv for stress-ng: bin, the split args, and "--timeout <s>s" when timeout_ns > 0 and
 * args set none (-t/--timeout), so a stress-ng we failed to kill still ends by itself.
 * An args value that starts no option ("vm 2") is rejected: -EINVAL with why.
 */
int rs_stressng_argv(const char *bin, const char *args, uint64_t timeout_ns, char ***argv,
		     char *why);

#endif /* RS_LIB_ARGV_H */
