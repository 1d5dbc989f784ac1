#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: tests/vm/run-all.sh [--strict] BUILD_DIR [NAME[:TEST,...]...]   (inside the lab
#        VM: make check-vm, make check-findings)
#
# Runs every VM test: BUILD_DIR/tests/vm/*_test (kselftest harness binaries) and
# tests/vm/*_test.sh (scripts driving the revokestorm binary); with NAMEs, only those
# binaries, and of a NAME:TEST,... only those tests (the harness's -t).  Prints each
# one's KTAP and a closing line "vm: N passed, N failed, N skipped"; exits 1 if
# anything failed, or if a named binary does not exist.  --strict: each named TEST must
# also pass at least once (in some variant): a test that only skipped checked nothing.
set -u
strict=0
[ "${1:-}" = --strict ] && { strict=1; shift; }
build=${1:?usage: run-all.sh [--strict] BUILD_DIR [NAME[:TEST,...]...]}
shift
export RS_BUILD=$build	# the binary the script tests (tests/vm/*_test.sh) run
pass=0 fail=0 skip=0 xfail=0 failed=()
log=${RS_OUT:-/tmp}/vm-tests
mkdir -p "$log"
runs=()
if [ $# -eq 0 ]; then
	for t in "$build"/tests/vm/*_test tests/vm/*_test.sh; do
		[ -x "$t" ] && runs+=("$t")
	done
else
	for sel in "$@"; do
		t=$build/tests/vm/${sel%%:*}
		[ -x "$t" ] || t=tests/vm/${sel%%:*}
		if [ ! -x "$t" ]; then
			echo "# vm: no test ${sel%%:*} in $build/tests/vm or tests/vm"
			failed+=("${sel%%:*}") fail=$((fail + 1))
			continue
		fi
		runs+=("$t${sel#"${sel%%:*}"}")
	done
fi
for run in "${runs[@]}"; do
	t=${run%%:*} args=()
	if [ "$run" != "$t" ]; then
		IFS=, read -r -a tests <<<"${run#*:}"
		for n in "${tests[@]}"; do args+=(-t "$n"); done
	fi
	name=$(basename "$t")
	echo "# vm: running $name${args[*]:+ ${args[*]}}"
	start=$(date +%s)
	"$t" "${args[@]}" >"$log/$name.log" 2>&1
	rc=$?
	cat "$log/$name.log"
	p=$(grep -c '^ok ' "$log/$name.log")
	s=$(grep -c '^ok .*# SKIP' "$log/$name.log")
	f=$(grep '^not ok ' "$log/$name.log" | grep -vc '# TODO')
	x=$(grep -c '^not ok .*# TODO' "$log/$name.log")	# KTAP: a known bug, expected to fail
	# KTAP "1..0 # SKIP reason": skipped as a whole, one skip
	if [ $((p + f + x)) = 0 ] && grep -q '^1\.\.0 *# *SKIP' "$log/$name.log"; then
		p=1 s=1
	fi
	pass=$((pass + p - s)) skip=$((skip + s)) fail=$((fail + f)) xfail=$((xfail + x))
	# A test binary that crashed or exited non-zero without a "not ok" still fails.
	if [ $rc -ne 0 ] && [ $rc -ne 4 ] && [ "$f" = 0 ]; then
		fail=$((fail + 1))
	fi
	# One that printed no result line at all checked nothing, whatever its exit code.
	if [ $((p + f + x)) = 0 ]; then
		echo "# vm: $name: exit $rc with no result line: it checked nothing"
		[ $rc -ne 0 ] && [ $rc -ne 4 ] || fail=$((fail + 1))
		rc=1
	fi
	if [ $rc -ne 0 ] && [ $rc -ne 4 ]; then
		failed+=("$name")
	fi
	echo "# vm: $name: exit $rc, ok $((p - s)), not ok $f, skip $s, todo $x, $(($(date +%s) - start))s"
	if [ $strict = 1 ] && [ "$run" != "$t" ]; then
		for n in "${tests[@]}"; do
			grep -v '# SKIP' "$log/$name.log" | grep -Eq "^ok [0-9]+ .*\.$n\$" && continue
			echo "# vm: $name: $n never passed (only skipped?): it checked nothing"
			fail=$((fail + 1)) failed+=("$name:$n")
		done
	fi
done
[ ${#failed[@]} -eq 0 ] || echo "# vm: failed: ${failed[*]}"
[ $xfail = 0 ] || echo "# vm: $xfail known bugs still fail (not ok ... # TODO)"
echo "vm: $pass passed, $fail failed, $skip skipped"
[ ${#failed[@]} -eq 0 ]
