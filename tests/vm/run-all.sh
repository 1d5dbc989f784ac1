#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: tests/vm/run-all.sh BUILD_DIR      (inside the lab VM: make check-vm)
#
# Runs every VM test: BUILD_DIR/tests/vm/*_test (kselftest harness binaries) and
# tests/vm/*_test.sh (scripts driving the revokestorm binary).  Prints each one's KTAP and
# a closing line "vm: N passed, N failed, N skipped"; exits 1 if anything failed.
set -u
build=${1:?usage: run-all.sh BUILD_DIR}
pass=0 fail=0 skip=0 xfail=0 failed=()
log=${RS_OUT:-/tmp}/vm-tests
mkdir -p "$log"
for t in "$build"/tests/vm/*_test tests/vm/*_test.sh; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	echo "# vm: running $name"
	start=$(date +%s)
	"$t" >"$log/$name.log" 2>&1
	rc=$?
	cat "$log/$name.log"
	p=$(grep -c '^ok ' "$log/$name.log")
	s=$(grep -c '^ok .*# SKIP' "$log/$name.log")
	f=$(grep '^not ok ' "$log/$name.log" | grep -vc '# TODO')
	x=$(grep -c '^not ok .*# TODO' "$log/$name.log")	# KTAP: a known bug, expected to fail
	pass=$((pass + p - s)) skip=$((skip + s)) fail=$((fail + f)) xfail=$((xfail + x))
	# A test binary that crashed or exited non-zero without a "not ok" still fails.
	if [ $rc -ne 0 ] && [ $rc -ne 4 ] && [ "$f" = 0 ]; then
		fail=$((fail + 1))
	fi
	if [ $rc -ne 0 ] && [ $rc -ne 4 ]; then
		failed+=("$name")
	fi
	echo "# vm: $name: exit $rc, ok $((p - s)), not ok $f, skip $s, todo $x, $(($(date +%s) - start))s"
done
[ ${#failed[@]} -eq 0 ] || echo "# vm: failed: ${failed[*]}"
[ $xfail = 0 ] || echo "# vm: $xfail known bugs still fail (not ok ... # TODO)"
echo "vm: $pass passed, $fail failed, $skip skipped"
[ ${#failed[@]} -eq 0 ]
