#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `revokestorm report` on what perf really writes (tests/vm/run-all.sh runs it in the lab):
# a pci-command run records the kernel's events with `trace = perf`, once with the host's
# perf (Debian's linux-perf) and once with the guest kernel's own perf (built from the lab
# source by tests/outputs/build-perf.sh; RS_PERF_GUEST, passed by make check-vm); each
# perf.data is turned into text by `perf script` of both perfs, and every text must be read
# with no input error; the reports of one recording must agree with each other, and their
# revoke count with the revokes revokestorm itself counted (results.json).  An older perf
# cannot read a newer perf's perf.data (perf 6.1 on 7.2's: "file uses a more recent and
# unsupported ABI"): that pair is skipped with perf's own words.
# Outside the lab VM, or with no perf at all, it skips (exit 4).
set -u
cd "$(dirname "$0")/../.."
. tests/ktap.sh
bin=${RS_BUILD:-build}/revokestorm
[ "${RS_VM:-}" = 1 ] || { echo "1..0 # SKIP not in the lab VM (RS_VM=1)"; exit 4; }
# Debian's /usr/bin/perf only runs a perf_X.Y matching the running kernel: take the binary
host=$(ls /usr/bin/perf_[0-9]* 2>/dev/null | sort -V | tail -n1)
[ -n "$host" ] || host=$(command -v perf 2>/dev/null)
guest=${RS_PERF_GUEST:-}
[ -n "$host" ] || { echo "1..0 # SKIP no host perf (apt-get install linux-perf)"; exit 4; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
json() { /usr/bin/python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print($2)" "$1"; }
declare -A perfs=([host]=$host [guest]=$guest)
nope="no guest perf: tests/outputs/build-perf.sh, then make check-vm"
echo "TAP version 13"
echo "1..12"
for rec in host guest; do
	recperf=${perfs[$rec]}
	if [ ! -x "$recperf" ]; then
		for i in 1 2 3 4 5 6; do skip "perf record by the $rec perf" "$nope"; done
		continue
	fi
	res=$out/rec-$rec
	PERF=$recperf "$bin" run scenarios/trigger-pci-command.ini --duration 3s --set global.trace=perf \
		--results "$res" -q >"$res.ktap" 2>"$res.log"
	rc=$?
	ok $(( rc != 0 )) "a pci-command run recorded by the $rec perf ($("$recperf" --version 2>/dev/null), exit $rc)" \
		"$(tail -n 5 "$res.log"; tail -n 5 "$res/perf.log" 2>/dev/null)"
	own=$(json "$res/results.json" 'sum(p["revokes"] for p in d["pairs"])' 2>/dev/null || echo "?")
	counts=()
	for name in host guest; do
		perf=${perfs[$name]}
		if [ ! -x "$perf" ]; then
			skip "recorded by $rec, 'perf script' of the $name perf" "$nope"
			skip "recorded by $rec, scripted by $name: revokes" "$nope"
			continue
		fi
		"$perf" script -i "$res/perf.data" >"$res.$name.txt" 2>"$res.$name.err"
		if grep -q 'incompatible file format' "$res.$name.err"; then
			# an older perf does not read a newer perf's perf.data: perf's limit, not ours
			why="the $name perf ($("$perf" --version)) cannot read the $rec perf's perf.data: $(head -n1 "$res.$name.err")"
			skip "recorded by $rec, 'perf script' of the $name perf" "$why"
			skip "recorded by $rec, scripted by $name: revokes" "$why"
			continue
		fi
		"$bin" report "$res.$name.txt" --format json -o "$res.$name.json" >"$res.$name.rep" 2>&1
		rc=$?
		errs=$(json "$res.$name.json" 'd["input_errors_total"]' 2>/dev/null || echo "?")
		revokes=$(json "$res.$name.json" 'sum(b["count"] for b in d["breakdown"] if b["stage"] == "move" and b["direction"] == "revoke")' 2>/dev/null || echo "?")
		counts+=("$(json "$res.$name.json" 'sorted(d["event_counts"].items())' 2>/dev/null)")
		[ "$rc" = 0 ] && [ "$errs" = 0 ]
		ok $? "recorded by $rec, 'perf script' of the $name perf: report reads it (exit $rc, $errs input errors, $(wc -l <"$res.$name.txt") lines)" \
			"$(head -n 5 "$res.$name.rep"; head -n 3 "$res.$name.err")"
		[ "$revokes" = "$own" ] && [ "$own" != 0 ]
		ok $? "recorded by $rec, scripted by $name: $revokes revokes in the events, $own counted by revokestorm" \
			"$(head -n 3 "$res.log")"
	done
	if [ ${#counts[@]} != 2 ]; then
		skip "recorded by $rec: both perfs' texts give the same events" "only one perf could script this recording"
	else
		[ "${counts[0]}" = "${counts[1]}" ]
		ok $? "recorded by $rec: both perfs' texts give the same events" "host: ${counts[0]}
guest: ${counts[1]}"
	fi
done
echo "# Totals: pass:$((ktap_n - ktap_fail - ${ktap_todo:-0})) fail:$ktap_fail xfail:${ktap_todo:-0} xpass:0 skip:0 error:0"
ktap_end perf
