// SPDX-License-Identifier: GPL-2.0
/*
 * How large the tracefs ring buffer must be for a scenario: its peak event rate, from
 * the scenario's buffers, importers and trigger timing, times the reader latency it must
 * ride out, between a floor and a ceiling tied to the machine's memory.
 *
 * The per-CPU readers move whole pages to a file as they come (src/trace_rec.c): the
 * buffer only has to hold what arrives while a reader waits for a CPU (both are busy in a
 * storm) or for a slow file system (the lab's results share is 9p).  RS_COVER_S of the
 * peak rate is four of the readers' 250 ms periods.  Each CPU's buffer is sized for the
 * whole rate: a burst can land on one CPU.  A buffer costs memory and the time to
 * allocate it before the run (about 20 MiB/s under TCG), so the ceiling is modest.
 */
#include <stdint.h>
#include <string.h>

#include "rs_scenario.h"
#include "rs_trace_raw.h"

/* Events of one revoke + restore cycle of one dma-buf (docs/trace-events.md): move_begin,
 * invalidate_begin/end, fence_wait, unmap_wait, move_end for the revoke, five for the
 * restore; per importer invalidate_attach, unmap, the mock's invalidate and unmap, the
 * restore's invalidate_attach, the re-map and a refused map while revoked. */
#define RS_EV_CYCLE		12
#define RS_EV_CYCLE_IMPORTER	8
/* Importer traffic: a map and an unmap (or the mock's pair) per import per interval. */
#define RS_EV_TRAFFIC		2
/*
 * What one worker can do per second at most, whatever the scenario asks (interval 0,
 * bursts): dma-buf moves of one trigger worker (each cycle moves all the exporter's
 * buffers; the lab does about 600 single-buffer cycles/s under TCG, docs/performance.md),
 * and traffic operations of one importer.
 */
#define RS_MAX_MOVES_PER_S	5000.0
#define RS_MAX_TRAFFIC_PER_S	2000.0
/* Bytes one event takes in the ring buffer (the lab: 65 on average; strings vary). */
#define RS_EVENT_BYTES		80
#define RS_COVER_S		1
#define RS_FLOOR_KB		(8u << 10)
#define RS_CEIL_KB		(64u << 10)

static double rs_min(double a, double b)
{
	return a < b ? a : b;
}

/* Cycles per second of one trigger worker in a phase (ps NULL: the trigger's own timing). */
static double rs_cycles_per_s(const struct rs_section *ts, const struct rs_section *ps)
{
#define PICK(key, fn) (ps && rs_sec_has(ps, key) ? fn(ps, key) : fn(ts, key))
	const char *timing = rs_sec_str(ps && rs_sec_has(ps, "timing") ? ps : ts, "timing");
	uint64_t interval = PICK("interval", rs_sec_time_ns);
	uint64_t hold = PICK("hold", rs_sec_time_ns);
	int64_t burst = PICK("burst", rs_sec_int);
#undef PICK
	double per_cycle_s, rate;

	if (timing && !strcmp(timing, "burst")) {
		/* burst back-to-back cycles per interval: RS_COVER_S holds a burst whole */
		rate = interval ? (double)(burst > 0 ? burst : 1) * 1e9 / (double)interval :
		       RS_MAX_MOVES_PER_S;
	} else {
		per_cycle_s = (double)(interval + hold) / 1e9;
		rate = per_cycle_s > 0 ? 1.0 / per_cycle_s : RS_MAX_MOVES_PER_S;
	}
	return rate;
}

double rs_trace_expected_rate(const struct rs_scenario *scn)
{
	size_t nt = rs_scn_count(scn, RS_SEC_TRIGGER), ne = rs_scn_count(scn, RS_SEC_EXPORTER);
	size_t ni = rs_scn_count(scn, RS_SEC_IMPORTER), np = rs_scn_count(scn, RS_SEC_PHASE);
	double peak = 0;
	size_t p;

	/* each phase's rate; the buffer is sized for the highest */
	for (p = 0; p < (np ? np : 1); p++) {
		const struct rs_section *ps = np ? rs_scn_nth(scn, RS_SEC_PHASE, p) : NULL;
		bool traffic = !ps || rs_sec_bool(ps, "traffic");
		double rate = 0;
		size_t e, i, t;

		for (e = 0; e < ne; e++) {
			const struct rs_section *es = rs_scn_nth(scn, RS_SEC_EXPORTER, e);
			double bufs = (double)rs_sec_int(es, "count"), per_cycle = RS_EV_CYCLE;

			for (i = 0; i < ni; i++) {
				const struct rs_section *is = rs_scn_nth(scn, RS_SEC_IMPORTER, i);
				uint64_t ti = rs_sec_time_ns(is, "traffic_interval");

				if (!rs_sec_list_has(is, "exporters", es->name))
					continue;
				per_cycle += RS_EV_CYCLE_IMPORTER;
				if (traffic && rs_sec_bool(is, "traffic"))
					rate += RS_EV_TRAFFIC * rs_min(bufs * (ti ? 1e9 / (double)ti :
								RS_MAX_TRAFFIC_PER_S), RS_MAX_TRAFFIC_PER_S);
			}
			for (t = 0; t < nt; t++) {
				const struct rs_section *ts = rs_scn_nth(scn, RS_SEC_TRIGGER, t);

				if (!rs_sec_list_has(ts, "exporters", es->name) ||
				    (ps && !rs_sec_list_has(ps, "triggers", ts->name)))
					continue;
				rate += rs_min(rs_cycles_per_s(ts, ps) * bufs, RS_MAX_MOVES_PER_S) *
					per_cycle;
			}
		}
		if (rate > peak)
			peak = rate;
	}
	return peak;
}

size_t rs_trace_buffer_kb(double events_per_s, uint64_t mem_total_kb, int nr_cpus)
{
	double want = events_per_s * RS_EVENT_BYTES * RS_COVER_S / 1024.0;
	uint64_t ceil = RS_CEIL_KB;

	if (nr_cpus < 1)
		nr_cpus = 1;
	if (mem_total_kb && mem_total_kb / 16 / (uint64_t)nr_cpus < ceil)
		ceil = mem_total_kb / 16 / (uint64_t)nr_cpus;
	if (ceil < RS_FLOOR_KB)
		return (size_t)(ceil > 1024 ? ceil : 1024);
	if (want < RS_FLOOR_KB)
		return RS_FLOOR_KB;
	if (want > (double)ceil)
		return (size_t)ceil;
	return (size_t)want;
}
