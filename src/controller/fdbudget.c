// SPDX-License-Identifier: GPL-2.0
/*
 * The descriptor budget (rs_fdbudget.h): a run of thousands of dma-bufs needs more
 * descriptors than a fresh machine's soft limit (1024).  The soft limit is raised to the
 * hard one; what the scenario needs is counted, and a run that cannot have it stops before
 * any device is touched, saying the numbers and the fix.  A reserve is held during the run
 * and given back for its last writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "rs_fdbudget.h"

static struct rlimit rs_nofile_start;
static bool rs_nofile_saved;
static int rs_reserve[RS_FDS_RESERVE];
static unsigned int rs_nr_reserve;

uint64_t rs_fd_need_total(struct rs_fd_need *n)
{
	n->total = n->bufs + n->imports + (uint64_t)n->devices * RS_FDS_PER_DEVICE + n->trace +
		   n->run + n->reserve + n->open;
	return n->total;
}

int rs_nofile_raise(struct rlimit *rl)
{
	struct rlimit want;

	if (getrlimit(RLIMIT_NOFILE, rl))
		return -errno;
	if (!rs_nofile_saved) {
		rs_nofile_start = *rl;
		rs_nofile_saved = true;
	}
	if (rl->rlim_cur == rl->rlim_max)
		return 0;
	want = (struct rlimit){ .rlim_cur = rl->rlim_max, .rlim_max = rl->rlim_max };
	if (setrlimit(RLIMIT_NOFILE, &want))
		return -errno;
	*rl = want;
	return 0;
}

void rs_nofile_restore(void)
{
	struct rlimit rl;

	if (!rs_nofile_saved || getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rs_nofile_start.rlim_cur < rl.rlim_cur) {
		rl.rlim_cur = rs_nofile_start.rlim_cur;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int rs_fd_budget_check(struct rs_fd_need *n, const struct rlimit *rl, char *why, size_t len)
{
	uint64_t total = rs_fd_need_total(n);

	if (rl->rlim_cur == RLIM_INFINITY || total <= rl->rlim_cur)
		return 0;
	snprintf(why, len,
		 "the scenario needs %llu file descriptors (%llu dma-bufs, %llu held by imports, "
		 "%u devices x %d, %u for the run's files, %u for the tracer, %u reserve, %llu "
		 "open already) but RLIMIT_NOFILE allows %llu (hard limit %llu); raise the hard "
		 "limit to at least %llu (`ulimit -Hn %llu` as root before the run, "
		 "LimitNOFILE=%llu in a systemd unit, nofile in /etc/security/limits.conf) or "
		 "lower the exporters' count",
		 (unsigned long long)total, (unsigned long long)n->bufs,
		 (unsigned long long)n->imports, n->devices, RS_FDS_PER_DEVICE, n->run, n->trace,
		 n->reserve, (unsigned long long)n->open, (unsigned long long)rl->rlim_cur,
		 (unsigned long long)rl->rlim_max, (unsigned long long)total,
		 (unsigned long long)total, (unsigned long long)total);
	return -EMFILE;
}

int rs_fd_reserve_take(unsigned int n)
{
	int err = 0;

	while (rs_nr_reserve < n && rs_nr_reserve < RS_FDS_RESERVE) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			err = -errno;
			break;
		}
		rs_reserve[rs_nr_reserve++] = fd;
	}
	return err;
}

void rs_fd_reserve_release(void)
{
	while (rs_nr_reserve)
		close(rs_reserve[--rs_nr_reserve]);
}
