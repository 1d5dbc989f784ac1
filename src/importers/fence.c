// SPDX-License-Identifier: GPL-2.0
/*
 * Importer "fence": puts userspace fences into the reservation object of every buffer
 * (DMA_BUF_IOCTL_IMPORT_SYNC_FILE works on any dma-buf fd, no patch needed), so each
 * revoke's fence wait waits on them.  VFIO's revoke waits for every fence of the buffer
 * uninterruptibly, with no timeout, holding the device's memory_lock and the buffer's
 * reservation lock.
 *
 * A fence comes from a sw_sync timeline of our own (`source = sw_sync`, debugfs,
 * CONFIG_SW_SYNC) or from a vgem buffer (`source = vgem`: the kernel signals vgem fences
 * itself 10 s after they were made).  One fence is armed at import and again after every
 * restore; a thread of ours signals it `delay` (+- `jitter`) after arming, or never
 * (`signal = never`: a sw_sync fence signals when we close its timeline at release, with
 * -ENOENT; a vgem fence when vgem's timer fires).  An unsignalled fence is the import's
 * blocker: a revoke that hangs names it.
 *
 * After each revoke of an exporter whose revoke waits for fences (VFIO,
 * revoke_waits_fences) the fence must be signalled (the revoke waited for it; if not, the
 * kernel skipped the wait: a failure); elsewhere an unsignalled one is counted
 * (not_waited).  Its wait is measured: from the revoke's start
 * (or the arming, if later) to the fence's signal time as the kernel stamped it in the
 * sync_file (CLOCK_MONOTONIC, as our clock), as rs_count() counters.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rs_lib/fence.h"
#include "rs_lib/plug.h"
#include "rs_util.h"

#define MAX_IMPORTS	256

struct fence_imp {
	struct rs_import *imp;
	struct rs_fence_src src;
	bool src_open;
	int sync_fd;			/* the armed fence, -1: none */
	uint64_t id, armed_ns, due_ns;	/* due 0: never */
	bool signalled;			/* by us */
	unsigned int nr;		/* fences armed on this import */
};

struct fence_im {
	enum rs_fence_kind kind;
	bool never, write, rearm;
	uint64_t delay, jitter;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t th;
	bool th_started, stop;
	struct fence_imp *imps[MAX_IMPORTS];
	unsigned int nr_imps;
	struct rs_importer *im;
};

/* The ENUM options' choices, in the order of their enums (rs_sec_enum()). */
enum { FENCE_SIGNAL_DELAY, FENCE_SIGNAL_NEVER };
enum { FENCE_USAGE_WRITE, FENCE_USAGE_READ };

static const struct rs_opt fence_opts[] = {
	{ "source", RS_OPT_ENUM, "sw_sync",
	  "fence timeline: sw_sync (debugfs, CONFIG_SW_SYNC) or vgem (signals itself after 10 s)",
	  "sw_sync|vgem" },	/* enum rs_fence_kind */
	{ "signal", RS_OPT_ENUM, "delay",
	  "delay: we signal each fence `delay` after arming it; never: sw_sync at release "
	  "(-ENOENT), vgem when its 10 s timer fires", "delay|never" },
	{ "delay", RS_OPT_TIME, "100ms", "from arming a fence to signalling it" },
	{ "jitter", RS_OPT_TIME, "0", "uniform random offset in [-jitter, +jitter] on delay" },
	{ "usage", RS_OPT_ENUM, "write", "the fence goes in as a writer's or a reader's",
	  "write|read" },
	{ "rearm", RS_OPT_BOOL, "true", "arm a new fence after every restore (false: at import only)" },
	{ NULL },
};

static const char *const counter_names[] = {
	"armed", "signalled", "kernel_signalled", "signal_errors", "waited", "wait_ns_total",
	"wait_ns_max", "done_before_revoke", "pending_after_revoke", "not_waited",
};

/* The signaller: signal every armed fence whose time has come. */
static void *fence_thread(void *arg)
{
	struct fence_im *f = arg;
	char why[RS_WHY_LEN];

	pthread_mutex_lock(&f->lock);
	while (!f->stop) {
		uint64_t now = rs_now_ns(), next = 0;
		struct timespec ts;
		unsigned int i;

		for (i = 0; i < f->nr_imps; i++) {
			struct fence_imp *p = f->imps[i];

			if (!p || p->sync_fd < 0 || p->signalled || !p->due_ns)
				continue;
			if (p->due_ns <= now) {
				if (rs_fence_signal(&p->src, p->id, why)) {
					rs_count(&f->im->o, "signal_errors", 1);
					rs_log(f->im->o.ctx, "importer %s: %s", f->im->o.name, why);
				} else {
					rs_count(&f->im->o, "signalled", 1);
				}
				p->signalled = true;
				rs_import_blocker(p->imp, NULL);
				continue;
			}
			if (!next || p->due_ns < next)
				next = p->due_ns;
		}
		if (!next) {
			pthread_cond_wait(&f->cond, &f->lock);
			continue;
		}
		/* the condition variable runs on CLOCK_MONOTONIC (fence_open) */
		ts.tv_sec = (time_t)(next / 1000000000ULL);
		ts.tv_nsec = (long)(next % 1000000000ULL);
		pthread_cond_timedwait(&f->cond, &f->lock, &ts);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

static int fence_open(struct rs_importer *im)
{
	struct rs_fence_src probe;
	pthread_condattr_t ca;
	char why[RS_WHY_LEN];
	struct fence_im *f;
	unsigned int i;
	int ret;

	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->im = im;
	f->kind = (enum rs_fence_kind)rs_sec_enum(im->o.sec, "source");	/* in order */
	f->never = rs_sec_enum(im->o.sec, "signal") == FENCE_SIGNAL_NEVER;
	f->write = rs_sec_enum(im->o.sec, "usage") == FENCE_USAGE_WRITE;
	f->rearm = rs_sec_bool(im->o.sec, "rearm");
	f->delay = rs_sec_time_ns(im->o.sec, "delay");
	f->jitter = rs_sec_time_ns(im->o.sec, "jitter");
	if (f->jitter > f->delay) {
		free(f);
		return rs_err(&im->o, EINVAL, "%s: jitter is larger than delay",
			      rs_sec_where(im->o.sec, "jitter"));
	}
	/* can we make fences here at all? */
	ret = rs_fence_src_open(&probe, f->kind, "rs-probe", why);
	if (ret) {
		free(f);
		return ret == -ENOENT ? rs_skip(&im->o, "%s", why) : rs_fail(&im->o, ret, why);
	}
	rs_fence_src_close(&probe);
	pthread_mutex_init(&f->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&f->th, NULL, fence_thread, f)) {
		pthread_mutex_destroy(&f->lock);
		pthread_cond_destroy(&f->cond);
		free(f);
		return rs_err(&im->o, EAGAIN, "cannot start the fence signalling thread");
	}
	f->th_started = true;
	for (i = 0; i < sizeof(counter_names) / sizeof(counter_names[0]); i++)
		rs_count(&im->o, counter_names[i], 0);
	im->o.priv = f;
	return 0;
}

/* Arm a new fence on imp (f->lock held). */
static int arm(struct rs_importer *im, struct fence_im *f, struct fence_imp *p, char *why)
{
	uint64_t delay = f->delay;
	int fd, ret;

	if (!p->src_open) {
		char name[32];

		snprintf(name, sizeof(name), "rs-%.16s-%u", im->o.name, p->imp->buf->index);
		ret = rs_fence_src_open(&p->src, f->kind, name, why);
		if (ret)
			return ret;
		p->src_open = true;
	}
	rs_close_fd(&p->sync_fd);
	fd = rs_fence_new(&p->src, &p->id, why);
	if (fd < 0)
		return fd;
	ret = rs_dmabuf_import_sync_file(p->imp->buf->fd, fd, f->write, why);
	if (ret) {
		close(fd);
		return ret;
	}
	if (f->jitter)
		delay = delay - f->jitter + rs_rand(&im->o) % (2 * f->jitter + 1);
	p->sync_fd = fd;
	p->armed_ns = rs_now_ns();
	p->due_ns = f->never ? 0 : p->armed_ns + delay;
	p->signalled = false;
	p->nr++;
	rs_count(&im->o, "armed", 1);
	rs_import_blocker(p->imp, "unsignalled %s fence %s seqno %llu in %s buffer %u's reservation "
			  "(%s), signal: %s", p->src.desc, p->src.name, (unsigned long long)p->id,
			  p->imp->buf->ex->o.name, p->imp->buf->index,
			  f->write ? "writer" : "reader",
			  f->never ? (f->kind == RS_FENCE_VGEM ? "vgem's 10 s timer" : "never (until release)") :
				     "after the delay");
	pthread_cond_signal(&f->cond);
	return 0;
}

static void fence_release(struct rs_importer *im, struct rs_import *imp);

static int fence_import(struct rs_importer *im, struct rs_import *imp)
{
	struct fence_im *f = im->o.priv;
	struct fence_imp *p = calloc(1, sizeof(*p));
	char why[RS_WHY_LEN];
	unsigned int i;
	int ret;

	if (!p)
		return -ENOMEM;
	p->imp = imp;
	p->sync_fd = -1;
	imp->priv = p;
	pthread_mutex_lock(&f->lock);
	for (i = 0; i < f->nr_imps && f->imps[i]; i++)
		;
	if (i == MAX_IMPORTS) {
		pthread_mutex_unlock(&f->lock);
		fence_release(im, imp);
		return rs_err(&im->o, ENOSPC, "at most %d imports per fence importer", MAX_IMPORTS);
	}
	f->imps[i] = p;
	if (i == f->nr_imps)
		f->nr_imps++;
	ret = arm(im, f, p, why);
	pthread_mutex_unlock(&f->lock);
	if (ret) {
		/* the core releases no import that failed: free its slot and fence source */
		fence_release(im, imp);
		return rs_fail(&im->o, ret, why);
	}
	imp->live = true;
	return 0;
}

/* The revoke returned: the fence it found must be signalled; measure its wait. */
static int fence_revoked(struct rs_importer *im, struct rs_import *imp)
{
	struct fence_im *f = im->o.priv;
	struct fence_imp *p = imp->priv;
	uint64_t start = rs_revoke_started(imp->buf->ex), ts = 0, from;
	uint64_t end = rs_revoke_returned(imp->buf->ex);
	char desc[96];
	int ret, err = 0;

	imp->live = false;
	if (!p)
		return 0;
	pthread_mutex_lock(&f->lock);
	if (p->sync_fd < 0) {
		pthread_mutex_unlock(&f->lock);
		return 0;
	}
	ret = rs_sync_file_status(p->sync_fd, &ts, &err, desc);
	if (ret < 0) {
		pthread_mutex_unlock(&f->lock);
		return rs_err(&im->o, -ret, "SYNC_IOC_FILE_INFO of fence %s seqno %llu: %s",
			      p->src.name, (unsigned long long)p->id, strerror(-ret));
	}
	if (ret == 0 && p->armed_ns < start && !imp->buf->ex->ops->revoke_waits_fences) {
		/* an exporter that does not wait for fences (the iommufd selftest's mock) */
		pthread_mutex_unlock(&f->lock);
		rs_count(&im->o, "not_waited", 1);
		return 0;
	}
	if (ret == 0 && p->armed_ns < start) {
		pthread_mutex_unlock(&f->lock);
		rs_count(&im->o, "pending_after_revoke", 1);
		return rs_err(&im->o, EPROTO, "the revoke of %s buffer %u returned while fence "
			      "%s seqno %llu (armed %.3f s before it) is still unsignalled: the revoke "
			      "did not wait for the buffer's fences", imp->buf->ex->o.name,
			      imp->buf->index, desc, (unsigned long long)p->id,
			      (double)(start - p->armed_ns) / 1e9);
	}
	if (ret == 1 && !p->signalled) {
		/* the kernel signalled it: vgem's timer, or a closed timeline */
		rs_count(&im->o, "kernel_signalled", 1);
		p->signalled = true;
		rs_import_blocker(imp, NULL);
	}
	/*
	 * Signalled by now, but was it when the revoke returned?  This hook may run long after
	 * (hooks run import by import): a signal after the return is a wait the revoke skipped.
	 */
	if (ret == 1 && p->armed_ns < start && end > start && ts > end &&
	    imp->buf->ex->ops->revoke_waits_fences) {
		pthread_mutex_unlock(&f->lock);
		rs_count(&im->o, "pending_after_revoke", 1);
		return rs_err(&im->o, EPROTO, "the revoke of %s buffer %u returned %.3f ms before "
			      "fence %s seqno %llu (armed before it) was signalled: the revoke did "
			      "not wait for the buffer's fences", imp->buf->ex->o.name,
			      imp->buf->index, (double)(ts - end) / 1e6, desc,
			      (unsigned long long)p->id);
	}
	from = start > p->armed_ns ? start : p->armed_ns;
	if (ret == 1 && start && ts > from) {
		rs_count(&im->o, "waited", 1);
		rs_count(&im->o, "wait_ns_total", ts - from);
		rs_count_max(&im->o, "wait_ns_max", ts - from);
		pthread_mutex_unlock(&f->lock);
		return 0;
	}
	if (ret == 1)
		rs_count(&im->o, "done_before_revoke", 1);
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static int fence_restored(struct rs_importer *im, struct rs_import *imp)
{
	struct fence_im *f = im->o.priv;
	struct fence_imp *p = imp->priv;
	char why[RS_WHY_LEN];
	int ret = 0;

	if (!p)
		return 0;
	pthread_mutex_lock(&f->lock);
	if (f->rearm && imp->buf->fd >= 0)
		ret = arm(im, f, p, why);
	pthread_mutex_unlock(&f->lock);
	if (ret)
		return rs_fail(&im->o, ret, why);
	imp->live = true;
	return 0;
}

static void fence_release(struct rs_importer *im, struct rs_import *imp)
{
	struct fence_im *f = im->o.priv;
	struct fence_imp *p = imp->priv;
	unsigned int i;

	if (!p)
		return;
	pthread_mutex_lock(&f->lock);
	for (i = 0; i < f->nr_imps; i++)
		if (f->imps[i] == p)
			f->imps[i] = NULL;
	rs_close_fd(&p->sync_fd);
	/* a sw_sync timeline signals its pending fences (-ENOENT) as it closes */
	if (p->src_open)
		rs_fence_src_close(&p->src);
	rs_import_blocker(imp, NULL);
	pthread_mutex_unlock(&f->lock);
	free(p);
	imp->priv = NULL;
	imp->live = false;
}

static void fence_close(struct rs_importer *im)
{
	struct fence_im *f = im->o.priv;

	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
	if (f->th_started)
		pthread_join(f->th, NULL);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
	free(f);
	im->o.priv = NULL;
}

/*
 * The storm matrix's presets: fences signalled soon after arming, as a writer's and as a
 * reader's (jittered).  A never-signalled fence hangs every revoke of a VFIO buffer with
 * no hung-importer report of the kernel (the wait is for fences, not unmaps): it is
 * scenarios/fence-never.ini's, not the matrix's.
 */
static const struct rs_variant fence_variants[] = {
	{ "write", "delay = 5ms", RS_EXPECT_CLEAN },
	{ "read", "usage = read\ndelay = 5ms\njitter = 4ms", RS_EXPECT_CLEAN },
	{ NULL },
};

static const struct rs_importer_ops fence_importer = {
	.type = "fence",
	.help = "sw_sync or vgem fences in every buffer's reservation (DMA_BUF_IOCTL_IMPORT_SYNC_FILE); "
		"measures each revoke's fence wait",
	.opts = fence_opts,
	.open = fence_open,
	.import = fence_import,
	.revoked = fence_revoked,
	.restored = fence_restored,
	.release = fence_release,
	.close = fence_close,
	.variants = fence_variants,
	/* the sync_file of the armed fence and its timeline (vgem: card node and buffer) */
	.fds_per_import = 3,
};
RS_REGISTER(importer, fence_importer)
