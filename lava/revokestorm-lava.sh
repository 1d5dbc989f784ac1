#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The run step of lava/revokestorm.yaml, on the device under test, after its install step
# (POSIX sh: a minimal rootfs has no python or jq).  Parameters come from the environment:
# SCENARIO DURATION ARGS RESULTS ARTIFACT_URL.  Reports with lava-test-case and
# lava-test-reference when they exist (inside LAVA), else prints what it would report.
set -u
SCENARIO=${SCENARIO:-/usr/share/revokestorm/scenarios/smoke.ini}
RESULTS=${RESULTS:-/tmp/revokestorm-results}
case_() {	# case_ NAME RESULT [MEASUREMENT UNITS]
	if command -v lava-test-case >/dev/null 2>&1; then
		if [ $# -ge 4 ]; then
			lava-test-case "$1" --result "$2" --measurement "$3" --units "$4"
		else
			lava-test-case "$1" --result "$2"
		fi
	else
		echo "lava-test-case $*"
	fi
}

if ! command -v revokestorm >/dev/null 2>&1; then
	echo "revokestorm is not installed (see the revokestorm-install case)"
	exit 0
fi

# --- the kernel interfaces a minimal init may not have mounted
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null

# --- run
rm -rf "$RESULTS"
mkdir -p "$(dirname "$RESULTS")"
# shellcheck disable=SC2086 # ARGS is a list of arguments
revokestorm run "$SCENARIO" ${DURATION:+--duration "$DURATION"} --results "$RESULTS" -q \
	${ARGS:-} >/tmp/revokestorm.ktap 2>/tmp/revokestorm.log
rc=$?
cat /tmp/revokestorm.ktap
tail -n 20 /tmp/revokestorm.log
cp /tmp/revokestorm.ktap /tmp/revokestorm.log "$RESULTS/" 2>/dev/null

# --- every KTAP point a test case; a pair's "# NAME: N cycles, revoke p50 A p99 B, restore
# p99 C, ..." line gives its measurements (in microseconds)
us() {	# a duration with its unit (ns, us, ms, s) in microseconds
	echo "$1" | awk '{ v = $1 + 0; u = $1; sub(/^[0-9.]+/, "", u)
		m = (u == "ns") ? 0.001 : (u == "us") ? 1 : (u == "ms") ? 1000 : (u == "s") ? 1000000 : -1
		if (m < 0) print ""; else printf "%.3f\n", v * m }'
}
grep -E '^(not )?ok [0-9]+ ' /tmp/revokestorm.ktap | while read -r line; do
	name=$(echo "$line" | sed -E 's/^(not )?ok [0-9]+ ([^ #]+).*/\2/')
	case $line in
	"not ok "*) res=fail ;;
	*"# SKIP"*|*"# skip"*) res=skip ;;
	*) res=pass ;;
	esac
	diag=$(grep -F "# $name: " /tmp/revokestorm.ktap | grep ' cycles' | head -n 1)
	p99=$(echo "$diag" | sed -nE 's/.*revoke p50 [^ ]+ p99 ([0-9.]+[a-z]+).*/\1/p')
	rp99=$(echo "$diag" | sed -nE 's/.*restore p99 ([0-9.]+[a-z]+).*/\1/p')
	cycles=$(echo "$diag" | sed -nE "s/^# $name: ([0-9]+) cycles.*/\1/p")
	if [ -n "$p99" ] && [ -n "$(us "$p99")" ]; then
		case_ "$name" "$res" "$(us "$p99")" us
	else
		case_ "$name" "$res"
	fi
	[ -n "$cycles" ] && case_ "$name.cycles" pass "$cycles" cycles
	[ -n "$rp99" ] && [ -n "$(us "$rp99")" ] && case_ "$name.restore-p99" pass "$(us "$rp99")" us
done
case $rc in
0|1) case_ revokestorm-exit pass ;;	# 1: a failure was found, reported by its points
4) case_ revokestorm-exit skip ;;	# nothing could run here
*) case_ revokestorm-exit fail ;;
esac

# --- the results directory as an artifact
tar -C "$(dirname "$RESULTS")" -czf /tmp/revokestorm-results.tar.gz "$(basename "$RESULTS")"
if [ -n "${ARTIFACT_URL:-}" ] && curl -fsS -T /tmp/revokestorm-results.tar.gz "$ARTIFACT_URL"; then
	if command -v lava-test-reference >/dev/null 2>&1; then
		lava-test-reference revokestorm-results --result pass --reference "$ARTIFACT_URL"
	fi
else
	echo "revokestorm-artifact begin $(basename "$RESULTS").tar.gz"
	base64 /tmp/revokestorm-results.tar.gz
	echo "revokestorm-artifact end"
fi
exit 0
