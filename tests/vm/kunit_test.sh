#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: tests/vm/kunit_test.sh       (inside the lab VM: make check-vm runs it)
#
# The series' KUnit suite "dma-buf-revoke" (kernel-patches/0003, drivers/dma-buf/
# st-dma-buf-revoke.c) is built into the lab kernel without autorun (vm/config/lab.config);
# this runs it through debugfs, keeps its KTAP in $RS_OUT/kunit-SUITE.ktap, and parses it
# with the kernel tree's tools/testing/kunit/kunit.py parse.  Prints KTAP: one line per test
# case as kunit.py saw it.  Exit 0 all passed, 1 a case failed or the output did not parse,
# 4 skipped (the kernel has no such suite, or no kunit.py to parse it with).
set -u
suites=(dma-buf-revoke)
out=${RS_OUT:-/tmp}
kunit=${RS_KUNIT_DEBUGFS:-/sys/kernel/debug/kunit}	# tests/lab: a stand-in directory

skip() {
	echo "1..1"
	echo "ok 1 kunit # SKIP $*"
	exit 4
}

echo "TAP version 13"
[ -d "$kunit" ] || skip "no $kunit: kernel without CONFIG_KUNIT_DEBUGFS (or debugfs not mounted)"
for s in "${suites[@]}"; do
	[ -d "$kunit/$s" ] || skip "kernel has no KUnit suite $s (kernel-patches/ not applied?)"
done
# KSRC (make check-vm passes it), else the tree the lab kernel was built from
# (vm/build-kernel.sh's info), else the cached source
ksrc=${KSRC:-$(awk '$1 == "source" {print $2}' "${RS_KERNEL:-/nonexistent}/info" 2>/dev/null)}
[ -n "$ksrc" ] || ksrc=$(RS_NO_FETCH=1 vm/fetch-source.sh 2>/dev/null)
kunitpy=$ksrc/tools/testing/kunit/kunit.py
[ -f "$kunitpy" ] || skip "no kunit.py to parse the results with (kernel tree '$ksrc')"
command -v python3 >/dev/null || skip "no python3 for kunit.py"

n=0 fail=0 lines=()
for s in "${suites[@]}"; do
	ktap=$out/kunit-$s.ktap
	start=$(date +%s)
	echo 1 >"$kunit/$s/run"
	cat "$kunit/$s/results" >"$ktap"
	echo "# kunit: $s ran in $(($(date +%s) - start))s; KTAP in $ktap"
	python3 "$kunitpy" parse --json="$out/kunit-$s.json" "$ktap" >"$out/kunit-$s.txt" 2>&1
	rc=$?
	sed 's/^/# /' "$out/kunit-$s.txt"
	# one KTAP line per case, from kunit.py's own reading of the output (through a
	# file, not <(...): the guest has no /dev/fd)
	got=()
	python3 - "$out/kunit-$s.json" "$s" >"$out/kunit-$s.lines" <<'PY'
import json, sys
try:
    root = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    print("not ok %s # kunit.py wrote no results: %s" % (sys.argv[2], e))
    sys.exit(0)
def walk(g, prefix):
    for c in g.get("test_cases", []):
        st = c.get("status")
        name = prefix + c.get("name", "?")
        if st == "PASS":
            print("ok " + name)
        elif st == "SKIP":
            print("ok %s # SKIP" % name)
        else:
            print("not ok %s # %s" % (name, st))
    for sub in g.get("sub_groups", []):
        walk(sub, sub.get("name", "?") + ".")
walk(root, "")
PY
	mapfile -t got <"$out/kunit-$s.lines"
	[ ${#got[@]} -gt 0 ] || got=("not ok $s # no test case in the results")
	[ $rc = 0 ] || printf '%s\n' "${got[@]}" | grep -q '^not ok' ||
		got+=("not ok $s # kunit.py parse exited $rc")
	lines+=("${got[@]}")
done
[ ${#lines[@]} -gt 0 ] || lines=("not ok kunit # no result from any suite")
echo "1..${#lines[@]}"
for l in "${lines[@]}"; do
	n=$((n + 1))
	case $l in
	"not ok "*) fail=1; echo "not ok $n ${l#not ok }" ;;
	*) echo "ok $n ${l#ok }" ;;
	esac
done
exit $fail
